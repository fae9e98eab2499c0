"""RSS feeds with iTunes and Podcasting 2.0 tags (feedgen plus a small extension of ours).

feedgen 1.0 writes itunes:explicit only as yes/no/clean, validates categories against
Apple's pre-2019 list and knows no Podcasting 2.0; our `Extras` extension adds those.

Text that leaves clgtv follows two rules (`plain` and `legal`, used by the pages and transcripts too):
- Plain-text fields (every feed text but content:encoded, SRT and WebVTT cues, chapters.json, page
  descriptions) carry no markup: many apps render a description as HTML once the XML layer is removed,
  so a `<` where an HTML parser would open a tag gets an invisible WORD JOINER (U+2060) after it. Plain-text
  and HTML readers alike then show what the host wrote, and none reads a tag.
- HTML fields (content:encoded, the pages' show notes) are markdown-it's "js-default" output only: raw HTML
  shown as text, links limited to safe schemes.
Transcript cues lose the characters XML 1.0 cannot carry (control characters, U+FFFE, U+FFFF): dropped,
never a refused feed. Show notes with them are refused by `check` at their line; rendering drops them too,
so a character reference such as `&#x0C;` in the notes cannot bring one back.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from clgtv.analytics import enclosure_url
from clgtv.layout import CHAPTERS_TYPE, MEDIA_TYPES, TRANSCRIPT_TYPES
from clgtv.roles import group_of
from clgtv.schema import ILLEGAL
from clgtv.settings import Location, NotifySettings, Person, Show

if TYPE_CHECKING:  # the assembler uses this module's text rules: only the types come back
    from clgtv.release import Edition, FeedImage, Release, Transcript

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
GENERATOR = "clgtv"
MAX_DESCRIPTION_BYTES = 4000  # Apple's limit for channel and item descriptions
ELLIPSIS = "…"
WORD_JOINER = "\u2060"
# where an HTML parser opens a tag, an end tag, a comment or a declaration: "<" then a letter, "/", "!" or "?"
TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")


def legal(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry (and the C1 controls)."""
    return ILLEGAL.sub("", text)


def plain(text: str) -> str:
    """`text` for a plain-text field: legal, and no `<` that any reader could take for the start of a tag."""
    return TAG_OPEN.sub("<" + WORD_JOINER, legal(text))


def fit_bytes(text: str, limit: int = MAX_DESCRIPTION_BYTES) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, at a word boundary, with an ellipsis when cut."""
    if len(text.encode("utf-8")) <= limit:
        return text
    room = limit - len(ELLIPSIS.encode("utf-8"))
    cut = text.encode("utf-8")[:room].decode("utf-8", errors="ignore")  # never half a character
    partial_word = re.search(r"\s\S*$", cut)
    if partial_word and not text[len(cut) : len(cut) + 1].isspace():
        cut = cut[: partial_word.start()]
    return cut.rstrip() + ELLIPSIS


def podcast_guid(feed_url: str) -> str:
    """Podcasting 2.0's derived podcast:guid: UUIDv5 of the feed URL without scheme and trailing slash.
    Only a suggestion for show.yaml's `guid` (clgtv.identity): a feed carries the declared one, which never
    moves with the feed's address."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


@dataclass
class Spec:
    """An element to build later: feedgen hands us the parent only while rendering."""

    tag: str
    value: str | None
    attrs: dict[str, str]
    children: list[Spec] = field(default_factory=list)

    def build(self, parent: etree._Element) -> None:
        element = etree.SubElement(parent, self.tag, self.attrs)
        element.text = self.value
        for child in self.children:
            child.build(element)


class _Elements:
    def __init__(self) -> None:
        self.specs: list[Spec] = []

    def add(self, namespace: str, tag: str, value: str | None = None, **attrs: str) -> Spec:
        spec = Spec(f"{{{namespace}}}{tag}", None if value is None else plain(value), attrs)
        self.specs.append(spec)
        return spec

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS, "podcast": PODCAST_NS}

    def append_to(self, parent: etree._Element) -> None:
        for spec in self.specs:
            spec.build(parent)


class Extras(_Elements, BaseExtension):
    def extend_rss(self, rss: etree._Element) -> etree._Element:
        self.append_to(rss[0])
        return rss


class EntryExtras(_Elements, BaseEntryExtension):
    def extend_rss(self, item: etree._Element) -> etree._Element:
        self.append_to(item)
        return item


def render_feed(edition: Edition) -> bytes:
    site, show = edition.site, edition.programme.show
    feed_url = site.url(edition.feed_path)
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("extras", Extras, EntryExtras)
    fg.link(href=feed_url, rel="self", type="application/rss+xml")
    fg.link(href=show.link or site.url(edition.page_path), rel="alternate")
    fg.title(plain(show.title))
    fg.description(fit_bytes(plain(show.description)))
    fg.language(show.language)
    fg.generator(GENERATOR)
    if edition.releases:  # not "now": an unchanged programme must render byte-identical
        fg.lastBuildDate(max(r.episode.date for r in edition.releases))
    if show.copyright:
        fg.copyright(plain(show.copyright))
    fg.podcast.itunes_author(plain(show.author))
    fg.podcast.itunes_owner(name=plain(show.owner.name), email=show.owner.email)
    fg.podcast.itunes_type(show.type)
    fg.image(url=site.url(edition.artwork_path), title=plain(show.title), link=site.url(edition.page_path))
    _channel_extras(fg.extras, edition)
    for release in reversed(edition.releases):  # feedgen prepends each entry
        _add_item(fg, edition, release)
    return fg.rss_str(pretty=True, xml_declaration=True, encoding="UTF-8")


def _channel_extras(extras: Extras, edition: Edition) -> None:
    show = edition.programme.show
    extras.add(ITUNES_NS, "title", show.title)
    extras.add(ITUNES_NS, "image", href=edition.site.url(edition.artwork_path))
    extras.add(ITUNES_NS, "explicit", _bool(show.explicit))
    for tag, wanted in (("block", show.block), ("complete", show.complete)):
        if wanted:
            extras.add(ITUNES_NS, tag, "Yes")
    if show.new_feed_url:
        extras.add(ITUNES_NS, "new-feed-url", show.new_feed_url)
    for name in show.categories:
        parent, _, sub = name.partition(" > ")
        category = extras.add(ITUNES_NS, "category", text=parent)
        if sub:
            category.children.append(Spec(f"{{{ITUNES_NS}}}category", None, {"text": sub}))
    if show.guid is None:  # check, build and publish refuse it first, with the line to add (clgtv.history)
        raise ValueError(f"{show.path}: guid: missing")
    extras.add(PODCAST_NS, "guid", show.guid)
    extras.add(PODCAST_NS, "locked", "yes" if show.locked else "no", owner=show.owner.email)
    for funding in show.funding:
        extras.add(PODCAST_NS, "funding", funding.text, url=funding.url)
    extras.add(PODCAST_NS, "medium", show.medium)
    _license(extras, show.license, show.license_url)
    _location(extras, show.location)
    _people(extras, show.people)
    _images(extras, edition, edition.feed_images)
    _trailers(extras, edition)
    _txt(extras, show)
    _podroll(extras, show)
    _update_frequency(extras, show)
    _notify(extras, edition.site.notify)


def _notify(extras: Extras, notify: NotifySettings) -> None:
    """WebSub: the hubs a subscriber may subscribe at (beside rel="self", which feedgen writes); Podping: that
    the feed's changes are announced, so apps and indexes may poll it less."""
    for hub in notify.hubs:
        extras.add(ATOM_NS, "link", rel="hub", href=hub)
    if notify.podping:
        extras.add(PODCAST_NS, "podping", usesPodping="true")


def feed_media_url(edition: Edition, path: str) -> str:
    """A recording's address as the feed gives it (enclosure, trailer): behind the analytics prefix, if any."""
    show = edition.programme.show
    return enclosure_url(edition.site.url(path), show.analytics, show.guid)


def _add_item(fg: FeedGenerator, edition: Edition, release: Release) -> None:
    site, episode, media = edition.site, release.episode, release.media
    entry = fg.add_entry()
    entry.guid(episode.guid, permalink=False)
    entry.title(plain(episode.title))
    entry.link(href=site.url(release.page_path))
    # feedgen writes the notes' HTML as <description> when that is empty: a blank one keeps it plain text
    entry.description(fit_bytes(plain(release.description)) or " ")
    entry.content(release.notes_html, type="CDATA")
    entry.published(episode.date)
    entry.enclosure(feed_media_url(edition, media.path), str(media.length), media.mime_type)
    entry.podcast.itunes_duration(round(media.duration))
    entry.podcast.itunes_episode_type(episode.type)
    if episode.number:
        entry.podcast.itunes_episode(episode.number)
    if episode.season:
        entry.podcast.itunes_season(episode.season)
    extras: EntryExtras = entry.extras
    extras.add(ITUNES_NS, "title", episode.title)
    extras.add(ITUNES_NS, "image", href=site.url(edition.image_path(release)))
    if episode.explicit is not None:
        extras.add(ITUNES_NS, "explicit", _bool(episode.explicit))
    if release.chapters_path:
        extras.add(PODCAST_NS, "chapters", url=site.url(release.chapters_path), type=CHAPTERS_TYPE)
    if release.transcript:
        _transcripts(extras, edition, release, release.transcript)
    if episode.season:
        name = edition.programme.show.season_name(episode.season)
        extras.add(PODCAST_NS, "season", str(episode.season), **({"name": plain(name)} if name else {}))
    if episode.number:
        display = {"display": plain(episode.episode_display)} if episode.episode_display else {}
        extras.add(PODCAST_NS, "episode", str(episode.number), **display)
    _images(extras, edition, release.feed_images)
    for bite in episode.soundbites:
        timing = {"startTime": _seconds(bite.start), "duration": _seconds(bite.duration)}
        extras.add(PODCAST_NS, "soundbite", bite.title, **timing)
    _license(extras, episode.license, episode.license_url)
    _location(extras, episode.location)
    _people(extras, episode.people)


def _transcripts(extras: EntryExtras, edition: Edition, release: Release, transcript: Transcript) -> None:
    """One podcast:transcript per format, WebVTT last and with rel="captions": feedparser and podcastparser keep
    only the last of repeated tags, and WebVTT is what Apple Podcasts ingests and browsers show as captions."""
    language = transcript.language or edition.programme.show.language
    for path in (release.json_path, release.srt_path, release.transcript_path):
        kind = TRANSCRIPT_TYPES[PurePosixPath(str(path)).suffix]
        captions = {"rel": "captions"} if kind == TRANSCRIPT_TYPES[".vtt"] else {}
        extras.add(PODCAST_NS, "transcript", url=edition.site.url(str(path)), type=kind, language=language, **captions)


APPLE_VERIFY = "applepodcastsverify"  # the podcast:txt purpose Apple Podcasts Connect reads


def _images(extras: _Elements, edition: Edition, images: tuple[FeedImage, ...]) -> None:
    for image in images:
        divisor = math.gcd(image.width, image.height) or 1
        attrs = {
            "href": edition.site.url(image.path),
            "width": str(image.width),
            "height": str(image.height),
            "aspect-ratio": f"{image.width // divisor}/{image.height // divisor}",
            "type": MEDIA_TYPES.get(PurePosixPath(image.path).suffix.lower(), ""),
            "purpose": image.purpose,
            "alt": plain(image.alt) if image.alt else "",
        }
        extras.add(PODCAST_NS, "image", **{k: v for k, v in attrs.items() if v})


def _trailers(extras: _Elements, edition: Edition) -> None:
    """A podcast:trailer for each episode of type trailer, the newest first."""
    for release in sorted(edition.releases, key=lambda r: r.episode.date, reverse=True):
        episode, media = release.episode, release.media
        if episode.type != "trailer":
            continue
        attrs = {
            "url": feed_media_url(edition, media.path),
            "pubdate": format_datetime(episode.date),
            "length": str(media.length),
            "type": media.mime_type,
        }
        if episode.season:
            attrs["season"] = str(episode.season)
        extras.add(PODCAST_NS, "trailer", episode.title, **attrs)


def _txt(extras: _Elements, show: Show) -> None:
    if show.apple_podcasts_verify:
        extras.add(PODCAST_NS, "txt", show.apple_podcasts_verify, purpose=APPLE_VERIFY)
    for entry in show.txt:
        extras.add(PODCAST_NS, "txt", entry.text, **({"purpose": plain(entry.purpose)} if entry.purpose else {}))


def _podroll(extras: _Elements, show: Show) -> None:
    if not show.podroll:
        return
    podroll = extras.add(PODCAST_NS, "podroll")
    for remote in show.podroll:
        attrs = {"feedGuid": remote.feed_guid, "feedUrl": remote.feed_url, "title": remote.title}
        attrs = {k: plain(v) for k, v in attrs.items() if v}
        podroll.children.append(Spec(f"{{{PODCAST_NS}}}remoteItem", None, attrs))


def _update_frequency(extras: _Elements, show: Show) -> None:
    """The schedule, with complete="true" once the programme is complete (show.yaml's `complete`)."""
    frequency = show.update_frequency
    if frequency is None:
        return
    attrs = {"complete": "true"} if show.complete else {}
    if frequency.rrule:
        attrs["rrule"] = frequency.rrule
    if frequency.dtstart:
        attrs["dtstart"] = frequency.dtstart.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")  # toISOString
    extras.add(PODCAST_NS, "updateFrequency", frequency.text, **attrs)


def _people(extras: _Elements, people: tuple[Person, ...]) -> None:
    for person in people:
        attrs = {"role": plain(person.role)}
        if (group := group_of(person.role)) not in (None, "cast"):  # without it, apps read a cast role
            attrs["group"] = group
        if person.href:
            attrs["href"] = person.href
        if person.img:
            attrs["img"] = person.img
        extras.add(PODCAST_NS, "person", person.name, **attrs)


def _license(extras: _Elements, name: str | None, url: str | None) -> None:
    if name:
        extras.add(PODCAST_NS, "license", name, **({"url": url} if url else {}))


def _location(extras: _Elements, location: Location | None) -> None:
    if location:
        attrs = {"rel": location.rel, "geo": location.geo, "osm": location.osm, "country": location.country}
        extras.add(PODCAST_NS, "location", location.name, **{k: v for k, v in attrs.items() if v})


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.1f}"


def _bool(value: bool) -> str:
    return "true" if value else "false"
