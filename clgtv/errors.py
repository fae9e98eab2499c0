"""The few exception types a user sees. Each names the file first."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, pinned to a file and line."""

    path: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{display_path(self.path)}:{self.line}" if self.line else display_path(self.path)
        return printable(f"{where}: {self.field}: {self.message}")


def host_text(path: Path) -> tuple[str | None, Problem | None]:
    """A host's file as text (`host_decoded`), or the problem: where it stops being UTF-8 (its line, and
    the byte), or why it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, Problem(path, 1, "file", f"cannot be read ({(exc.strerror or exc.__class__.__name__).lower()})")
    try:
        return host_decoded(data), None
    except UnicodeDecodeError as exc:
        line, message = not_utf8(data, exc)
        return None, Problem(path, line, "file", message)


def host_decoded(data: bytes) -> str:
    """A host's file's bytes as text: UTF-8, a byte order mark dropped, every line ending a plain one."""
    return data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")


def not_utf8(data: bytes, exc: UnicodeDecodeError) -> tuple[int, str]:
    """The line where `data` stops being UTF-8, and what to do about it."""
    offset = exc.start + len(data) - len(exc.object)  # exc.object lacks a byte order mark that was skipped
    line = data[:offset].count(b"\n") + 1
    return line, f"is not UTF-8 text (byte 0x{data[offset]:02X} at offset {offset}); save it as UTF-8"


class ClgtvError(Exception):
    """Base for every error clgtv reports to the user (exit code 1)."""


class ContentError(ClgtvError):
    """The content (settings, shows, episodes) has problems; all are listed."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (str(p.path), p.line, p.field))
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):  # rebuilt from its problems when it crosses from a worker process
        return self.__class__, (self.problems,)


class FileError(ClgtvError):
    """A file could not be read, processed or written."""

    def __init__(self, path: Path | str, message: str):
        self.path = Path(path)
        self.message = message
        super().__init__(f"{display_path(self.path)}: {message}")

    def __reduce__(self):  # rebuilt from its parts when it crosses from a worker process
        return self.__class__, (self.path, self.message)


class MediaError(FileError):
    """ffmpeg could not decode, process or encode a recording."""


class TagError(FileError):
    """mutagen could not read or write tags."""


class ModelError(FileError):
    """A speech-recognition model is missing, damaged, or not the one it should be."""


class SearchError(FileError):
    """Pagefind could not be run, or could not index the site."""


class StorageError(ClgtvError):
    """The publishing target refused or failed an operation."""


def display_path(path: Path | str) -> str:
    """A path relative to the working directory when it lies below it."""
    path = Path(os.path.abspath(path))  # not resolve(): a symbolic link is shown where the host put it
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(message: str) -> str:
    """A message safe for a terminal: a control character from a host's file (an escape sequence,
    say) is shown as its code, never sent to the terminal."""
    return _CONTROL.sub(lambda found: f"\\x{ord(found[0]):02x}", message)


class FetchError(ClgtvError):
    """A web address could not be fetched (or was refused): `URL: message`; `status` is the server's answer,
    when it gave one."""

    def __init__(self, url: str, message: str, status: int | None = None):
        self.url = url
        self.message = message
        self.status = status
        super().__init__(f"{url}: {message}")

    def __reduce__(self):
        return self.__class__, (self.url, self.message, self.status)
