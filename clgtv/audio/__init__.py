"""The audio engine: streaming measurement, levelling, limiting and encoding through ffmpeg."""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import sys

# BLAS libraries read these as they load: the engine's matrix products are small, and BLAS's worker
# threads would only spin against the decoder and encoder processes for a core
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
HEAP_KEEP_BYTES = 32 << 20  # glibc's largest mmap threshold on 64-bit


def configure_process() -> None:
    """The engine's process-wide settings, applied by the command line (a program importing clgtv
    keeps its own): BLAS on one thread, and glibc's heap kept for streaming."""
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")
    if "numpy" in sys.modules:  # its BLAS is loaded already: told directly
        from threadpoolctl import threadpool_limits

        threadpool_limits(1, user_api="blas")
    _tune_heap()


def _tune_heap() -> None:
    """Streaming allocates and frees the same arrays, a few MB each, for every chunk. glibc trims the
    top of its heap and maps blocks over its sliding threshold afresh, so each chunk would fault its
    memory in again; fixed thresholds keep the blocks for reuse. One arena for all threads: each
    thread would otherwise keep its own freed blocks, for no speed (the GIL serialises allocation
    anyway). Other C libraries: nothing to do."""
    if platform.libc_ver()[0] != "glibc":
        return
    with contextlib.suppress(OSError, AttributeError, TypeError):
        mallopt = ctypes.CDLL(None).mallopt
        mallopt(M_MMAP_THRESHOLD, HEAP_KEEP_BYTES)
        mallopt(M_TRIM_THRESHOLD, HEAP_KEEP_BYTES)
        mallopt(M_ARENA_MAX, 1)
