"""The render: the source through the high-pass, the hum subtracted, the noise gate, the gain plan, intro
and outro, and the true-peak limiter into one encoder, and the encoded result measured as it is made.

Three processes run at once: ffmpeg decoding, Python filtering, and ffmpeg encoding, which also
decodes what it encodes for the meter (a loopback decoder). The filtering runs in a thread of its
own, yielding the CPU to the encoder's threads (`in_background`). One encoder renders every file, so
the output is the same bytes on any machine.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import numpy as np

from clgtv.audio import ffmpeg
from clgtv.audio.clips import Joiner
from clgtv.audio.hum import Canceller, Hum, PauseSpectrum
from clgtv.audio.iir import Biquads, highpass
from clgtv.audio.leveller import SEGMENT_S, GainPlan, segment_gains
from clgtv.audio.limiter import Limiter
from clgtv.audio.meter import Loudness, LoudnessMeter
from clgtv.audio.noise import Gate, Noise
from clgtv.settings import AudioSettings

Progress = Callable[[str, float], None]  # (stage, fraction done)
Clips = tuple[np.ndarray | None, np.ndarray | None]  # the intro and the outro, decoded
T = TypeVar("T")
HAND_TIMEOUT_S = 0.05  # how often a chain waiting to hand on an item looks whether it was stopped


def decoded(
    source: Path,
    settings: AudioSettings,
    sample_rate: int,
    hum: Hum | None = None,
    gate: Gate | None = None,
    **options: object,
) -> Iterator[np.ndarray]:
    """The source at `sample_rate` with the output's channels, through the rumble high-pass, with `hum`
    subtracted and through the noise `gate`: what every pass works on. `options` go to `ffmpeg.decode`.

    The filter runs here rather than in the decoder: ffmpeg's biquads cost the decoder more than
    the whole pass costs Python, and in the render the decoder shares a core with the encoder."""
    filtered = _filtered(source, settings, sample_rate, hum, **options)
    if not gate:
        yield from filtered
        return
    for chunk in filtered:
        if len(out := gate(chunk)):
            yield out
    if len(out := gate.flush()):
        yield out


def _filtered(
    source: Path, settings: AudioSettings, sample_rate: int, hum: Hum | None, **options: object
) -> Iterator[np.ndarray]:
    chunks = ffmpeg.decode(source, sample_rate, settings.channels, **options)
    rumble = Biquads(highpass(settings.highpass, sample_rate), settings.channels) if settings.highpass else None
    if not rumble and not hum:
        yield from chunks
        return
    window = options.get("window")
    seconds = window[0] if isinstance(window, tuple) else 0.0  # where the first chunk is in the recording
    canceller = Canceller(hum, sample_rate, settings.channels, seconds) if hum else None
    for chunk in chunks:
        filtered = rumble(chunk) if rumble else chunk
        if canceller:
            if len(out := canceller.feed(filtered)):
                yield out
        else:
            yield filtered
    if canceller and len(out := canceller.finish()):
        yield out


@dataclass(frozen=True)
class Job:
    source: Path
    settings: AudioSettings
    plan: GainPlan
    ceiling_db: float
    clips: Clips
    progress: Progress | None
    hum: Hum | None = None
    noise: Noise | None = None

    def gate(self, sample_rate: int) -> Gate | None:
        """A fresh gate for this job's noise, if it takes any off."""
        noise = self.noise
        if not noise or not noise.active or noise.spectrum is None:
            return None
        return Gate(noise.spectrum, noise.strength_db, sample_rate, self.settings.channels)


@dataclass(frozen=True)
class Rendered:
    limiting_db: float  # the deepest limiting
    heard: Loudness | None  # the encoded result's; None when the monitor's audio is not provably the file's
    hum: Hum | None  # the job's, with the reduction heard in the pauses once it is subtracted
    noise: Noise | None = None  # the job's, with the reduction heard in the pauses past the gate


def render(job: Job, out: Path) -> Rendered:
    """Render `job` into `out`."""
    settings = job.settings
    rate, channels = settings.sample_rate, settings.channels
    joiner = Joiner(*job.clips, round(settings.crossfade * rate), rate, channels)
    limiter = Limiter(job.ceiling_db, rate, channels)
    meter = LoudnessMeter(rate, channels)
    encoding = ffmpeg.Encoding(settings.format, settings.bitrate, rate, channels)
    pauses = PauseSpectrum(rate) if job.hum else None
    gate = job.gate(rate)
    with (
        ffmpeg.Encoder(out, encoding, monitor=meter.feed) as encoder,
        contextlib.closing(in_background(_mastered(job, gate, pauses, joiner, limiter))) as mastered,
    ):
        for samples, done in mastered:
            encoder.write(samples)
            if job.progress:
                job.progress("rendering", done)
    heard = meter.result() if encoder.heard_exactly else None
    hum = job.hum.measured(pauses.finish()) if job.hum and pauses else None
    noise = replace(job.noise, reduction_db=gate.reduction_db) if job.noise and gate else job.noise
    return Rendered(limiter.max_reduction_db, heard, hum, noise)


def _mastered(
    job: Job, gate: Gate | None, pauses: PauseSpectrum | None, joiner: Joiner, limiter: Limiter
) -> Generator[tuple[np.ndarray, float], None, None]:
    """What goes to the encoder, chunk by chunk, each with the fraction of the recording done."""
    plan, rate = job.plan, job.settings.sample_rate
    first = round(plan.first * SEGMENT_S * rate)
    stop = round(plan.stop * SEGMENT_S * rate) if plan.stop < len(plan.gain_db) else None
    total = len(plan.gain_db) * SEGMENT_S * rate
    position = 0
    for chunk in decoded(job.source, job.settings, rate, job.hum, gate, background=True):
        if pauses:
            pauses.feed(chunk)
        kept = _within(chunk, position, first, stop)  # the silence trim
        here, position = position, position + len(chunk)
        if len(kept):
            gains = segment_gains(plan, max(here, first), len(kept), rate)
            for piece in _pieces(joiner.feed(kept * gains[:, None]), rate):
                yield limiter.process(piece), min(position / total, 1.0)
    for piece in _pieces(joiner.finish(), rate):
        yield limiter.process(piece), 1.0
    yield limiter.flush(), 1.0


def _pieces(samples: np.ndarray, rate: int) -> Iterator[np.ndarray]:
    """`samples` a decoded chunk's length at a time: the joiner hands over a whole intro or outro at
    once, and the limiter's working arrays grow with what it is given."""
    size = round(ffmpeg.CHUNK_SECONDS * rate)
    for start in range(0, max(len(samples), 1), size):
        yield samples[start : start + size]


def in_background(items: Generator[T, None, None], depth: int = 2) -> Generator[T, None, None]:
    """`items`, made in a thread of their own at background niceness while the caller's thread feeds
    the encoder: the encoder's threads then take the CPU from the chain's Python whenever they are
    ready, instead of waiting out its time slice, and the encoder waits less for its input. At most
    `depth` items wait to be taken. What `items` raises is raised here; closing this generator stops
    the thread and closes `items` there."""
    handed: queue.Queue[T | _Raised | _End] = queue.Queue(maxsize=depth)
    stopped = threading.Event()

    def hand(item: T | _Raised | _End) -> bool:
        while not stopped.is_set():
            with contextlib.suppress(queue.Full):
                handed.put(item, timeout=HAND_TIMEOUT_S)
                return True
        return False

    def work() -> None:
        ffmpeg.yield_thread_to_encoder()
        try:
            if all(hand(item) for item in items):
                hand(_End())
        except BaseException as error:  # raised again in the caller's thread
            hand(_Raised(error))
        finally:
            items.close()

    thread = threading.Thread(target=work, name="render-chain", daemon=True)
    thread.start()
    try:
        while not isinstance(item := handed.get(), _End):
            if isinstance(item, _Raised):
                raise item.error
            yield item
    finally:
        stopped.set()
        thread.join()


@dataclass(frozen=True)
class _Raised:
    error: BaseException


class _End:
    pass


def _within(chunk: np.ndarray, here: int, low: int, high: int | None) -> np.ndarray:
    """The frames [low, high) of a chunk whose first frame is frame `here`; no `high`: to its end."""
    size = len(chunk)
    end = size if high is None else min(max(high - here, 0), size)
    return chunk[min(max(low - here, 0), size) : end]
