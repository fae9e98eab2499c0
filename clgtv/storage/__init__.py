"""Publishing targets: a local folder or S3-compatible object storage, synced by one plan.

Upload what changed (a manifest in the target plus checksums), media first, pages next, feeds last,
manifest at the very end; never overwrite published media; under a lock that a crash cannot leave
stuck for ever.
"""

from __future__ import annotations

from pathlib import Path

from clgtv import schema as s
from clgtv.errors import StorageError, display_path
from clgtv.layout import content_type
from clgtv.settings import Site, target_location
from clgtv.storage.local import DirectoryTarget
from clgtv.storage.plan import MANIFEST_KEY, cache_control
from clgtv.storage.s3 import S3Target
from clgtv.storage.sync import Progress, publish

__all__ = ["DirectoryTarget", "Progress", "S3Target", "cache_control", "content_type", "open_target", "publish"]


def open_target(location: str, site: Site) -> DirectoryTarget | S3Target:
    """`public` (a folder below the project) or `s3://bucket/prefix` (with the site's s3 settings)."""
    try:
        location = target_location(location)
    except s.Invalid as exc:
        raise StorageError(f"--target: {exc}") from None
    if not location.startswith("s3://"):
        folder = site.root / Path(location).expanduser()
        if why := _not_a_target(folder.resolve(), site.root.resolve()):
            raise StorageError(f"{display_path(folder)}: {why}; publish to a folder of its own, such as public")
        return DirectoryTarget(folder)
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    return S3Target(bucket, prefix, site.s3)


PROJECT_MARKS = (".git", "clgtv.yaml", "episodes")  # a folder holding one of these is someone's work
PROJECT_PARTS = ("episodes", "templates", "build", ".git", ".venv")  # the project's own folders


def _not_a_target(folder: Path, root: Path) -> str | None:
    """Why a folder must never be published into (and so pruned), else None."""
    if folder == root or folder in root.parents:
        return "this folder holds the project" if folder == root else "this folder holds the project folder"
    if folder == _home():
        return "this is your home folder"
    if folder.exists() and not folder.is_dir():
        return "this is a file, not a folder"
    published = (folder / MANIFEST_KEY).is_file()  # a programme may be called "episodes"
    if mark := next((m for m in PROJECT_MARKS if (folder / m).exists() and not (published and m == "episodes")), None):
        return f"this folder holds {mark}, so it is a project, not a publishing target"
    if folder.is_relative_to(root) and (part := folder.relative_to(root).parts[0]) in PROJECT_PARTS:
        return (
            f"this is the project's {part}/"
            if folder == root / part
            else f"this folder is inside the project's {part}/"
        )
    return None


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (RuntimeError, KeyError):  # no home folder known
        return None
