"""Episode files (`episodes/<show>/<date>-<slug>.md`): reading, discovery, publishing rules."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clgtv import schema as s
from clgtv.artwork import artwork_problems
from clgtv.errors import Problem, host_text
from clgtv.files import file_message
from clgtv.licenses import license_problems
from clgtv.settings import (
    AUDIO,
    CLIPS,
    MAX_NUMBER,
    PEOPLE,
    TRANSCRIPTION,
    Person,
    Shared,
    Show,
    Site,
    TranscriptionSettings,
    model_problems,
    people_problems,
    whisper_code,
)


@s.converter("expected a transcript's file name, like 2026-11-06-data.vtt (or no transcript: line)", textual=True)
def transcript_file(value: Any) -> str:
    """A file name, as `s.file_name`, with an example that is a transcript's."""
    return s.file_name(value)


FILENAME = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.md")
TRANSCRIPT_SUFFIXES = (".vtt", ".srt")


@dataclass(frozen=True)
class Chapter:
    start: float = s.field(s.clock_time, help='where the chapter starts, like "0:12:30"')
    title: str = s.field(s.text(255), help="the chapter's title")
    url: str | None = s.field(s.url, default=None, help="a link for the chapter")
    img: str | None = s.field(s.url, default=None, help="a picture for the chapter (chapters.json img)")


@dataclass(frozen=True)
class Soundbite:
    start: float = s.field(s.clock_time, help='where the soundbite starts, like "0:12:30"')
    duration: float = s.field(s.number_between(1, 600), help="how long it lasts, in seconds")
    title: str | None = s.field(s.text(128), default=None, help="what it is")


@s.converter("expected a GUID, like the one `clgtv new` writes", textual=True)
def guid(value: Any) -> str:
    result = s.text(255)(value)
    if any(c.isspace() for c in result):
        raise s.Invalid(f"expected a GUID without spaces, got {s.describe(value)}")
    return result


@dataclass(frozen=True, kw_only=True)
class Episode(s.Read, Shared):
    path: Path
    show: str
    slug: str
    title: str = s.field(s.text(255), help="the episode's title")
    date: dt.datetime = s.field(
        s.zoned_datetime, help="when it goes out, with its zone, like 2026-10-23T10:00:00+01:00"
    )
    audio: Path = s.field(s.file_name, help="the recording, next to the episode file")
    season: int | None = s.field(s.whole_between(1, MAX_NUMBER), default=None, help="the season number")
    number: int | None = s.field(s.whole_between(1, MAX_NUMBER), default=None, key="episode", help="the episode number")
    episode_display: str | None = s.field(
        s.text(32), default=None, help="what apps show instead of the episode number, like Day 5"
    )
    type: str = s.field(s.one_of("full", "trailer", "bonus"), default="full", help="full, trailer or bonus")
    explicit: bool | None = s.field(s.boolean, default=None, help="explicit content [default: the programme's]")
    summary: str | None = s.field(s.text(4000), default=None, help="one or two sentences about the episode")
    people: tuple[Person, ...] = s.field(PEOPLE, default=(), help="the people in it")
    chapters: tuple[Chapter, ...] = s.field(s.Nested(Chapter, many=True), default=(), help="its chapters")
    transcript: Path | None = s.field(transcript_file, default=None, help="a .vtt or .srt transcript")
    status: str = s.field(s.one_of("draft", "published"), default="published", help="a draft never goes out")
    guid: str = s.field(guid, help="the episode's lasting identity; never change it once published")
    notes: str
    image: Path | None = s.field(s.file_name, default=None, help="the episode's own artwork")
    image_alt: str | None = s.field(s.text(512), default=None, help="the episode's artwork in words")
    soundbites: tuple[Soundbite, ...] = s.field(s.Nested(Soundbite, many=True), default=(), help="highlights")
    # audio settings overriding the show's, as (name, value) pairs: immutable, and pickled to page workers
    processing: tuple[tuple[str, Any], ...] = s.field(AUDIO, default=(), help="audio settings for this episode")
    transcription: tuple[tuple[str, Any], ...] = s.field(
        TRANSCRIPTION, default=(), help="transcription settings for this episode"
    )

    def is_due(self, now: dt.datetime) -> bool:
        """Published, and its date has come (a future date means scheduled)."""
        return self.status == "published" and self.date <= now


def transcription_settings(show: Show, episode: Episode) -> TranscriptionSettings:
    """The show's transcription settings with the episode's own overrides."""
    return show.transcription.merged(dict(episode.transcription), episode.path.parent)


def transcript_language(show: Show, episode: Episode) -> str | None:
    """The language of the episode's transcript when it is not the programme's: the language its
    transcription settings say is spoken (`transcription.language: cy` in an `en-GB` programme)."""
    spoken = transcription_settings(show, episode).language
    if not spoken or spoken == whisper_code(show.language):
        return None
    return "jv" if spoken == "jw" else spoken  # Whisper's own code for Javanese is no language tag


def transcription_source(site: Site, show: Show, episode: Episode, key: str) -> tuple[Path, int, str]:
    """Where the transcription setting `key` that applies to `episode` is written, as (file, line,
    field): the episode file, else show.yaml, else clgtv.yaml; show.yaml's first line if nowhere."""
    for source, prefix in ((episode, "transcription"), (show, "transcription"), (site, "defaults.transcription")):
        if (name := f"{prefix}.{key}") in source.lines:
            return source.path, source.lines[name], name
    return show.path, 1, f"transcription.{key}"


FRONT_MISSING = "missing; the file must start with a line '---', the fields, then '---'"


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
        dt.date.fromisoformat(match["date"])
    except ValueError as exc:
        problems.append(Problem(path, 1, "file", f"name starts with {match['date']}, which is no date ({exc})"))
        return None
    text, unreadable = host_text(path)
    if text is None:
        problems.append(unreadable)
        return None
    parts = split_front_matter(text)
    if parts is None:
        opened = text.split("\n", 1)[0].strip() == "---"
        message = "no line '---' ends the fields that begin at line 2; add one after them" if opened else FRONT_MISSING
        problems.append(Problem(path, 1, "front matter", message))
        return None
    front, body, body_line = parts
    data, found = s.load_yaml(front, path, first_line=2)
    problems.extend(found)
    if found:
        return None
    before = len(problems)
    ctx = s.Context(path, problems)
    values = s.validate(data, s.schema_of(Episode), ctx)
    lines = s.lines_of(data)
    _check_notes(body, body_line, ctx)
    draft = values.get("status") == "draft"
    files = _Files(path.parent, site, lines, ctx)
    audio = files.find(values.get("audio"), "audio", required=not draft)
    transcript = files.find(values.get("transcript"), "transcript", required=not draft)
    if transcript and transcript.suffix.lower() not in TRANSCRIPT_SUFFIXES:
        ctx.add(lines.get("transcript", 1), "transcript", "expected a .vtt or .srt file")
    if (chapters := values.get("chapters", ())) is not None:  # None: a chapter failed, and says why
        _check_chapters(chapters, lines.get("chapters", 1), ctx)
    processing = values.get("processing", {})
    for clip in CLIPS:
        files.find(processing.get(clip), "processing", required=True, field=f"processing.{clip}")
    spoken = values.get("transcription", {})
    ctx.problems.extend(
        model_problems(TranscriptionSettings().merged(spoken, path.parent), spoken, path, "transcription", lines, site)
    )
    ctx.problems.extend(license_problems(values, lines, path))
    ctx.problems.extend(people_problems(values, data, path))
    _check_needs(values, lines, ctx)
    image = files.find(values.get("image"), "image", required=False)
    if image:
        for message in artwork_problems(image):
            ctx.add(lines.get("image", 1), "image", message)
    if len(problems) > before:
        return None
    return s.build(
        Episode,
        values,
        path=path,
        show=path.parent.name,
        slug=match["slug"],
        audio=audio,
        transcript=transcript,
        notes=body.strip(),
        image=image,
        processing=tuple(processing.items()),
        transcription=tuple(spoken.items()),
        lines=lines,
    )


# fields that say something about another field, which must then be given too
NEEDS = {
    "episode_display": ("episode", "it is shown instead of the episode number; give episode too"),
    "image_alt": ("image", "it describes the episode's own artwork; give image too"),
}


def _check_needs(values: dict, lines: dict, ctx: s.Context) -> None:
    for key, (needed, why) in NEEDS.items():
        if values.get(key) and not values.get(needed):
            ctx.add(lines.get(key, 1), key, why)


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
        if required and (message := file_message(path, name)):
            where = f" (looked in {self.folder})" if not path.exists() else ""
            self.ctx.add(self.lines.get(key, 1), field, message + where)
        return path.resolve()


def _check_chapters(chapters: tuple[Chapter, ...], line: int, ctx: s.Context) -> None:
    starts = [c.start for c in chapters]
    if starts and starts != sorted(set(starts)):
        ctx.add(line, "chapters", "start times must increase from one chapter to the next")
    if starts and starts[0] != 0:
        ctx.add(line, "chapters", 'the first chapter must start at "0:00:00"')


def discover(show_dir: Path) -> list[Path]:
    """Episode files of one programme, oldest first by file name."""
    return sorted(p for p in show_dir.glob("*.md") if p.is_file() and not p.name.startswith("."))


# letters that Unicode does not decompose into a plain one and its accent
_SPELLED = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})
MAX_SLUG = 80  # characters: a file name and a web address stay short


def slugify(title: str) -> str:
    """A title as a slug, its accents dropped (Café becomes cafe): the slug is the episode's address for life."""
    plain = unicodedata.normalize("NFKD", title.lower().translate(_SPELLED))
    slug = re.sub(r"[^a-z0-9]+", "-", "".join(c for c in plain if not unicodedata.combining(c))).strip("-")
    slug = "-".join(slug.split("-")[:8])
    if len(slug) > MAX_SLUG:  # whole words, as far as there are any
        slug = slug[: MAX_SLUG + 1].rsplit("-", 1)[0][:MAX_SLUG]
    return slug or "episode"
