"""A local directory target (default `public/`), written file by file with atomic renames."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath

from clgtv.errors import StorageError, display_path
from clgtv.layout import file_digest
from clgtv.storage.plan import LocalFile, is_control


class DirectoryTarget:
    workers = 4

    def __init__(self, root: Path):
        self.root = root

    def __str__(self) -> str:
        return display_path(self.root)

    def objects(self) -> dict[str, int]:
        """key -> size of every published file (not the .clgtv/ bookkeeping, not half-written files)."""
        if not self.root.is_dir():
            return {}
        found = {}
        for path in self.root.rglob("*"):
            key = path.relative_to(self.root).as_posix()
            if path.is_file() and not _partial(path) and not is_control(key):
                found[key] = path.stat().st_size
        return found

    def sweep(self) -> int:
        """Remove the half-written files a publish killed mid-copy left (never the .clgtv/ bookkeeping, where
        another publish may be making its lock); how many. Only under the publish lock."""
        if not self.root.is_dir():
            return 0
        left = []
        for path in self.root.rglob("*.partial"):
            key = path.relative_to(self.root).as_posix()
            if _partial(path) and path.is_file() and not path.is_symlink() and not is_control(key):
                left.append(key)
        for key in left:
            with self._guard(key, "cannot delete"):
                (self.root / key).unlink(missing_ok=True)
        return len(left)

    def checksum(self, key: str) -> str | None:
        with self._guard(key, "cannot read"):
            return file_digest(self._inside(key, key))

    def read(self, key: str) -> bytes | None:
        with self._guard(key, "cannot read"):
            path = self._inside(key, key)
            if path.is_dir():
                return None
            try:
                return path.read_bytes()
            except FileNotFoundError:  # none, or deleted as it was read (a lock released)
                return None

    def write(self, key: str, data: bytes, only_if_absent: bool = False) -> bool:
        """Write a small control file; with only_if_absent, False when it exists already (atomic)."""
        with self._guard(key, "cannot write"):
            path = self._inside(key, PurePosixPath(key).parent)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not only_if_absent:
                self._replace(path, lambda temporary: Path(temporary).write_bytes(data))
                return True
            return self._create(path, data)

    def put(self, local: LocalFile, progress: Callable[[int], None]) -> None:
        with self._guard(local.key, "cannot write"):
            destination = self._inside(local.key, PurePosixPath(local.key).parent)
            destination.parent.mkdir(parents=True, exist_ok=True)
            self._replace(destination, lambda temporary: shutil.copyfile(local.path, temporary))
        progress(local.size)

    def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            with self._guard(key, "cannot delete"):
                path = self._inside(key, PurePosixPath(key).parent)  # a link itself is removed, never what it leads to
                path.unlink(missing_ok=True)
                for parent in path.parents:
                    if parent == self.root or not parent.is_relative_to(self.root) or any(parent.iterdir()):
                        break
                    parent.rmdir()

    def _inside(self, key: str, followed: PurePosixPath | str) -> Path:
        """root/key, once the part of it that is followed (the folders, or the whole path when the file is
        read) is known to resolve inside the root: a symbolic link in the target never leads clgtv out."""
        root = self.root.resolve()
        if not (root / followed).resolve().is_relative_to(root):
            raise StorageError(
                f"{display_path(self.root / key)}: a symbolic link leads outside {self}; "
                "clgtv never follows it there: remove the link"
            )
        return self.root / key

    @staticmethod
    def _create(path: Path, data: bytes) -> bool:
        """`path` made with `data`, whole at once, unless it exists: a lock read in the moment between an
        exclusive create and its write would be empty, and taken for a stale one. A hard link of a full
        file is that one step; where the disk has no hard links, the exclusive create is the fallback."""
        with _filled(path.parent, lambda temporary: Path(temporary).write_bytes(data)) as temporary:
            try:
                os.link(temporary, path)
                return True
            except FileExistsError:
                return False
            except OSError:  # no hard links here (FAT, exFAT, some shares; Windows says EINVAL): the fallback
                pass
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        return True

    @staticmethod
    def _replace(destination: Path, fill: Callable[[str], object]) -> None:
        with _filled(destination.parent, fill) as temporary:
            os.replace(temporary, destination)

    @contextlib.contextmanager
    def _guard(self, key: str, what: str):
        try:
            yield
        except OSError as exc:
            raise StorageError(f"{display_path(self.root / key)}: {what} ({exc.strerror or exc})") from exc


@contextlib.contextmanager
def _filled(folder: Path, fill: Callable[[str], object]) -> Iterator[str]:
    """A hidden `.partial` file in `folder`, filled by `fill` and readable by all, for the block to put in
    place; removed afterwards if it is still there."""
    handle, temporary = tempfile.mkstemp(prefix=".", suffix=".partial", dir=folder)
    os.close(handle)
    try:
        fill(temporary)
        os.chmod(temporary, 0o644)
        yield temporary
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _partial(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(".partial")
