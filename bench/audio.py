"""Audio engine benchmark: a 60-minute synthetic panel through three tools, side by side.

    python bench/audio.py [--minutes 60] [--rounds 3] [--skip-normalize] [--long-minutes 180]

Generates a panel-like recording (host, guests and audience questions at levels 20+ dB
apart, room noise) from the repository's sample speech, then runs, one after another:
  bare      ffmpeg -i in.wav -c:a libmp3lame -b:a 128k out.mp3   (the encoder's floor)
  clgtv     clgtv master in.wav out.mp3                           (level, normalise, limit)
  normalize ffmpeg-normalize, EBU R128 to -16 LUFS, MP3 128k      (a popular peer)
and prints wall time (and its ratio to bare), peak RSS of the whole process tree, and the
output's I, LRA and TP as measured by ffmpeg's own ebur128 filter. bare and clgtv run --rounds
times, alternating which goes first; each round's clgtv/bare ratio is printed and the median is
the figure to quote (a shared 2-CPU machine drifts by 10-20 % between minutes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from statistics import median, median_high

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from clgtv.audio.ffmpeg import ebur128, ffmpeg_path  # noqa: E402

RATE = 48000
# (level in dB relative to the host, share of speaking turns)
SPEAKERS = {"host": (0.0, 0.35), "guest near": (-6.0, 0.25), "guest far": (-14.0, 0.2), "audience": (-24.0, 0.2)}
NOISE_DBFS = -58.0
# Reading smaps_rollup costs about 8 ms of CPU per sample of clgtv's four-process tree: sampled every
# 50 ms, that took 16 % of a core from the tool being timed (and far less from a one-process bare
# encode). Every 250 ms costs 3 %; memory in a streaming chain is flat, so the peak is still caught.
SAMPLE_S = 0.25


def speech_sources() -> list[np.ndarray]:
    """The sample episodes' speech, mono at RATE, each scaled to the same RMS."""
    sources = []
    for path in sorted((REPO / "episodes").glob("*/*")):
        if path.suffix not in {".flac", ".opus", ".m4a"}:
            continue
        argv = [ffmpeg_path(), "-v", "error", "-i", str(path), "-ac", "1", "-ar", str(RATE), "-f", "f32le", "-"]
        samples = np.frombuffer(subprocess.run(argv, capture_output=True, check=True).stdout, dtype=np.float32)
        sources.append(samples / np.sqrt(np.mean(samples**2)) * 0.1)
    return sources


def generate(path: Path, minutes: float, seed: int = 60) -> None:
    """Write the panel as 16-bit stereo WAV, a turn at a time (memory stays small)."""
    rng = np.random.default_rng(seed)
    sources = speech_sources()
    names = list(SPEAKERS)
    shares = np.array([SPEAKERS[n][1] for n in names])
    total = int(minutes * 60 * RATE)
    written = 0
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        while written < total:
            speaker = names[rng.choice(len(names), p=shares / shares.sum())]
            source = sources[rng.integers(len(sources))]
            length = min(int(rng.uniform(8, 30) * RATE), len(source), total - written)
            start = rng.integers(0, max(len(source) - length, 1))
            turn = source[start : start + length] * 10 ** (SPEAKERS[speaker][0] / 20)
            pause = np.zeros(int(rng.uniform(0.3, 1.5) * RATE), dtype=np.float32)
            mono = np.concatenate([turn, pause])[: total - written]
            noise = rng.standard_normal((len(mono), 2)).astype(np.float32) * 10 ** (NOISE_DBFS / 20)
            stereo = mono[:, None] * np.array([[1.0, 0.92]], dtype=np.float32) + noise
            out.writeframes((np.clip(stereo, -1, 1) * 32767).astype("<i2").tobytes())
            written += len(mono)


def tree_memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process and all its descendants, in bytes, from Linux's /proc.

    RSS counts pages shared between processes (three ffmpeg processes share one binary) once
    per process; PSS splits each shared page between its sharers, so it adds up honestly.
    The tree is walked through /proc/PID/task/*/children."""
    rss = pss = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo.extend(int(child) for child in handle.read().split())
            with open(f"/proc/{current}/smaps_rollup") as handle:
                fields = dict(line.split(":", 1) for line in handle if ":" in line and not line.startswith("0"))
        except OSError:
            continue
        rss += int(fields["Rss"].split()[0]) * 1024
        pss += int(fields["Pss"].split()[0]) * 1024
    return rss, pss


@dataclass(frozen=True)
class Run:
    name: str
    seconds: float
    peak_rss: int
    peak_pss: int
    output: Path


def timed(name: str, argv: list[str], output: Path, env: dict[str, str] | None = None) -> Run:
    output.unlink(missing_ok=True)
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak_rss = peak_pss = 0
    while process.poll() is None:
        rss, pss = tree_memory(process.pid)
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        time.sleep(SAMPLE_S)
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"{name} failed: {process.stderr.read().decode(errors='replace')[-2000:]}")
    return Run(name, seconds, peak_rss, peak_pss, output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=3, help="bare and clgtv runs, alternating (median reported)")
    parser.add_argument("--skip-normalize", action="store_true", help="leave out ffmpeg-normalize (slow)")
    parser.add_argument("--long-minutes", type=float, default=180.0, help="memory check length (0: skip)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    work = REPO / "build" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    source = work / f"panel-{args.minutes:g}min.wav"
    if not source.exists():
        print(f"generating {source.relative_to(REPO)} ...", flush=True)
        generate(source, args.minutes)
    before = ebur128(source)
    ffmpeg = ffmpeg_path()
    bin_dir = Path(sys.executable).parent
    bare = [
        ffmpeg,
        "-v",
        "error",
        "-y",
        "-i",
        str(source),
        "-c:a",
        "libmp3lame",
        "-b:a",
        "128k",
        str(work / "bare.mp3"),
    ]
    clgtv = [str(bin_dir / "clgtv"), "master", str(source), str(work / "clgtv.mp3")]
    rounds: list[tuple[Run, Run]] = []
    for number in range(args.rounds):
        # alternate which goes first, so that a machine getting busier or quieter favours neither
        order = [("bare ffmpeg", bare, "bare.mp3"), ("clgtv master", clgtv, "clgtv.mp3")]
        pair = [timed(name, argv, work / out) for name, argv, out in (order if number % 2 == 0 else order[::-1])]
        rounds.append((pair[0], pair[1]) if number % 2 == 0 else (pair[1], pair[0]))
        print(
            f"round {number + 1}: bare {rounds[-1][0].seconds:.1f} s, clgtv {rounds[-1][1].seconds:.1f} s", flush=True
        )
    base = median([b.seconds for b, _ in rounds])
    ratios = [c.seconds / b.seconds for b, c in rounds]
    # the table shows the round with the median ratio (the higher middle one for an even count);
    # every row's ratio is against that round's bare run (the outputs are the same every round)
    middle = median_high(ratios)
    shown = ratios.index(middle)
    bare_shown = rounds[shown][0].seconds
    table = [(run, run.seconds / bare_shown) for run in rounds[shown]]
    normalize = shutil.which("ffmpeg-normalize", path=str(bin_dir)) or shutil.which("ffmpeg-normalize")
    if normalize and not args.skip_normalize:
        env = {**os.environ, "FFMPEG_PATH": ffmpeg}
        argv = [normalize, str(source), "-nt", "ebu", "-t", "-16", "-tp", "-1", "-c:a", "libmp3lame", "-b:a", "128k"]
        run = timed(
            "ffmpeg-normalize",
            [*argv, "-ext", "mp3", "-o", str(work / "normalize.mp3"), "-f"],
            work / "normalize.mp3",
            env,
        )
        table.append((run, run.seconds / bare_shown))
    elif not args.skip_normalize:
        print("ffmpeg-normalize not installed: pip install ffmpeg-normalize (make bench does)")
    print(
        f"\ninput: {args.minutes:g} min, 48 kHz stereo WAV: I {before['I']:.1f} LUFS, LRA {before['LRA']:.1f} LU, "
        f"TP {before['TP']:.1f} dBTP\n"
    )
    print(f"clgtv / bare over {args.rounds} alternating rounds: " + ", ".join(f"{r:.2f}" for r in ratios))
    print(f"median {middle:.2f}x (bare median {base:.1f} s); the table shows round {shown + 1}\n")
    print("| tool | wall s | x bare | peak RSS MB | peak PSS MB | I LUFS | LRA LU | TP dBTP |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for run, ratio in table:
        measured = ebur128(run.output)
        print(
            f"| {run.name} | {run.seconds:.1f} | {ratio:.2f} | {run.peak_rss / 2**20:.0f} "
            f"| {run.peak_pss / 2**20:.0f} | {measured['I']:.1f} | {measured['LRA']:.1f} | {measured['TP']:.1f} |"
        )
    if args.long_minutes:
        memory_check(work, args.long_minutes)


def memory_check(work: Path, minutes: float) -> None:
    """Peak RSS of `clgtv master` on a long recording: it must not grow with the length."""
    source = work / f"panel-{minutes:g}min.wav"
    print(f"\ngenerating {source.name} for the memory check ...", flush=True)
    generate(source, minutes, seed=180)
    try:
        clgtv = str(Path(sys.executable).parent / "clgtv")
        run = timed("clgtv master", [clgtv, "master", str(source), str(work / "long.mp3")], work / "long.mp3")
    finally:
        source.unlink(missing_ok=True)
    measured = ebur128(run.output)
    print(
        f"{minutes:g} min 48 kHz stereo WAV: clgtv master {run.seconds:.0f} s, peak RSS {run.peak_rss / 2**20:.0f} MB, "
        f"peak PSS {run.peak_pss / 2**20:.0f} MB (process tree), "
        f"I {measured['I']:.1f} LUFS, TP {measured['TP']:.1f} dBTP"
    )


if __name__ == "__main__":
    main()
