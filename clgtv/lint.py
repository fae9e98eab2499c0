"""Feed lint: the rendered RSS checked against Apple's and the Podcasting 2.0 namespace's rules.

Two places run it, on the same rules:
- `clgtv check` renders every feed in memory, without processing any audio (`check_content`). It
  lints the editions `build` assembles, with everything but the media facts, so enclosure rules
  that need the media file (its size, duration and contents) wait for the build.
- `clgtv build` (and so `publish`) lints the feeds it has just rendered, with the real media files
  beside them (`check_built`); any error stops the build before build/site is replaced, so nothing
  is published.
Errors are what Apple Podcasts or the namespace refuse; warnings are recommendations.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from lxml import etree

from clgtv.artwork import artwork_advice, artwork_problems, image_size
from clgtv.content import Content
from clgtv.episodes import Episode
from clgtv.errors import ContentError, FileError, Problem, display_path
from clgtv.feed import (
    APPLE_VERIFY,
    ITUNES_NS,
    MAX_DESCRIPTION_BYTES,
    PODCAST_NS,
    WORD_JOINER,
    feed_media_url,
    render_feed,
)
from clgtv.identity import suggested_guid
from clgtv.layout import CHAPTERS_TYPE, TRANSCRIPT_TYPES
from clgtv.licenses import is_slug, license_message
from clgtv.release import Edition, assemble
from clgtv.roles import group_of
from clgtv.schema import clock_text
from clgtv.transcripts import read_cues

NS = {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "atom": "http://www.w3.org/2005/Atom"}
# Apple's accepted enclosure types by file extension
ENCLOSURE_TYPES = {
    ".mp3": ("audio/mpeg",),
    ".m4a": ("audio/x-m4a", "audio/mp4"),
    ".mp4": ("video/mp4",),
    ".m4v": ("video/x-m4v",),
    ".mov": ("video/quicktime",),
    ".pdf": ("application/pdf",),
}
MAX_TITLE = 255
MAX_NAMESPACE_TEXT = 128  # podcast:person, location, license, soundbite, funding, trailer, updateFrequency
MAX_TXT = 4000  # podcast:txt
MAX_DISPLAY = 32  # podcast:episode display
SOUNDBITE_SECONDS = (15, 120)  # the namespace's recommended soundbite length
Local = Callable[[str], Path | None]  # a published URL -> the file behind it, when known here


@dataclass(frozen=True)
class Finding:
    level: str  # "error" or "warning"
    guid: str | None  # the item's guid; None for the channel
    field: str  # the host's field it comes from (show.yaml or the episode file)
    message: str


def lint_feed(xml: bytes, local: Local = lambda url: None) -> list[Finding]:
    """Every problem in one rendered feed. `local` finds the files behind URLs, to check them too."""
    try:
        root = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        return [Finding("error", None, "feed", f"the feed is not well-formed XML ({exc})")]
    channel = root.find("channel")
    if root.tag != "rss" or root.get("version") != "2.0" or channel is None:
        return [Finding("error", None, "feed", 'expected <rss version="2.0"> with a <channel>')]
    findings = list(_channel(channel, local))
    items = channel.findall("item")
    if not items:
        findings.append(Finding("warning", None, "feed", "no episodes yet; Apple Podcasts refuses an empty feed"))
    show_artwork = _text(channel, "itunes:image/@href")
    for item in items:
        findings.extend(_item(item, lambda url: None if url == show_artwork else local(url)))
    findings.extend(_duplicates(items))
    findings.extend(_trailers(channel, items))
    return findings


# --- channel -----------------------------------------------------------------------


def _channel(channel: etree._Element, local: Local) -> Iterator[Finding]:
    def error(field: str, message: str) -> Finding:
        return Finding("error", None, field, message)

    def warning(field: str, message: str) -> Finding:
        return Finding("warning", None, field, message)

    for path, field, what in (
        ("title", "title", "<title>"),
        ("description", "description", "<description>"),
        ("language", "language", "<language>"),
        ("link", "link", "<link>"),
        ("itunes:author", "author", "<itunes:author>"),
        ("itunes:owner/itunes:email", "owner", "<itunes:owner> with an <itunes:email>"),
        ("itunes:explicit", "explicit", "<itunes:explicit>"),
        ("itunes:image/@href", "artwork", "<itunes:image href>"),
        ("itunes:category/@text", "categories", "<itunes:category>"),
        ("atom:link[@rel='self']/@href", "base_url", '<atom:link rel="self"> (the feed\'s own URL)'),
        ("podcast:guid", "feed", "<podcast:guid>"),
    ):
        if not _text(channel, path):
            yield error(field, f"the feed has no {what}")
    yield from _lengths(channel, None, "description")
    yield from _image(channel, None, "artwork", local)
    yield from _images(channel, None, "artwork", local)
    self_url = _text(channel, "atom:link[@rel='self']/@href")
    if self_url and not self_url.startswith("https://"):
        message = f"the feed's URL {self_url} is not https://; Apple Podcasts and Spotify need https in production"
        yield warning("base_url", message)
    yield from _podcast_channel(channel)


def _podcast_channel(channel: etree._Element) -> Iterator[Finding]:
    guid = _text(channel, "podcast:guid")
    if guid:
        try:
            uuid.UUID(guid)
        except ValueError:
            yield Finding("error", None, "feed", f"<podcast:guid> '{guid}' is not a UUID")
    yield from _namespace_texts(channel, None)
    yield from _txt(channel)
    yield from _podroll(channel, guid)
    yield from _update_frequency(channel)


def _trailers(channel: etree._Element, items: list[etree._Element]) -> Iterator[Finding]:
    """Each podcast:trailer, pinned to the episode whose audio it plays."""
    by_url = {_text(item, "enclosure/@url"): _text(item, "guid") or None for item in items}
    for trailer in channel.findall("podcast:trailer", NS):
        guid = by_url.get(trailer.get("url", ""))
        if not trailer.get("url") or not trailer.get("pubdate"):
            yield Finding("error", guid, "type", "<podcast:trailer> needs a url and a pubdate")
        elif email.utils.parsedate_tz(trailer.get("pubdate", "")) is None:
            yield Finding(
                "error", guid, "date", f"<podcast:trailer pubdate> '{trailer.get('pubdate')}' is not an RFC 2822 date"
            )
        title = (trailer.text or "").strip()
        if not title:
            yield Finding("error", guid, "title", "<podcast:trailer> has no title")
        elif _visible_length(title) > MAX_NAMESPACE_TEXT:
            message = f"a trailer's title is over {MAX_NAMESPACE_TEXT} characters; apps may cut it in <podcast:trailer>"
            yield Finding("warning", guid, "title", message)


def _txt(channel: etree._Element) -> Iterator[Finding]:
    purposes = []
    for txt in channel.findall("podcast:txt", NS):
        purpose = txt.get("purpose")
        field = "apple_podcasts_verify" if purpose == APPLE_VERIFY else "txt"
        text = (txt.text or "").strip()
        if not text:
            yield Finding("error", None, field, "<podcast:txt> is empty")
        elif len(text) > MAX_TXT:
            yield Finding("warning", None, field, f"<podcast:txt> is over {MAX_TXT} characters; apps may cut it")
        if purpose and len(purpose) > MAX_NAMESPACE_TEXT:
            yield Finding("warning", None, field, f"<podcast:txt purpose> is over {MAX_NAMESPACE_TEXT} characters")
        purposes.append(purpose)
    if purposes.count(APPLE_VERIFY) > 1:
        message = f'two <podcast:txt purpose="{APPLE_VERIFY}">; give Apple\'s token once, as apple_podcasts_verify'
        yield Finding("error", None, "apple_podcasts_verify", message)


def _podroll(channel: etree._Element, own_guid: str) -> Iterator[Finding]:
    podrolls = channel.findall("podcast:podroll", NS)
    if len(podrolls) > 1:
        yield Finding("error", None, "podroll", "the feed has more than one <podcast:podroll>")
    for podroll in podrolls:
        remotes = podroll.findall("podcast:remoteItem", NS)
        if not remotes:
            yield Finding("error", None, "podroll", "<podcast:podroll> holds no <podcast:remoteItem>")
        for remote in remotes:
            if not remote.get("feedGuid"):
                yield Finding("error", None, "podroll", "<podcast:remoteItem> needs a feedGuid")
            elif remote.get("feedGuid") == own_guid:
                yield Finding("warning", None, "podroll", "the podroll recommends this programme itself")


def _update_frequency(channel: etree._Element) -> Iterator[Finding]:
    for frequency in channel.findall("podcast:updateFrequency", NS):
        text = (frequency.text or "").strip()
        if not text:
            yield Finding("error", None, "update_frequency", "<podcast:updateFrequency> has no text")
        elif _visible_length(text) > MAX_NAMESPACE_TEXT:
            message = f"<podcast:updateFrequency> is over {MAX_NAMESPACE_TEXT} characters; apps may cut it"
            yield Finding("warning", None, "update_frequency", message)
        if "COUNT=" in frequency.get("rrule", "") and not frequency.get("dtstart"):
            message = "<podcast:updateFrequency> with a COUNT in its rrule needs a dtstart"
            yield Finding("error", None, "update_frequency.dtstart", message)


# --- items -------------------------------------------------------------------------


def _item(item: etree._Element, local: Local) -> Iterator[Finding]:
    """One episode's rules (`local` knows no show artwork here: the channel checked it)."""
    guid = _text(item, "guid") or None

    def error(field: str, message: str) -> Finding:
        return Finding("error", guid, field, message)

    if not guid:
        yield error("guid", "the episode has no <guid>")
    if not _text(item, "title"):
        yield error("title", "the episode has no <title>")
    if CURLY.fullmatch(_text(item, "title")):
        message = (
            "the title is in curly quotes, which the feed keeps as part of it; if they were to quote it for YAML, "
            'type straight ones (")'
        )
        yield Finding("warning", guid, "title", message)
    if not _text(item, "description"):
        yield Finding("warning", guid, "summary", "the episode has no <description>; add a summary or show notes")
    yield from _lengths(item, guid, "summary")
    duration = yield from _enclosure(item, guid, local)
    yield from _image(item, guid, "image", local)
    yield from _images(item, guid, "image", local)
    yield from _podcast_item(item, guid, duration)
    yield from _chapter_times(item, guid, duration, local)
    yield from _transcript_times(item, guid, duration, local)
    yield from _namespace_texts(item, guid)


def _enclosure(item: etree._Element, guid: str | None, local: Local) -> Iterator[Finding]:
    """Enclosure rules; returns the episode's duration in seconds when the media file is known here."""
    enclosure = item.find("enclosure")
    if enclosure is None or not enclosure.get("url"):
        yield Finding("error", guid, "audio", "the episode has no <enclosure url> (its audio)")
        return None
    url, kind, length = enclosure.get("url", ""), enclosure.get("type", ""), enclosure.get("length", "")
    suffix = Path(url.split("?", 1)[0]).suffix.lower()
    if kind not in ENCLOSURE_TYPES.get(suffix, ()):
        expected = " or ".join(ENCLOSURE_TYPES.get(suffix, ())) or "a file Apple accepts (.mp3, .m4a, .mp4, .mov)"
        yield Finding("error", guid, "audio", f"<enclosure> {Path(url).name} has type '{kind}'; expected {expected}")
    if not length.isdigit():
        yield Finding("error", guid, "audio", f"<enclosure length> is '{length}'; expected the size in bytes")
    path = local(url)
    if path is None:
        return None  # `clgtv check`: the media is not made yet; `build` checks the rest
    yield from _media_file(item, guid, path, kind, length)
    duration = _text(item, "itunes:duration")
    if not (duration.isdigit() and int(duration) > 0):
        yield Finding("error", guid, "audio", f"<itunes:duration> is '{duration}'; expected whole seconds above 0")
        return None
    return int(duration)


def _media_file(item: etree._Element, guid: str | None, path: Path, kind: str, length: str) -> Iterator[Finding]:
    if not path.is_file():
        yield Finding("error", guid, "audio", f"the audio file {path.name} is missing from the site")
        return
    if length.isdigit() and int(length) != path.stat().st_size:
        message = f"<enclosure length> is {length} bytes but {path.name} has {path.stat().st_size}"
        yield Finding("error", guid, "audio", message)
    with path.open("rb") as handle:
        head = handle.read(12)
    holds = _looks_like_mp3(head) if kind == "audio/mpeg" else head[4:8] == b"ftyp"  # MPEG-4 family
    if not holds:
        yield Finding("error", guid, "audio", f"{path.name} does not hold what its type '{kind}' says")


def _looks_like_mp3(head: bytes) -> bool:
    return head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


NO_TRANSCRIPT = (
    "the episode has no transcript; WCAG 2.2 success criterion 1.2.1 (audio-only) asks for one: "
    "give it a transcript file (`clgtv transcribe EPISODE` writes a draft to correct), or turn "
    "transcription on (transcription: enabled: true)"
)


def _podcast_item(item: etree._Element, guid: str | None, duration: int | None) -> Iterator[Finding]:
    if not item.findall("podcast:transcript", NS):
        yield Finding("warning", guid, "transcript", NO_TRANSCRIPT)
    for transcript in item.findall("podcast:transcript", NS):
        if not transcript.get("url") or not transcript.get("type"):
            yield Finding("error", guid, "transcript", "<podcast:transcript> needs a url and a type")
        elif transcript.get("type") not in {*TRANSCRIPT_TYPES.values(), "text/plain", "text/html", "application/json"}:
            yield Finding("warning", guid, "transcript", f"transcript type '{transcript.get('type')}' is unusual")
    yield from _transcript_order(item, guid)
    for season in item.findall("podcast:season[@name]", NS):
        if _visible_length(season.get("name", "")) > MAX_NAMESPACE_TEXT:
            yield Finding("warning", guid, "season", f"<podcast:season name> is over {MAX_NAMESPACE_TEXT} characters")
    for number in item.findall("podcast:episode[@display]", NS):
        if _visible_length(number.get("display", "")) > MAX_DISPLAY:
            message = f"<podcast:episode display> is over {MAX_DISPLAY} characters; apps may cut it"
            yield Finding("warning", guid, "episode_display", message)
    for chapters in item.findall("podcast:chapters", NS):
        if not chapters.get("url") or chapters.get("type") != CHAPTERS_TYPE:
            yield Finding("error", guid, "chapters", f"<podcast:chapters> needs a url and type {CHAPTERS_TYPE}")
    for bite in item.findall("podcast:soundbite", NS):
        yield from _soundbite(bite, guid, duration)


def _chapter_times(item: etree._Element, guid: str | None, duration: int | None, local: Local) -> Iterator[Finding]:
    """Each chapter of the built chapters file starts before the episode ends: one after it would be a
    chapter that ends before it starts, in the file's ID3 tags too."""
    path = _built_file(item, "podcast:chapters/@url", local)
    if duration is None or path is None:
        return
    try:
        chapters = json.loads(path.read_bytes())["chapters"]
        starts = [(float(chapter["startTime"]), str(chapter.get("title", ""))) for chapter in chapters]
    except (ValueError, KeyError, TypeError):
        yield Finding("error", guid, "chapters", f"{path.name} is not a JSON chapters file")
        return
    for start, title in starts:
        if start >= duration + 0.5:  # <itunes:duration> is rounded: past this, surely after the end
            end = clock_text(duration)
            message = f"the chapter '{title}' starts at {clock_text(start)}, after the end of the episode ({end})"
            yield Finding("error", guid, "chapters", message)


def _transcript_times(item: etree._Element, guid: str | None, duration: int | None, local: Local) -> Iterator[Finding]:
    """A transcript whose cues run on after the episode ends is most likely another recording's."""
    path = _built_file(item, f"podcast:transcript[@type='{TRANSCRIPT_TYPES['.vtt']}']/@url", local)
    if duration is None or path is None:
        return
    cues = read_cues(path)
    if cues and cues[-1].start >= duration + 0.5:  # <itunes:duration> is rounded, as for the chapters
        message = (
            f"the transcript's last cue starts at {clock_text(cues[-1].start)}, after the end of the episode "
            f"({clock_text(duration)}); "
            "is it this episode's?"
        )
        yield Finding("warning", guid, "transcript", message)


def _built_file(item: etree._Element, address: str, local: Local) -> Path | None:
    """The built file behind the URL at `address` in `item`, when `build` has it here."""
    url = _text(item, address)
    path = local(url) if url else None
    return path if path is not None and path.is_file() else None


def _transcript_order(item: etree._Element, guid: str | None) -> Iterator[Finding]:
    """Readers that keep only one of repeated tags (feedparser, podcastparser) keep the last: WebVTT must be it."""
    kinds = [tag.get("type") for tag in item.findall("podcast:transcript", NS)]
    if TRANSCRIPT_TYPES[".vtt"] in kinds and kinds[-1] != TRANSCRIPT_TYPES[".vtt"]:
        message = (
            f"the last <podcast:transcript> is {kinds[-1]}, not WebVTT; apps that read one transcript read the last"
        )
        yield Finding("error", guid, "transcript", message)


def _soundbite(bite: etree._Element, guid: str | None, duration: int | None) -> Iterator[Finding]:
    try:
        start, length = float(bite.get("startTime", "")), float(bite.get("duration", ""))
    except ValueError:
        yield Finding("error", guid, "soundbites", "<podcast:soundbite> needs startTime and duration in seconds")
        return
    low, high = SOUNDBITE_SECONDS
    if not low <= length <= high:
        message = f"a soundbite of {length:g} s; the namespace recommends {low}-{high} s"
        yield Finding("warning", guid, "soundbites", message)
    if duration is not None and start + length > duration + 1:
        end = clock_text(duration)
        message = f"a soundbite at {clock_text(start)} for {length:g} s runs past the end of the episode ({end})"
        yield Finding("error", guid, "soundbites", message)


# --- shared --------------------------------------------------------------------------


def _lengths(node: etree._Element, guid: str | None, field: str) -> Iterator[Finding]:
    size = len(_text(node, "description").encode("utf-8"))
    if size > MAX_DESCRIPTION_BYTES:
        message = f"<description> is {size} bytes; Apple allows {MAX_DESCRIPTION_BYTES}"
        yield Finding("error", guid, field, message)
    for path in ("title", "itunes:title"):
        if _visible_length(_text(node, path)) > MAX_TITLE:
            yield Finding("error", guid, "title", f"<{path}> is longer than {MAX_TITLE} characters")


def _visible_length(text: str) -> int:
    """Characters as a listener sees them: not the word joiners that keep a `<` from opening a tag."""
    return len(text) - text.count(WORD_JOINER)


def _namespace_texts(node: etree._Element, guid: str | None) -> Iterator[Finding]:
    for tag, field in (("person", "people"), ("location", "location"), ("license", "license")):
        for element in node.findall(f"podcast:{tag}", NS):
            text = (element.text or "").strip()
            if not text:
                yield Finding("error", guid, field, f"<podcast:{tag}> is empty")
            elif _visible_length(text) > MAX_NAMESPACE_TEXT:
                message = f"<podcast:{tag}> is over {MAX_NAMESPACE_TEXT} characters; apps may cut it"
                yield Finding("warning", guid, field, message)
    for element in node.findall("podcast:license", NS):
        text = (element.text or "").strip()
        if text and not element.get("url") and not is_slug(text):
            yield Finding("error", guid, "license", license_message(text))
    yield from _roles(node, guid)


def _roles(node: etree._Element, guid: str | None) -> Iterator[Finding]:
    """The namespace asks for the Podcast Taxonomy's roles: an app knows no other."""
    for person in node.findall("podcast:person", NS):
        role = person.get("role", "host").replace(WORD_JOINER, "")  # as the host wrote it
        if group_of(role) is None:
            message = (
                f"'{role}' is not a role in the Podcast Taxonomy, so podcast apps may not show it; on a panel, use "
                "host, co-host, guest host or guest (the README lists the rest)"
            )
            yield Finding("warning", guid, "people", message)


CURLY = re.compile(r"[“‘„].*[”’“]", re.DOTALL)  # what a word processor makes of the quotes typed around a value
ASPECT_RATIO = re.compile(r"[1-9]\d*/[1-9]\d*")


def _images(node: etree._Element, guid: str | None, field: str, local: Local) -> Iterator[Finding]:
    """podcast:image tags; in `build`, their width and height against the files behind them."""
    for image in node.findall("podcast:image", NS):
        href = image.get("href", "")
        if not href.startswith(("https://", "http://")):
            yield Finding("error", guid, field, f"<podcast:image href> '{href}' is not a web address")
        elif (path := local(href)) is not None and path.is_file() and image.get("width") and image.get("height"):
            size = "x".join(map(str, image_size(path)))
            if size != f"{image.get('width')}x{image.get('height')}":
                message = (
                    f"<podcast:image> says {image.get('width')}x{image.get('height')} pixels; {path.name} is {size}"
                )
                yield Finding("error", guid, field, message)
        for name in ("width", "height"):
            if (value := image.get(name)) is not None and not (value.isdigit() and int(value) > 0):
                yield Finding("error", guid, field, f"<podcast:image {name}> is '{value}'; expected pixels above 0")
        if (ratio := image.get("aspect-ratio")) is not None and not ASPECT_RATIO.fullmatch(ratio):
            yield Finding("error", guid, field, f"<podcast:image aspect-ratio> is '{ratio}'; expected a ratio like 1/1")
        if len(image.get("purpose", "")) > MAX_NAMESPACE_TEXT:
            yield Finding("warning", guid, field, f"<podcast:image purpose> is over {MAX_NAMESPACE_TEXT} characters")


def _image(node: etree._Element, guid: str | None, field: str, local: Local) -> Iterator[Finding]:
    url = _text(node, "itunes:image/@href")
    if not url:
        return
    if not url.startswith(("https://", "http://")):
        yield Finding("error", guid, field, f"<itunes:image> '{url}' is not a web address")
        return
    path = local(url)
    if path is None:
        return
    problems = artwork_problems(path)
    for message in problems:
        yield Finding("error", guid, field, f"artwork {message}")
    for message in [] if problems else artwork_advice(path):
        yield Finding("warning", guid, field, f"artwork {message}")


def _duplicates(items: list[etree._Element]) -> Iterator[Finding]:
    for path, field, what in (("guid", "guid", "guid"), ("enclosure/@url", "audio", "audio URL")):
        seen: set[str] = set()
        for item in items:
            value = _text(item, path)
            if value and value in seen:
                yield Finding("error", _text(item, "guid") or None, field, f"{what} {value} is used by two episodes")
            seen.add(value)


def _text(node: etree._Element, path: str) -> str:
    found = node.xpath(path if "@" in path else f"{path}/text()", namespaces=NS)
    return str(found[0]).strip() if found else ""


# --- the two entry points --------------------------------------------------------------

FAR_FUTURE = dt.datetime.max.replace(tzinfo=dt.UTC)


def check_content(content: Content) -> tuple[list[Problem], list[Problem]]:
    """`clgtv check`: lint every feed as it will go out, scheduled episodes included, without audio.

    The editions are the build's (`clgtv.release.assemble`) with placeholder media facts. Returns
    (errors, warnings) as the hosts' problems, each pinned to a file and line.
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for programme in content.programmes:
        if programme.show.guid is None:  # clgtv.history.history_problems gives the line to add; lint on
            programme = replace(
                programme, show=replace(programme.show, guid=suggested_guid(content.site, programme.show))
            )
        edition = assemble(content.site, programme, programme.due(FAR_FUTURE))
        images = {edition.site.url(path): source for path, source in edition.images().items()}
        for release in edition.releases:
            errors.extend(_transcript_problems(release.episode))
        _sort(edition, lint_feed(render_feed(edition), images.get), errors, warnings)
    return errors, warnings + _shared_transcripts(content)


def _shared_transcripts(content: Content) -> list[Problem]:
    """A transcript that two episodes name: most likely copied in with an episode file made from another."""
    first: dict[Path, Episode] = {}
    shared = []
    for episode in (episode for programme in content.programmes for episode in programme.episodes):
        if episode.transcript and (other := first.setdefault(episode.transcript, episode)) is not episode:
            message = (
                f"{episode.transcript.name} is also the transcript of {display_path(other.path)}; is it this episode's?"
            )
            shared.append(Problem(episode.path, episode.line("transcript"), "transcript", message))
    return shared


def check_built(editions: tuple[Edition, ...], site_dir: Path, log: Callable[[str], None]) -> None:
    """`clgtv build`: lint the feeds just rendered into `site_dir`, media included.

    Logs warnings; raises ContentError with every error, which stops the build before anything
    is published.
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for edition in editions:
        base = edition.site.base_url

        # the recordings behind the enclosures' analytics prefix, the host's images (the same bytes, by the
        # names the host knows them by), and every other file by its address
        behind = {feed_media_url(edition, r.media.path): site_dir / r.media.path for r in edition.releases}
        behind |= {edition.site.url(path): source for path, source in edition.images().items()}

        def local(url: str, base: str = base, behind: dict[str, Path] = behind) -> Path | None:
            return behind.get(url) or (site_dir / url[len(base) :] if url.startswith(base) else None)

        found = lint_feed((site_dir / edition.feed_path).read_bytes(), local)
        _sort(edition, found, errors, warnings)
    for problem in warnings:
        log(f"warning: {problem}")
    if errors:
        raise ContentError(errors)


# where a finding about a field the host has not written is pinned instead: the first of these written
NEAREST = {"transcript": ("transcription.enabled", "transcription", "audio")}


def _sort(edition: Edition, found: list[Finding], errors: list[Problem], warnings: list[Problem]) -> None:
    by_guid = {r.episode.guid: r.episode for r in edition.releases}
    for finding in found:
        source = by_guid.get(finding.guid or "", edition.programme.show)
        if finding.field == "base_url":
            source = edition.site
        keys = (finding.field, *NEAREST.get(finding.field, ()))
        line = next((source.lines[key] for key in keys if key in source.lines), 1)
        problem = Problem(source.path, line, finding.field, finding.message)
        (errors if finding.level == "error" else warnings).append(problem)


def _transcript_problems(episode: Episode) -> list[Problem]:
    if not episode.transcript or not episode.transcript.is_file():
        return []
    try:
        read_cues(episode.transcript)
    except FileError as exc:
        return [Problem(episode.path, episode.line("transcript"), "transcript", exc.message)]
    return []
