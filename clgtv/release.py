"""The assembler: each programme's due episodes turned into what the render stage receives.

`clgtv check` and `clgtv build` assemble the same Edition: artwork and image names, show notes as
HTML and plain text, media names and types from each episode's audio settings. Only the media facts
differ: `check` keeps the placeholders `assemble` gives (no size, no duration, no hash in the name),
`build` replaces them with the finished files' (`finished`). So with transcripts: an episode that
will get an automatic one carries the placeholder `Transcript.pending()` (so `check` lints the feed
with its transcript tags), which `build` replaces with the recogniser's file, or with none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from clgtv.artwork import image_size
from clgtv.content import Programme
from clgtv.episodes import Episode, transcript_language, transcription_settings
from clgtv.layout import (
    AUDIO_FORMATS,
    EMBED_FOLDER,
    OEMBED_NAME,
    artwork_name,
    episode_image_name,
    feed_path,
    media_name,
    media_stem,
)
from clgtv.notes import notes_html, plain_text
from clgtv.settings import AudioSettings, Show, Site
from clgtv.textcache import NO_CACHE, TextCache


@dataclass(frozen=True)
class Media:
    path: str  # relative to the site root, e.g. "show/media/slug-0123456789.mp3"
    length: int  # bytes, exactly as served
    duration: float  # seconds
    mime_type: str


@dataclass(frozen=True)
class Transcript:
    """The transcript file an episode goes out with: the host's, or one the recogniser made."""

    source: Path  # a .vtt or .srt file
    language: str | None = None  # when it is not the programme's (the feed and page then say so)
    automatic: bool = False  # made by the recogniser, not corrected by a person

    @classmethod
    def pending(cls) -> Transcript:
        """The automatic transcript `build` will make: a placeholder no file stands behind."""
        return cls(PENDING, automatic=True)

    @property
    def is_pending(self) -> bool:
        return self.source == PENDING


PENDING = Path("(the automatic transcript clgtv build makes)")


SOCIAL = "social"  # the podcast:image purpose of an image made for link previews


@dataclass(frozen=True)
class FeedImage:
    """One podcast:image: a published image, its size in pixels, its description and its purposes.

    The programme's artwork and each episode's own image are `purpose="artwork"`; another stage
    (a social image, say) adds one to `Edition.feed_images` or `Release.feed_images` with
    `dataclasses.replace`, and the feed writes it."""

    path: str  # relative to the site root
    width: int
    height: int
    alt: str | None = None
    purpose: str = "artwork"  # space-separated tokens, like "social" or "artwork social"


@dataclass(frozen=True)
class Release:
    episode: Episode
    media: Media
    notes_html: str
    notes_text: str  # the show notes as plain text
    image_path: str | None = None  # the episode's own artwork, when it has one
    transcript: Transcript | None = None
    feed_images: tuple[FeedImage, ...] = ()  # the item's podcast:image tags; build adds the social image

    @property
    def social_image(self) -> FeedImage | None:
        """The link-preview image clgtv build draws (clgtv.social), once it has."""
        return next((image for image in self.feed_images if SOCIAL in image.purpose.split()), None)

    @property
    def description(self) -> str:
        """The plain-text description: the summary, else the show notes."""
        return self.episode.summary or self.notes_text

    @property
    def page_path(self) -> str:
        return f"{self.episode.show}/{self.episode.slug}/"

    @property
    def embed_path(self) -> str:
        """The player page other sites embed: a file name, not a folder, so any host serves it."""
        return f"{self.page_path}{EMBED_FOLDER}/index.html"

    @property
    def oembed_path(self) -> str:
        return f"{self.page_path}{OEMBED_NAME}"

    @property
    def chapters_path(self) -> str | None:
        return f"{self.page_path}chapters.json" if self.episode.chapters else None

    @property
    def transcript_path(self) -> str | None:
        return f"{self.page_path}transcript.vtt" if self.transcript else None

    @property
    def srt_path(self) -> str | None:
        return f"{self.page_path}transcript.srt" if self.transcript else None

    @property
    def json_path(self) -> str | None:
        """The Podcasting 2.0 JSON transcript."""
        return f"{self.page_path}transcript.json" if self.transcript else None


@dataclass(frozen=True)
class Edition:
    """One programme as it goes out: its settings, artwork path and releases in feed order."""

    site: Site
    programme: Programme
    artwork_path: str
    releases: tuple[Release, ...]
    feed_images: tuple[FeedImage, ...] = ()  # the channel's podcast:image tags

    @property
    def slug(self) -> str:
        return self.programme.show.slug

    @property
    def feed_path(self) -> str:
        return feed_path(self.slug)

    @property
    def page_path(self) -> str:
        return f"{self.slug}/"

    def image_path(self, release: Release) -> str:
        """The artwork of one item: the episode's own, else the programme's."""
        return release.image_path or self.artwork_path

    def images(self) -> dict[str, Path]:
        """Each published image's path with the source file it is copied from."""
        images = {self.artwork_path: self.programme.show.artwork}
        images |= {r.image_path: r.episode.image for r in self.releases if r.image_path and r.episode.image}
        return images


def audio_settings(show: Show, episode: Episode) -> AudioSettings:
    """The show's audio settings with the episode's own `processing` overrides."""
    return show.audio.merged(dict(episode.processing), episode.path.parent)


def assemble(
    site: Site,
    programme: Programme,
    episodes: Sequence[Episode],
    jobs: int | None = None,
    cache: TextCache = NO_CACHE,
    settings: Sequence[AudioSettings] | None = None,
) -> Edition:
    """`episodes` of `programme` as they go out, with placeholder media facts (see `finished`).
    `settings`: each episode's audio settings, when the caller has merged them already."""
    show = programme.show
    if settings is None:
        settings = [audio_settings(show, episode) for episode in episodes]
    notes = notes_html(episodes, jobs, cache, f"notes/{show.slug}")
    releases = tuple(
        _release(show, episode, html, audio) for episode, html, audio in zip(episodes, notes, settings, strict=True)
    )
    artwork = artwork_name(show.slug, show.artwork)
    return Edition(site, programme, artwork, releases, (_artwork_image(artwork, show.artwork, show.artwork_alt),))


def _artwork_image(path: str, source: Path, alt: str | None) -> FeedImage:
    width, height = image_size(source)
    return FeedImage(path, width, height, alt)


def _release(show: Show, episode: Episode, html: str, audio: AudioSettings) -> Release:
    kind = AUDIO_FORMATS[audio.format]
    media = Media(media_stem(show.slug, episode.slug) + kind.suffix, 0, 0.0, kind.mime_type)
    image = episode_image_name(show.slug, episode.slug, episode.image) if episode.image else None
    transcript = Transcript(episode.transcript, transcript_language(show, episode)) if episode.transcript else None
    if transcript is None and transcription_settings(show, episode).enabled:
        transcript = Transcript.pending()
    own = (_artwork_image(image, episode.image, episode.image_alt),) if image and episode.image else ()
    return Release(episode, media, html, plain_text(html), image, transcript, own)


def finished(release: Release, file: Path, duration: float) -> Release:
    """`release` with the facts of its finished media file (named by a hash of its bytes)."""
    episode = release.episode
    path = media_name(episode.show, episode.slug, file)
    return replace(release, media=replace(release.media, path=path, length=file.stat().st_size, duration=duration))
