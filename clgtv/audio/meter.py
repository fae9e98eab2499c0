"""A streaming loudness meter: ITU-R BS.1770-4 integrated loudness and true peak,
EBU Tech 3342 loudness range. Memory holds one number per 100 ms, never the audio.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clgtv.audio import ffmpeg
from clgtv.audio.iir import Biquads
from clgtv.audio.peaks import TruePeak

ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0
LRA_RELATIVE_GATE = -20.0
# BS.1770 channel weights in ffmpeg's channel order (FL FR FC LFE BL BR SL SR); LFE is excluded
WEIGHTS = {
    1: (1.0,),
    2: (1.0, 1.0),
    3: (1.0, 1.0, 1.0),
    4: (1.0, 1.0, 1.41, 1.41),
    5: (1.0, 1.0, 1.0, 1.41, 1.41),
    6: (1.0, 1.0, 1.0, 0.0, 1.41, 1.41),
    7: (1.0, 1.0, 1.0, 0.0, 1.41, 1.41, 1.0),
    8: (1.0, 1.0, 1.0, 0.0, 1.41, 1.41, 1.41, 1.41),
}


@dataclass(frozen=True)
class Loudness:
    integrated: float  # LUFS; -inf for silence
    range: float  # LU
    true_peak: float  # dBTP
    sample_peak: float  # dBFS
    duration: float  # seconds

    def as_dict(self) -> dict[str, float | None]:
        def clean(value: float) -> float | None:
            return round(value, 2) if math.isfinite(value) else None

        return {
            "integrated_lufs": clean(self.integrated),
            "range_lu": clean(self.range),
            "true_peak_dbtp": clean(self.true_peak),
            "sample_peak_dbfs": clean(self.sample_peak),
            "duration_s": round(self.duration, 3),
        }


def k_weighting(sample_rate: int) -> np.ndarray:
    """The BS.1770 pre-filter (shelf + RLB high-pass) as second-order sections for any rate."""
    k = math.tan(math.pi * 1681.974450955533 / sample_rate)
    q = 0.7071752369554196
    vh = 10 ** (3.999843853973347 / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = [(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]
    shelf += [1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    k = math.tan(math.pi * 38.13547087602444 / sample_rate)
    q = 0.5003270373238773
    a0 = 1 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    return np.array([shelf, highpass])


class LoudnessMeter:
    """Feed float chunks shaped (frames, channels); ask for the result at the end."""

    def __init__(self, sample_rate: int, channels: int):
        self.sample_rate = sample_rate
        # float32 filtering: within 0.01 LU of float64 on speech and tones
        self._k_weighting = Biquads(k_weighting(sample_rate), channels)
        self._weights = np.array(WEIGHTS.get(channels, (1.0,) * channels), dtype=np.float32)
        self._true_peak = TruePeak(channels)
        self._peak = 0.0
        self._sample_peak = 0.0
        self._frames = 0
        self._pending = np.zeros(0, dtype=np.float32)
        self._segments = array("d")  # weighted energy of each 100 ms segment
        self._segment_frames = array("d")

    def feed(self, chunk: np.ndarray) -> None:
        if not len(chunk):
            return
        chunk = chunk.astype(np.float32, copy=False)
        self._feed_peaks(chunk)
        power = np.square(self._k_weighting(chunk)) @ self._weights
        start = self._frames - len(self._pending)
        self._frames += len(chunk)
        self._pending = np.concatenate([self._pending, power])
        self._cut_segments(start)

    def _feed_peaks(self, chunk: np.ndarray) -> None:
        self._sample_peak = max(self._sample_peak, float(np.abs(chunk).max()))
        self._peak = max(self._peak, self._sample_peak)
        self._peak = max(self._peak, float(self._true_peak.envelope(chunk, self._peak / 2).max(initial=0.0)))

    def _cut_segments(self, start: int) -> None:
        """Split pending per-frame power at 100 ms boundaries (exact for any sample rate)."""
        first = len(self._segments)
        bounds = []
        index = first + 1
        while (edge := round(index * self.sample_rate / 10)) <= self._frames:
            bounds.append(edge - start)
            index += 1
        if not bounds:
            return
        edges = np.array([round(first * self.sample_rate / 10) - start, *bounds])
        sums = np.add.reduceat(self._pending[: edges[-1]], edges[:-1], dtype=np.float64)
        self._segments.frombytes(sums.tobytes())  # float64 already: reduceat's dtype
        self._segment_frames.frombytes(np.diff(edges).astype(np.float64).tobytes())
        self._pending = self._pending[edges[-1] :]

    def segments(self) -> tuple[np.ndarray, np.ndarray]:
        """K-weighted energy and frame count of each complete 100 ms segment so far."""
        return np.array(self._segments), np.array(self._segment_frames)

    def result(self) -> Loudness:
        """The loudness of everything fed; ends the true peak (feed nothing after)."""
        self._peak = max(self._peak, float(self._true_peak.flush().max(initial=0.0)))
        energy, frames = self.segments()
        return Loudness(
            integrated=integrated_loudness(energy, frames),
            range=_loudness_range(_blocks(energy, frames, 30)),
            true_peak=_db(self._peak),
            sample_peak=_db(self._sample_peak),
            duration=self._frames / self.sample_rate,
        )


def _blocks(energy: np.ndarray, frames: np.ndarray, segments: int) -> np.ndarray:
    """Mean square of each window of `segments` x 100 ms, hopping 100 ms."""
    if len(energy) < segments:
        return np.zeros(0)
    kernel = np.ones(segments)
    return np.convolve(energy, kernel, "valid") / np.convolve(frames, kernel, "valid")


def integrated_loudness(energy: np.ndarray, frames: np.ndarray) -> float:
    """BS.1770 gated loudness from 100 ms segment energies (400 ms blocks, 75 % overlap)."""
    return _gated_loudness(_blocks(energy, frames, 4), RELATIVE_GATE)


def lufs(power: np.ndarray | float) -> np.ndarray | float:
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(power)


def _gated_loudness(power: np.ndarray, relative: float) -> float:
    kept = power[lufs(power) > ABSOLUTE_GATE]
    if not len(kept):
        return -math.inf
    threshold = float(lufs(kept.mean())) + relative
    kept = kept[lufs(kept) > threshold]
    return float(lufs(kept.mean()))


def _loudness_range(power: np.ndarray) -> float:
    kept = power[lufs(power) > ABSOLUTE_GATE]
    if not len(kept):
        return 0.0
    threshold = float(lufs(kept.mean())) + LRA_RELATIVE_GATE
    levels = lufs(kept[lufs(kept) > threshold])
    low, high = np.percentile(levels, [10, 95])
    return float(high - low)


def mono(chunk: np.ndarray) -> np.ndarray:
    """The mean of a float32 (frames, channels) chunk's channels, the same numbers as `chunk.mean(axis=1)`
    but summed a channel at a time: numpy's mean over a short inner axis is far slower."""
    total = chunk[:, 0].astype(np.float32)
    for channel in range(1, chunk.shape[1]):
        total += chunk[:, channel]
    return total / chunk.shape[1] if chunk.shape[1] > 1 else total


def _db(amplitude: float) -> float:
    return 20 * math.log10(amplitude) if amplitude > 0 else -math.inf


def measure(path: Path) -> Loudness:
    """Loudness of a file as it is (its own rate and channels)."""
    info = ffmpeg.probe(path)
    meter = LoudnessMeter(info.sample_rate, info.channels)
    for chunk in ffmpeg.decode(path, info.sample_rate, info.channels):
        meter.feed(chunk)
    return meter.result()
