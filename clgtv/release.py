"""What the render stage receives: each due episode with its finished media and its URLs."""

from __future__ import annotations

from dataclasses import dataclass

from clgtv.content import Programme
from clgtv.episodes import Episode
from clgtv.settings import Site


@dataclass(frozen=True)
class Media:
    path: str  # relative to the site root, e.g. "show/media/slug-0123456789.mp3"
    length: int  # bytes, exactly as served
    duration: float  # seconds
    mime_type: str = "audio/mpeg"


@dataclass(frozen=True)
class Release:
    episode: Episode
    media: Media
    notes_html: str
    description: str  # plain text
    image_path: str | None = None  # the episode's own artwork, when it has one

    @property
    def page_path(self) -> str:
        return f"{self.episode.show}/{self.episode.slug}/"

    @property
    def chapters_path(self) -> str | None:
        return f"{self.page_path}chapters.json" if self.episode.chapters else None

    @property
    def transcript_path(self) -> str | None:
        return f"{self.page_path}transcript.vtt" if self.episode.transcript else None

    @property
    def srt_path(self) -> str | None:
        return f"{self.page_path}transcript.srt" if self.episode.transcript else None


@dataclass(frozen=True)
class Edition:
    """One programme as it goes out: its settings, artwork path and releases in feed order."""

    site: Site
    programme: Programme
    artwork_path: str
    releases: tuple[Release, ...]

    @property
    def slug(self) -> str:
        return self.programme.show.slug

    @property
    def feed_path(self) -> str:
        return f"{self.slug}/feed.xml"

    @property
    def page_path(self) -> str:
        return f"{self.slug}/"

    def image_path(self, release: Release) -> str:
        """The artwork of one item: the episode's own, else the programme's."""
        return release.image_path or self.artwork_path
