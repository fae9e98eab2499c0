"""A look-ahead true-peak limiter, streaming, vectorised with numpy.

Gain is computed in dB per frame from the 4x oversampled peak envelope:
  required = min(0, ceiling - peak)
  attack   = moving average over L of the moving minimum over L (look-ahead L frames),
             which reaches `required` exactly at each peak and ramps smoothly before it;
  release  = recovery at a fixed dB/s rate, the running minimum of (attack + rate * age).
Every stage is causal with carried state, so the output is the input delayed by L - 1 frames,
realigned here so that output frame n is input frame n.
"""

from __future__ import annotations

import numpy as np

from clgtv.audio.peaks import TruePeak

LOOKAHEAD_S = 0.005
RELEASE_DB_PER_S = 40.0
SPARSE_MARGIN_DB = 4.0  # oversample only near frames within this of the ceiling


class Limiter:
    def __init__(self, ceiling_db: float, sample_rate: int, channels: int):
        self.ceiling_db = ceiling_db
        self._length = int(sample_rate * LOOKAHEAD_S) | 1  # odd, so the window has a centre
        self._release = RELEASE_DB_PER_S / sample_rate
        self._true_peak = TruePeak(channels)
        self._skip_envelope = self._length - 1
        self._floor = 10 ** ((ceiling_db - SPARSE_MARGIN_DB) / 20)
        self._ceiling = 10 ** (ceiling_db / 20)
        self._history = np.zeros(2 * (self._length - 1))  # last required / minimum values
        self._audio = np.zeros((0, channels), dtype=np.float32)
        self._gains = np.zeros(0)
        self._last_gain = 0.0
        self.max_reduction_db = 0.0

    def process(self, chunk: np.ndarray) -> np.ndarray:
        self._audio = np.concatenate([self._audio, chunk])
        self._add_envelope(self._true_peak.envelope(chunk, self._floor))
        return self._emit()

    def flush(self) -> np.ndarray:
        self._add_envelope(self._true_peak.flush())
        self._add_envelope(np.zeros(self._length - 1))  # lets the last frames' gain settle
        out = self._emit()
        assert not len(self._audio), "limiter lost frames"
        return out

    def _add_envelope(self, peak: np.ndarray) -> None:
        required = np.zeros(len(peak))
        over = np.flatnonzero(peak > self._ceiling)  # few frames: the logarithm only where needed
        required[over] = self.ceiling_db - 20 * np.log10(peak[over])
        gains = self._attack(required)
        if self._skip_envelope:
            dropped = min(self._skip_envelope, len(gains))
            gains = gains[dropped:]
            self._skip_envelope -= dropped
        self._gains = np.concatenate([self._gains, gains])

    def _attack(self, required: np.ndarray) -> np.ndarray:
        """Causal moving minimum then causal moving average, both over L frames."""
        size = self._length
        keep = size - 1
        if not required.any() and not self._history.any():  # nothing near the ceiling: no gain change
            return np.zeros(len(required))
        padded = np.concatenate([self._history[:keep], required])
        minimum = window_minimum(padded, size)  # the causal minimum ending at i + keep
        stacked = np.concatenate([self._history[keep:], minimum])
        sums = np.cumsum(np.concatenate([[0.0], stacked]))
        average = (sums[size:] - sums[:-size]) / size
        self._history = np.concatenate([padded[-keep:], stacked[-keep:]])
        return average

    def _emit(self) -> np.ndarray:
        count = min(len(self._gains), len(self._audio))
        attack = self._gains[:count]
        if self._last_gain == 0 and not attack.any():  # nothing to limit: the audio passes untouched
            return self._take(count)
        ramp = self._release * np.arange(1, count + 1)
        released = np.minimum.accumulate(np.concatenate([[self._last_gain], attack - ramp]))[1:] + ramp
        gain_db = np.minimum(attack, released)
        if count:
            self._last_gain = float(gain_db[-1])
            self.max_reduction_db = max(self.max_reduction_db, float(-gain_db.min()))
        out = self._take(count)
        if (reduced := np.flatnonzero(gain_db < 0)).size:
            out = out.copy()
            out[reduced] *= (10 ** (gain_db[reduced] / 20)).astype(np.float32)[:, None]
        return out

    def _take(self, count: int) -> np.ndarray:
        """The next `count` frames of audio, their gains consumed with them."""
        out = self._audio[:count]
        self._audio = self._audio[count:]
        self._gains = self._gains[count:]
        return out


def window_minimum(values: np.ndarray, size: int) -> np.ndarray:
    """min(values[i : i + size]) for every full window, in three passes whatever the size (van Herk and
    Gil-Werman): a window spans the end of one block of `size` and the start of the next."""
    count = len(values) - size + 1
    if count <= 0:
        return np.zeros(0)
    blocks = np.full(-(-len(values) // size) * size, np.inf)
    blocks[: len(values)] = values
    shaped = blocks.reshape(-1, size)
    from_start = np.minimum.accumulate(shaped, axis=1).ravel()
    to_end = np.minimum.accumulate(shaped[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(to_end[:count], from_start[size - 1 : size - 1 + count])
