"""Publishing targets: a local folder or S3-compatible object storage, synced by one plan.

Upload what changed (a manifest in the target plus checksums), media first, pages next, feeds last,
manifest at the very end; never overwrite published media; under a lock that a crash cannot leave
stuck for ever.
"""

from __future__ import annotations

from clgtv import schema as s
from clgtv.errors import StorageError
from clgtv.layout import content_type
from clgtv.settings import Site, target_location
from clgtv.storage.local import DirectoryTarget
from clgtv.storage.plan import cache_control
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
        return DirectoryTarget(site.root / location)
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    return S3Target(bucket, prefix, site.s3)
