"""Show notes: Markdown to HTML (kept in the text cache) and that HTML as plain text."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from markdown_it import MarkdownIt

from clgtv import textcache
from clgtv.episodes import Episode
from clgtv.feed import legal
from clgtv.pool import map_ordered
from clgtv.textcache import NO_CACHE, TextCache

# "js-default" disables raw HTML in Markdown: a <script> in show notes is shown, never run. Its link
# check refuses javascript:, vbscript:, file: and data: links (except data: images of common types).
_markdown = MarkdownIt("js-default", {"linkify": False, "typographer": False}).enable("table")


def markdown(text: str) -> str:
    """Show notes as HTML (see clgtv.feed on the text rules: characters XML cannot carry are dropped)."""
    return _markdown.render(legal(text))


def notes_html(
    episodes: Sequence[Episode], jobs: int | None = None, cache: TextCache = NO_CACHE, name: str = "notes"
) -> list[str]:
    """Every episode's show notes as HTML: kept in `cache` under `name` (one entry per programme), and
    rendered (in parallel when there are many) only where the text is new."""
    keys = [textcache.key(episode.notes) for episode in episodes]
    texts = dict(zip(keys, (episode.notes for episode in episodes), strict=True))
    known = cache.get(name)
    known = known if isinstance(known, dict) else {}
    if missing := [key for key in texts if key not in known]:
        known |= zip(missing, map_ordered(markdown, [texts[key] for key in missing], jobs), strict=True)
        cache.put(name, {key: known[key] for key in texts})
    return [known[key] for key in keys]


def plain_text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()
