"""Mastering one recording for podcast release.

measure   one streaming pass, high-passed: BS.1770 loudness, true peak, 100 ms segment energies,
          the spectrum of the pauses, where mains hum is found (hum.py), where people speak
          (speech.py's voice detector), and the noise floor and its spectrum (noise.py)
plan      leveller + normalisation gain curve and silence trim, from the segment energies and the voices;
          the noise gate's strength, from how far below the programme the plan leaves the pauses
render    second streaming pass: high-pass, hum subtraction, noise gate, gain curve, intro/outro,
          true-peak limiter, encode (render.py)
verify    the encoded file measured by the same meter; if the codec pushed the true peak over
          the ceiling or loudness is off target, render again with the error corrected
          (at most MAX_RENDERS renders in all)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from clgtv.audio import ffmpeg
from clgtv.audio.clips import load_clip
from clgtv.audio.hum import Hum, PauseSpectrum, find_hum
from clgtv.audio.leveller import SEGMENT_S, GainPlan, plan_gain, segment_gains, speech_seconds
from clgtv.audio.meter import WEIGHTS, Loudness, LoudnessMeter, k_weighting, measure
from clgtv.audio.noise import Gate, Noise, NoiseFloor, NoiseMeter, pauses_below, strength_for, without_noise
from clgtv.audio.render import Clips, Job, Progress, decoded, render
from clgtv.audio.speech import SpeechDetector, SpeechFound, voiced
from clgtv.errors import MediaError
from clgtv.files import beside, replacing
from clgtv.layout import AUDIO_FORMATS
from clgtv.settings import AudioSettings

ENGINE_VERSION = "9"
SILENCE_LUFS = -70.0
NEAR_SILENCE_LUFS = -50.0
LEVEL_TOLERANCE_LU = 0.3
CODEC_HEADROOM_DB = 0.9  # MP3 overshoots the limiter by up to 0.8 dB (bench/README.md); another render costs as much
MAX_RENDERS = 3
CALIBRATION_S = 20.0
MAX_CODEC_LOSS_LU = 1.5
MIN_DURATION_S = 1.0
MIN_SPEECH_S = 1.0  # less speech than this, and less than MIN_SPEECH_FRACTION of the recording: none found
MIN_SPEECH_FRACTION = 0.01
HUM_LEFT = 0.01  # a segment that seems to hold nothing but hum keeps this much of its energy, as noise would
NO_SPEECH = "no speech found: the recording seems to be noise or silence; listen to it before publishing"


@dataclass(frozen=True)
class MasterReport:
    source: str
    before: Loudness
    after: Loudness
    gain_range_db: tuple[float, float]
    limiter_ceiling_db: float
    limiting_db: float
    trimmed_s: tuple[float, float]
    renders: int
    warnings: tuple[str, ...] = field(default=())
    hum_setting: str = "auto"
    hum: Hum | None = None  # found and subtracted, with its reduction measured
    speech_setting: str = "auto"
    speech: SpeechFound | None = None  # what the voice detector found (None when it did not run)
    noise: Noise | None = None  # the floor measured, the strength used and the reduction heard

    def as_dict(self) -> dict:
        return {
            "engine": ENGINE_VERSION,
            "source": self.source,
            "input": self.before.as_dict(),
            "output": self.after.as_dict(),
            "gain_range_db": [round(g, 2) for g in self.gain_range_db],
            "limiter_ceiling_dbtp": round(self.limiter_ceiling_db, 2),
            "max_limiting_db": round(self.limiting_db, 2),
            "trimmed_s": [round(t, 2) for t in self.trimmed_s],
            "renders": self.renders,
            "hum": self.hum_dict(),
            "speech": {"setting": self.speech_setting, **(self.speech.as_dict() if self.speech else {})},
            "noise": self.noise.as_dict() if self.noise else {"setting": "off"},
            "warnings": list(self.warnings),
        }

    def hum_dict(self) -> dict:
        if self.hum_setting == "off":
            return {"setting": "off"}
        return {"setting": self.hum_setting, **(self.hum.as_dict() if self.hum else {"found": False})}


@dataclass(frozen=True)
class Analysis:
    loudness: Loudness
    energy: np.ndarray
    frames: np.ndarray
    hum: Hum | None = None
    speech: np.ndarray | None = None  # the probability of speech in each segment, when it was detected
    noise: NoiseFloor | None = None


def analyse(source: Path, settings: AudioSettings, progress: Progress | None = None) -> Analysis:
    """One pass over the source at its own sample rate (resampling waits for the render),
    with the output's channels and the high-pass: what the chain will work on."""
    info = ffmpeg.probe(source)
    meter = LoudnessMeter(info.sample_rate, settings.channels)
    pauses = PauseSpectrum(info.sample_rate) if settings.hum != "off" else None
    detector = SpeechDetector(info.sample_rate) if settings.speech_detection != "off" and settings.leveller else None
    room = NoiseMeter(info.sample_rate) if settings.noise != "off" else None
    done = 0
    try:
        for chunk in decoded(source, settings, info.sample_rate, verify=info):
            meter.feed(chunk)
            if pauses:
                pauses.feed(chunk)
            if detector:
                detector.feed(chunk)
            if room:
                room.feed(chunk)
            done += len(chunk)
            _report(progress, "measuring", done / info.sample_rate, info.duration)
        energy, frames = meter.segments()
        speech = detector.finish(len(energy)) if detector else None
    finally:
        if detector:
            detector.close()
    hum = find_hum(pauses.finish(), settings.hum) if pauses else None
    if hum:  # the plan is made for what the render leaves: the hum's steady power comes off every segment
        weights = sum(WEIGHTS.get(settings.channels, (1.0,) * settings.channels))
        steady = hum.weighted_power(k_weighting(info.sample_rate), info.sample_rate) * weights * frames
        energy = np.maximum(energy - steady, energy * HUM_LEFT)
    analysis = Analysis(meter.result(), energy, frames, hum, speech, room.finish() if room else None)
    return analysis


def _check_output(source: Path, out: Path, settings: AudioSettings) -> None:
    """Before any work: `out` is no file being read, its folder exists, and its name fits its format."""
    for read in filter(None, (source, settings.intro, settings.outro)):
        if out.absolute() == read.absolute() or _same_file(out, read):
            what = "the recording" if read == source else "a clip"
            raise MediaError(out, f"is {what} being processed; write the result to another file")
    if not out.parent.is_dir():
        raise MediaError(out, "its folder does not exist")
    wanted = AUDIO_FORMATS[settings.format].suffix
    if out.suffix.lower() != wanted:
        other = next((name for name, kind in AUDIO_FORMATS.items() if kind.suffix == out.suffix.lower()), None)
        choice = f", or choose the format {other}" if other else ""
        raise MediaError(out, f"the audio format is {settings.format}: end the name in {wanted}{choice}")


def _same_file(one: Path, other: Path | None) -> bool:
    try:
        return other is not None and one.samefile(other)
    except OSError:
        return False


def master(source: Path, out: Path, settings: AudioSettings, progress: Progress | None = None) -> MasterReport:
    """Process `source` into `out` (written atomically); report before and after."""
    _check_output(source, out, settings)
    analysis = analyse(source, settings, progress)
    before = analysis.loudness
    if before.duration < MIN_DURATION_S:
        raise MediaError(source, f"is too short to be an episode ({before.duration:.1f} s); check the recording")
    if not math.isfinite(before.integrated) or before.integrated < SILENCE_LUFS:
        raise MediaError(source, "is silent (no speech above -70 LUFS); check the recording")
    target = settings.loudness_target
    measured = analysis.energy
    plan = _plan(analysis, settings)
    noise = _noise(analysis, settings, plan)
    if noise.active:  # the plan is made for what the render leaves: the noise mostly gone
        analysis = replace(analysis, energy=without_noise(analysis.energy, analysis.frames, noise.strength_db))
        plan = _plan(analysis, settings)
    warnings = []
    near_silent = before.integrated < NEAR_SILENCE_LUFS or not np.isfinite(plan.speech_gate)
    if near_silent:
        warnings.append(f"near-silent recording ({before.integrated:.1f} LUFS): left at its own level, not amplified")
        plan = replace(plan, gain_db=np.zeros_like(plan.gain_db))
    else:
        plan = replace(plan, gain_db=plan.gain_db + codec_loss(source, settings, plan, analysis, noise, out))
    if speech_seconds(measured, analysis.frames) < max(MIN_SPEECH_S, MIN_SPEECH_FRACTION * before.duration):
        warnings.append(NO_SPEECH)
    clips = load_clips(settings)  # decoded once, whatever the number of renders
    headroom = CODEC_HEADROOM_DB
    renders = 0
    with replacing(out) as tmp:  # named for this process and thread: two runs to one output never share it
        while True:
            renders += 1
            ceiling = settings.true_peak - headroom
            job = Job(source, settings, plan, ceiling, clips, progress, analysis.hum, noise)
            rendered = render(job, tmp)
            after = rendered.heard if rendered.heard is not None else measure(tmp)
            peak_over = after.true_peak - settings.true_peak
            level_off = target - after.integrated
            settled = peak_over <= 0 and (near_silent or abs(level_off) <= LEVEL_TOLERANCE_LU)
            if settled or renders == MAX_RENDERS:
                break
            if peak_over > 0:
                headroom += peak_over + 0.1
            if not near_silent and abs(level_off) > LEVEL_TOLERANCE_LU:
                plan = replace(plan, gain_db=plan.gain_db + level_off)
    if not settled:
        warnings.append(f"after {renders} renders: {after.integrated:.1f} LUFS, true peak {after.true_peak:.1f} dBTP")
    end = plan.stop * SEGMENT_S if plan.stop < len(plan.gain_db) else before.duration  # the render's `stop`
    trimmed = (plan.first * SEGMENT_S, max(before.duration - end, 0.0))
    return MasterReport(
        str(source),
        before,
        after,
        plan.gain_range,
        ceiling,
        rendered.limiting_db,
        trimmed,
        renders,
        tuple(warnings),
        settings.hum,
        rendered.hum,
        settings.speech_detection,
        plan.speech,
        rendered.noise,
    )


def _plan(analysis: Analysis, settings: AudioSettings) -> GainPlan:
    return plan_gain(
        analysis.energy,
        analysis.frames,
        settings.loudness_target,
        level=settings.leveller,
        max_boost_db=settings.max_boost,
        max_cut_db=settings.max_cut,
        trim=settings.trim_silence,
        voice=None if analysis.speech is None else voiced(analysis.speech),
    )


def _noise(analysis: Analysis, settings: AudioSettings, plan: GainPlan) -> Noise:
    """What the gate is to do: the strength the setting asks for, `auto` judging by how far below the
    programme the plan leaves the pauses."""
    if settings.noise == "off" or analysis.noise is None:
        return Noise(settings.noise, None, 0.0)
    below = pauses_below(analysis.energy, analysis.frames, plan, settings.loudness_target)
    strength = strength_for(settings.noise, below)
    spectrum = analysis.noise
    if hum := analysis.hum:  # the hum is taken out before the gate: it is not the noise to compare with
        lines = [(h.number * hum.fundamental, 10 ** (h.level_db / 10)) for h in hum.harmonics]
        spectrum = spectrum.without_lines(lines)
    return Noise(settings.noise, analysis.noise.level_db, strength, below, spectrum=spectrum)


def codec_loss(
    source: Path, settings: AudioSettings, plan: GainPlan, analysis: Analysis, noise: Noise, out: Path
) -> float:
    """Loudness the encoder takes away, measured on the loudest CALIBRATION_S of the programme; and,
    where hum is subtracted or a noise gate works, what they take from the programme's loudness.

    MP3's low-pass removes a few tenths of a LU of speech, and the hum's own power goes with it; knowing
    how much before the real render means one render lands on target, instead of two."""
    rate, channels = settings.sample_rate, settings.channels
    weighted = analysis.energy * 10 ** (plan.gain_db / 10)
    span = min(round(CALIBRATION_S / SEGMENT_S), len(weighted))
    sums = np.convolve(weighted[plan.first : plan.stop], np.ones(span), "valid")
    first = plan.first + int(np.argmax(sums)) if len(sums) else 0
    window = (first * SEGMENT_S, span * SEGMENT_S)
    sample = beside(out, ".calibration")
    encoding = ffmpeg.Encoding(settings.format, settings.bitrate, rate, channels)
    gate = Job(source, settings, plan, 0.0, (None, None), None, noise=noise).gate(rate)
    try:
        with ffmpeg.Encoder(sample, encoding) as encoder:
            processed = _calibration(source, settings, plan, window, analysis.hum, gate, encoder.write)
        loss = processed - measure(sample).integrated
    finally:
        sample.unlink(missing_ok=True)
    if analysis.hum or gate:
        loss += _calibration(source, settings, plan, window, None, None) - processed
    return float(np.clip(loss, -MAX_CODEC_LOSS_LU, MAX_CODEC_LOSS_LU)) if math.isfinite(loss) else 0.0


def _calibration(
    source: Path,
    settings: AudioSettings,
    plan: GainPlan,
    window: tuple[float, float],
    hum: Hum | None,
    gate: Gate | None,
    then: Callable[[np.ndarray], None] | None = None,
) -> float:
    """The loudness of `window` through the filters (with `hum` subtracted and the noise `gate`) and the gain
    plan; each processed chunk goes on to `then`."""
    rate = settings.sample_rate
    meter = LoudnessMeter(rate, settings.channels)
    position = round(window[0] * rate)
    for chunk in decoded(source, settings, rate, hum, gate, window=window):
        processed = chunk * segment_gains(plan, position, len(chunk), rate)[:, None]
        position += len(chunk)
        meter.feed(processed)
        if then:
            then(processed)
    return meter.result().integrated


def load_clips(settings: AudioSettings) -> Clips:
    def load(path: Path | None) -> np.ndarray | None:
        return load_clip(path, settings.sample_rate, settings.channels, settings.loudness_target) if path else None

    return load(settings.intro), load(settings.outro)


def _report(progress: Progress | None, stage: str, seconds: float, duration: float | None) -> None:
    if progress and duration:
        progress(stage, min(seconds / duration, 1.0))
