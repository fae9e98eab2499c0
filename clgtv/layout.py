"""The published layout: what each file is called, what type it is served as, and which never change.

A leaf module (standard library only): the build names files with it, the storage targets and
`clgtv serve` serve them by it, and the feed and lint agree with it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

HASH_LENGTH = 10  # hex digits of SHA-256 in a published name
MEDIA_FOLDER = "media"
SEARCH_FOLDER = "pagefind"  # the search index and Pagefind's scripts (clgtv.search)
SEARCH_ENTRY = f"{SEARCH_FOLDER}/pagefind-entry.json"  # names the index's other files, as a feed names media
ARTWORK_PREFIX = "artwork-"
IMAGE_PREFIX = "image-"
SOCIAL_PREFIX = "social-"  # an episode's link-preview image (clgtv.social)
EMBED_FOLDER = "embed"  # <show>/<slug>/embed/index.html: the player other sites put in an iframe
OEMBED_NAME = "oembed.json"  # <show>/<slug>/oembed.json: the oEmbed document that describes that iframe
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
NOT_FOUND_PAGE = "404.html"  # the page for a missing address: clgtv serve's, and the error document for S3 or a CDN

# bare media types by suffix; HTTP adds a charset to the text ones (see `content_type`)
MEDIA_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",  # served as audio/mp4; the feed's enclosure says audio/x-m4a, as Apple asks
    ".xml": "application/rss+xml",
    ".html": "text/html",
    ".json": "application/json",
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".txt": "text/plain",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".css": "text/css",
    ".js": "text/javascript",
}


@dataclass(frozen=True)
class AudioFormat:
    suffix: str
    mime_type: str  # the feed enclosure's type


# the audio formats `format:` names (the encoder's facts about each are in clgtv.audio.ffmpeg)
AUDIO_FORMATS = {"mp3": AudioFormat(".mp3", "audio/mpeg"), "m4a": AudioFormat(".m4a", "audio/x-m4a")}
CHAPTERS_TYPE = "application/json+chapters"  # Podcasting 2.0 JSON chapters
TRANSCRIPT_TYPES = {suffix: MEDIA_TYPES[suffix] for suffix in (".vtt", ".srt", ".json")}  # as the feed says
WITH_CHARSET = (".xml", ".html", ".txt")
DEFAULT_TYPE = "application/octet-stream"


def content_type(key: str) -> str:
    """Content-Type for a published file, as the storage targets send it."""
    path = PurePosixPath(key)
    if path.name == "chapters.json":
        return CHAPTERS_TYPE
    if key == SITEMAP:  # the one XML file that is not a feed
        return "application/xml; charset=utf-8"
    suffix = path.suffix.lower()
    kind = MEDIA_TYPES.get(suffix, DEFAULT_TYPE)
    return f"{kind}; charset=utf-8" if suffix in WITH_CHARSET else kind


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def hashed(stem: str, source: Path) -> str:
    """`stem-0123456789.ext`: new content, new name, so a published URL never changes content."""
    return f"{stem}-{file_digest(source)[:HASH_LENGTH]}{published_suffix(source.suffix)}"


def published_suffix(suffix: str) -> str:
    """A file's suffix as published: lower case, and .jpeg as .jpg (Apple asks for artwork named .jpg or .png)."""
    return ".jpg" if suffix.lower() == ".jpeg" else suffix.lower()


def artwork_name(show: str, source: Path) -> str:
    return hashed(f"{show}/{ARTWORK_PREFIX.rstrip('-')}", source)


def episode_image_name(show: str, slug: str, source: Path) -> str:
    return hashed(f"{show}/{slug}/{IMAGE_PREFIX.rstrip('-')}", source)


def feed_path(show: str) -> str:
    """A programme's feed: its address is forever (apps and directories poll it)."""
    return f"{show}/feed.xml"


def social_image_name(show: str, slug: str, source: Path) -> str:
    return hashed(f"{show}/{slug}/{SOCIAL_PREFIX.rstrip('-')}", source)


def media_stem(show: str, slug: str) -> str:
    return f"{show}/{MEDIA_FOLDER}/{slug}"


def media_name(show: str, slug: str, source: Path) -> str:
    return hashed(media_stem(show, slug), source)


def is_immutable(key: str) -> bool:
    """Media, artwork, episode and social images: their names carry a hash of their bytes."""
    path = PurePosixPath(key)
    return len(path.parts) >= 2 and (
        path.parent.name == MEDIA_FOLDER or path.name.startswith((ARTWORK_PREFIX, IMAGE_PREFIX, SOCIAL_PREFIX))
    )
