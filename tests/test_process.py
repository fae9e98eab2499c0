"""Process-wide settings (BLAS threads, glibc's heap) are the command line's to choose: importing
the engine leaves a host program's alone. Each case runs in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_tone

from clgtv.audio import BLAS_THREADS

# What a process's settings look like from inside: BLAS's thread count, Python's threads, and whether
# glibc maps a 16 MB block afresh (its default) or keeps it in the heap (the engine's tuning).
LOOK = """
import ctypes, json, threading, threadpoolctl

FIELDS = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"

class Info(ctypes.Structure):  # glibc's struct mallinfo2
    _fields_ = [(name, ctypes.c_size_t) for name in FIELDS.split()]

def settings():
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = Info
    libc.malloc.restype = ctypes.c_void_p
    before = libc.mallinfo2().hblkhd
    block = libc.malloc(16 << 20)
    mapped = libc.mallinfo2().hblkhd - before >= 16 << 20
    libc.free(ctypes.c_void_p(block))
    blas = [pool["num_threads"] for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"]
    return {"blas": blas, "threads": threading.active_count(), "mapped": mapped}
"""


def look(code: str) -> list[dict]:
    """What `code` printed of its settings (in a fresh interpreter, with BLAS's variables unset)."""
    env = {key: value for key, value in os.environ.items() if key not in BLAS_THREADS}
    argv = [sys.executable, "-c", LOOK + code]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="BLAS runs one thread on one CPU anyway")
def test_importing_the_engine_changes_no_process_setting() -> None:
    # one look a process: freeing the mapped block moves glibc's threshold
    (before,) = look("import numpy\nprint(json.dumps(settings()))")
    (after,) = look("import numpy, clgtv.audio.master\nprint(json.dumps(settings()))")
    assert before["blas"] and min(before["blas"]) > 1 and before["mapped"]  # the defaults, to be kept
    assert after == before


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="BLAS runs one thread on one CPU anyway")
def test_the_command_line_applies_them(tmp_path: Path) -> None:
    source, out = make_tone(tmp_path / "in.wav", seconds=2), tmp_path / "out.mp3"
    run = f"from clgtv.cli import cli\ncli(['master', '{source}', '{out}'], standalone_mode=False)\n"
    (applied,) = look(run + "print(json.dumps(settings()))")
    assert out.is_file()
    assert applied["blas"] == [1] and not applied["mapped"]
