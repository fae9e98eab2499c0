"""Episode files (`episodes/<show>/<date>-<slug>.md`): reading, discovery, publishing rules."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clgtv import schema as s
from clgtv.artwork import artwork_problems
from clgtv.errors import Problem
from clgtv.settings import (
    AUDIO_SCHEMA,
    CLIPS,
    PERSON_SCHEMA,
    SHARED_SCHEMA,
    Location,
    Person,
    Site,
    people,
    shared_values,
)

FILENAME = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.md")
TRANSCRIPT_SUFFIXES = (".vtt", ".srt")


@dataclass(frozen=True)
class Chapter:
    start: float
    title: str
    url: str | None = None


@dataclass(frozen=True)
class Soundbite:
    start: float
    duration: float
    title: str | None = None


@dataclass(frozen=True)
class Episode:
    path: Path
    show: str
    slug: str
    title: str
    date: dt.datetime
    audio: Path
    season: int | None
    number: int | None
    type: str
    explicit: bool | None
    summary: str | None
    people: tuple[Person, ...]
    chapters: tuple[Chapter, ...]
    transcript: Path | None
    status: str
    guid: str
    notes: str
    image: Path | None = None
    location: Location | None = None
    soundbites: tuple[Soundbite, ...] = ()
    license: str | None = None
    license_url: str | None = None
    # audio settings overriding the show's, as (name, value) pairs: immutable, and pickled to page workers
    processing: tuple[tuple[str, Any], ...] = ()

    def is_due(self, now: dt.datetime) -> bool:
        """Published, and its date has come (a future date means scheduled)."""
        return self.status == "published" and self.date <= now


CHAPTER_SCHEMA: s.Schema = {
    "start": s.Field(s.clock_time, required=True),
    "title": s.Field(s.text(255), required=True),
    "url": s.Field(s.url),
}

SOUNDBITE_SCHEMA: s.Schema = {
    "start": s.Field(s.clock_time, required=True),
    "duration": s.Field(s.number_between(1, 600), required=True),
    "title": s.Field(s.text(128)),
}


@s.converter("expected a GUID, like the one `clgtv new` writes", textual=True)
def guid(value: Any) -> str:
    result = s.text(255)(value)
    if any(c.isspace() for c in result):
        raise s.Invalid(f"expected a GUID without spaces, got {s.describe(value)}")
    return result


EPISODE_SCHEMA: s.Schema = {
    "title": s.Field(s.text(255), required=True),
    "date": s.Field(s.zoned_datetime, required=True),
    "audio": s.Field(s.file_name, required=True),
    "season": s.Field(s.whole_at_least(1)),
    "episode": s.Field(s.whole_at_least(1)),
    "type": s.Field(s.one_of("full", "trailer", "bonus"), default="full"),
    "explicit": s.Field(s.boolean),
    "summary": s.Field(s.text(4000)),
    "people": s.Field(s.Nested(PERSON_SCHEMA, many=True), default=()),
    "chapters": s.Field(s.Nested(CHAPTER_SCHEMA, many=True), default=()),
    "transcript": s.Field(s.file_name),
    "status": s.Field(s.one_of("draft", "published"), default="published"),
    "guid": s.Field(guid, required=True),
    "image": s.Field(s.file_name),
    "soundbites": s.Field(s.Nested(SOUNDBITE_SCHEMA, many=True), default=()),
    "processing": s.Field(s.Nested(AUDIO_SCHEMA), default={}),
    **SHARED_SCHEMA,
}


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line of the body) or None when the file has no front matter."""
    lines = text.split("\n")  # not splitlines(): YAML and editors count only these line breaks
    if lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return "\n".join(lines[1:index]) + "\n", "\n".join(lines[index + 1 :]), index + 2
    return None


def read_episode(path: Path, site: Site, problems: list[Problem]) -> Episode | None:
    """Parse one episode file; every mistake goes to `problems`."""
    match = FILENAME.fullmatch(path.name)
    if not match:
        problems.append(Problem(path, 1, "file", "name must look like YYYY-MM-DD-short-title.md (lowercase, hyphens)"))
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(path, 1, "file", f"cannot be read as UTF-8 text ({exc.__class__.__name__})"))
        return None
    parts = split_front_matter(text)
    if parts is None:
        problems.append(
            Problem(path, 1, "front matter", "missing; the file must start with a line '---', the fields, then '---'")
        )
        return None
    front, body, body_line = parts
    data, found = s.load_yaml(front, path, first_line=2)
    problems.extend(found)
    if found:
        return None
    before = len(problems)
    ctx = s.Context(path, problems)
    values = s.validate(data, EPISODE_SCHEMA, ctx)
    lines = data.lines if isinstance(data, s.LineDict) else {}
    _check_notes(body, body_line, ctx)
    draft = values.get("status") == "draft"
    files = _Files(path.parent, site, lines, ctx)
    audio = files.find(values.get("audio"), "audio", required=not draft)
    transcript = files.find(values.get("transcript"), "transcript", required=not draft)
    if transcript and transcript.suffix.lower() not in TRANSCRIPT_SUFFIXES:
        ctx.add(lines.get("transcript", 1), "transcript", "expected a .vtt or .srt file")
    chapters = _chapters(values.get("chapters") or (), lines.get("chapters", 1), ctx)
    for clip in CLIPS:
        files.find((values.get("processing") or {}).get(clip), "processing", required=True, field=f"processing.{clip}")
    image = files.find(values.get("image"), "image", required=False)
    if image:
        for message in artwork_problems(image):
            ctx.add(lines.get("image", 1), "image", message)
    if len(problems) > before:
        return None
    return Episode(
        path=path,
        show=path.parent.name,
        slug=match["slug"],
        title=values["title"],
        date=values["date"],
        audio=audio,
        season=values["season"],
        number=values["episode"],
        type=values["type"],
        explicit=values["explicit"],
        summary=values["summary"],
        people=people(values["people"]),
        chapters=chapters,
        transcript=transcript,
        status=values["status"],
        guid=values["guid"],
        notes=body.strip(),
        **shared_values(values),
        image=image,
        soundbites=tuple(Soundbite(**b) for b in values["soundbites"] if {"start", "duration"} <= b.keys()),
        processing=tuple((values["processing"] or {}).items()),
    )


def _check_notes(body: str, first_line: int, ctx: s.Context) -> None:
    for number, line in enumerate(body.split("\n"), start=first_line):
        try:
            s.legal_text(line)
        except s.Invalid as exc:
            ctx.add(number, "notes", str(exc))
            return


@dataclass(frozen=True)
class _Files:
    """Files an episode names, relative to its folder, kept inside the project (or a media folder)."""

    folder: Path
    site: Site
    lines: dict
    ctx: s.Context

    def find(self, name: str | None, key: str, required: bool, field: str | None = None) -> Path | None:
        if not name:
            return None
        path = self.folder / name
        field = field or key
        if outside := self.site.outside(path):
            self.ctx.add(self.lines.get(key, 1), field, outside)
            return None
        if required and not path.is_file():
            self.ctx.add(self.lines.get(key, 1), field, f"file not found: {name} (looked in {self.folder})")
        return path.resolve()


def _chapters(items: tuple[dict, ...], line: int, ctx: s.Context) -> tuple[Chapter, ...]:
    chapters = tuple(Chapter(**item) for item in items if {"start", "title"} <= item.keys())
    starts = [c.start for c in chapters]
    if starts and starts != sorted(set(starts)):
        ctx.add(line, "chapters", "start times must increase from one chapter to the next")
    if starts and starts[0] != 0:
        ctx.add(line, "chapters", 'the first chapter must start at "0:00:00"')
    return chapters


def discover(show_dir: Path) -> list[Path]:
    """Episode files of one programme, oldest first by file name."""
    return sorted(p for p in show_dir.glob("*.md") if p.is_file() and not p.name.startswith("."))


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return "-".join(slug.split("-")[:8]) or "episode"
