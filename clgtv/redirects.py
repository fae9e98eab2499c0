"""Moving base_url: the old site's addresses sent on to the new ones (`clgtv redirects`).

A programme keeps its podcast:guid and each episode its guid through a move: both are written in the
content, never derived from an address. What moves is addresses. Each old feed gets
`itunes:new-feed-url` naming the new one, and each old file with a counterpart in the new build is sent
there with an HTTP 301. A recording's name carries a hash of its bytes, and its tags name the feed's
address, so a recording's new name differs from its old one: it is matched by its episode.

S3 website hosting answers a request for an object that carries `x-amz-website-redirect-location` with a
301 to that address, at the bucket's website endpoint; the REST endpoint still serves the object, so each
old object keeps its bytes (and an old feed its `itunes:new-feed-url`, which apps read there). The
bucket's routing rules cannot do this: they map key prefixes, at most 50, and the recordings' new names
share no prefix with their old ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lxml import etree

from clgtv.content import Content
from clgtv.errors import ClgtvError, display_path
from clgtv.feed import ITUNES_NS
from clgtv.history import parse_feed, published_programme_guid
from clgtv.layout import HASH_LENGTH, feed_path, published_suffix
from clgtv.storage import DirectoryTarget, S3Target
from clgtv.storage.plan import MANIFEST_KEY
from clgtv.storage.sync import Target, own_manifest

ATOM_NS = "http://www.w3.org/2005/Atom"
HASHED = re.compile(rf"(?P<stem>.+)-[0-9a-f]{{{HASH_LENGTH}}}(?P<suffix>\.[^./]+)")  # layout.hashed's names
INDEX = "index.html"


@dataclass(frozen=True)
class Redirect:
    key: str  # the file in the old target
    location: str  # the address it moved to


@dataclass(frozen=True)
class Move:
    old_base_url: str
    redirects: tuple[Redirect, ...]  # feeds last
    feeds: dict[str, bytes]  # an old feed's key -> that feed with itunes:new-feed-url
    unmatched: tuple[str, ...]  # old files the new build has no counterpart for: left as they are

    def lines(self) -> list[str]:
        """One `OLD_PATH NEW_URL 301` line per redirect: a `_redirects` file for Netlify or Cloudflare Pages."""
        path = "/" + f"{self.old_base_url.split('://', 1)[-1].rstrip('/')}/".partition("/")[2]
        return [f"{path}{_address(r.key)} {r.location} 301" for r in self.redirects]


def plan_move(content: Content, old_base_url: str, old: Target, site_dir: Path) -> Move:
    """What moving from `old_base_url` (its files in `old`) to base_url (its build in `site_dir`) redirects."""
    site = content.site
    old_base_url = old_base_url.rstrip("/") + "/"
    if old_base_url == site.base_url:
        raise ClgtvError(f"{old_base_url}: this is base_url still; change base_url to the new address first")
    _check_build(content, site_dir)
    if own_manifest(old, "give the old site's target") is None:
        raise ClgtvError(f"{old}: not published by clgtv (there is no {MANIFEST_KEY}); give the old site's target")
    built = {p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*") if p.is_file()}
    by_stem = {_stem(key): key for key in built if _stem(key)}
    feeds = {}
    for programme in content.programmes:
        key = feed_path(programme.show.slug)
        feed = old.read(key)
        if feed is not None:
            _check_old_feed(f"{old}/{key}", feed, old_base_url + key, programme.show.guid)
            feeds[key] = new_feed_url_added(feed, site.url(key))
    redirects, unmatched = [], []
    for key in sorted(old.objects(), key=lambda k: (k in feeds, k)):
        found = key if key in built else by_stem.get(_stem(key) or "")
        if found is None:
            unmatched.append(key)
        else:
            redirects.append(Redirect(key, site.url(_address(found))))
    return Move(old_base_url, tuple(redirects), feeds, tuple(unmatched))


def apply_move(move: Move, old: DirectoryTarget | S3Target, before_feeds: Callable[[], None]) -> None:
    """Into the old target: on S3 each redirect, on its object (each feed with its new bytes, the feeds
    last); in a folder, which cannot answer a redirect, the feeds' new bytes only. `before_feeds` runs
    just before the first feed is written, and raises to stop them."""
    if isinstance(old, S3Target):
        for redirect in move.redirects:
            if redirect.key not in move.feeds:
                old.redirect(redirect.key, redirect.location)
        before_feeds()
        for redirect in move.redirects:
            if redirect.key in move.feeds:
                old.redirect(redirect.key, redirect.location, move.feeds[redirect.key])
        return
    before_feeds()
    for key, feed in move.feeds.items():
        old.write(key, feed)


def _check_build(content: Content, site_dir: Path) -> None:
    """build/site holds the feeds for base_url as it is now, else the counterparts would be wrong."""
    for programme in content.programmes:
        key = feed_path(programme.show.slug)
        root = parse_feed(path.read_bytes()) if (path := site_dir / key).is_file() else None
        links = [] if root is None else root.xpath("channel/atom:link[@rel='self']/@href", namespaces={"atom": ATOM_NS})
        if content.site.url(key) not in links:
            raise ClgtvError(
                f"{display_path(site_dir)}: not built for base_url {content.site.base_url}; run clgtv build (or "
                "publish to the new target) first"
            )


def _check_old_feed(where: str, feed: bytes, url: str, guid: str | None) -> None:
    """The old feed is this programme's, at the old address: the same podcast:guid, and its own URL."""
    root = parse_feed(feed)
    if root is None or root.find("channel") is None:
        raise ClgtvError(f"{where}: not an RSS feed; give the old site's target")
    published = published_programme_guid(feed)
    if published is not None and published != guid:
        raise ClgtvError(
            f"{where}: its podcast:guid is '{published}', not show.yaml's '{guid}'; it is another programme's "
            "feed, or the guid changed: give the old site's target, or write the old guid back in show.yaml"
        )
    links = root.xpath("channel/atom:link[@rel='self']/@href", namespaces={"atom": ATOM_NS})
    if links and url not in links:
        raise ClgtvError(f"{where}: says it is at {links[0]}, not {url}; give the old site's base_url and target")


def new_feed_url_added(feed: bytes, new_url: str) -> bytes:
    """The feed with one `itunes:new-feed-url` naming `new_url` (replacing any), before its first item."""
    root = parse_feed(feed, keep_cdata=True)  # the notes stay as they were written, byte for byte
    if root is None or (channel := root.find("channel")) is None:
        raise ValueError("not an RSS feed")
    for old in channel.findall(f"{{{ITUNES_NS}}}new-feed-url"):
        channel.remove(old)
    first = channel.find("item")
    index = len(channel) if first is None else channel.index(first)
    element = etree.SubElement(channel, f"{{{ITUNES_NS}}}new-feed-url")  # the feed's own itunes: prefix
    element.text = new_url
    channel.insert(index, element)
    if index:
        element.tail = channel[index - 1].tail
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _stem(key: str) -> str | None:
    """A hashed name without its hash (`show/media/episode.mp3`); None for other names."""
    path = PurePosixPath(key)
    found = HASHED.fullmatch(path.name)
    return f"{path.parent}/{found['stem']}{published_suffix(found['suffix'])}" if found else None


def _address(key: str) -> str:
    """The path a file is asked for by: a page by its folder."""
    if key == INDEX:
        return ""
    return key[: -len(INDEX)] if key.endswith("/" + INDEX) else key
