"""Broadband noise: its spectrum measured in the measuring pass, turned down in the render by a spectral gate.

A room's noise is steady: the same hiss and air under every word. The measuring pass keeps, for each
short frame of a mono copy, its power spectrum, summed into a histogram of the frames' levels; at the
end the noise floor is the quietest tenth's level, and the noise's spectrum the mean of the frames
near it. The render takes the audio through a short-time Fourier transform (FRAME_S frames, half
overlapping, square-root Hann windows in and out, so that with no gain the output is the input); in
each bin, where the power (smoothed over neighbouring bins and, releasing, over time) stands less than
OPEN_DB above the noise's, the gain falls, down to `strength` dB below unity where it is no higher
than the noise. The power is the channels' mix's, as the noise was measured; every channel takes the
same gains, so the stereo image stays. The strength is the
most it takes off: the noise is turned down by that much, never gated to silence, which is what
keeps the artefacts (the "musical" tones of noise left in isolated bins, "underwater" speech) under
the noise that remains. The render measures the pauses before and after: the reduction reported is
heard, not computed from the gains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from clgtv.audio.leveller import GainPlan
from clgtv.audio.meter import lufs, mono
from clgtv.settings import NOISE_MAX_DB

FRAME_S = 0.021  # about 1024 samples at 44.1 and 48 kHz: a few pitch periods, finer than a phoneme
FLOOR_PERCENTILE = 10  # the noise floor: the level of the quietest tenth of the frames
PROFILE_DB = 3.0  # frames within this of the floor make up the noise's spectrum
SILENCE_DB = -120.0  # frames quieter than this are digital silence, not room noise
LEVEL_BINS = (-120.0, 20.0, 0.5)  # the histogram of frame levels, in dB: low, high, step
OPEN_DB = 9.0  # a bin this far above the noise passes untouched
CLOSED_DB = 3.0  # a bin no more than this above it takes the whole strength
RELEASE = 0.92  # per hop: how slowly a bin's level falls back (about 140 ms), so that words' tails are kept
PAUSES_BELOW_DB = 35.0  # `auto` aims the pauses this far below the programme
MIN_AUTO_DB = 8.0  # `auto`: less than this to take off, and nothing is done (see bench/README.md)
PAUSE_DB = 3.0  # pauses: the 100 ms segments within this of the quietest tenth's level
HEARD_DB = 1.0  # the render's pauses: frames no more than this over the noise's power, before the gate
SETTLE_S = 0.3  # and after this long of them
LINE_BINS = 4  # a steady line's power taken from this many bins either side of it (the window's main lobe and more)
LINE_LEFT = (
    0.01  # and at least this much of each bin's power left (a line 30 dB over the noise is known to a tenth of a dB)
)
NOISE_LEFT = 0.01  # a segment that seems to hold nothing but noise keeps this much of its energy


@dataclass(frozen=True)
class NoiseFloor:
    """The measuring pass's finding: the floor's level and the noise's power spectrum."""

    level_db: float  # dBFS (mean square of the mono mix), the quietest tenth's
    frequencies: np.ndarray  # Hz
    density: np.ndarray  # power per Hz at each frequency, for any window and rate

    def without_lines(self, lines: list[tuple[float, float]]) -> NoiseFloor:
        """This spectrum less steady sines (frequency in Hz, mean square) that the render takes out before
        the gate, as the hum's notches do: what the gate is to compare with."""
        length = round(2 * (len(self.frequencies) - 1))
        rate = self.frequencies[-1] * 2
        window = _window(length).astype(np.float64)
        times = np.arange(length) / rate
        density = self.density.copy()
        for frequency, power in lines:
            near = np.flatnonzero(np.abs(self.frequencies - frequency) <= LINE_BINS * rate / length)
            offsets = self.frequencies[near] - frequency
            response = np.abs(np.exp(-2j * math.pi * np.outer(offsets, times)) @ window) ** 2
            density[near] -= power / 2 * response / (float(np.sum(window**2)) * rate)
        return NoiseFloor(self.level_db, self.frequencies, np.maximum(density, self.density * LINE_LEFT))

    def expected(self, frequencies: np.ndarray, window: np.ndarray, sample_rate: int) -> np.ndarray:
        """The noise's mean power in each bin of a transform with `window` at `sample_rate`."""
        return np.interp(frequencies, self.frequencies, self.density) * float(np.sum(window**2)) * sample_rate


@dataclass(frozen=True)
class Noise:
    """What the render does about the noise, and what it heard."""

    setting: str  # auto, off, or a strength in dB as given
    floor_db: float | None  # the measured floor, dBFS; None: not measured (off)
    strength_db: float  # 0: nothing done
    pauses_below_db: float | None = None  # the pauses' loudness below the programme as planned, before the gate
    reduction_db: float | None = None  # heard in the render: the pauses' level before the gate minus after
    spectrum: NoiseFloor | None = None

    @property
    def active(self) -> bool:
        return self.strength_db > 0 and self.spectrum is not None

    def as_dict(self) -> dict:
        def rounded(value: float | None) -> float | None:
            return None if value is None or not math.isfinite(value) else round(value, 1)

        if self.setting == "off":
            return {"setting": "off"}
        return {
            "setting": self.setting,
            "floor_dbfs": rounded(self.floor_db),
            "pauses_below_programme_db": rounded(self.pauses_below_db),
            "strength_db": round(self.strength_db, 1),
            "reduction_db": rounded(self.reduction_db),
        }


def frame_length(sample_rate: int) -> int:
    """FRAME_S rounded to a power of two, for the fast transform."""
    return 2 ** round(math.log2(FRAME_S * sample_rate))


def _window(length: int) -> np.ndarray:
    """The square root of a periodic Hann window: at half overlap, in and out, its squares sum to one."""
    return np.sqrt(0.5 - 0.5 * np.cos(2 * math.pi * np.arange(length) / length)).astype(np.float32)


class NoiseMeter:
    """The noise floor and spectrum of a recording, from float32 (frames, channels) chunks."""

    def __init__(self, sample_rate: int):
        self.rate = sample_rate
        self._length = frame_length(sample_rate)
        self._window = _window(self._length)
        low, high, step = LEVEL_BINS
        bins = round((high - low) / step) + 1
        self._counts = np.zeros(bins, dtype=np.int64)
        self._spectra = np.zeros((bins, self._length // 2 + 1))
        self._carry = np.zeros(0, dtype=np.float32)

    def feed(self, chunk: np.ndarray) -> None:
        mixed = mono(chunk)
        samples = np.concatenate([self._carry, mixed]) if len(self._carry) else mixed
        whole = len(samples) - len(samples) % self._length
        self._carry = samples[whole:].copy()
        frames = samples[:whole].reshape(-1, self._length)
        if not len(frames):
            return
        power = np.einsum("ij,ij->i", frames, frames, dtype=np.float64) / self._length
        with np.errstate(divide="ignore", invalid="ignore"):
            levels = 10 * np.log10(power)
        heard = np.isfinite(levels) & (levels > SILENCE_DB)
        if not heard.any():
            return
        low, _, step = LEVEL_BINS
        index = np.clip(((levels[heard] - low) / step).astype(int), 0, len(self._counts) - 1)
        self._counts += np.bincount(index, minlength=len(self._counts))
        order = np.argsort(index, kind="stable")  # each level's frames together, summed at once
        index = index[order]
        spectra = np.fft.rfft(frames[np.flatnonzero(heard)[order]] * self._window, axis=1)
        power = spectra.real**2 + spectra.imag**2
        starts = np.flatnonzero(np.diff(index, prepend=-1))
        self._spectra[index[starts]] += np.add.reduceat(power, starts, axis=0)

    def finish(self) -> NoiseFloor | None:
        """The floor and the noise's spectrum; None for a recording of digital silence (or nothing)."""
        counts = np.cumsum(self._counts)
        if not counts[-1]:
            return None
        low, _, step = LEVEL_BINS
        floor = int(np.searchsorted(counts, counts[-1] * FLOOR_PERCENTILE / 100))
        near = slice(0, floor + round(PROFILE_DB / step) + 1)
        mean = self._spectra[near].sum(axis=0) / max(self._counts[near].sum(), 1)
        density = mean / (float(np.sum(self._window.astype(np.float64) ** 2)) * self.rate)
        frequencies = np.fft.rfftfreq(self._length, 1 / self.rate)
        return NoiseFloor(low + step * floor, frequencies, density)


def pauses_below(energy: np.ndarray, frames: np.ndarray, plan: GainPlan, target: float) -> float:
    """How far below `target` (the programme's loudness) the pauses will be with the gain `plan`: the
    100 ms segments (K-weighted `energy`) within PAUSE_DB of the quietest tenth, with their gains, in the
    part of the recording the plan keeps (the silence trim aside)."""
    kept = np.zeros(len(energy), dtype=bool)
    kept[plan.first : plan.stop] = True
    gain_db = plan.gain_db
    quiet = _quiet(energy, frames) & kept
    if not quiet.any():
        return math.inf
    raised = np.sum(energy[quiet] * 10 ** (gain_db[quiet] / 10)) / np.sum(frames[quiet])
    return float(target - lufs(raised))


def without_noise(energy: np.ndarray, frames: np.ndarray, strength_db: float) -> np.ndarray:
    """The segments' energy once the gate has taken `strength_db` off the noise (the pauses' mean power),
    for the plan to be made for what the render leaves."""
    quiet = _quiet(energy, frames)
    if not quiet.any() or strength_db <= 0:
        return energy
    left = 10 ** (-strength_db / 10)
    noise = float(np.sum(energy[quiet]) / np.sum(frames[quiet])) * (1 - left)
    return np.maximum(energy - noise * frames, energy * max(left, NOISE_LEFT))


def _quiet(energy: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """The segments within PAUSE_DB of the quietest tenth's level (digital silence aside)."""
    power = energy / np.maximum(frames, 1)
    heard = power > 10 ** (SILENCE_DB / 10)
    if not heard.any():
        return heard
    with np.errstate(divide="ignore"):
        levels = 10 * np.log10(power)
    return heard & (levels <= float(np.percentile(levels[heard], FLOOR_PERCENTILE)) + PAUSE_DB)


def strength_for(setting: str, pauses_below_db: float) -> float:
    """The strength `setting` asks for: a number as given; `auto`, what brings pauses `pauses_below_db`
    under the programme down to PAUSES_BELOW_DB (nothing if they are nearly there already)."""
    if setting == "off":
        return 0.0
    if setting != "auto":
        return float(setting)
    needed = PAUSES_BELOW_DB - pauses_below_db
    return float(min(needed, NOISE_MAX_DB)) if needed >= MIN_AUTO_DB and math.isfinite(needed) else 0.0


class Gate:
    """The spectral gate over float32 (frames, channels) chunks: out comes the audio turned down where
    it is only noise, frame for frame in step with what went in (what is still in the transform comes
    out of `flush`)."""

    def __init__(self, floor: NoiseFloor, strength_db: float, sample_rate: int, channels: int):
        self._length = frame_length(sample_rate)
        self._hop = self._length // 2
        self._window = _window(self._length)
        frequencies = np.fft.rfftfreq(self._length, 1 / sample_rate)
        noise = floor.expected(frequencies, self._window, sample_rate)
        self._noise = np.maximum(_across(noise), 1e-30).astype(np.float32)
        self._deepest = np.float32(10 ** (-strength_db / 20))
        self._channels = channels
        # half a frame of silence before the start: the first samples are overlapped like every other
        self._pending = np.zeros((channels, self._hop), dtype=np.float32)
        self._tail = np.zeros((channels, self._hop), dtype=np.float32)
        self._skip = self._hop  # output samples that are that silence
        self._level = np.zeros(len(frequencies), dtype=np.float32)
        self._fed = self._emitted = 0
        self._pause = float(np.sum(noise)) * 10 ** (HEARD_DB / 10)  # a frame's power, at most, in a pause
        self._pauses = np.zeros(2)  # the pauses' power before and after the gate
        self._settle = round(SETTLE_S * sample_rate / self._hop)  # frames
        self._quiet_run = 0  # quiet frames just before this chunk's

    def __call__(self, chunk: np.ndarray) -> np.ndarray:
        self._fed += len(chunk)
        samples = np.concatenate([self._pending, chunk.T], axis=1)  # planar: each channel's samples together
        count = (samples.shape[1] - self._length) // self._hop + 1 if samples.shape[1] >= self._length else 0
        self._pending = samples[:, count * self._hop :]
        if not count:
            return np.zeros((0, self._channels), np.float32)
        return self._emit(self._frames(samples, count))

    def flush(self) -> np.ndarray:
        """The last samples, once the input has ended."""
        left = self._fed - self._emitted
        out = self(np.zeros((self._length, self._channels), dtype=np.float32))
        self._fed -= self._length
        return out[:left]

    def _frames(self, samples: np.ndarray, count: int) -> np.ndarray:
        """`count` frames from planar `samples`, gated and windowed again: (channels, frames, length)."""
        strides = (samples.strides[0], self._hop * samples.strides[1], samples.strides[1])
        frames = np.lib.stride_tricks.as_strided(samples, (self._channels, count, self._length), strides)
        spectra = np.fft.rfft(frames * self._window, axis=-1)
        # the channels' mix (one or two), what the noise was measured on: the same numbers as their mean
        mixed = spectra[0] if self._channels == 1 else (spectra[0] + spectra[1]) * np.float32(0.5)
        power = mixed.real**2 + mixed.imag**2
        gains = self.gains(power)
        self._hear(power, gains)
        spectra *= gains
        return np.fft.irfft(spectra, n=self._length, axis=-1) * self._window

    def gains(self, power: np.ndarray) -> np.ndarray:
        """Each frame's gain per bin from its power per bin (frames, bins)."""
        smoothed = _across(power.astype(np.float32))
        level = self._level
        for row in smoothed:  # rises at once, falls back at RELEASE per hop: a word's tail keeps its bins open
            np.maximum(row, level * RELEASE, out=row)
            level = row
        self._level = level.copy()
        with np.errstate(divide="ignore"):
            above = 10 * np.log10(smoothed / self._noise)
        opened = np.clip((above - CLOSED_DB) / (OPEN_DB - CLOSED_DB), 0.0, 1.0)
        return (self._deepest ** (1.0 - opened)).astype(np.float32)

    def _hear(self, power: np.ndarray, gains: np.ndarray) -> None:
        """The frames that are pauses (no more than HEARD_DB over the noise, for SETTLE_S already: a word's
        tail, held open by the release, has gone), their power before and after."""
        total = power.sum(axis=1)
        index = np.arange(len(total))
        quiet = (total <= self._pause) & (total > 0)
        last_loud = np.maximum.accumulate(np.where(quiet, -1 - self._quiet_run, index))
        self._quiet_run = len(total) - 1 - int(last_loud[-1])
        quiet &= index - last_loud > self._settle
        if quiet.any():
            self._pauses += (float(total[quiet].sum()), float((power[quiet] * gains[quiet] ** 2).sum()))

    @property
    def reduction_db(self) -> float | None:
        """How much lower the pauses are past the gate, in dB."""
        before, after = self._pauses
        return 10 * math.log10(before / after) if before > 0 and after > 0 else None

    def _emit(self, gated: np.ndarray) -> np.ndarray:
        """Overlap-add the gated (channels, frames, length) frames; the finished samples as (frames, channels),
        the leading silence dropped."""
        hop, count = self._hop, gated.shape[1]
        heads, tails = gated[:, :, :hop], gated[:, :, hop:]
        out = np.empty((count, hop, self._channels), dtype=np.float32)
        planar = out.transpose(2, 0, 1)  # the sums written straight into the channels' interleaving
        np.add(heads[:, 0], self._tail, out=planar[:, 0])
        np.add(heads[:, 1:], tails[:, :-1], out=planar[:, 1:])
        self._tail = tails[:, -1].copy()
        out = out.reshape(-1, self._channels)
        if self._skip:
            out, self._skip = out[self._skip :], max(self._skip - len(out), 0)
        self._emitted += len(out)
        return out


def _across(power: np.ndarray) -> np.ndarray:
    """Power smoothed over each bin and its neighbours (the last axis): the noise's spectrum is smoothed
    the same way, so that a steep one (pink, rumble) is compared like with like."""
    smoothed = power.copy()
    smoothed[..., 1:-1] = 0.5 * power[..., 1:-1] + 0.25 * (power[..., :-2] + power[..., 2:])
    return smoothed
