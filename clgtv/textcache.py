"""Text derived from the content (show notes as HTML; transcripts as WebVTT, SRT, JSON and page HTML; the
search index), kept in build/cache by a digest of its source and of the code that derives it, so that a
re-render redoes only what changed. An entry that is missing or unreadable is simply derived again."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import markdown_it

from clgtv.files import replace_bytes

_CODE = ("notes.py", "site.py", "transcripts.py", "feed.py", "search.py", "textcache.py")  # whose output is cached


@cache
def code_digest() -> str:
    """Changes whenever the deriving code or the Markdown library does: old entries then go unused."""
    digest = hashlib.sha256(markdown_it.__version__.encode())
    for name in _CODE:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()


def key(source: bytes | str) -> str:
    data = source.encode() if isinstance(source, str) else source
    return hashlib.sha256(code_digest().encode() + data).hexdigest()[:32]


class TextCache:
    """JSON files under one folder; None as the folder keeps nothing (every lookup misses)."""

    def __init__(self, root: Path | None):
        self.root = root

    def get(self, name: str) -> object | None:
        if self.root is None:
            return None
        try:
            return json.loads((self.root / f"{name}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def folder(self, name: str) -> Path | None:
        """Where an entry of many files (the search index) is kept; None when nothing is kept."""
        if self.root is None:
            return None
        (self.root / name).parent.mkdir(parents=True, exist_ok=True)
        return self.root / name

    def put(self, name: str, value: object) -> None:
        """Write atomically: page workers may put the same entry at once, and a build may be interrupted."""
        if self.root is None:
            return
        path = self.root / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_bytes(path, json.dumps(value, ensure_ascii=False).encode("utf-8"))


NO_CACHE = TextCache(None)
