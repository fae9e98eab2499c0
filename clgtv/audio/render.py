"""The render: the source through the high-pass and the gain plan, intro and outro, and the true-peak
limiter into one encoder, and the encoded result measured as it is made.

Four processes run at once: ffmpeg decoding, Python filtering, ffmpeg encoding, and ffmpeg decoding
the encoded stream for the meter. One encoder renders every file, so the output
is the same bytes on any machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clgtv.audio import ffmpeg
from clgtv.audio.clips import Joiner
from clgtv.audio.iir import Biquads, highpass
from clgtv.audio.leveller import SEGMENT_S, GainPlan, segment_gains
from clgtv.audio.limiter import Limiter
from clgtv.audio.meter import Loudness, LoudnessMeter
from clgtv.settings import AudioSettings

Progress = Callable[[str, float], None]  # (stage, fraction done)
Clips = tuple[np.ndarray | None, np.ndarray | None]  # the intro and the outro, decoded


def decoded(source: Path, settings: AudioSettings, sample_rate: int, **options: object) -> Iterator[np.ndarray]:
    """The source at `sample_rate` with the output's channels, through the rumble high-pass: what
    every pass works on. `options` go to `ffmpeg.decode`.

    The high-pass runs here rather than in the decoder: ffmpeg's biquads cost the decoder more than
    the whole pass costs Python, and in the render the decoder shares a core with the encoder."""
    chunks = ffmpeg.decode(source, sample_rate, settings.channels, **options)
    if not settings.highpass:
        yield from chunks
        return
    rumble = Biquads(highpass(settings.highpass, sample_rate), settings.channels)
    for chunk in chunks:
        yield rumble(chunk)


@dataclass(frozen=True)
class Job:
    source: Path
    settings: AudioSettings
    plan: GainPlan
    ceiling_db: float
    clips: Clips
    progress: Progress | None


def render(job: Job, out: Path) -> tuple[float, Loudness | None]:
    """Render `job` into `out`; return the deepest limiting in dB and the encoded result's loudness
    (None when the monitor's audio is not provably the file's: measure the file instead)."""
    settings, plan = job.settings, job.plan
    rate, channels = settings.sample_rate, settings.channels
    joiner = Joiner(*job.clips, round(settings.crossfade * rate), rate, channels)
    limiter = Limiter(job.ceiling_db, rate, channels)
    meter = LoudnessMeter(rate, channels)
    encoding = ffmpeg.Encoding(settings.format, settings.bitrate, rate, channels)
    first = round(plan.first * SEGMENT_S * rate)
    stop = round(plan.stop * SEGMENT_S * rate) if plan.stop < len(plan.gain_db) else None
    total = len(plan.gain_db) * SEGMENT_S * rate
    with ffmpeg.Encoder(out, encoding, monitor=meter.feed) as encoder:
        position = 0
        for chunk in decoded(job.source, settings, rate, background=True):
            if len(kept := _within(chunk, position, first, stop)):  # the silence trim
                gains = segment_gains(plan, max(position, first), len(kept), rate)
                encoder.write(limiter.process(joiner.feed(kept * gains[:, None])))
            position += len(chunk)
            if job.progress:
                job.progress("rendering", min(position / total, 1.0))
        encoder.write(limiter.process(joiner.finish()))
        encoder.write(limiter.flush())
    return limiter.max_reduction_db, meter.result() if encoder.heard_exactly else None


def _within(chunk: np.ndarray, here: int, low: int, high: int | None) -> np.ndarray:
    """The frames [low, high) of a chunk whose first frame is frame `here`; no `high`: to its end."""
    size = len(chunk)
    end = size if high is None else min(max(high - here, 0), size)
    return chunk[min(max(low - here, 0), size) : end]
