"""One timed command: wall time, CPU time and peak memory of its whole process tree; and the bare encode
the benches measure clgtv against."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from clgtv.audio.ffmpeg import ffmpeg_path

# Reading smaps_rollup costs about 8 ms of CPU per sample of a four-process tree: sampled every 50 ms,
# that took 16 % of a core from the tool being timed. Every 250 ms costs 3 %; memory in a streaming
# chain is flat, so the peak is still caught.
SAMPLE_S = 0.25
RATE = 44100  # clgtv's default output sample rate; the bare encode resamples to it too


def bare_argv(source: Path, out: Path) -> list[str]:
    """ffmpeg's plain encode to clgtv's format (MP3 at 128 kb/s): the encoder's floor, and the input as
    a listener would hear it published with no processing at all."""
    encode = ["-ar", str(RATE), "-c:a", "libmp3lame", "-b:a", "128k"]
    return [ffmpeg_path(), "-v", "error", "-y", "-i", str(source), *encode, str(out)]


@dataclass(frozen=True)
class Run:
    name: str
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and every descendant it waited for
    peak_rss: int  # bytes, summed over the tree at its largest sample
    peak_pss: int
    stdout: str


def timed(
    name: str, argv: list[str], env: dict[str, str] | None = None, stdin: Path | None = None, discard: bool = False
) -> Run:
    """Run `argv` to its end, with the file `stdin` on its standard input; exit with its log if it
    fails. Its standard output is kept in `Run.stdout`, or with `discard` goes to /dev/null."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as log,
        open(stdin or os.devnull, "rb") as given,
    ):
        start = time.perf_counter()
        process = subprocess.Popen(
            argv, stdin=given, stdout=subprocess.DEVNULL if discard else out, stderr=log, env=env
        )
        peak_rss = peak_pss = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            rss, pss = tree_memory(process.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            time.sleep(SAMPLE_S)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        if process.returncode != 0:
            log.seek(0)
            raise SystemExit(f"{name} failed: {log.read().decode(errors='replace')[-2000:]}")
        out.seek(0)
        stdout = out.read().decode(errors="replace")
    return Run(name, wall, usage.ru_utime + usage.ru_stime, peak_rss, peak_pss, stdout)


def tree_memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process and all its descendants, in bytes, from Linux's /proc.

    RSS counts pages shared between processes (ffmpeg processes share one binary) once per process;
    PSS splits each shared page between its sharers, so it adds up honestly. The tree is walked
    through /proc/PID/task/*/children."""
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


def slug(label: str) -> str:
    """A row's label as a file name: "clgtv, hum off" is clgtv-hum-off."""
    return label.replace(", ", "-").replace(" ", "-")


def megabytes(size: int) -> str:
    return f"{size / 2**20:.0f}"
