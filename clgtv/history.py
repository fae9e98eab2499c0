"""What the target has already published that the content must stay true to, and what a publish changes
that apps notice.

A podcast app knows an episode by its guid. Change it after publishing and every subscriber gets the
episode again as a new one, so an episode guid that differs from the published feed's is refused.
Apps and directories know a programme by its podcast:guid, which follows it to a new address: it is
written once into show.yaml (clgtv.identity), and one that differs from the published feed's is refused
too. An episode in the published feed whose date moves into the future would leave the feed until
then: refused, since a withdrawal is written as status: draft. The enclosures' analytics prefix
(clgtv.analytics) changes every enclosure URL: a publish that turns it on, off or to another service
is warned about.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Protocol

from lxml import etree

from clgtv.analytics import DIRECT, prefix_of
from clgtv.content import Content
from clgtv.episodes import Episode
from clgtv.errors import Problem, display_path
from clgtv.layout import MEDIA_FOLDER, feed_path
from clgtv.settings import OP3, Show, Site

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
# a feed from the target is data: no entities expanded, nothing fetched, no size limit lifted
_SAFE = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}
_PARSERS = {keep: etree.XMLParser(**_SAFE, strip_cdata=not keep) for keep in (False, True)}


class Readable(Protocol):
    def read(self, key: str) -> bytes | None: ...


def parse_feed(feed: bytes | None, keep_cdata: bool = False) -> etree._Element | None:
    """A published feed's root element, or None when there is none or it is not XML."""
    if not feed:
        return None
    try:
        return etree.fromstring(feed, _PARSERS[keep_cdata])
    except etree.XMLSyntaxError:
        return None


def published_programme_guid(feed: bytes | None) -> str | None:
    """The channel's podcast:guid in a published feed, if it has one."""
    root = parse_feed(feed)
    found = None if root is None else root.findtext(f"channel/{{{PODCAST_NS}}}guid")
    return found.strip() if found and found.strip() else None


def published_guids(feed: bytes | None) -> dict[str, str]:
    """Episode slug -> guid, from a published feed (each item's link ends in /<show>/<slug>/)."""
    root = parse_feed(feed)
    guids = {}
    for item in () if root is None else root.iterfind("channel/item"):
        link, guid = item.findtext("link"), item.findtext("guid")
        if link and guid:
            guids[link.rstrip("/").rpartition("/")[2]] = guid.strip()
    return guids


def history_problems(
    content: Content, target: Readable | None, shows: Iterable[str] = (), now: dt.datetime | None = None
) -> list[Problem]:
    """A programme without a guid (with the line to add: the published one, else the one derived from its
    address today) or whose guid differs from its published feed's; episodes whose guid differs from their
    published one, or that are in the published feed and now dated after `now`. `target` None: nothing
    published is read (an S3 target at `check`)."""
    now = now or dt.datetime.now(dt.UTC)
    problems = []
    for programme in content.select(shows):
        feed = target.read(feed_path(programme.show.slug)) if target is not None else None
        problems += _programme_problem(content.site, programme.show, published_programme_guid(feed))
        published = published_guids(feed)
        for episode in programme.episodes:
            old = published.get(episode.slug)
            if old is not None and episode.status == "published" and not episode.is_due(now):
                problems.append(_withdrawn_by_date(episode))
            if old is not None and old != episode.guid:
                problems.append(
                    Problem(
                        episode.path,
                        episode.line("guid"),
                        "guid",
                        f"the published feed gives this episode the guid '{old}'; a new guid makes podcast "
                        f"apps offer it to every subscriber again as a new episode. To keep it, write "
                        f"guid: {json.dumps(old)}",
                    )
                )
    return problems


def _withdrawn_by_date(episode: Episode) -> Problem:
    """A published episode whose date moved into the future would leave the feed until then, and some apps
    delete what left the feed: a mistyped year, most likely. A withdrawal is written as status: draft."""
    message = (
        f"this episode is in the published feed, and a date in the future ({episode.date.isoformat()}) would "
        "take it out until then; put back the date it was published with, or write status: draft to withdraw it"
    )
    return Problem(episode.path, episode.line("date"), "date", message)


def _programme_problem(site: Site, show: Show, published: str | None) -> list[Problem]:
    from clgtv.identity import guid_line, suggested_guid

    if show.guid is None:
        line = guid_line(published or suggested_guid(site, show))
        message = (
            "missing; a programme's podcast:guid is written once and kept for life, even when base_url moves. "
            f"Add this line (or run `clgtv guid {show.slug} --write`): {line}"
        )
        if published is None:  # derived from today's address: wrong if the programme went out from another
            message += "; if it was published before from another base_url or target, write that feed's guid instead"
        return [Problem(show.path, show.line("guid"), "guid", message)]
    if published is not None and published != show.guid:
        message = (
            f"the published feed gives this programme the podcast:guid '{published}'; a new one makes apps and "
            f"directories take it for another podcast. To keep it, write {guid_line(published)}"
        )
        return [Problem(show.path, show.line("guid"), "guid", message)]
    return []


def prefix_warnings(content: Content, target: Readable) -> list[str]:
    """Programmes whose enclosure URLs change because the analytics prefix was turned on, off or changed:
    some apps take a new enclosure URL for a new file and download every episode again."""
    warnings = []
    for programme in content.programmes:
        show = programme.show
        was = _published_prefix(target.read(feed_path(show.slug)), content.site, show)
        now = show.analytics or DIRECT
        if was is not None and was != now:
            warnings.append(
                f"{display_path(show.path)}: analytics: the feed's enclosure URLs change from {_name(was)} to "
                f"{_name(now)}; some podcast apps will download every episode again"
            )
    return warnings


def _published_prefix(feed: bytes | None, site: Site, show: Show) -> str | None:
    """The prefix of the published feed's first enclosure, or None (no feed, or not to be told)."""
    root = parse_feed(feed)
    url = None if root is None else next((e.get("url") for e in root.iterfind("channel/item/enclosure")), None)
    where = (url or "").rfind(f"/{show.slug}/{MEDIA_FOLDER}/")
    if url is None or where < 0:
        return None
    return prefix_of(url[: where + 1], site.base_url, show.analytics)


def _name(prefix: str) -> str:
    return "OP3" if prefix == OP3 else prefix or "direct addresses"
