"""The sync plan, pure: what the built site holds, what the target holds, what to upload in which stage.

Both targets (a folder and S3) share it. Nothing here does I/O on the target.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

from clgtv.errors import StorageError
from clgtv.layout import OEMBED_NAME, ROBOTS, SEARCH_ENTRY, SEARCH_FOLDER, file_digest, is_immutable

CONTROL_PREFIX = ".clgtv/"  # the target's own bookkeeping: never planned, never pruned
MANIFEST_KEY = CONTROL_PREFIX + "manifest.json"
LOCK_KEY = CONTROL_PREFIX + "lock"


def is_control(key: str) -> bool:
    """A `.clgtv/` folder at any depth: this site's bookkeeping, or another site's in the same bucket."""
    return key.startswith(CONTROL_PREFIX) or f"/{CONTROL_PREFIX}" in key


STAGES = ("media and side files", "pages and search index", "feeds")  # upload order: nothing points at nothing

IMMUTABLE = "public, max-age=31536000, immutable"  # content-hashed names: the bytes never change
SHORT = "public, max-age=300"  # feeds and pages: listeners see a new episode within 5 minutes


def cache_control(key: str) -> str:
    return IMMUTABLE if is_immutable(key) else SHORT


def stage(key: str) -> int:
    """0: media, artwork, chapters, transcripts and other side files; 1: pages, the oEmbed documents (each
    names its embed page) and the search index's files; 2: feeds, the sitemap and robots.txt (which names
    the sitemap), and the search index's entry, which names its other files (a publish cut off before it
    leaves the old entry naming the old files, which are kept)."""
    if key in (SEARCH_ENTRY, ROBOTS):
        return 2
    if key.startswith(f"{SEARCH_FOLDER}/") or PurePosixPath(key).name == OEMBED_NAME:
        return 1
    suffix = PurePosixPath(key).suffix.lower()
    return {".html": 1, ".xml": 2}.get(suffix, 0)


@dataclass(frozen=True)
class LocalFile:
    """One built file and its key in the target; the digest is read only when needed."""

    key: str
    path: Path
    size: int

    @cached_property
    def sha256(self) -> str:
        return file_digest(self.path)


def scan(site_dir: Path) -> dict[str, LocalFile]:
    files = (p for p in site_dir.rglob("*") if p.is_file())
    return {
        f.key: f
        for f in sorted(
            (LocalFile(p.relative_to(site_dir).as_posix(), p, p.stat().st_size) for p in files), key=lambda f: f.key
        )
    }


@dataclass(frozen=True)
class Entry:
    sha256: str
    size: int


Manifest = dict[str, Entry]  # key -> what the target holds there, as of the last finished publish


def manifest_bytes(manifest: Manifest) -> bytes:
    files = {key: {"sha256": e.sha256, "size": e.size} for key, e in sorted(manifest.items())}
    return (json.dumps({"format": 1, "files": files}, indent=1) + "\n").encode()


def parse_manifest(data: bytes) -> Manifest:
    """Raises ValueError for anything that is not a manifest this code wrote."""
    try:
        files = json.loads(data)["files"]
        manifest = {str(key): Entry(str(v["sha256"]), int(v["size"])) for key, v in files.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a clgtv manifest ({type(exc).__name__}: {exc})") from exc
    if (bad := next((key for key in manifest if not safe_key(key)), None)) is not None:
        raise ValueError(f"not a clgtv manifest (it lists {bad!r}, which leads outside the target)")
    return manifest


def safe_key(key: str) -> bool:
    """A key that stays inside the target: relative, no `..`, no empty or backslashed parts."""
    parts = key.split("/")
    return bool(key) and "\\" not in key and all(part not in ("", ".", "..") for part in parts)


@dataclass(frozen=True)
class Plan:
    stages: tuple[tuple[LocalFile, ...], ...]  # uploads by stage (STAGES), each in key order
    unchanged: tuple[str, ...]
    deletions: tuple[str, ...]  # published by clgtv, no longer built, and --prune was given
    kept: tuple[str, ...]  # published by clgtv, no longer built, left in place
    manifest: Manifest = field(repr=False)  # what the target holds once the plan is carried out
    manifest_changed: bool = True

    @property
    def uploads(self) -> tuple[LocalFile, ...]:
        return tuple(f for files in self.stages for f in files)

    @property
    def upload_bytes(self) -> int:
        return sum(f.size for f in self.uploads)


def needs_checksum(
    built: dict[str, LocalFile], present: dict[str, int], manifest: Manifest, prune: bool = False
) -> list[str]:
    """Keys the target holds that the manifest cannot vouch for (no entry, or a different size); with
    `prune`, also those to be deleted, in case another hand replaced them with a file of the same size."""
    unsure = [key for key in built if key in present and not _vouched(manifest.get(key), present[key])]
    return unsure + list(_gone(built, present, manifest)) if prune else unsure


def _gone(built: dict[str, LocalFile], present: dict[str, int], manifest: Manifest) -> tuple[str, ...]:
    """What clgtv published here, still as it left it by size, and no longer builds."""
    return tuple(sorted(key for key in set(present) - set(built) if _vouched(manifest.get(key), present[key])))


def _vouched(entry: Entry | None, size: int) -> bool:
    return entry is not None and entry.size == size


def make_plan(
    built: dict[str, LocalFile],
    present: dict[str, int],
    manifest: Manifest,
    checksums: dict[str, str | None],
    prune: bool = False,
    where: str = "",
) -> Plan:
    """Decide every key. `present`: key -> size in the target; `checksums`: sha256 read from the target
    for the keys of `needs_checksum` (None: the target does not know); `where`: the target, for messages."""
    uploads: list[LocalFile] = []
    unchanged: list[str] = []
    new_manifest: Manifest = {}
    for key, local in built.items():
        entry = _unchanged_entry(key, local, present, manifest, checksums)
        if entry is not None:
            unchanged.append(key)
            new_manifest[key] = entry
            continue
        if key in present and is_immutable(key):
            raise StorageError(
                f"{where}{key}: already published with different bytes; media and artwork are never overwritten "
                "(new content gets a new name)"
            )
        uploads.append(local)
        new_manifest[key] = Entry(local.sha256, local.size)
    # what clgtv published here and no longer builds; anything else in the target, a file of clgtv's that
    # another hand has since replaced included, is never touched and no longer listed. A checksum read for
    # --prune that the target does not know (None: another tool's upload to S3) is no proof either.
    gone = tuple(key for key in _gone(built, present, manifest) if _still_ours(key, manifest, checksums))
    deletions, kept = (gone, ()) if prune else ((), gone)
    new_manifest.update((key, manifest[key]) for key in kept)
    stages = tuple(tuple(f for f in uploads if stage(f.key) == n) for n in range(len(STAGES)))
    return Plan(
        stages=stages,
        unchanged=tuple(unchanged),
        deletions=deletions,
        kept=kept,
        manifest=new_manifest,
        manifest_changed=new_manifest != manifest,
    )


def _still_ours(key: str, manifest: Manifest, checksums: dict[str, str | None]) -> bool:
    return checksums.get(key, manifest[key].sha256) == manifest[key].sha256  # not read: its size vouches


def _unchanged_entry(
    key: str, local: LocalFile, present: dict[str, int], manifest: Manifest, checksums: dict[str, str | None]
) -> Entry | None:
    """The manifest entry for key when the target already holds exactly the built bytes, else None.

    Media and artwork names carry a hash of their content, so such a key that the manifest lists with
    the same size is not re-read locally, and one whose checksum the target does not know (uploaded by
    another tool) counts as the same when its size matches.
    """
    if key not in present:
        return None
    entry = manifest.get(key)
    if _vouched(entry, present[key]):
        if is_immutable(key) and entry.size == local.size:
            return entry
        return entry if entry.sha256 == local.sha256 else None
    known = checksums.get(key)
    if known == local.sha256 or (known is None and is_immutable(key) and present[key] == local.size):
        return Entry(local.sha256, local.size)
    return None
