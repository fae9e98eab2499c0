"""Audio engine benchmark: an hour of real voices through a bare encode, clgtv and ffmpeg-normalize.

    python bench/audio.py [--minutes 60] [--rounds 3] [--normalize] [--long-minutes 180]

The input is the panel of recorded voices that bench/corpus.py builds (once, into build/bench/).
Then, one after another:
  bare      ffmpeg -i in.wav -ar 44100 -c:a libmp3lame -b:a 128k out.mp3   (the encoder's floor)
  plain     clgtv master --hum off --noise off --speech-detection off     (level, normalise, limit: no restoration)
  clgtv     clgtv master in.wav out.mp3                                    (as producers run it: restoration on auto)
  forced    clgtv master --hum 50 --noise 12 --speech-detection auto        (every restoration stage at work)
  normalize ffmpeg-normalize, EBU R128 to -16 LUFS, MP3 128k at 44.1 kHz   (a popular peer; --normalize)
bare and the three clgtv rows run --rounds times, the order turning each round; each round's ratio to bare of
wall time and of CPU time is printed, and the median round is the figure to quote. The table gives wall
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
from process import RATE, Run, bare_argv, megabytes, slug, timed  # noqa: E402

from clgtv.audio.ffmpeg import ebur128, ffmpeg_path  # noqa: E402

BARE = "bare ffmpeg"
# each clgtv row: its options and its wall-time target against the bare encode
ROWS: dict[str, tuple[tuple[str, ...], float]] = {
    "clgtv master, restoration off": (("--hum", "off", "--noise", "off", "--speech-detection", "off"), 1.3),  # issue 12
    "clgtv master": ((), 1.5),  # issue 15: the whole chain with restoration on
    "clgtv master, restoration forced": (("--hum", "50", "--noise", "12", "--speech-detection", "auto"), 1.5),
}
TARGET_PEAK_MB = 250
WORK = REPO / "build" / "bench"
BIN = Path(sys.executable).parent


def clgtv_argv(source: Path, out: Path, *options: str) -> list[str]:
    return [str(BIN / "clgtv"), "master", "--json", *options, str(source), str(out)]


def normalize_argv(source: Path, out: Path) -> list[str] | None:
    if not (normalize := shutil.which("ffmpeg-normalize", path=str(BIN)) or shutil.which("ffmpeg-normalize")):
        return None
    options = ["-nt", "ebu", "-t", "-16", "-tp", "-1", "-c:a", "libmp3lame", "-b:a", "128k", "-ar", str(RATE)]
    return [normalize, str(source), *options, "-ext", "mp3", "-o", str(out), "-f"]


def rounds(source: Path, count: int) -> list[dict[str, Run]]:
    """`count` rounds of bare and each clgtv row, in an order that turns each round, so that a machine
    getting busier or quieter favours none."""
    tools = [(BARE, bare_argv(source, WORK / "bare.mp3"))]
    tools += [(name, clgtv_argv(source, output(name), *options)) for name, (options, _) in ROWS.items()]
    done = []
    for number in range(count):
        turn = number % len(tools)
        runs = {name: timed(name, argv) for name, argv in tools[turn:] + tools[:turn]}
        bare = runs[BARE]
        rows = (
            f"{name} {runs[name].wall:.1f} s: {runs[name].wall / bare.wall:.2f}x wall, "
            f"{runs[name].cpu / bare.cpu:.2f}x CPU, {renders(runs[name])}"
            for name in ROWS
        )
        print(f"round {number + 1}: bare {bare.wall:.1f} s ({bare.cpu:.1f} s CPU); " + "; ".join(rows), flush=True)
        done.append(runs)
    return done


def output(name: str) -> Path:
    return WORK / f"{slug(name)}.mp3"


def renders(run: Run) -> str:
    """How many renders clgtv needed, and why, from its JSON report."""
    report = json.loads(run.stdout)
    return "; ".join([f"{report['renders']} render(s)", *report["warnings"]])


def main() -> int:
    """0 when every row meets its target, 1 otherwise (make bench reports which script failed)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of every row, the order turning (median reported)"
    )
    parser.add_argument("--normalize", action="store_true", help="add ffmpeg-normalize (several times slower)")
    parser.add_argument("--long-minutes", type=float, default=180.0, help="memory check length (0: skip)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    source = panel(args.minutes)
    done = rounds(source, args.rounds)
    before = ebur128(source)
    print(
        f"\ninput: {source.name}, {args.minutes:g} min, 24-bit 48 kHz stereo WAV: I {before['I']:.1f} LUFS, "
        f"LRA {before['LRA']:.1f} LU, TP {before['TP']:.1f} dBTP\n"
    )
    missed = []
    for name, (_, target) in ROWS.items():
        wall = [runs[name].wall / runs[BARE].wall for runs in done]
        cpu = [runs[name].cpu / runs[BARE].cpu for runs in done]
        print(
            f"{name} / bare over {args.rounds} rounds, wall: "
            + ", ".join(f"{r:.2f}" for r in wall)
            + f"; median {median(wall):.2f}x (target <= {target}x: {'met' if median(wall) <= target else 'NOT met'}); "
            f"CPU median {median(cpu):.2f}x"
        )
        if median(wall) > target:
            missed.append(name)
    # the table shows the round whose clgtv ratio is the median (the higher middle one for an even count);
    # the outputs measured are the last round's, the same bytes every round
    ratios = [runs["clgtv master"].wall / runs[BARE].wall for runs in done]
    shown = ratios.index(median_high(ratios))
    runs = done[shown]
    bare = runs[BARE]
    print(f"bare median {median(r[BARE].wall for r in done):.1f} s; the table shows round {shown + 1}\n")
    table = [(bare, WORK / "bare.mp3"), *((runs[name], output(name)) for name in ROWS)]
    if args.normalize:
        if argv := normalize_argv(source, WORK / "normalize.mp3"):
            run = timed("ffmpeg-normalize", argv, {**os.environ, "FFMPEG_PATH": ffmpeg_path()})
            table.append((run, WORK / "normalize.mp3"))
        else:
            print("ffmpeg-normalize not installed: pip install ffmpeg-normalize (make bench does)")
    print("| tool | wall s | x bare | CPU s | x bare | peak RSS MB | peak PSS MB | I LUFS | LRA LU | TP dBTP |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for run, path in table:
        measured = ebur128(path)
        print(
            f"| {run.name} | {run.wall:.1f} | {run.wall / bare.wall:.2f} | {run.cpu:.1f} | {run.cpu / bare.cpu:.2f} "
            f"| {megabytes(run.peak_rss)} | {megabytes(run.peak_pss)} "
            f"| {measured['I']:.1f} | {measured['LRA']:.1f} | {measured['TP']:.1f} |"
        )
    if args.long_minutes and not memory_check(args.long_minutes):
        missed.append("memory")
    return 1 if missed else 0


def memory_check(minutes: float) -> bool:
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
    return run.peak_rss <= TARGET_PEAK_MB * 1024 * 1024


if __name__ == "__main__":
    sys.exit(main())
