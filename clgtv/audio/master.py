"""Mastering one recording: high-pass, one gain to the loudness target, true-peak limit, encode.

Two streaming passes over the source (measure, then render) and a check of the encoded
file with the same meter. If the codec pushed the true peak over the ceiling, or the
limiter pulled loudness off target, the render is repeated with the error corrected
(at most MAX_RENDERS renders in all).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from clgtv.audio import ffmpeg
from clgtv.audio.limiter import Limiter
from clgtv.audio.meter import Loudness, LoudnessMeter, measure
from clgtv.errors import MediaError
from clgtv.settings import AudioSettings

ENGINE_VERSION = "1"
SILENCE_LUFS = -70.0
MAX_GAIN_DB = 35.0
LEVEL_TOLERANCE_LU = 0.5
CODEC_HEADROOM_DB = 0.5
MAX_RENDERS = 3


@dataclass(frozen=True)
class MasterReport:
    source: str
    before: Loudness
    after: Loudness
    gain_db: float
    limiter_ceiling_db: float
    limiting_db: float
    renders: int
    warnings: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        return {
            "engine": ENGINE_VERSION,
            "source": self.source,
            "input": self.before.as_dict(),
            "output": self.after.as_dict(),
            "gain_db": round(self.gain_db, 2),
            "limiter_ceiling_dbtp": round(self.limiter_ceiling_db, 2),
            "max_limiting_db": round(self.limiting_db, 2),
            "renders": self.renders,
            "warnings": list(self.warnings),
        }


def filters(settings: AudioSettings) -> list[str]:
    return [f"highpass=f={settings.highpass:g}:poles=2"] if settings.highpass else []


def analyse(source: Path, settings: AudioSettings) -> Loudness:
    """Loudness of the source as it will enter the chain (output rate and channels, high-passed)."""
    meter = LoudnessMeter(settings.sample_rate, settings.channels)
    for chunk in ffmpeg.decode(source, settings.sample_rate, settings.channels, filters(settings)):
        meter.feed(chunk)
    return meter.result()


def master(source: Path, out: Path, settings: AudioSettings) -> MasterReport:
    """Process `source` into an MP3 at `out` (written atomically); report before and after."""
    before = analyse(source, settings)
    if not math.isfinite(before.integrated) or before.integrated < SILENCE_LUFS:
        raise MediaError(source, "is silent (no speech above -70 LUFS); check the recording")
    gain = settings.target_lufs - before.integrated
    warnings = []
    if gain > MAX_GAIN_DB:
        warnings.append(f"very quiet recording ({before.integrated:.1f} LUFS): gain capped at +{MAX_GAIN_DB:g} dB")
        gain = MAX_GAIN_DB
    headroom = CODEC_HEADROOM_DB
    tmp = out.with_name(f".{out.name}.partial")
    try:
        renders = 0
        while renders < MAX_RENDERS:
            renders += 1
            ceiling = settings.true_peak - headroom
            limiting = render(source, tmp, settings, gain, ceiling)
            after = measure(tmp)
            peak_over = after.true_peak - settings.true_peak
            level_off = settings.target_lufs - after.integrated
            if warnings or (peak_over <= 0 and abs(level_off) <= LEVEL_TOLERANCE_LU):
                break
            if peak_over > 0:
                headroom += peak_over + 0.1
            if abs(level_off) > LEVEL_TOLERANCE_LU:
                gain += level_off
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return MasterReport(str(source), before, after, gain, ceiling, limiting, renders, tuple(warnings))


def render(source: Path, out: Path, settings: AudioSettings, gain_db: float, ceiling_db: float) -> float:
    """Decode, apply gain, limit, encode; return the deepest gain reduction the limiter used."""
    scale = 10 ** (gain_db / 20)
    limiter = Limiter(ceiling_db, settings.sample_rate, settings.channels)
    encoding = ffmpeg.Encoding(bitrate=settings.bitrate, sample_rate=settings.sample_rate, channels=settings.channels)
    encoder = ffmpeg.Encoder(out, encoding)
    try:
        for chunk in ffmpeg.decode(source, settings.sample_rate, settings.channels, filters(settings)):
            encoder.write(limiter.process(chunk * scale))
        encoder.write(limiter.flush())
    except BaseException:
        encoder.abort()
        raise
    encoder.close()
    return limiter.max_reduction_db
