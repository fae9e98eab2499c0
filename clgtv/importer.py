"""`clgtv import FEED SHOW`: an existing podcast's RSS feed moved into the project as a new programme.

The feed becomes episodes/SHOW/show.yaml, the artwork, and one episode file per item, with its
recording (fetched, or copied from a local folder), its transcript and its chapters, so that the next
publish continues the same feed: every item keeps its guid, title and date. Everything is written
into a hidden folder beside episodes/SHOW and renamed into place at the end, so an import that fails
leaves nothing behind; an existing episodes/SHOW is never touched.

A feed is data from anywhere: it is parsed with no entities expanded, nothing fetched by the parser
and libxml2's size limits kept; every value is checked with the field's own converter before it is
written, and written quoted, so the files load back as the same values; every path is one clgtv
makes (`<date>-<slug>.<ext>`), never a name from the feed.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import yaml
from lxml import etree

from clgtv import content, download
from clgtv import schema as s
from clgtv.artwork import artwork_problems
from clgtv.episodes import MAX_NUMBER, Episode, slugify
from clgtv.errors import ClgtvError, ContentError, FetchError, FileError, display_path
from clgtv.feed import PODCAST_NS, podcast_guid
from clgtv.htmlnotes import to_markdown, to_text
from clgtv.secrets import redact
from clgtv.settings import SHOW_FILE, Location, Show, load_site
from clgtv.transcripts import Cue, parse_cues, vtt_and_srt

Log = Callable[[str], None]

FEED_LIMIT = 50 * download.MB
SIDE_LIMIT = 20 * download.MB  # artwork, transcripts, chapters
MEDIA_LIMIT = 4000 * download.MB
MEDIA_DEADLINE = 3 * 3600.0  # seconds for one recording
SIDE_DEADLINE = 120.0

# a feed is data: no entities expanded, nothing fetched, libxml2's size limits kept (as clgtv.history)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
NAMESPACES = {
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
    "http://www.itunes.com/DTDs/Podcast-1.0.dtd": "itunes",
    PODCAST_NS: "podcast",
    "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md": "podcast",
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://www.w3.org/2005/Atom": "atom",
    "http://podlove.org/simple-chapters": "psc",
    "http://purl.org/dc/elements/1.1/": "dc",
}
MEDIA_SUFFIXES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/x-m4a",
    ".mp4": "video/mp4",
    ".m4v": "video/x-m4v",
    ".mov": "video/quicktime",
    ".aac": "audio/aac",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/opus",
    ".flac": "audio/flac",
    ".wav": "audio/wav",
    ".webm": "audio/webm",
}
TYPE_SUFFIXES = {
    "audio/mpeg": ".mp3",
    "audio/mp3": ".mp3",
    "audio/x-m4a": ".m4a",
    "audio/m4a": ".m4a",
    "audio/mp4": ".m4a",
    "audio/aac": ".aac",
    "video/mp4": ".mp4",
    "video/x-m4v": ".m4v",
    "video/quicktime": ".mov",
    "audio/ogg": ".ogg",
    "audio/opus": ".opus",
    "audio/flac": ".flac",
    "audio/x-flac": ".flac",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/webm": ".webm",
}
TRANSCRIPTS = (  # by preference: what clgtv reads as it is, then JSON, which becomes WebVTT
    (".vtt", ("text/vtt",)),
    (".srt", ("application/x-subrip", "application/srt", "text/srt", "application/x-srt")),
    (".json", ("application/json",)),
)
YES = ("yes", "true", "explicit")
NO = ("no", "false", "clean")


@dataclass(frozen=True)
class Item:
    """One feed item as an episode: front-matter values (checked), notes, and what to fetch."""

    stem: str  # <date>-<slug>
    front: dict[str, Any]
    notes: str
    media_url: str
    media_suffix: str
    media_name: str  # the enclosure's file name, to find it in a local folder
    transcript: tuple[str, str] | None  # (url, suffix)
    chapters_url: str | None
    chapters: tuple[dict, ...] = ()  # Podlove simple chapters, inline


@dataclass(frozen=True)
class Channel:
    front: dict[str, Any]
    artwork_url: str | None
    items: tuple[Item, ...]


@dataclass
class _Reader:
    """Reads one feed; every value that cannot be carried over is a warning naming the item."""

    source: str
    log: Log
    base: str | None = None
    used_slugs: set[str] = field(default_factory=set)

    def warn(self, where: str, message: str) -> None:
        self.log(f"warning: {self.source}: {where}{message}")


def import_feed(
    root: Path,
    feed: str,
    show: str,
    media_folder: Path | None = None,
    feed_url: str | None = None,
    log: Log = lambda _: None,
) -> Path:
    """Import FEED (a web address or a file) as the programme `show`; its folder."""
    problems: list = []
    site = load_site(root, problems)
    if problems:
        raise ContentError(problems)
    target = site.episodes_dir / show
    if not content.SLUG.fullmatch(show):
        raise ClgtvError(f"{show}: {content.SLUG_MESSAGE.format(show)}")
    if target.exists() or target.is_symlink():
        raise FileError(target, "already exists; clgtv import never changes a programme: choose a new SHOW name")
    if media_folder is not None and not media_folder.is_dir():
        raise FileError(media_folder, "is not a folder")
    is_url = "://" in feed
    reader = _Reader(feed if is_url else display_path(feed), log, base=feed_url or (feed if is_url else None))
    data = _read_feed_bytes(feed, is_url, log)
    channel = read_feed(data, reader, feed_url or (feed if is_url else None))
    _refuse_known_guids(root, channel, reader)
    site.episodes_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{show}.import-", dir=site.episodes_dir))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)  # mkdtemp's folder is private; the programme's is not
        _write_programme(channel, staging, reader, media_folder)
        if target.exists() or target.is_symlink():
            raise FileError(target, "appeared while importing; nothing was imported")
        os.rename(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _refuse_known_guids(root: Path, channel: Channel, reader: _Reader) -> None:
    """An episode guid (or the programme's) that the project already has: the feed was imported before."""
    try:
        loaded = content.load(root)
    except ContentError:
        return  # the project has problems of its own; check reports any clash after the import
    known = {e.guid: e.path for p in loaded.programmes for e in p.episodes}
    known |= {p.show.guid: p.show.path for p in loaded.programmes if p.show.guid}
    for guid in [channel.front["guid"], *(item.front["guid"] for item in channel.items)]:
        if guid in known:
            message = f"has the guid '{guid}', which {display_path(known[guid])} already has; was it imported before?"
            raise _feed_error(reader, message)


def _read_feed_bytes(feed: str, is_url: bool, log: Log) -> bytes:
    if is_url:
        log(f"fetching {feed}")
        return download.fetch(feed, FEED_LIMIT, SIDE_DEADLINE)
    path = Path(feed)
    try:
        if path.stat().st_size > FEED_LIMIT:
            raise FileError(path, f"is over the limit of {FEED_LIMIT // download.MB} MB for a feed")
        return path.read_bytes()
    except OSError as exc:
        raise FileError(path, f"cannot be read ({exc.strerror or exc.__class__.__name__})") from None


def _feed_error(reader: _Reader, message: str) -> ClgtvError:
    return FetchError(reader.source, message) if "://" in reader.source else FileError(reader.source, message)


# --- reading the feed -----------------------------------------------------------------------------------


def read_feed(data: bytes, reader: _Reader, feed_url: str | None) -> Channel:
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise _feed_error(reader, f"is not a well-formed XML feed ({exc})") from None
    channel = _first(root, "channel") if root.tag == "rss" else None
    if channel is None:
        raise _feed_error(reader, f"is not an RSS feed (its root is <{etree.QName(root).localname}>, not <rss>)")
    front = _show_front(channel, reader, feed_url)
    items, guids, numbers = [], set(), set()
    for index, element in enumerate(_children(channel, "item"), start=1):
        item = _item(element, index, reader, guids, numbers)
        if item is not None:
            items.append(item)
    if not items:
        raise _feed_error(reader, "has no episodes that can be imported")
    return Channel(front, _artwork_url(channel, reader), tuple(items))


def _name(element) -> str:
    if not isinstance(element.tag, str):
        return ""
    name = etree.QName(element)
    return f"{NAMESPACES.get(name.namespace, name.namespace)}:{name.localname}" if name.namespace else name.localname


def _children(element, name: str) -> list:
    return [child for child in element if _name(child) == name]


def _first(element, name: str):
    return next((child for child in element if _name(child) == name), None)


def _text(element, name: str | None = None) -> str:
    found = element if name is None else _first(element, name)
    return "".join(found.itertext()).strip() if found is not None else ""


def _checked(convert, value: Any, reader: _Reader, where: str, key: str) -> Any:
    """`value` through the field's own converter, or None with a warning saying why it was left out."""
    if value is None or value == "":
        return None
    try:
        return convert(value)
    except s.Invalid as exc:
        reader.warn(where, f"{key}: {exc}; left out")
        return None


def _clean(text: str, limit: int, reader: _Reader, where: str, key: str) -> str | None:
    """Text as a field takes it: characters no feed can carry dropped, cut to `limit` with a warning,
    and a direction control that nothing ends (after the cut) dropped."""
    text = s.ILLEGAL.sub("", text).strip()
    if len(text) > limit:
        reader.warn(where, f"{key}: {len(text)} characters, cut to {limit}")
        text = text[: limit - 1].rstrip() + "…"
    if (ended := s.ended_direction(text)) != text:
        reader.warn(where, f"{key}: a direction control that nothing ends (it turns round what follows), dropped")
    return ended.strip() or None


def _convert(cls: type, key: str):
    return dict(s.fields_of(cls))[key].convert


def _show_front(channel, reader: _Reader, feed_url: str | None) -> dict[str, Any]:
    front: dict[str, Any] = {"title": _clean(_text(channel, "title"), 255, reader, "", "title")}
    description = _text(channel, "description") or _text(channel, "itunes:summary")
    front["description"] = _clean(to_text(description), 4000, reader, "", "description")
    owner = _first(channel, "itunes:owner")
    owner_name = _text(owner, "itunes:name") if owner is not None else ""
    owner_email = _text(owner, "itunes:email") if owner is not None else ""
    editor_name, editor_email = email.utils.parseaddr(_text(channel, "managingEditor"))
    names = [_clean(t, 255, reader, "", "owner.name") for t in (owner_name, editor_name, _text(channel, "author"))]
    author = _clean(_text(channel, "itunes:author"), 255, reader, "", "author")
    front["author"] = author or next(filter(None, names), None) or front["title"]
    front["owner"] = {
        "name": next(filter(None, names), None) or front["author"],
        "email": _checked(s.email, owner_email or editor_email, reader, "", "owner.email"),
    }
    for key in ("title", "description", "author"):
        if not front[key]:
            reader.warn("", f"no {key} in the feed; fill in {key} in show.yaml")
    if not front["owner"]["email"]:
        reader.warn("", "no owner email (itunes:email or managingEditor); fill in owner.email in show.yaml")
    front["language"] = _checked(_convert(Show, "language"), _text(channel, "language"), reader, "", "language")
    front["categories"] = _categories(channel, reader)
    front["explicit"] = _yes_no(_text(channel, "itunes:explicit"))
    front["type"] = _checked(_convert(Show, "type"), _text(channel, "itunes:type").lower(), reader, "", "type")
    front["link"] = _checked(s.url, _text(channel, "link"), reader, "", "link")
    front["copyright"] = _clean(_text(channel, "copyright"), 255, reader, "", "copyright")
    front["people"] = _people(channel, reader, "")
    front["funding"] = [
        {"url": url, "text": _clean(_text(f) or url, 128, reader, "", "funding")}
        for f in _children(channel, "podcast:funding")
        if (url := _checked(s.url, f.get("url", "").strip(), reader, "", "funding.url"))
    ]
    locked = _text(channel, "podcast:locked").lower()
    if locked == "yes":
        reader.warn("", "the feed is locked (podcast:locked yes): import only a programme you own; kept locked")
    front["locked"] = True if locked == "yes" else None
    licence = _first(channel, "podcast:license")
    if licence is not None:
        front["license"] = _clean(_text(licence), 128, reader, "", "license")
        front["license_url"] = _checked(s.url, licence.get("url", "").strip(), reader, "", "license_url")
    front["location"] = _location(_first(channel, "podcast:location"), reader)
    front["medium"] = _checked(_convert(Show, "medium"), _text(channel, "podcast:medium").lower(), reader, "", "medium")
    front["block"] = True if _text(channel, "itunes:block").lower() == "yes" else None
    front["complete"] = True if _text(channel, "itunes:complete").lower() == "yes" else None
    front["guid"] = _programme_guid(channel, reader, feed_url)
    if moved := _text(channel, "itunes:new-feed-url"):
        reader.warn("", f"the feed already sends apps to {moved} (itunes:new-feed-url); not carried over")
    return front


def _programme_guid(channel, reader: _Reader, feed_url: str | None) -> str:
    """The feed's own podcast:guid; else the namespace's UUIDv5 of the old feed's address."""
    if own := _checked(_convert(Show, "guid"), _text(channel, "podcast:guid"), reader, "", "podcast:guid"):
        return own.lower()
    if feed_url is None:
        feed_url = next((a.get("href") for a in _children(channel, "atom:link") if a.get("rel") == "self"), None)
    if not feed_url:
        raise _feed_error(
            reader,
            'has no podcast:guid and no <atom:link rel="self">, so its lasting identity cannot be worked out; '
            "give its public address with --feed-url",
        )
    return podcast_guid(feed_url.strip())


def _categories(channel, reader: _Reader) -> list[str] | None:
    convert = _convert(Show, "categories").item
    found: list[str] = []
    for top in _children(channel, "itunes:category"):
        names = [f"{top.get('text', '')} > {sub.get('text', '')}" for sub in _children(top, "itunes:category")]
        for name in names or [top.get("text", "")]:
            value = _category(convert, name) or _category(convert, name.split(">")[0])
            if value is None:
                reader.warn("", f"categories: '{name}' is not one of Apple's categories now; left out")
            elif value not in found:
                found.append(value)
    if not found:
        reader.warn("", "no Apple Podcasts category in the feed; add categories to show.yaml")
    return found or None


def _category(convert, name: str) -> str | None:
    try:
        return convert(name)
    except s.Invalid:
        return None


def _yes_no(text: str) -> bool | None:
    text = text.strip().lower()
    return True if text in YES else False if text in NO else None


def _people(element, reader: _Reader, where: str) -> list[dict] | None:
    people = []
    for person in _children(element, "podcast:person"):
        name = _clean(_text(person), 128, reader, where, "people.name")
        if not name:
            continue
        entry: dict[str, Any] = {"name": name}
        # the namespace's default role is host; clgtv's is guest, so it is written out
        entry["role"] = _clean(person.get("role", "host").lower(), 64, reader, where, "people.role") or "host"
        for key in ("href", "img"):
            if value := _checked(s.url, person.get(key, "").strip(), reader, where, f"people.{key}"):
                entry[key] = value
        same = next((p for p in people if (p["name"].casefold(), p["role"]) == (name.casefold(), entry["role"])), None)
        if same is None:
            people.append(entry)
        else:  # listed twice in one role, which `check` refuses: one entry, with what either gave
            same.update({key: value for key, value in entry.items() if key not in same})
    return people or None


def _location(element, reader: _Reader) -> dict | None:
    if element is None or not (name := _clean(_text(element), 128, reader, "", "location")):
        return None
    values: dict[str, Any] = {"name": name}
    for key in ("geo", "osm", "country", "rel"):
        if value := _checked(_convert(Location, key), element.get(key, "").strip(), reader, "", f"location.{key}"):
            values[key] = value
    return values


def _artwork_url(channel, reader: _Reader) -> str | None:
    image, rss_image = _first(channel, "itunes:image"), _first(channel, "image")
    url = image.get("href", "").strip() if image is not None else ""
    if not url and rss_image is not None:
        url = _text(rss_image, "url")
    if not url:
        reader.warn("", "no artwork in the feed (itunes:image); add artwork.jpg to the programme folder")
        return None
    return urljoin(reader.base or "", url)


def _item(element, index: int, reader: _Reader, guids: set[str], numbers: set) -> Item | None:
    title = _clean(_text(element, "title") or _text(element, "itunes:title"), 255, reader, "", "title")
    where = f"item {index} ({title!r}): " if title else f"item {index}: "
    enclosure = _first(element, "enclosure")
    raw_url = enclosure.get("url", "").strip() if enclosure is not None else ""
    if not raw_url:
        reader.warn(where, "no enclosure (no recording); skipped")
        return None
    media_url = urljoin(reader.base or "", raw_url)
    guid = _text(element, "guid") or raw_url  # as apps do: an item without a guid is known by its enclosure
    guid = _checked(_convert(Episode, "guid"), guid, reader, where, "guid")
    if guid is None:
        reader.warn(where, "its guid cannot be carried over; skipped")
        return None
    if guid in guids:
        reader.warn(where, f"guid {guid!r} is used by an earlier item; skipped")
        return None
    date = _date(_text(element, "pubDate") or _text(element, "dc:date"))
    if date is None:
        reader.warn(where, f"no usable pubDate ({_text(element, 'pubDate')!r}); skipped")
        return None
    if not title:
        reader.warn(where, "no title; skipped")
        return None
    guids.add(guid)
    stem = f"{date:%Y-%m-%d}-{_unique(slugify(title), reader.used_slugs)}"
    front: dict[str, Any] = {"title": title, "date": date.isoformat(), "audio": None}
    season = _number(_text(element, "itunes:season") or _text(element, "podcast:season"))
    number = _number(_text(element, "itunes:episode") or _text(element, "podcast:episode"))
    if number is not None and (season, number) in numbers:
        reader.warn(where, f"episode number {number} is used by an earlier item; left out")
        number = None
    numbers.add((season, number))
    front["season"], front["episode"] = season, number
    kind = _text(element, "itunes:episodeType").lower()
    front["type"] = _checked(_convert(Episode, "type"), kind, reader, where, "type")
    front["explicit"] = _yes_no(_text(element, "itunes:explicit"))
    front["people"] = _people(element, reader, where)
    front["guid"] = guid
    notes = _text(element, "content:encoded") or _text(element, "description") or _text(element, "itunes:summary")
    return Item(
        stem=stem,
        front=front,
        notes=to_markdown(notes),
        media_url=media_url,
        media_suffix=_media_suffix(raw_url, enclosure.get("type", "")),
        media_name=PurePosixPath(unquote(urlsplit(raw_url).path)).name,
        transcript=_transcript(element, reader),
        chapters_url=_chapters_url(element, reader),
        chapters=_inline_chapters(element),
    )


def _unique(slug: str, used: set[str]) -> str:
    candidate, n = slug, 1
    while candidate in used:
        n += 1
        candidate = f"{slug}-{n}"
    used.add(candidate)
    return candidate


def _date(text: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    if value.tzinfo is None:  # RFC 822's -0000: "no zone known"; read as UTC
        value = value.replace(tzinfo=dt.UTC)
    return value if 1970 <= value.year <= 2999 else None


def _number(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{1,6}", text.strip()) and 1 <= int(text) <= MAX_NUMBER else None


def _media_suffix(url: str, kind: str) -> str:
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    if suffix in MEDIA_SUFFIXES:
        return suffix
    return TYPE_SUFFIXES.get(kind.split(";")[0].strip().lower(), ".mp3")


def _transcript(element, reader: _Reader) -> tuple[str, str] | None:
    offered = []
    for tag in _children(element, "podcast:transcript"):
        url, kind = tag.get("url", "").strip(), tag.get("type", "").split(";")[0].strip().lower()
        for rank, (suffix, kinds) in enumerate(TRANSCRIPTS):
            if kind in kinds or (not kind and PurePosixPath(urlsplit(url).path).suffix.lower() == suffix):
                offered.append((rank, urljoin(reader.base or "", url), suffix))
    return min(offered)[1:] if offered else None


def _chapters_url(element, reader: _Reader) -> str | None:
    tag = _first(element, "podcast:chapters")
    url = tag.get("url", "").strip() if tag is not None else ""
    return urljoin(reader.base or "", url) if url else None


def _inline_chapters(element) -> tuple[dict, ...]:
    """Podlove Simple Chapters (psc:chapters), written inside the item by Podlove and others."""
    found = _first(element, "psc:chapters")
    if found is None:
        return ()
    return tuple(
        {"startTime": start, "title": chapter.get("title", ""), "url": chapter.get("href", "")}
        for chapter in _children(found, "psc:chapter")
        if (start := _clock(chapter.get("start", ""))) is not None
    )


def _clock(text: str) -> float | None:
    try:
        return s.clock_time(text.strip())
    except s.Invalid:
        return None


# --- writing the programme ---------------------------------------------------------------------------


def _write_programme(channel: Channel, folder: Path, reader: _Reader, media_folder: Path | None) -> None:
    front = dict(channel.front)
    if channel.artwork_url and (name := _artwork(channel.artwork_url, folder, reader)):
        front["artwork"] = name
    (folder / SHOW_FILE).write_text(
        f"# Imported by clgtv import from {redact(reader.source)}\n" + dump_yaml(front), encoding="utf-8"
    )
    for number, item in enumerate(channel.items, start=1):
        reader.log(f"importing {number}/{len(channel.items)}: {item.stem}")
        _write_episode(item, folder, reader, media_folder)


def _artwork(url: str, folder: Path, reader: _Reader) -> str | None:
    try:
        data = download.fetch(url, SIDE_LIMIT, SIDE_DEADLINE)
    except FetchError as exc:
        reader.warn("", f"artwork not fetched ({exc}); add artwork.jpg to the programme folder")
        return None
    suffix = ".png" if data.startswith(b"\x89PNG") else ".jpg" if data.startswith(b"\xff\xd8") else None
    if suffix is None:
        reader.warn("", f"artwork {url} is not a JPEG or PNG; add artwork.jpg to the programme folder")
        return None
    path = folder / f"artwork{suffix}"
    path.write_bytes(data)
    for problem in artwork_problems(path):
        reader.warn("", f"artwork: {problem}; replace it before publishing")
    return path.name


def _write_episode(item: Item, folder: Path, reader: _Reader, media_folder: Path | None) -> None:
    where = f"{item.stem}: "
    front = dict(item.front)
    audio = folder / f"{item.stem}{item.media_suffix}"
    if media_folder is not None:
        _copy_media(item, media_folder, audio)
    else:
        download.fetch_to(item.media_url, audio, MEDIA_LIMIT, MEDIA_DEADLINE)
    front["audio"] = audio.name
    front["chapters"] = _chapters(item, reader, where)
    if item.transcript and (name := _fetch_transcript(item, folder, reader, where)):
        front["transcript"] = name
    guid = front.pop("guid")
    front["guid"] = guid  # last, as clgtv new writes it
    text = f"---\n{dump_yaml(front)}---\n\n{item.notes}\n"
    (folder / f"{item.stem}.md").write_text(text, encoding="utf-8")


def _copy_media(item: Item, media_folder: Path, audio: Path) -> None:
    name = item.media_name
    candidate = media_folder / name
    safe = name not in ("", ".", "..") and "/" not in name and "\\" not in name and not name.startswith(".")
    if not safe or not candidate.resolve().is_relative_to(media_folder.resolve()) or not candidate.is_file():
        raise FileError(media_folder, f"has no file named {name!r} for {item.media_url}; nothing was imported")
    shutil.copyfile(candidate, audio)


def _chapters(item: Item, reader: _Reader, where: str) -> list[dict] | None:
    raw: list = list(item.chapters)
    if item.chapters_url:
        try:
            document = json.loads(download.fetch(item.chapters_url, SIDE_LIMIT, SIDE_DEADLINE))
            raw = document.get("chapters", []) if isinstance(document, dict) else []
        except (FetchError, ValueError) as exc:
            reader.warn(where, f"chapters not carried over ({exc})")
            return None
        except RecursionError:
            reader.warn(where, "chapters not carried over (its JSON is nested too deeply)")
            return None
    chapters: dict[float, dict] = {}
    for chapter in raw if isinstance(raw, list) else []:
        if not isinstance(chapter, dict) or chapter.get("toc") is False:
            continue
        start, title = _seconds(chapter.get("startTime")), chapter.get("title")
        if start is None:
            continue
        if not isinstance(title, str) or not (title := _clean(title, 255, reader, where, "chapters.title")):
            continue
        entry: dict[str, Any] = {"start": s.clock_text(float(start)), "title": title}
        url = chapter.get("url")
        if isinstance(url, str) and (checked := _checked(s.url, url.strip(), reader, where, "chapters.url")):
            entry["url"] = checked
        chapters.setdefault(round(float(start), 3), entry)
    if not chapters:
        return None
    ordered = [chapters[start] for start in sorted(chapters)]
    if min(chapters) > 0:  # clgtv's chapters start at 0:00:00
        ordered.insert(0, {"start": "0:00:00", "title": item.front["title"]})
    return ordered


def _seconds(value: Any) -> float | None:
    """A time in seconds from JSON: a finite number from 0 to 10 million, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e7:
        return None  # NaN and infinity fail the comparison too
    return float(value)


def _fetch_transcript(item: Item, folder: Path, reader: _Reader, where: str) -> str | None:
    url, suffix = item.transcript  # type: ignore[misc]
    try:
        data = download.fetch(url, SIDE_LIMIT, SIDE_DEADLINE)
        cues = _json_cues(data, url) if suffix == ".json" else parse_cues(data, Path("transcript"))
    except FileError as exc:  # the bytes are no transcript: say so by its address
        reader.warn(where, f"transcript not carried over ({url}: {exc.message})")
        return None
    except FetchError as exc:
        reader.warn(where, f"transcript not carried over ({exc})")
        return None
    path = folder / f"{item.stem}{'.vtt' if suffix == '.json' else suffix}"
    path.write_bytes(vtt_and_srt(cues)[0].encode("utf-8") if suffix == ".json" else data)
    return path.name


def _json_cues(data: bytes, url: str) -> list[Cue]:
    """A Podcasting 2.0 JSON transcript's segments as cues."""
    try:
        segments = json.loads(data).get("segments")
    except (ValueError, AttributeError, RecursionError):
        segments = None
    cues = []
    for segment in segments if isinstance(segments, list) else []:
        if not isinstance(segment, dict):
            continue
        start, end, body = segment.get("startTime"), segment.get("endTime"), segment.get("body")
        if _seconds(start) is not None and _seconds(end) is not None and start <= end and isinstance(body, str):
            speaker = segment.get("speaker")
            speaker = s.ILLEGAL.sub("", speaker).strip() or None if isinstance(speaker, str) else None
            cues.append(Cue(float(start), float(end), speaker, s.ILLEGAL.sub("", body)))
    if not cues:
        raise FileError(url, "is not a Podcasting 2.0 JSON transcript with segments")
    return cues


class _Text(str):
    """A text value, written in double quotes: they escape everything YAML would read otherwise (line
    breaks, NEL, a byte order mark, control characters), so it loads back as the same text."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _Text, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')
)


def dump_yaml(values: dict[str, Any]) -> str:
    """Fields as YAML, every text value quoted; fields without a value (None, an empty list) are left out."""
    return yaml.dump(_quoted(values), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)


def _quoted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _quoted(v) for key, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_quoted(v) for v in value]
    return _Text(value) if isinstance(value, str) else value
