"""Mains hum: found in the measuring pass, and in the render each harmonic's sinusoid fitted and subtracted.

Hum is a steady line at 50 or 60 Hz and its harmonics, heard in the pauses; speech covers it, and
its own harmonics wander. So the pauses alone are listened to: each 100 ms segment within QUIET_DB
of the quietest tenth seen so far. A mono copy of the audio, cut down to a few kHz by averaging,
goes through WINDOW_S long Fourier transforms (0.1 Hz bins), each window masked to its quiet
segments, and their power is summed into one spectrum of the pauses. In that spectrum a harmonic
of hum is a peak far above its neighbours; its frequency is read between bins, and the fundamental
from all of them. The mains frequency wanders by hundredths of a hertz over minutes, so the bins
around the harmonics are also kept for every TRACK_S, and the fundamental is measured again in each:
the render follows it (Canceller, below). The render measures the same spectrum once the hum is
subtracted: the reduction reported is heard, not computed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAINS_HZ = (50, 60)
SEARCH_HZ = 0.5  # how far the mains may stray from its nominal frequency (grids hold it within 1 %)
MAX_HARMONICS = 10
MAX_HUM_HZ = 1000.0
FOLLOW_S = 6.0  # the fundamental's fit is averaged over this either side, harmonic k's over FOLLOW_S / k
EVIDENCE = 1.0  # quiet segments' worth (weighted by nearness) needed near by to subtract a harmonic in full
RETUNE_HZ = 0.002  # the basis is moved once the mains has moved this much (a drift the fit follows)
TRACK_S = 20.0  # the fundamental is measured again over each stretch this long
TRACK_HZ = 0.2  # how far from its mean it is looked for there (each harmonic: that many times its number)
TRACK_DB = 10.0  # a stretch's peak this far below the whole recording's line: the hum is not heard there
PRESENT_DB = 15.0  # the strongest harmonic this far above its neighbours: hum
NOTCH_DB = 10.0  # harmonics weaker than this are left alone: nothing audible to take out
DECIMATED_HZ = 6000  # at least: harmonics up to MAX_HUM_HZ, and little of the speech above folds onto them
WINDOW_S = 10.0
SEGMENT_S = 0.1
QUIET_DB = 6.0
SETTLE_S = 0.3  # a pause counts from this long after its start: speech's tail dies away
WARMUP_S = 60.0  # the floor is known well enough after this much: windows before it wait for it
EDGE_S = 0.02  # the quiet mask's edges are ramped, so that its own spectrum stays narrow
LEVEL_BINS = (-200.0, 20.0, 0.5)  # the histogram of segment levels, in dB: low, high, step
NEIGHBOURS_HZ = (8.0, 20.0)  # a line's neighbours: this far from the line (plus its search span)


@dataclass(frozen=True)
class Harmonic:
    number: int
    frequency: float  # Hz, as measured
    strength_db: float  # above the neighbouring spectrum, in the pauses
    level_db: float  # dBFS in the pauses, before it is subtracted
    reduction_db: float | None = None  # measured in the render

    def as_dict(self) -> dict:
        reduction = None if self.reduction_db is None else round(self.reduction_db, 1)
        return {
            "number": self.number,
            "frequency_hz": round(self.frequency, 2),
            "strength_db": round(self.strength_db, 1),
            "level_dbfs": round(self.level_db, 1),
            "reduction_db": reduction,
        }


@dataclass(frozen=True)
class Hum:
    fundamental: float  # Hz, over the whole recording
    harmonics: tuple[Harmonic, ...]  # those subtracted
    track: tuple[tuple[float, float], ...] = ()  # (seconds, fundamental in Hz) through the recording

    def at(self, seconds: float) -> float:
        """The fundamental at a moment of the recording."""
        if not self.track:
            return self.fundamental
        times, frequencies = zip(*self.track, strict=True)
        return float(np.interp(seconds, times, frequencies))

    def along(self, seconds: np.ndarray) -> np.ndarray:
        """The fundamental at many moments."""
        if not self.track:
            return np.full(len(seconds), self.fundamental)
        times, frequencies = zip(*self.track, strict=True)
        return np.interp(seconds, times, frequencies)

    def measured(self, after: PauseSpectrum) -> Hum:
        """These harmonics with their reduction: their level in `after`, the pauses once subtracted."""
        harmonics = []
        for harmonic in self.harmonics:
            level = after.level_db(harmonic.number * self.fundamental)
            harmonics.append(Harmonic(**{**harmonic.__dict__, "reduction_db": harmonic.level_db - level}))
        return Hum(self.fundamental, tuple(harmonics), self.track)

    def weighted_power(self, response: np.ndarray, sample_rate: int) -> float:
        """Its power (mean square) through the filter cascade `response` (sos rows), as a meter would read it."""
        total = 0.0
        for harmonic in self.harmonics:
            z = np.exp(-1j * 2 * math.pi * harmonic.number * self.fundamental / sample_rate)
            gain = np.prod(
                [(b0 + b1 * z + b2 * z * z) / (a0 + a1 * z + a2 * z * z) for b0, b1, b2, a0, a1, a2 in response]
            )
            total += 10 ** (harmonic.level_db / 10) * abs(gain) ** 2
        return total

    @property
    def power(self) -> float:
        """Of all the harmonics together, mean square, before they are subtracted."""
        return sum(10 ** (h.level_db / 10) for h in self.harmonics)

    @property
    def strength_db(self) -> float:
        return max(h.strength_db for h in self.harmonics)

    @property
    def reduction_db(self) -> float | None:
        """Of all the harmonics' power together."""
        if any(h.reduction_db is None for h in self.harmonics):
            return None
        before = self.power
        after = sum(10 ** ((h.level_db - h.reduction_db) / 10) for h in self.harmonics)  # type: ignore[operator]
        return 10 * math.log10(before / after)

    def as_dict(self) -> dict:
        reduction = self.reduction_db
        followed = [f for _, f in self.track] or [self.fundamental]
        return {
            "found": True,
            "frequency_hz": round(self.fundamental, 2),
            "frequency_range_hz": [round(min(followed), 2), round(max(followed), 2)],
            "strength_db": round(self.strength_db, 1),
            "reduction_db": None if reduction is None else round(reduction, 1),
            "harmonics": [h.as_dict() for h in self.harmonics],
        }


class PauseSpectrum:
    """The power spectrum of a recording's pauses, up to MAX_HUM_HZ, from float32 (frames, channels) chunks."""

    def __init__(self, sample_rate: int):
        self._factor = max(sample_rate // DECIMATED_HZ, 1)
        self.rate = sample_rate / self._factor
        self._segment = max(round(SEGMENT_S * self.rate), 1)
        self._window = self._segment * round(WINDOW_S / SEGMENT_S)
        self._hop = self._window // 2
        self.frequencies = np.fft.rfftfreq(self._window, 1 / self.rate)
        self._bins = int(np.searchsorted(self.frequencies, MAX_HUM_HZ + 2 * NEIGHBOURS_HZ[1]))
        self.frequencies = self.frequencies[: self._bins]
        self._taper = np.hanning(self._window).astype(np.float32)
        low, high, step = LEVEL_BINS
        self._histogram = np.zeros(round((high - low) / step) + 1, dtype=np.int64)
        self._carry = np.zeros((0, 1), dtype=np.float32)  # frames not yet averaged down
        self._pending = np.zeros(0, dtype=np.float32)  # decimated samples not yet in a window
        self._levels = np.zeros(0)  # of the pending samples' whole segments, in dB
        self._settle = round(SETTLE_S / SEGMENT_S)
        self._before = np.full(self._settle, np.inf)  # the levels of the segments just before the pending ones
        self._covered = 0  # pending samples a window took in already (windows overlap by half)
        self._power = np.zeros(self._bins)
        self._gain = 0.0  # what a steady sine of unit amplitude puts in its peak bin, summed over windows
        self._start = 0  # the first pending sample's place in the whole recording
        self._tracked = _near_harmonics(self.frequencies)  # the bins kept for each stretch
        self._stretches: dict[int, tuple[np.ndarray, float]] = {}  # stretch -> its tracked power, gain

    def feed(self, chunk: np.ndarray) -> None:
        frames = np.concatenate([self._carry, chunk]) if len(self._carry) else chunk
        whole = len(frames) - len(frames) % self._factor
        self._carry = frames[whole:]
        # the channels' mean over `factor` frames: one matrix product, far quicker than a mean over a short axis
        block = self._factor * frames.shape[1]
        flat = np.ascontiguousarray(frames[:whole], dtype=np.float32).reshape(-1, block)
        decimated = flat @ np.full(block, 1 / block, dtype=np.float32)
        done = len(self._levels) * self._segment
        self._pending = np.concatenate([self._pending, decimated])
        count = (len(self._pending) - done) // self._segment
        fresh = self._pending[done : done + count * self._segment].reshape(count, self._segment)
        power = np.einsum("ij,ij->i", fresh, fresh, dtype=np.float64) / self._segment
        low, high, step = LEVEL_BINS
        # a damaged file's samples that are not numbers count as loud (the measuring pass then refuses it)
        levels = np.nan_to_num(10 * np.log10(np.maximum(power, 1e-20)), nan=high, posinf=high)
        self._levels = np.concatenate([self._levels, levels])
        self._histogram += np.bincount(
            np.clip(((levels - low) / step).astype(int), 0, len(self._histogram) - 1), minlength=len(self._histogram)
        )
        if self._histogram.sum() * SEGMENT_S >= WARMUP_S:
            self._windows(final=False)

    def _floor(self) -> float:
        low, _, step = LEVEL_BINS
        counts = np.cumsum(self._histogram)
        return low + step * float(np.searchsorted(counts, counts[-1] * 0.1))

    def _windows(self, final: bool) -> None:
        """Every whole window in the pending samples into the spectrum; at the end, the part-window left too."""
        floor = self._floor()
        per_window, step = self._window // self._segment, self._hop // self._segment
        while len(self._levels) >= per_window:
            self._add(self._pending[: self._window], self._quiet(self._levels[:per_window], floor))
            self._before = np.concatenate([self._before, self._levels[:step]])[-self._settle :]
            self._pending, self._levels = self._pending[self._hop :], self._levels[step:]
            self._start += self._hop
            self._covered = self._window - self._hop
        if final and len(self._levels) * self._segment > self._covered:
            levels = self._levels
            self._add(self._pending[: len(levels) * self._segment], self._quiet(levels, floor))

    def _quiet(self, levels: np.ndarray, floor: float) -> np.ndarray:
        """Which segments are pauses: quiet, after `settle` quiet segments before them."""
        loud = np.concatenate([self._before, levels]) > floor + QUIET_DB
        counts = np.convolve(loud.astype(np.int64), np.ones(self._settle + 1, dtype=np.int64))[: len(loud)]
        return (counts == 0)[self._settle :]

    def _add(self, samples: np.ndarray, quiet: np.ndarray) -> None:
        if not quiet.any():
            return
        mask = np.repeat(quiet.astype(np.float32), self._segment)
        edge = max(round(EDGE_S * self.rate), 1)
        sums = np.concatenate([np.zeros(edge), np.cumsum(np.concatenate([mask, np.zeros(edge)]), dtype=np.float64)])
        mask = ((sums[edge:] - sums[:-edge]) / edge)[edge // 2 : edge // 2 + len(mask)].astype(np.float32)
        weights = mask * (self._taper if len(mask) == self._window else np.hanning(len(mask)).astype(np.float32))
        spectrum = np.fft.rfft(samples * weights, n=self._window)[: self._bins]
        power = spectrum.real**2 + spectrum.imag**2
        gain = float(np.sum(weights, dtype=np.float64)) ** 2 / 4
        self._power += power
        self._gain += gain
        stretch = int((self._start + len(samples) / 2) / self.rate // TRACK_S)
        kept, total = self._stretches.get(stretch, (np.zeros(len(self._tracked), dtype=np.float32), 0.0))
        self._stretches[stretch] = (kept + power[self._tracked], total + gain)

    def finish(self) -> PauseSpectrum:
        self._windows(final=True)
        self._pending, self._levels = self._pending[:0], self._levels[:0]
        return self

    @property
    def density(self) -> np.ndarray:
        """Each bin's power as the squared amplitude of a steady sine peaking there: a line's height is its
        amplitude however little of the window was quiet (the mask spreads the rest of it around)."""
        return self._power / max(self._gain, 1e-30)

    def level_db(self, frequency: float) -> float:
        """A line's power (mean square) in dBFS: its peak within a bin of `frequency`, read between bins."""
        density = self.density
        centre = min(max(round(frequency / self.frequencies[1]), 2), len(density) - 3)
        peak = centre - 1 + int(np.argmax(density[centre - 1 : centre + 2]))
        height = _height_between_bins(density, peak)
        return 10 * math.log10(max(height / 2, 1e-20))

    def strength_db(self, frequency: float, span: float = 0.0) -> tuple[float, float]:
        """The highest peak within `span` (at least a bin) of `frequency`: where it is, read between bins, and
        how far it stands above the median of its neighbours, in dB."""
        density = self.density
        step = self.frequencies[1]
        centre = round(frequency / step)
        reach = max(round(span / step), 1)
        low, high = max(centre - reach, 1), min(centre + reach + 1, len(density) - 1)
        if low >= high:
            return frequency, 0.0
        peak = low + int(np.argmax(density[low:high]))
        distance = np.abs(self.frequencies - frequency)
        around = density[(distance >= span + NEIGHBOURS_HZ[0]) & (distance <= span + NEIGHBOURS_HZ[1])]
        floor = float(np.median(around)) if len(around) else 0.0
        if density[peak] <= 0 or floor <= 0:
            return frequency, 0.0
        return float(_between_bins(density, peak) * step), 10 * math.log10(float(density[peak]) / floor)

    def track(self, fundamental: float, harmonics: Sequence[Harmonic]) -> tuple[tuple[float, float], ...]:
        """The fundamental through the recording: measured again in each stretch of TRACK_S from the
        harmonics found in the whole, where they are heard; between and beyond, the nearest measurements'."""
        times, found = [], []
        for stretch, (kept, gain) in sorted(self._stretches.items()):
            density = np.zeros(self._bins)
            density[self._tracked] = kept / max(gain, 1e-30)
            estimates = []
            for harmonic in harmonics:
                k = harmonic.number
                near = np.abs(self.frequencies - k * fundamental) <= k * TRACK_HZ
                peak = int(np.flatnonzero(near)[np.argmax(density[near])])
                heard = (
                    10 * math.log10(max(_height_between_bins(density, peak) / 2, 1e-20)) > harmonic.level_db - TRACK_DB
                )
                if heard and near[peak - 1] and near[peak + 1]:  # a peak inside the range, not its edge
                    estimates.append((k, _between_bins(density, peak) * self.frequencies[1] / k))
            if estimates:
                weights = [k * k for k, _ in estimates]
                times.append((stretch + 0.5) * TRACK_S)
                found.append(sum(w * f for w, (_, f) in zip(weights, estimates, strict=True)) / sum(weights))
        return tuple(zip(times, found, strict=True))


def _near_harmonics(frequencies: np.ndarray) -> np.ndarray:
    """The bins where a harmonic of either mains frequency can be, and one either side."""
    near = np.zeros(len(frequencies), dtype=bool)
    step = frequencies[1]
    for nominal in MAINS_HZ:
        for k in range(1, min(MAX_HARMONICS, int(MAX_HUM_HZ // nominal)) + 1):
            near |= np.abs(frequencies - k * nominal) <= k * SEARCH_HZ + 2 * step
    return np.flatnonzero(near)


def _parabola(density: np.ndarray, peak: int) -> tuple[float, float]:
    """A parabola through the log power of a peak bin and its neighbours: its top's offset (bins) and log height."""
    left, centre, right = np.log(np.maximum(density[peak - 1 : peak + 2], 1e-30))
    curvature = left - 2 * centre + right
    if curvature >= 0:
        return 0.0, float(centre)
    offset = min(max(0.5 * (left - right) / curvature, -0.5), 0.5)  # beyond half a bin: not this bin's peak
    return float(offset), float(centre - 0.25 * (left - right) * offset)


def _between_bins(density: np.ndarray, peak: int) -> float:
    return peak + _parabola(density, peak)[0]


def _height_between_bins(density: np.ndarray, peak: int) -> float:
    return math.exp(_parabola(density, peak)[1])


def find_hum(pauses: PauseSpectrum, setting: str) -> Hum | None:
    """The hum in `pauses`: at 50 or 60 Hz (`auto`), or at the mains frequency given; None if there is none
    (or `off`). A forced frequency is subtracted even where its hum is faint."""
    if setting == "off":
        return None
    forced = setting != "auto"
    found = [hum for nominal in ([int(setting)] if forced else MAINS_HZ) if (hum := _measured(pauses, nominal, forced))]
    if not found:
        return None
    # 60 Hz's 5th harmonic is 50 Hz's 6th: the mains is the one whose lines carry the more power
    hum = max(found, key=lambda hum: hum.power)
    return hum if forced or hum.strength_db >= PRESENT_DB else None


def _measured(pauses: PauseSpectrum, nominal: int, forced: bool) -> Hum | None:
    """The harmonics of the mains near `nominal` that stand out, at multiples of the fundamental measured
    from all of them."""
    numbers = range(1, min(MAX_HARMONICS, int(MAX_HUM_HZ // nominal)) + 1)
    peaks = [(k, *pauses.strength_db(k * nominal, k * SEARCH_HZ)) for k in numbers]
    strong = [(k, f, s) for k, f, s in peaks if s >= NOTCH_DB]
    fundamental = float(nominal)
    if strong:  # each harmonic's frequency over its number estimates the fundamental, the higher more finely
        weights = [k * k * 10 ** (s / 10) for k, _, s in strong]
        fundamental = sum(w * f / k for w, (k, f, _) in zip(weights, strong, strict=True)) / sum(weights)
    if abs(fundamental - nominal) > SEARCH_HZ:
        fundamental = float(nominal)
    harmonics = [h for h in _harmonics(pauses, fundamental, numbers) if h.strength_db >= NOTCH_DB]
    if forced and not harmonics:
        harmonics = list(_harmonics(pauses, fundamental, [1]))
    if not harmonics:
        return None
    track = tuple(
        (t, min(max(f, nominal - SEARCH_HZ), nominal + SEARCH_HZ)) for t, f in pauses.track(fundamental, harmonics)
    )
    return Hum(fundamental, tuple(harmonics), track)


def _harmonics(pauses: PauseSpectrum, fundamental: float, numbers: Sequence[int]) -> tuple[Harmonic, ...]:
    harmonics = []
    for k in numbers:
        frequency, strength = pauses.strength_db(k * fundamental)
        harmonics.append(Harmonic(k, frequency, strength, pauses.level_db(k * fundamental)))
    return tuple(harmonics)


class Canceller:
    """Subtracts `hum` from float32 (frames, channels) chunks, each harmonic's sinusoid fitted in the pauses.

    The hum is steady and speech is not: so each harmonic's amplitude and phase are measured in every
    SEGMENT_S, against the mains' phase as the track has it, and averaged over the quiet segments near
    by (a segment counts less the louder it is than the quietest tenth heard so far: with the square of
    its power). The track is a few thousandths of a hertz off at times, and the phase drifts by that
    times the harmonic's number: harmonic k is averaged over FOLLOW_S / k either side. Where too little
    is quiet near by to know the phase (deep inside a long turn), less is subtracted: the hum under the
    speech is left rather than doubled. The voices' own harmonics, crossing the hum's, are left whole.
    The output lags the input by the averaging's reach; `finish` gives the rest."""

    def __init__(self, hum: Hum, sample_rate: int, channels: int, seconds: float = 0.0):
        self._hum, self._rate, self._channels = hum, sample_rate, channels
        self._size = max(round(SEGMENT_S * sample_rate), 1)
        self._numbers = np.array([h.number for h in hum.harmonics], dtype=np.float64)
        self._reach = [max(round(FOLLOW_S / k / SEGMENT_S), 1) for k in self._numbers]
        # the largest plausible amplitude of each harmonic: twice what the pauses held in the measuring pass
        self._largest = 2 * np.sqrt(2 * 10 ** (np.array([h.level_db for h in hum.harmonics]) / 10))
        self._seconds = seconds  # where the first frame not yet measured is, in the recording
        self._tuned = hum.at(seconds)
        self._cycles = 0.0  # the fundamental's phase there, in cycles (from an arbitrary start)
        self._audio = np.zeros((0, channels), dtype=np.float32)  # from the first frame not yet given out
        self._measured = 0  # segments of _audio measured
        # per segment kept, from `_behind` before the first one not yet given out: each harmonic's phasor
        # per channel, its level (dB), the fundamental's phase at its start (cycles), its basis's frequency
        self._phasors = np.zeros((0, channels, len(self._numbers)), dtype=np.complex128)
        self._levels, self._phases, self._tunings = np.zeros(0), np.zeros(0), np.zeros(0)
        self._behind = 0
        low, high, step = LEVEL_BINS
        self._histogram = np.zeros(round((high - low) / step) + 1, dtype=np.int64)
        self._bases: dict[float, tuple[np.ndarray, np.ndarray]] = {}

    def feed(self, chunk: np.ndarray) -> np.ndarray:
        self._audio = np.concatenate([self._audio, chunk]) if len(self._audio) else chunk
        self._measure(len(self._audio) // self._size)
        return self._emit(len(self._phases) - self._behind - max(self._reach) - 1)

    def finish(self) -> np.ndarray:
        self._measure(-(-len(self._audio) // self._size))  # the part-segment too, counted as loud
        return self._emit(len(self._phases) - self._behind)

    def _basis(self, frequency: float) -> tuple[np.ndarray, np.ndarray]:
        """(segment, 2 harmonics): cos then sin of each harmonic at `frequency` from phase 0; and the same
        ramped from 0 towards 1 over the segment."""
        if frequency not in self._bases:
            kept = {*self._tunings.tolist(), self._tuned}
            self._bases = {f: bases for f, bases in self._bases.items() if f in kept}
            angle = 2 * math.pi * frequency / self._rate * np.outer(np.arange(self._size), self._numbers)
            basis = np.concatenate([np.cos(angle), np.sin(angle)], axis=1)
            ramp = np.arange(self._size)[:, None] / self._size
            self._bases[frequency] = (basis.astype(np.float32), (basis * ramp).astype(np.float32))
        return self._bases[frequency]

    def _measure(self, whole: int) -> None:
        """Each harmonic's phasor and the level of _audio's segments from _measured to `whole`."""
        count = whole - self._measured
        if count <= 0:
            return
        tunings, phases = np.empty(count), np.empty(count)
        middles = self._seconds + (np.arange(count) + 0.5) * SEGMENT_S
        for index, frequency in enumerate(self._hum.along(middles)):
            if abs(frequency - self._tuned) > RETUNE_HZ:
                self._tuned = float(frequency)
            tunings[index], phases[index] = self._tuned, self._cycles
            self._cycles = (self._cycles + self._tuned * SEGMENT_S) % 1.0
        self._seconds += count * SEGMENT_S
        frames = self._audio[self._measured * self._size : whole * self._size]
        if len(frames) < count * self._size:  # the last part-segment: silence after it
            frames = np.concatenate([frames, np.zeros((count * self._size - len(frames), self._channels), np.float32)])
        segments = frames.reshape(count, self._size, self._channels)
        power = np.einsum("ijk,ijk->i", segments, segments, dtype=np.float64) / (self._size * self._channels)
        levels = 10 * np.log10(np.maximum(power, 1e-20))
        if whole * self._size > len(self._audio):  # a part-segment tells nothing of the hum
            levels[-1] = LEVEL_BINS[1]
        low, high, step = LEVEL_BINS
        bins = np.clip(((np.nan_to_num(levels, nan=high) - low) / step).astype(int), 0, len(self._histogram) - 1)
        self._histogram += np.bincount(bins, minlength=len(self._histogram))
        projected = np.empty((count, self._channels, 2 * len(self._numbers)), dtype=np.float32)
        for first, stop in _runs(tunings):
            # batched products: far quicker here than one product of the segments stacked
            basis = self._basis(tunings[first])[0]
            np.matmul(segments[first:stop].transpose(0, 2, 1), basis, out=projected[first:stop])
        harmonics = len(self._numbers)
        turn = np.exp(-2j * math.pi * np.outer(phases, self._numbers))[:, None, :]
        phasors = (projected[:, :, :harmonics] - 1j * projected[:, :, harmonics:]) * (2 / self._size) * turn
        self._measured = whole
        self._phasors = np.concatenate([self._phasors, phasors])
        self._levels = np.concatenate([self._levels, levels])
        self._phases = np.concatenate([self._phases, phases])
        self._tunings = np.concatenate([self._tunings, tunings])

    def _emit(self, count: int) -> np.ndarray:
        """The next `count` segments given out, the hum taken out of them."""
        if count <= 0:
            return self._audio[:0]
        counts = np.cumsum(self._histogram)
        floor = LEVEL_BINS[0] + LEVEL_BINS[2] * float(np.searchsorted(counts, counts[-1] * 0.1))
        quiet = 10 ** (-np.maximum(self._levels - floor, 0.0) / 5)  # 1 at the floor; the square of the power over it
        first, stop = self._behind, self._behind + count
        taken = self._taken(quiet, first, min(stop + 1, len(self._phases)))
        if len(taken) < count + 1:
            taken = np.concatenate([taken, taken[-1:]])
        turn = np.exp(2j * math.pi * np.outer(self._phases[first:stop], self._numbers))[:, None, :]
        start, moving = taken[:-1] * turn, (taken[1:] - taken[:-1]) * turn
        hum = np.empty((count, self._size, self._channels), dtype=np.float32)
        for low, high in _runs(self._tunings[first:stop]):
            basis, ramped = self._basis(self._tunings[first + low])
            hum[low:high] = _synthesis(start[low:high], basis)
            hum[low:high] += _synthesis(moving[low:high], ramped)
        frames = min(count * self._size, len(self._audio))
        out = self._audio[:frames] - hum.reshape(-1, self._channels)[:frames]
        self._audio = self._audio[frames:]
        self._measured -= count
        drop = max(stop - max(self._reach) - 1, 0)
        self._phasors, self._levels = self._phasors[drop:], self._levels[drop:]
        self._phases, self._tunings = self._phases[drop:], self._tunings[drop:]
        self._behind = stop - drop
        return out

    def _taken(self, quiet: np.ndarray, first: int, stop: int) -> np.ndarray:
        """(segments first .. stop, channels, harmonics): the phasor subtracted at each one's start."""
        taken = np.zeros((stop - first, self._channels, len(self._numbers)), dtype=np.complex128)
        for h, reach in enumerate(self._reach):
            kernel = 1 - np.abs(np.arange(-reach, reach + 1)) / (reach + 1)
            low, high = max(first - reach, 0), min(stop + reach, len(quiet))
            centred = slice(first - low + reach, stop - low + reach)  # of the full convolution: each segment's own
            weights = np.convolve(quiet[low:high], kernel)[centred]
            heard = quiet[low:high, None] * self._phasors[low:high, :, h]
            sums = np.stack([np.convolve(heard[:, c], kernel)[centred] for c in range(self._channels)], axis=1)
            mean = sums / np.maximum(weights, 1e-30)[:, None]
            mean *= np.minimum(1.0, self._largest[h] / np.maximum(np.abs(mean), 1e-30))
            taken[:, :, h] = mean * np.minimum(weights / EVIDENCE, 1.0)[:, None]
        return taken


def _synthesis(phasors: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """(segments, frames, channels) of the sinusoids with (segments, channels, harmonics) `phasors` on `basis`:
    Re(c e^{i theta}) = re cos - im sin."""
    rows = np.concatenate([phasors.real, -phasors.imag], axis=2).astype(np.float32)
    return np.matmul(basis, rows.transpose(0, 2, 1))


def _runs(values: np.ndarray) -> list[tuple[int, int]]:
    """[first, stop) of each run of equal values."""
    edges = [0, *(np.flatnonzero(values[1:] != values[:-1]) + 1).tolist(), len(values)]
    return list(itertools.pairwise(edges))
