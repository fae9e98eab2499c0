"""Audio engine benchmark: an hour of real voices through a bare encode, clgtv and ffmpeg-normalize.

    python bench/audio.py [--minutes 60] [--rounds 3] [--normalize] [--long-minutes 180]

The input is the panel of recorded voices that bench/corpus.py builds (once, into build/bench/).
Then, one after another:
  bare      ffmpeg -i in.wav -ar 44100 -c:a libmp3lame -b:a 128k out.mp3   (the encoder's floor)
  clgtv     clgtv master in.wav out.mp3                                    (level, normalise, limit)
  forced    clgtv master --hum 50 --noise 12 --speech-detection auto        (every restoration stage at work)
  normalize ffmpeg-normalize, EBU R128 to -16 LUFS, MP3 128k at 44.1 kHz   (a popular peer; --normalize)
bare, clgtv and forced run --rounds times, the order turning each round; each round's clgtv/bare ratio of wall
time and of CPU time is printed, and the median round is the figure to quote. The table gives wall
and CPU seconds, peak RSS and PSS of each tool's process tree, and the output's I, LRA and TP as
ffmpeg's own ebur128 filter measures them. Last, a --long-minutes recording through clgtv alone, for
its peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from statistics import median, median_high

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus import panel, write  # noqa: E402
from process import Run, megabytes, timed  # noqa: E402

from clgtv.audio.ffmpeg import ebur128, ffmpeg_path  # noqa: E402

RATE = 44100  # clgtv's default output sample rate; the bare encode resamples to it too
TARGET_RATIO = 1.3
TARGET_RESTORED_RATIO = 1.5  # issue 15: the whole chain with restoration on
FORCED = "clgtv master, restoration forced"
FORCED_OPTIONS = ("--hum", "50", "--noise", "12", "--speech-detection", "auto")  # hum and noise work throughout
TARGET_PEAK_MB = 250
WORK = REPO / "build" / "bench"
BIN = Path(sys.executable).parent


def bare_argv(source: Path, out: Path) -> list[str]:
    encode = ["-ar", str(RATE), "-c:a", "libmp3lame", "-b:a", "128k"]
    return [ffmpeg_path(), "-v", "error", "-y", "-i", str(source), *encode, str(out)]


def clgtv_argv(source: Path, out: Path, *options: str) -> list[str]:
    return [str(BIN / "clgtv"), "master", "--json", *options, str(source), str(out)]


def normalize_argv(source: Path, out: Path) -> list[str] | None:
    if not (normalize := shutil.which("ffmpeg-normalize", path=str(BIN)) or shutil.which("ffmpeg-normalize")):
        return None
    options = ["-nt", "ebu", "-t", "-16", "-tp", "-1", "-c:a", "libmp3lame", "-b:a", "128k", "-ar", str(RATE)]
    return [normalize, str(source), *options, "-ext", "mp3", "-o", str(out), "-f"]


def rounds(source: Path, count: int) -> tuple[list[tuple[Run, Run]], list[Run]]:
    """`count` rounds of bare, clgtv and clgtv with every restoration stage forced on, in an order that
    turns each round, so that a machine getting busier or quieter favours none."""
    pairs, forced = [], []
    tools = [
        ("bare ffmpeg", bare_argv(source, WORK / "bare.mp3")),
        ("clgtv master", clgtv_argv(source, WORK / "clgtv.mp3")),
        (FORCED, clgtv_argv(source, WORK / "forced.mp3", *FORCED_OPTIONS)),
    ]
    for number in range(count):
        order = tools[number % 3 :] + tools[: number % 3]
        runs = {name: timed(name, argv) for name, argv in order}
        bare, clgtv, restored = runs["bare ffmpeg"], runs["clgtv master"], runs[FORCED]
        pairs.append((bare, clgtv))
        forced.append(restored)
        print(
            f"round {number + 1}: bare {bare.wall:.1f} s ({bare.cpu:.1f} s CPU), clgtv {clgtv.wall:.1f} s "
            f"({clgtv.cpu:.1f} s CPU): {clgtv.wall / bare.wall:.2f}x wall, {clgtv.cpu / bare.cpu:.2f}x CPU, "
            f"{renders(clgtv)}; forced {restored.wall:.1f} s: {restored.wall / bare.wall:.2f}x wall, "
            f"{restored.cpu / bare.cpu:.2f}x CPU, {renders(restored)}",
            flush=True,
        )
    return pairs, forced


def renders(run: Run) -> str:
    """How many renders clgtv needed, and why, from its JSON report."""
    report = json.loads(run.stdout)
    return "; ".join([f"{report['renders']} render(s)", *report["warnings"]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=3, help="bare and clgtv runs, alternating (median reported)")
    parser.add_argument("--normalize", action="store_true", help="add ffmpeg-normalize (several times slower)")
    parser.add_argument("--long-minutes", type=float, default=180.0, help="memory check length (0: skip)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    source = panel(args.minutes)
    pairs, forced = rounds(source, args.rounds)
    ratios = [clgtv.wall / bare.wall for bare, clgtv in pairs]
    forced_ratios = [run.wall / bare.wall for (bare, _), run in zip(pairs, forced, strict=True)]
    # the table shows the round with the median ratio (the higher middle one for an even count); the
    # outputs measured are the last round's, the same bytes every round
    shown = ratios.index(median_high(ratios))
    bare = pairs[shown][0]
    table = [
        (pairs[shown][0], WORK / "bare.mp3"),
        (pairs[shown][1], WORK / "clgtv.mp3"),
        (forced[shown], WORK / "forced.mp3"),
    ]
    if args.normalize:
        if argv := normalize_argv(source, WORK / "normalize.mp3"):
            run = timed("ffmpeg-normalize", argv, {**os.environ, "FFMPEG_PATH": ffmpeg_path()})
            table.append((run, WORK / "normalize.mp3"))
        else:
            print("ffmpeg-normalize not installed: pip install ffmpeg-normalize (make bench does)")
    before = ebur128(source)
    print(
        f"\ninput: {source.name}, {args.minutes:g} min, 24-bit 48 kHz stereo WAV: I {before['I']:.1f} LUFS, "
        f"LRA {before['LRA']:.1f} LU, TP {before['TP']:.1f} dBTP\n"
    )
    cpu_ratios = [clgtv.cpu / bare.cpu for bare, clgtv in pairs]
    print(f"clgtv / bare wall over {args.rounds} alternating rounds: " + ", ".join(f"{r:.2f}" for r in ratios))
    print("clgtv / bare CPU: " + ", ".join(f"{r:.2f}" for r in cpu_ratios))
    print(
        f"median {median(ratios):.2f}x wall (target <= {TARGET_RATIO}x), {median(cpu_ratios):.2f}x CPU; "
        f"bare median {median(b.wall for b, _ in pairs):.1f} s; the table shows round {shown + 1}"
    )
    print(
        f"restoration forced ({' '.join(FORCED_OPTIONS)}) / bare wall: "
        + ", ".join(f"{r:.2f}" for r in forced_ratios)
        + f"; median {median(forced_ratios):.2f}x (target <= {TARGET_RESTORED_RATIO}x)\n"
    )
    print("| tool | wall s | x bare | CPU s | x bare | peak RSS MB | peak PSS MB | I LUFS | LRA LU | TP dBTP |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for run, output in table:
        measured = ebur128(output)
        print(
            f"| {run.name} | {run.wall:.1f} | {run.wall / bare.wall:.2f} | {run.cpu:.1f} | {run.cpu / bare.cpu:.2f} "
            f"| {megabytes(run.peak_rss)} | {megabytes(run.peak_pss)} "
            f"| {measured['I']:.1f} | {measured['LRA']:.1f} | {measured['TP']:.1f} |"
        )
    if args.long_minutes:
        memory_check(args.long_minutes)


def memory_check(minutes: float) -> None:
    """Peak memory of `clgtv master` on a long recording: it must not grow with the length."""
    source = WORK / f"long-{minutes:g}min.wav"
    print(f"\nbuilding {source.name} for the memory check ...", flush=True)
    write(source, minutes, seed=180)
    try:
        run = timed("clgtv master", clgtv_argv(source, WORK / "long.mp3"))
    finally:
        source.unlink(missing_ok=True)
    measured = ebur128(WORK / "long.mp3")
    print(
        f"{minutes:g} min, 24-bit 48 kHz stereo WAV: clgtv master {run.wall:.0f} s ({run.cpu:.0f} s CPU), "
        f"peak RSS {megabytes(run.peak_rss)} MB (target <= {TARGET_PEAK_MB} MB), peak PSS "
        f"{megabytes(run.peak_pss)} MB (process tree), I {measured['I']:.1f} LUFS, TP {measured['TP']:.1f} dBTP"
    )


if __name__ == "__main__":
    main()
