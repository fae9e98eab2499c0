"""Publishing targets and the sync plan: upload what changed, media first, feeds last."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from clgtv.errors import StorageError, display_path

Log = Callable[[str], None]
IMMUTABLE_DIRS = ("media",)


def upload_rank(relative: str) -> int:
    """Media and side files first, pages next, feeds last: a feed never points at nothing."""
    path = PurePosixPath(relative)
    if path.suffix == ".xml":
        return 3
    if path.suffix == ".html":
        return 2
    return 0 if path.parent.name in IMMUTABLE_DIRS or "artwork" in path.name else 1


def is_immutable(relative: str) -> bool:
    return PurePosixPath(relative).parent.name in IMMUTABLE_DIRS


@dataclass(frozen=True)
class Plan:
    uploads: tuple[str, ...]  # in upload order
    unchanged: tuple[str, ...]
    kept: tuple[str, ...]  # in the target, no longer built; left in place


class DirectoryTarget:
    """A local directory (default `public/`), written file by file with atomic renames."""

    def __init__(self, root: Path):
        self.root = root

    def __str__(self) -> str:
        return display_path(self.root)

    def files(self) -> set[str]:
        if not self.root.is_dir():
            return set()
        return {p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file() and not _partial(p)}

    def holds_same(self, relative: str, local: Path) -> bool:
        existing = self.root / relative
        return existing.stat().st_size == local.stat().st_size and _digest(existing) == _digest(local)

    def put(self, relative: str, local: Path) -> None:
        destination = self.root / relative
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".", suffix=".partial", dir=destination.parent)
            os.close(handle)
            shutil.copyfile(local, temporary)
            os.chmod(temporary, 0o644)
            os.replace(temporary, destination)
        except OSError as exc:
            raise StorageError(f"{display_path(destination)}: cannot write ({exc.strerror or exc})") from exc


def _partial(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(".partial")


def _digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def make_plan(site_dir: Path, target: DirectoryTarget) -> Plan:
    built = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*") if p.is_file())
    present = target.files()
    uploads, unchanged = [], []
    for relative in built:
        if relative in present and target.holds_same(relative, site_dir / relative):
            unchanged.append(relative)
        elif relative in present and is_immutable(relative):
            raise StorageError(f"{relative}: already published with different bytes; media is never overwritten")
        else:
            uploads.append(relative)
    uploads.sort(key=lambda r: (upload_rank(r), r))
    kept = tuple(sorted(present - set(built)))
    return Plan(tuple(uploads), tuple(unchanged), kept)


def sync(site_dir: Path, target: DirectoryTarget, dry_run: bool = False, log: Log = lambda _: None) -> Plan:
    plan = make_plan(site_dir, target)
    for relative in plan.uploads:
        log(f"{'would upload' if dry_run else 'upload'} {relative}")
        if not dry_run:
            target.put(relative, site_dir / relative)
    return plan
