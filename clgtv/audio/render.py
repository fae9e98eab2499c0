"""The render: the source through the gain plan, intro and outro, and the true-peak limiter into the
encoder, and the encoded result measured as it is made.

libmp3lame runs on one thread and sets the pace, so an MP3 of a few minutes or more is rendered in
spans side by side, one encoder each. Every span decodes from a little before its share, so that its
high-pass and limiter have settled by then, and starts its encoder a little before too, on the whole
programme's 1152-sample frame grid. `mp3.py` joins the spans' frames where one hands over to the next,
and each span's meter measures only the stretch that span owns. Up to a seam the joined file is a single
encoder's, bit for bit; after it, a fresh encoding of the same samples. Where the spans' audio does not
agree at a hand-over (a source that cannot seek exactly), one encoder renders it all instead.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from clgtv.audio import ffmpeg, mp3
from clgtv.audio.clips import Joiner, intro_lead
from clgtv.audio.iir import Biquads, highpass
from clgtv.audio.leveller import SEGMENT_S, GainPlan, segment_gains
from clgtv.audio.limiter import Limiter
from clgtv.audio.meter import Loudness, LoudnessMeter
from clgtv.settings import AudioSettings

MIN_SPAN_S = 120.0  # below this a span's overlap is not worth its start-up
# Each span runs a decoder, an encoder and a monitor (about 31 MB resident each): two spans halve the
# encoder's time and keep a render within 250 MB; each more would add about 65 MB.
MAX_SPANS = 2
ENCODER_LEAD_S = 2.0  # a span's encoder starts this long before its share ...
SPLICE_AFTER_S = 1.5  # ... and has run at least this long where it takes over
OVERLAP_S = 3.0  # a span's encoder runs on this long into the next one's share
SETTLE_S = 1.0  # audio decoded and processed before anything of a span is kept
# Either side of a hand-over (where the splice almost always falls) both spans' audio must agree to
# -80 dBFS: settled filters differ by under 1e-5, audio a frame out of step by far more.
CHECK_S = 0.5
CHECK_TOLERANCE = 1e-4

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
class Span:
    """One encoder's share of a render. Output frames count from the start of the finished file (the
    intro's first frame); programme frames are the source's, at the output's sample rate."""

    decode: tuple[int, int | None]  # programme frames [start, stop) decoded; None: to the end
    base: int  # the output frame of the first decoded frame's place (before the intro, for the first span)
    encode: tuple[int, int | None]  # output frames given to the encoder
    measure: tuple[int, int | None] | None  # output frames its meter owns; None: all it hears, as encoded
    first: bool
    last: bool
    checks: tuple[tuple[int, int], ...] = ()  # output frames around its hand-overs, kept for comparison


def plan_spans(plan: GainPlan, rate: int, lead: int, count: int) -> list[Span]:
    """`count` spans of about equal length for a programme whose first kept frame is output frame `lead`."""
    if count < 2:
        return [Span((0, None), 0, (0, None), None, True, True)]
    start = round(plan.first * SEGMENT_S * rate)
    length = round((plan.stop - plan.first) * SEGMENT_S * rate)
    bounds = [lead + length * i // count for i in range(1, count)]
    encodes = [0, *(_on_grid(bound - ENCODER_LEAD_S * rate) for bound in bounds)]
    stops = [*(bound + round(OVERLAP_S * rate) for bound in bounds), None]
    owned = [0, *(round(bound / rate) * rate for bound in bounds), None]
    checks = [(bound - round(CHECK_S * rate), bound + round(CHECK_S * rate)) for bound in bounds]
    tenth = rate // 10  # decoders start on a 100 ms boundary: the resampler's grid is then the same
    spans = []
    for index, (encode, stop) in enumerate(zip(encodes, stops, strict=True)):
        decode_from = 0 if index == 0 else (encode - lead + start - round(SETTLE_S * rate)) // tenth * tenth
        decode_to = None if stop is None else stop - lead + start + round(SETTLE_S * rate)
        base = 0 if index == 0 else lead + decode_from - start
        measure = (owned[index], owned[index + 1])
        near = tuple(checks[max(index - 1, 0) : index + 1])
        spans.append(Span((decode_from, decode_to), base, (encode, stop), measure, index == 0, stop is None, near))
    return spans


def _on_grid(frame: float) -> int:
    return int(frame // mp3.FRAME_SAMPLES * mp3.FRAME_SAMPLES)


def span_count(settings: AudioSettings, plan: GainPlan, parallel: int) -> int:
    if settings.format != "mp3" or settings.sample_rate not in mp3.RATES:
        return 1
    return max(1, min(parallel, MAX_SPANS, int((plan.stop - plan.first) * SEGMENT_S // MIN_SPAN_S)))


@dataclass(frozen=True)
class Job:
    source: Path
    settings: AudioSettings
    plan: GainPlan
    ceiling_db: float
    clips: Clips
    progress: Progress | None


def render(job: Job, out: Path, parallel: int = 1) -> tuple[float, Loudness]:
    """Render `job` into `out`; return the deepest limiting in dB and the encoded result's loudness."""
    settings = job.settings
    rate = settings.sample_rate
    lead = intro_lead(job.clips[0], round(settings.crossfade * rate))
    spans = plan_spans(job.plan, rate, lead, span_count(settings, job.plan, parallel))
    if len(spans) == 1:
        rendered = _render_span(job, spans[0], out, _Share(job))
        return rendered.limiting_db, rendered.meter.result()
    try:
        return _render_spans(job, spans, out)
    except mp3.SpliceError:  # the spans do not line up: one encoder does it all
        return render(job, out, parallel=1)


@dataclass(frozen=True)
class _Rendered:
    limiting_db: float  # the deepest limiting
    meter: LoudnessMeter
    encoded: int  # frames given to the encoder
    heard: dict[tuple[int, int], np.ndarray]  # the audio of the span's `checks`


def _render_spans(job: Job, spans: list[Span], out: Path) -> tuple[float, Loudness]:
    parts = [out.with_name(f".{out.name}.span{index}") for index in range(len(spans))]
    share = _Share(job)

    def run(span: Span, part: Path) -> _Rendered:
        try:
            return _render_span(job, span, part, share)
        except BaseException:
            share.fail()
            raise

    try:
        with ThreadPoolExecutor(len(spans), thread_name_prefix="span") as pool:
            try:
                futures = [pool.submit(run, span, part) for span, part in zip(spans, parts, strict=True)]
                wait(futures)
            except BaseException:  # an interrupt here: the spans stop at their next chunk
                share.fail()
                raise
        errors = [error for future in futures if (error := future.exception())]
        if errors:  # the span that failed, not one it stopped
            raise next((e for e in errors if not isinstance(e, _Cancelled)), errors[0])
        results = [future.result() for future in futures]
        for before, after in itertools.pairwise(results):
            _check_hand_over(job.source, before, after)
        settings = job.settings
        samples = spans[-1].encode[0] + results[-1].encoded
        splices = _join(parts, spans, out, settings.bitrate, settings.sample_rate, samples)
    finally:
        for part in parts:
            part.unlink(missing_ok=True)
    after = LoudnessMeter.combined([result.meter for result in results])
    for splice in splices:
        seam = _seam(out, splice, job.settings)
        after = replace(after, true_peak=max(after.true_peak, seam.true_peak))
    return max(result.limiting_db for result in results), after


def _seam(out: Path, splice: int, settings: AudioSettings) -> Loudness:
    """The joined file a second either side of a seam, measured as a player decodes it: the one
    stretch that neither span's meter heard as the file has it."""
    rate, channels = settings.sample_rate, settings.channels
    seam = (splice * mp3.FRAME_SAMPLES - mp3.DECODER_SKIP) / rate
    meter = LoudnessMeter(rate, channels)
    start = max(seam - 2 * SETTLE_S, 0.0)
    # the decoder's first frames after a seek only settle the meter
    measured = _Owned(meter, 0, round((seam - SETTLE_S - start) * rate), None)
    for chunk in ffmpeg.decode(out, rate, channels, window=(start, 3 * SETTLE_S)):
        measured(chunk)
    return meter.result()


def _check_hand_over(source: Path, before: _Rendered, after: _Rendered) -> None:
    """Both spans made the same audio where one hands over to the other, or they cannot be joined."""
    window = (set(before.heard) & set(after.heard)).pop()
    ours, theirs = before.heard[window], after.heard[window]
    difference = np.abs(ours - theirs).max(initial=0.0) if ours.shape == theirs.shape else np.inf
    if difference > CHECK_TOLERANCE:
        raise mp3.SpliceError(f"{source}: the spans' audio differs by {difference:.2g} where they meet")


def _join(parts: list[Path], spans: list[Span], out: Path, bitrate: int, rate: int, samples: int) -> list[int]:
    """Join the spans' frames into `out`, each handing over where its successor has run SPLICE_AFTER_S;
    return the splice frames."""
    warm = math.ceil(SPLICE_AFTER_S * rate / mp3.FRAME_SAMPLES)
    back = _reservoir_frames(bitrate, rate)
    firsts = [span.encode[0] // mp3.FRAME_SAMPLES for span in spans]
    # a span's encoder runs on to encode[1], less the last frames, which carry its flush
    seams = [
        range(first + warm, _stop(span) // mp3.FRAME_SAMPLES - 2)
        for first, span in zip(firsts[1:], spans[:-1], strict=True)
    ]
    streams = []
    for index, (part, first) in enumerate(zip(parts, firsts, strict=True)):
        near = seams[max(index - 1, 0) : index + 1]  # the seams this span is on
        keep = {frame for seam in near for frame in range(seam.start - back, seam.stop)}
        streams.append(mp3.Stream.scan(part, first, keep))
    pairs = zip(itertools.pairwise(streams), seams, strict=True)
    splices = [mp3.splice_frame(before, after, seam.start, seam.stop) for (before, after), seam in pairs]
    ffmpeg.remux_mp3(mp3.joined(streams, splices), out)
    mp3.set_gapless(out, samples)
    return splices


def _reservoir_frames(bitrate: int, rate: int) -> int:
    """How many frames back a frame's bit reservoir can reach: 511 bytes over the smallest main-data
    slot (a frame's size less header, CRC and stereo side information)."""
    slot = mp3.frame_bytes(bitrate, rate) - mp3.MAX_HEAD
    return math.ceil(mp3.MAX_RESERVOIR / slot) + 1


def _stop(span: Span) -> int:
    assert span.encode[1] is not None, "only the last span runs to the end"
    return span.encode[1]


def _render_span(job: Job, span: Span, out: Path, share: _Share) -> _Rendered:
    """Render one span into `out`."""
    settings, plan = job.settings, job.plan
    rate, channels = settings.sample_rate, settings.channels
    intro, outro = job.clips
    crossfade = round(settings.crossfade * rate)
    joiner = Joiner(intro if span.first else None, outro if span.last else None, crossfade, rate, channels)
    limiter = Limiter(job.ceiling_db, rate, channels)
    meter = LoudnessMeter(rate, channels)
    monitor = meter.feed if span.measure is None else _Owned.of(meter, span)
    frames_only = not (span.first and span.last)
    encoding = ffmpeg.Encoding(settings.format, settings.bitrate, rate, channels, frames_only=frames_only)
    first = round(plan.first * SEGMENT_S * rate)
    stop = round(plan.stop * SEGMENT_S * rate) if plan.stop < len(plan.gain_db) else None
    with ffmpeg.Encoder(out, encoding, monitor=monitor) as encoder:
        sink = _Cut(encoder, span)
        position = span.decode[0]
        for chunk in decoded(job.source, settings, rate, background=True, window=_window(span, rate)):
            share.check()
            if len(kept := _within(chunk, position, first, stop)):  # the silence trim
                gains = segment_gains(plan, max(position, first), len(kept), rate)
                sink.write(limiter.process(joiner.feed(kept * gains[:, None])))
            position += len(chunk)
            share.advance(len(chunk))
        sink.write(limiter.process(joiner.finish()))
        sink.write(limiter.flush())
    return _Rendered(limiter.max_reduction_db, meter, sink.written, sink.heard())


def _window(span: Span, rate: int) -> ffmpeg.Window | None:
    start, stop = span.decode
    if span.first and span.last:
        return None
    return (start / rate, None if stop is None else (stop - start) / rate)


def _within(chunk: np.ndarray, here: int, low: float, high: float | None) -> np.ndarray:
    """The frames [low, high) of a chunk whose first frame is frame `here`; no `high`: to its end."""
    size = len(chunk)
    end = size if high is None else int(min(max(high - here, 0), size))
    return chunk[int(min(max(low - here, 0), size)) : end]


class _Cut:
    """Between a span's limiter and its encoder: passes on the frames the span encodes and keeps
    a copy of those around its hand-overs (positions in output frames)."""

    def __init__(self, encoder: ffmpeg.Encoder, span: Span):
        self._encoder = encoder
        self._span = span
        self._position = span.base  # output frame of the next frame written
        self._heard: dict[tuple[int, int], list[np.ndarray]] = {window: [] for window in span.checks}
        self.written = 0

    def write(self, chunk: np.ndarray) -> None:
        here = self._position
        self._position += len(chunk)
        encoded = _within(chunk, here, *self._span.encode)
        self._encoder.write(encoded)
        self.written += len(encoded)
        for window, parts in self._heard.items():
            if len(part := _within(chunk, here, *window)):
                parts.append(part.copy())

    def heard(self) -> dict[tuple[int, int], np.ndarray]:
        return {window: np.concatenate(parts) if parts else np.zeros(0) for window, parts in self._heard.items()}


class _Owned:
    """A meter's view of a stream: frames [settle, start) only settle its filters, frames [start,
    stop) are measured (no `stop`: to the end)."""

    def __init__(self, meter: LoudnessMeter, settle: int, start: int, stop: int | None):
        self._meter = meter
        self._settle, self._start, self._stop = settle, start, stop
        self._position = 0

    @classmethod
    def of(cls, meter: LoudnessMeter, span: Span) -> _Owned:
        """A span's monitor: the second before the stretch the span owns settles the meter."""
        assert span.measure is not None
        start, stop = (None if edge is None else edge - span.encode[0] for edge in span.measure)
        assert start is not None
        settle = start - (0 if span.first else round(SETTLE_S * meter.sample_rate))
        return cls(meter, settle, start, stop)

    def __call__(self, chunk: np.ndarray) -> None:
        here = self._position
        self._position += len(chunk)
        if len(settle := _within(chunk, here, self._settle, self._start)):
            self._meter.settle(settle)
        if len(measured := _within(chunk, here, self._start, self._stop)):
            self._meter.feed(measured)


class _Cancelled(Exception):
    """Another span failed; this one stops too."""


class _Share:
    """What the spans of one render share: progress, and stopping all when one fails."""

    def __init__(self, job: Job):
        self._progress = job.progress
        self._total = len(job.plan.gain_db) * SEGMENT_S * job.settings.sample_rate
        self._done = 0
        self._lock = threading.Lock()
        self._failed = threading.Event()

    def check(self) -> None:
        if self._failed.is_set():
            raise _Cancelled

    def fail(self) -> None:
        self._failed.set()

    def advance(self, frames: int) -> None:
        if not self._progress:
            return
        with self._lock:
            self._done += frames
            self._progress("rendering", min(self._done / self._total, 1.0))
