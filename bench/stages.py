"""Where `clgtv master` spends its CPU: each stage of its work on the real-voice panel, alone.

    python bench/stages.py [--minutes 60]

In clgtv the stages overlap (the decoder, Python and the encoder run at once); here each runs by
itself, on what the stage before it made, so that its CPU and wall time are its own. ffmpeg stages
are separate processes, timed with their whole process tree; Python stages run in this process
(with clgtv's process settings: BLAS on one thread, the heap kept) and read their input from raw
float32 files made beforehand, untimed, in build/bench/stages/ (deleted at the end):

  start-up (imports)     a Python process importing the CLI and the engine
  probe                  ffmpeg.probe of the WAV
  measure: decode        ffmpeg decoding the WAV at its own rate to /dev/null
  measure: high-pass, meter  the high-pass and the loudness meter (Python) on that decoded audio
  plan                   the leveller's gain curve from the meter's segments
  calibration            the codec calibration (decode, process and encode 20 s, measure the MP3)
  render: decode         ffmpeg decoding and resampling the WAV to 44.1 kHz, to /dev/null
  render: process        high-pass, gains, joiner and true-peak limiter (Python) on that audio
  render: LAME           ffmpeg's libmp3lame encoding the processed audio from a raw file
  monitor: decode        ffmpeg decoding that MP3 to /dev/null (clgtv decodes the encoder's stream)
  monitor: meter         the loudness meter (Python) on the decoded MP3
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus import panel  # noqa: E402
from process import timed  # noqa: E402

from clgtv.audio import configure_process, ffmpeg  # noqa: E402
from clgtv.audio.clips import Joiner  # noqa: E402
from clgtv.audio.iir import Biquads, highpass  # noqa: E402
from clgtv.audio.leveller import SEGMENT_S, GainPlan, plan_gain, segment_gains  # noqa: E402
from clgtv.audio.limiter import Limiter  # noqa: E402
from clgtv.audio.master import CODEC_HEADROOM_DB, Analysis, codec_loss  # noqa: E402
from clgtv.audio.meter import LoudnessMeter  # noqa: E402
from clgtv.audio.noise import Noise  # noqa: E402
from clgtv.settings import AudioSettings  # noqa: E402

WORK = REPO / "build" / "bench" / "stages"
SETTINGS = AudioSettings()
NO_NOISE = Noise("off", None, 0.0)


@dataclass(frozen=True)
class Stage:
    name: str
    wall: float
    cpu: float


def in_process(name: str, work: Callable[[], object]) -> tuple[Stage, object]:
    """Run `work` here: CPU of every thread of this process and of the children it waited for."""
    before = _cpu()
    start = time.perf_counter()
    result = work()
    return Stage(name, time.perf_counter() - start, _cpu() - before), result


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def subprocess_stage(name: str, argv: list[str], stdin: Path | None = None) -> Stage:
    run = timed(name, argv, stdin=stdin, discard=True)
    return Stage(name, run.wall, run.cpu)


def to_raw(source: Path, rate: int, raw: Path) -> None:
    """Decode `source` to float32 PCM in `raw` (untimed set-up for the Python stages)."""
    with raw.open("wb") as out:
        for chunk in ffmpeg.decode(source, rate, SETTINGS.channels):
            out.write(chunk.tobytes())


def chunks(raw: Path, rate: int) -> Iterator[np.ndarray]:
    """`raw` in the chunks clgtv's decoder yields."""
    frames = round(ffmpeg.CHUNK_SECONDS * rate)
    with raw.open("rb") as handle:
        while len(chunk := np.fromfile(handle, ffmpeg.SAMPLE, frames * SETTINGS.channels)):
            yield chunk.reshape(-1, SETTINGS.channels)


def meter_pass(raw: Path, rate: int, filtered: bool) -> LoudnessMeter:
    meter = LoudnessMeter(rate, SETTINGS.channels)
    rumble = Biquads(highpass(SETTINGS.highpass, rate), SETTINGS.channels)
    for chunk in chunks(raw, rate):
        meter.feed(rumble(chunk) if filtered else chunk)
    return meter


def plan_for(analysis: Analysis) -> GainPlan:
    return plan_gain(
        analysis.energy,
        analysis.frames,
        SETTINGS.loudness_target,
        level=SETTINGS.leveller,
        max_boost_db=SETTINGS.max_boost,
        max_cut_db=SETTINGS.max_cut,
        trim=SETTINGS.trim_silence,
    )


def process(raw: Path, plan: GainPlan, out: Path) -> None:
    """The render's Python chain, as render.render runs it, from `raw` into `out`."""
    rate, channels = SETTINGS.sample_rate, SETTINGS.channels
    rumble = Biquads(highpass(SETTINGS.highpass, rate), channels)
    joiner = Joiner(None, None, round(SETTINGS.crossfade * rate), rate, channels)
    limiter = Limiter(SETTINGS.true_peak - CODEC_HEADROOM_DB, rate, channels)
    first = round(plan.first * SEGMENT_S * rate)
    stop = round(plan.stop * SEGMENT_S * rate) if plan.stop < len(plan.gain_db) else None
    position = 0
    with out.open("wb") as sink:
        for chunk in chunks(raw, rate):
            filtered = rumble(chunk)
            end = None if stop is None else max(stop - position, 0)
            if len(kept := filtered[max(first - position, 0) : end]):  # the silence trim
                gains = segment_gains(plan, max(position, first), len(kept), rate)
                sink.write(limiter.process(joiner.feed(kept * gains[:, None])).tobytes())
            position += len(chunk)
        sink.write(limiter.process(joiner.finish()).tobytes())
        sink.write(limiter.flush().tobytes())


def stages(source: Path) -> list[Stage]:
    WORK.mkdir(parents=True, exist_ok=True)
    rate, out_rate, channels = ffmpeg.probe(source).sample_rate, SETTINGS.sample_rate, SETTINGS.channels
    measured, rendered, processed, mp3, heard = (
        WORK / name for name in ("measure.f32", "render.f32", "processed.f32", "out.mp3", "heard.f32")
    )
    encoding = ffmpeg.Encoding(SETTINGS.format, SETTINGS.bitrate, out_rate, channels)
    start_up = [sys.executable, "-c", "import clgtv.cli, clgtv.audio.master"]
    table = [subprocess_stage("start-up (imports)", start_up)]
    table.append(in_process("probe", lambda: ffmpeg.probe(source))[0])
    wav = ffmpeg.is_pcm_wav(source)
    table.append(subprocess_stage("measure: decode", ffmpeg.decode_argv(source, rate, channels, wav=wav)))
    to_raw(source, rate, measured)
    stage, meter = in_process("measure: high-pass, meter", lambda: meter_pass(measured, rate, filtered=True))
    measured.unlink()
    table.append(stage)
    analysis = Analysis(meter.result(), *meter.segments())
    stage, plan = in_process("plan", lambda: plan_for(analysis))
    table.append(stage)
    calibrated = lambda: codec_loss(source, SETTINGS, plan, analysis, NO_NOISE, WORK / "out.mp3")  # noqa: E731
    stage, loss = in_process("calibration", calibrated)
    table.append(stage)
    plan = replace(plan, gain_db=plan.gain_db + loss)
    table.append(subprocess_stage("render: decode", ffmpeg.decode_argv(source, out_rate, channels, wav=wav)))
    to_raw(source, out_rate, rendered)
    table.append(in_process("render: process", lambda: process(rendered, plan, processed))[0])
    rendered.unlink()
    table.append(subprocess_stage("render: LAME", ffmpeg.encode_argv(mp3, encoding), stdin=processed))
    processed.unlink()
    table.append(subprocess_stage("monitor: decode", ffmpeg.decode_argv(mp3, out_rate, channels)))
    to_raw(mp3, out_rate, heard)
    table.append(in_process("monitor: meter", lambda: meter_pass(heard, out_rate, filtered=False))[0])
    heard.unlink()
    mp3.unlink()
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=60.0)
    args = parser.parse_args()
    configure_process()
    source = panel(args.minutes)
    table = stages(source)
    total_cpu = sum(stage.cpu for stage in table)
    print(f"\n{source.name}: each stage of clgtv master alone ({args.minutes:g} min)\n")
    print("| stage | CPU s | wall s | share of CPU |")
    print("|---|---:|---:|---:|")
    for stage in table:
        print(f"| {stage.name} | {stage.cpu:.1f} | {stage.wall:.1f} | {stage.cpu / total_cpu:.0%} |")
    print(f"| **all stages** | **{total_cpu:.1f}** | **{sum(stage.wall for stage in table):.1f}** | |")
    whole = timed(
        "clgtv master", [str(Path(sys.executable).parent / "clgtv"), "master", str(source), str(WORK / "all.mp3")]
    )
    (WORK / "all.mp3").unlink()
    print(f"| clgtv master, all at once | {whole.cpu:.1f} | {whole.wall:.1f} | |")


if __name__ == "__main__":
    main()
