"""Files replaced whole: a writer fills a hidden file beside the destination, which becomes it in one
rename, so a reader (or a build interrupted half-way) never sees half a file."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def replacing(path: Path, suffix: str = "", mode: int | None = None) -> Iterator[Path]:
    """A hidden file beside `path` for the block to fill; renamed over `path` when the block ends, removed
    if it fails. Named for this process and thread, so workers writing the same entry never share one.
    `suffix` ends the name, for tools that go by it; `mode` sets its permissions before the rename."""
    partial = beside(path, f".partial{suffix}")
    try:
        yield partial
        if mode is not None:
            os.chmod(partial, mode & 0o7777)
        os.replace(partial, path)
    finally:
        with contextlib.suppress(OSError):  # gone already when it became `path`; or the disk is read-only
            partial.unlink(missing_ok=True)


def beside(path: Path, suffix: str) -> Path:
    """A hidden name beside `path` for this process and thread alone, ending in `suffix`."""
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}{suffix}")


def replace_bytes(path: Path, data: bytes, mode: int | None = None) -> None:
    """`path` replaced by `data` in one rename."""
    with replacing(path, mode=mode) as partial:
        partial.write_bytes(data)


def file_stamp(path: Path) -> tuple[int, ...] | None:
    """What any write, truncation or replacement of the file changes (its status-change time cannot be set
    back), or None when it is gone."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


NOT_FOUND = "file not found"


def not_a_file(path: Path) -> str | None:
    """Why `path` cannot be read as a file, or None when it can: nothing there, a folder, a pipe or a device."""
    if path.is_file():
        return None
    if path.is_dir():
        return "is a folder, not a file"
    return "is not a file (a pipe or a device)" if path.exists() else NOT_FOUND


def file_message(path: Path, name: str) -> str | None:
    """`not_a_file` for a host's message that names the file: 'file not found: x.wav', 'x.wav is a folder…'."""
    why = not_a_file(path)
    return None if why is None else f"{NOT_FOUND}: {name}" if why == NOT_FOUND else f"{name} {why}"
