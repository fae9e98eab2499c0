"""A programme's lasting identity: the podcast:guid written once into its show.yaml (`clgtv guid`).

The namespace derives a guid from the feed's address, so for its apps a feed that never declared one is
known by the UUIDv5 of its URL. clgtv suggests that value (or the one the target's published feed
carries) once, writes it on request, and from then on the feed carries the declared value whatever
base_url says.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from clgtv import schema as s
from clgtv.errors import ClgtvError, display_path
from clgtv.feed import podcast_guid
from clgtv.files import replacing
from clgtv.layout import feed_path
from clgtv.settings import Show, Site

BOM = b"\xef\xbb\xbf"


def suggested_guid(site: Site, show: Show) -> str:
    """What apps already know the feed by when it declares no guid: the UUIDv5 of its address today."""
    return podcast_guid(site.url(feed_path(show.slug)))


def guid_line(guid: str) -> str:
    """The show.yaml line that declares `guid`."""
    return f"guid: {json.dumps(guid)}"


def write_guid(show: Show, guid: str, site: Site) -> Path:
    """Add `guid_line(guid)` to the show's show.yaml as the first line of its mapping, every other byte
    kept, atomically (the file is whole, old or new, whatever happens)."""
    path = show.path
    if why := site.outside(path):
        raise ClgtvError(f"{display_path(path)}: {why}")
    data = path.read_bytes()
    updated = _with_first_line(data, guid_line(guid).encode("utf-8"))
    _check(path, data, updated, guid)
    _replace(path.resolve(), updated)
    return path


def _with_first_line(data: bytes, line: bytes) -> bytes:
    """`line` before the mapping: after a byte-order mark, YAML directives and a `---` document marker."""
    bom = BOM if data.startswith(BOM) else b""
    body = data[len(bom) :]
    newline = b"\r\n" if b"\r\n" in body else b"\n"
    rows = body.splitlines(keepends=True)
    head = 0
    while head < len(rows) and rows[head].startswith(b"%"):  # %YAML and %TAG come before ---
        head += 1
    if head < len(rows) and (rows[head].rstrip() == b"---" or rows[head].startswith((b"--- ", b"---\t"))):
        head += 1
    if head and not rows[head - 1].endswith((b"\n", b"\r")):
        rows[head - 1] += newline
    return bom + b"".join(rows[:head]) + line + newline + b"".join(rows[head:])


def _check(path: Path, before: bytes, after: bytes, guid: str) -> None:
    """The new file reads as the old one plus the guid, or nothing is written (a flow mapping, say)."""
    old, _ = s.load_yaml(before.decode("utf-8-sig"), path)
    new, found = s.load_yaml(after.decode("utf-8-sig"), path)
    same = isinstance(new, dict) and isinstance(old, dict) and {**new, "guid": None} == {**old, "guid": None}
    if found or not same or new.get("guid") != guid:
        message = f"cannot add the guid line safely here; add it yourself: {guid_line(guid)}"
        raise ClgtvError(f"{display_path(path)}: {message}")


def _replace(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file beside it, then rename it into place."""
    with replacing(path, mode=path.stat().st_mode) as partial, partial.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
