"""The audio engine: streaming measurement, levelling, limiting and encoding through ffmpeg."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import platform

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
HEAP_KEEP_BYTES = 32 << 20  # glibc's largest mmap threshold on 64-bit


@functools.cache  # once per process
def tune_heap() -> None:
    """Streaming allocates and frees the same arrays, a few MB each, for every chunk. glibc trims
    the top of its heap and maps blocks over its sliding threshold afresh, so each chunk faulted its
    memory in again (350,000 page faults for an hour's master, over a second of CPU in a VM). Fixed
    thresholds keep the blocks for reuse. One arena for all threads: each of a render's threads
    (spans, monitors) otherwise gets its own, each keeping its own freed blocks (24 MB more at the
    peak, and no faster: the GIL serialises allocation anyway). Other C libraries: nothing to do."""
    if platform.libc_ver()[0] != "glibc":
        return
    with contextlib.suppress(OSError, AttributeError, TypeError):
        mallopt = ctypes.CDLL(None).mallopt
        mallopt(M_MMAP_THRESHOLD, HEAP_KEEP_BYTES)
        mallopt(M_TRIM_THRESHOLD, HEAP_KEEP_BYTES)
        mallopt(M_ARENA_MAX, 1)
