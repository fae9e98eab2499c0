"""True peak: the 4x oversampled signal's peak per frame, streaming and mostly sparse.

Interpolation (a 97-tap windowed-sinc, split into 4 phases) is only computed next to
frames whose sample value reaches `floor`: between two samples well below it no
band-limited signal can climb to it, so the frame's own sample value stands in.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

FACTOR = 4
TAPS = 97  # odd, centred on a multiple of 4: phase 0 is the input itself
HALF = (TAPS - 1) // 2 // FACTOR  # 12 frames either side
# a windowed-sinc low-pass at the original Nyquist (Kaiser, beta 7), unity gain at DC per phase
_offsets = np.arange(TAPS) - (TAPS - 1) / 2
_lowpass = np.sinc(_offsets / FACTOR) * np.kaiser(TAPS, 7.0)
_taps = _lowpass / _lowpass.sum() * FACTOR
# phase p gives the value p/4 of a frame after frame m from frames m-11 .. m+12
PHASES = np.stack([_taps[p::FACTOR][::-1] for p in range(1, FACTOR)], axis=1)  # (24, 3)


def frame_peaks(frames: np.ndarray) -> np.ndarray:
    """Largest absolute value of each frame over its channels (numpy's max over a short
    last axis is slow; a running maximum over channels is not)."""
    peak = np.abs(frames[:, 0])
    for channel in range(1, frames.shape[1]):
        np.maximum(peak, np.abs(frames[:, channel]), out=peak)
    return peak


class TruePeak:
    """Output frame n describes input frame n; the last HALF frames come out a call later."""

    def __init__(self, channels: int):
        self._buffer = np.zeros((HALF, channels), dtype=np.float32)

    def envelope(self, chunk: np.ndarray, floor: float = 0.0) -> np.ndarray:
        """Per frame, the largest absolute value over channels from that frame to the next."""
        frames = np.concatenate([self._buffer, chunk])
        start, stop = HALF, len(frames) - HALF
        self._buffer = frames[max(stop - HALF, 0) :]
        if stop <= start:
            self._buffer = frames
            return np.zeros(0)
        level = frame_peaks(frames)
        peak = level[start:stop].copy()
        nearby = np.maximum(level[start:stop], level[start + 1 : stop + 1])
        candidates = np.flatnonzero(nearby >= floor)
        if len(candidates):
            windows = sliding_window_view(frames, 2 * HALF, axis=0)  # (n, channels, 24)
            picked = windows[candidates + start - HALF + 1].astype(np.float64)
            between = np.abs(picked @ PHASES).max(axis=(1, 2))
            peak[candidates] = np.maximum(peak[candidates], between)
        return peak

    def flush(self) -> np.ndarray:
        return self.envelope(np.zeros((HALF, self._buffer.shape[1]), dtype=np.float32))
