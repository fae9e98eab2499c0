"""The audio engine: streaming measurement, levelling, limiting and encoding through ffmpeg."""

from __future__ import annotations

import contextlib
import ctypes

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
HEAP_KEEP_BYTES = 32 << 20


def _keep_freed_blocks() -> None:
    """Streaming allocates and frees the same few arrays of about a megabyte for every chunk.
    glibc gives blocks that size back to the kernel on free and faults them in again on the next
    allocation (350,000 page faults for an hour's master, over a second of CPU in a VM); kept in
    the heap, they are reused. Other C libraries: nothing to do."""
    with contextlib.suppress(OSError, AttributeError):
        mallopt = ctypes.CDLL(None).mallopt
        mallopt(M_MMAP_THRESHOLD, HEAP_KEEP_BYTES)
        mallopt(M_TRIM_THRESHOLD, HEAP_KEEP_BYTES)


_keep_freed_blocks()
