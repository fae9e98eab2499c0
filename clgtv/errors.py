"""The few exception types a user sees. Each names the file first."""

from __future__ import annotations

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
        return f"{display_path(self.path)}:{self.line}: {self.field}: {self.message}"


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


class StorageError(ClgtvError):
    """The publishing target refused or failed an operation."""


def display_path(path: Path | str) -> str:
    """A path relative to the working directory when it lies below it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
