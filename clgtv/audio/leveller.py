"""The speech leveller and the gain plan, decided from the whole recording before rendering.

The meter leaves one K-weighted energy per 100 ms segment (36,000 numbers an hour). From
those, with the whole recording in view, we find where people speak, how loud each stretch
of speech is, and a smooth gain curve that brings quiet speakers up and loud ones down.
Pauses never get more gain than plain normalisation would give them, so room noise is not
pumped up between sentences. Because the plan is made from energies, its effect on the
integrated loudness can be predicted exactly, and one render usually lands on target.

Given a voice detector's mask (speech.py), only voices are levelled: applause, music and pauses
long enough to matter keep the gain of the programme's loudest voices at most, so they stay where
they were relative to them, and are never raised relative to any voice.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from clgtv.audio.meter import integrated_loudness, lufs
from clgtv.audio.speech import SpeechFound

SEGMENT_S = 0.1
SPEECH_WINDOW_S = 3.0  # how much speech sets the local level
SMOOTHING_S = 1.0  # gain moves no faster than this average allows: no pumping within words
NOISE_PERCENTILE = 10
SPEECH_OVER_NOISE_DB = 10.0
SPEECH_FOUND_OVER_NOISE_DB = 6.0  # steady noise stays within about 1 dB of its floor, speech goes 25 dB over
SPEECH_UNDER_PROGRAMME_DB = 35.0
TRIM_MARGIN_S = 0.5
HOLD_PERCENTILE = 10  # what is not speech gets at most the gain of the loudest tenth of the speech
HOLD_RAMP_S = 0.3  # how long the gain takes to settle into a stretch that is not speech, and out of it


@dataclass(frozen=True)
class GainPlan:
    gain_db: np.ndarray  # one value per 100 ms segment, applied at the segment's centre
    first: int  # first segment kept (silence trim)
    stop: int  # one past the last segment kept
    speech_gate: float  # LUFS above which a moment counts as speech
    speech: SpeechFound | None = None  # what the voice detector found, when there was one

    @cached_property
    def linear_gain(self) -> np.ndarray:
        return 10 ** (self.gain_db / 20)

    @property
    def gain_range(self) -> tuple[float, float]:
        kept = self.gain_db[self.first : self.stop]
        return (float(kept.min()), float(kept.max())) if len(kept) else (0.0, 0.0)


def plan_gain(
    energy: np.ndarray,
    frames: np.ndarray,
    target_lufs: float,
    level: bool = True,
    max_boost_db: float = 20.0,
    max_cut_db: float = 10.0,
    trim: bool = True,
    voice: np.ndarray | None = None,
) -> GainPlan:
    """Per-segment gain: levelling (optional), then one normalising offset to hit the target.

    `voice`, a detector's verdict per segment, narrows what is levelled as speech to voices; without it,
    everything over the gate is."""
    power = energy / np.maximum(frames, 1)
    momentary = lufs(_centred_mean(power, 4))
    gate = _speech_gate(momentary, integrated_loudness(energy, frames))
    speech = momentary > gate
    talk = speech if voice is None else speech & voice
    relative = np.zeros(len(power))
    if level and talk.any():
        relative = _levelling_gain(power, talk, max_boost_db, max_cut_db)
    found = None
    if voice is not None:
        hold = min(float(np.percentile(relative[talk], HOLD_PERCENTILE)), 0.0) if talk.any() else 0.0
        relative = _held(relative, ~voice, hold)
        found = SpeechFound(
            float(np.count_nonzero(voice)) * SEGMENT_S, float(np.count_nonzero(~voice)) * SEGMENT_S, hold
        )
    first, stop = _trim_bounds(speech) if trim and speech.any() else (0, len(power))
    kept = slice(first, stop)
    predicted = integrated_loudness(energy[kept] * 10 ** (relative[kept] / 10), frames[kept])
    offset = target_lufs - predicted if np.isfinite(predicted) else 0.0
    return GainPlan(relative + offset, first, stop, gate, found)


def speech_seconds(energy: np.ndarray, frames: np.ndarray) -> float:
    """How long a recording rises well above its own noise floor, as speech does between syllables
    (100 ms at a time). Noise, hum or a steady tone never do, however loud; the gain plan's gate,
    set relative to the programme, counts them as speech."""
    levels = lufs(energy / np.maximum(frames, 1))
    finite = levels[np.isfinite(levels)]
    if not len(finite):
        return 0.0
    floor = float(np.percentile(finite, NOISE_PERCENTILE))
    return float(np.count_nonzero(levels > floor + SPEECH_FOUND_OVER_NOISE_DB)) * SEGMENT_S


def _speech_gate(momentary: np.ndarray, programme_lufs: float) -> float:
    """Speech is well above the room's noise floor, and not absurdly far below the programme."""
    finite = momentary[np.isfinite(momentary)]
    if not len(finite):
        return np.inf
    floor = float(np.percentile(finite, NOISE_PERCENTILE))
    return max(min(floor + SPEECH_OVER_NOISE_DB, programme_lufs - SPEECH_UNDER_PROGRAMME_DB), -70.0)


def _levelling_gain(power: np.ndarray, speech: np.ndarray, max_boost: float, max_cut: float) -> np.ndarray:
    window = round(SPEECH_WINDOW_S / SEGMENT_S)
    speech_power = _centred_sum(np.where(speech, power, 0.0), window)
    speech_count = _centred_sum(speech.astype(np.float64), window)
    reference = lufs(np.mean(power[speech]))
    with np.errstate(divide="ignore", invalid="ignore"):
        local = lufs(speech_power / speech_count)
    gain = np.clip(reference - local, -max_cut, max_boost)
    gain = _fill_gaps(np.where(speech_count > 0, gain, np.nan))
    gain = np.where(speech_count > 0, gain, np.minimum(gain, 0.0))  # long pauses: no boost
    return _centred_mean(gain, round(SMOOTHING_S / SEGMENT_S))


def _held(gain: np.ndarray, other: np.ndarray, hold: float) -> np.ndarray:
    """`gain` with each stretch of `other` (not speech) brought down to at most `hold`, over HOLD_RAMP_S
    ramps that lie inside the stretch: the speech either side keeps its own gain. A stretch that opens
    or closes the recording (a sting, the last applause) is held to its very edge."""
    ramp = round(HOLD_RAMP_S / SEGMENT_S)
    edges = np.diff(np.concatenate([[0], other.astype(np.int8), [0]]))
    weight = np.zeros(len(gain))
    for start, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        inside = np.arange(stop - start)
        into = inside + 1 if start > 0 else ramp  # no ramp at the recording's ends: no speech there to keep
        out_of = stop - start - inside if stop < len(gain) else ramp
        weight[start:stop] = np.minimum(np.minimum(into, out_of), ramp) / ramp
    return gain + weight * (np.minimum(gain, hold) - gain)


def _fill_gaps(values: np.ndarray) -> np.ndarray:
    """Each NaN takes the nearest earlier value (or the first value, at the start)."""
    known = np.flatnonzero(~np.isnan(values))
    if not len(known):
        return np.zeros(len(values))
    index = np.maximum.accumulate(np.where(np.isnan(values), 0, np.arange(len(values))))
    index = np.where(np.isnan(values[index]), known[0], index)
    return values[index]


def _trim_bounds(speech: np.ndarray) -> tuple[int, int]:
    spoken = np.flatnonzero(speech)
    margin = round(TRIM_MARGIN_S / SEGMENT_S)
    return max(int(spoken[0]) - margin, 0), min(int(spoken[-1]) + 1 + margin, len(speech))


def _centred_sum(values: np.ndarray, width: int) -> np.ndarray:
    sums = np.concatenate([[0.0], np.cumsum(values)])
    index = np.arange(len(values))
    low = np.clip(index - width // 2, 0, len(values))
    high = np.clip(index + (width + 1) // 2, 0, len(values))
    return sums[high] - sums[low]


def _centred_mean(values: np.ndarray, width: int) -> np.ndarray:
    counts = _centred_sum(np.ones(len(values)), width)
    return _centred_sum(values, width) / np.maximum(counts, 1)


def segment_gains(plan: GainPlan, start: int, count: int, sample_rate: int) -> np.ndarray:
    """Linear gain for frames start .. start+count, interpolated between segment centres
    (linearly in amplitude: the curve is smooth, and one power per segment beats one per frame)."""
    frames = np.arange(start, start + count, dtype=np.float64)
    centres = (np.arange(len(plan.gain_db)) + 0.5) * sample_rate * SEGMENT_S
    return np.interp(frames, centres, plan.linear_gain).astype(np.float32)
