"""`clgtv new`: a fresh episode file that passes `clgtv check` as it is (a draft)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from clgtv import schema as s
from clgtv.content import Content
from clgtv.episodes import Episode, slugify
from clgtv.errors import ClgtvError, display_path

TEMPLATE = """\
---
title: {title}
date: {date}
audio: {stem}.wav
season: {season}
episode: {number}
type: full
explicit: false
summary: One or two sentences about this episode.
people:
  - name: Vicky Sargent
    role: host
chapters:
  - start: "0:00:00"
    title: Welcome
status: draft
guid: {guid}
---

Show notes in Markdown. Say what the panel discussed, who took part and where to find out more.

## In this episode

- First topic
- Second topic
"""


def new_episode(content: Content, show: str, title: str, now: dt.datetime) -> Path:
    programme = next((p for p in content.programmes if p.show.slug == show), None)
    if programme is None:
        known = ", ".join(p.show.slug for p in content.programmes)
        raise ClgtvError(f"{display_path(content.site.episodes_dir / show)}: no such programme (known: {known})")
    try:
        title = s.schema_of(Episode)["title"].convert(title)  # as `check` will read it: never a file it refuses
    except s.Invalid as exc:
        raise ClgtvError(f"title: {exc}") from None
    stem = f"{now:%Y-%m-%d}-{slugify(title)}"
    path = programme.show.directory / f"{stem}.md"
    if path.exists():
        raise ClgtvError(f"{display_path(path)}: already exists; give another title, or edit that file")
    season = max((e.season or 1 for e in programme.episodes), default=1)
    number = 1 + max((e.number or 0 for e in programme.episodes if (e.season or 1) == season), default=0)
    quoted_title = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    path.write_text(
        TEMPLATE.format(
            title=quoted_title,
            date=now.replace(microsecond=0).isoformat(),
            stem=stem,
            season=season,
            number=number,
            guid=uuid.uuid4(),
        ),
        encoding="utf-8",
    )
    return path
