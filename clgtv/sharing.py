"""What pages carry for those who share and find them: link previews (Open Graph, a Twitter player
card), schema.org JSON-LD, the oEmbed document of each episode's embeddable player, the sitemap and
robots.txt. Pure: every function turns an edition into text the render stage writes."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from html import escape
from pathlib import PurePosixPath
from xml.sax.saxutils import escape as xml_escape

from clgtv.feed import fit_bytes, plain
from clgtv.layout import MEDIA_TYPES, SITEMAP
from clgtv.licenses import LICENSES
from clgtv.release import Edition, Release
from clgtv.settings import Person, Site
from clgtv.social import social_alt

EMBED_WIDTH, EMBED_HEIGHT = 640, 200  # the iframe the oEmbed document and the player card ask for
PREVIEW_BYTES = 300  # of a description in a link preview: previews show two or three lines
SEARCH_PATH = "search/"
# the podcast namespace's cast (people heard in the episode) are its actors; everyone else made it
CAST = {"host", "co-host", "guest host", "guest", "voice actor", "narrator", "announcer", "reporter", "presenter"}


@dataclass(frozen=True)
class Card:
    """A page as a link preview shows it: Open Graph and Twitter's tags, canonical URL and JSON-LD."""

    kind: str  # og:type
    title: str
    description: str
    url: str  # the canonical URL
    image: str | None = None
    image_alt: str = ""
    image_size: tuple[int, int] | None = None  # known for the social image only
    audio: str | None = None
    audio_type: str | None = None
    player: str | None = None  # the embed page, for Twitter's player card
    jsonld: str | None = None  # ready to go inside <script type="application/ld+json">
    oembed: str | None = None
    published: str | None = None

    @property
    def image_type(self) -> str | None:
        return MEDIA_TYPES.get(PurePosixPath(self.image).suffix.lower()) if self.image else None


def home_card(site: Site, editions: tuple[Edition, ...]) -> Card:
    image = site.url(editions[0].artwork_path) if editions else None
    return Card("website", site.title, _preview(site.description), site.url(""), image)


def search_card(site: Site) -> Card:
    return Card("website", f"Search · {site.title}", _preview(site.description), site.url(SEARCH_PATH))


def programme_card(edition: Edition) -> Card:
    show, site = edition.programme.show, edition.site
    image = site.url(edition.artwork_path)
    ld = script_json(series_ld(edition))
    return Card(
        "website",
        show.title,
        _preview(show.description),
        site.url(edition.page_path),
        image,
        show.artwork_alt or f"Artwork for {show.title}",
        jsonld=ld,
    )


def episode_card(edition: Edition, release: Release) -> Card:
    site, episode, social = edition.site, release.episode, release.social_image
    return Card(
        "article",
        episode.title,
        _preview(release.description),
        site.url(release.page_path),
        image=site.url(social.path if social else edition.image_path(release)),
        image_alt=(social and social.alt) or social_alt(episode.title, edition.programme.show.title),
        image_size=(social.width, social.height) if social else None,
        audio=site.url(release.media.path),
        audio_type=media_type(release.media.path),
        player=site.url(release.embed_path),
        jsonld=script_json(episode_ld(edition, release)),
        oembed=site.url(release.oembed_path),
        published=episode.date.isoformat(),
    )


def _preview(text: str) -> str:
    return fit_bytes(" ".join(plain(text).split()), PREVIEW_BYTES)


def media_type(path: str) -> str:
    """The type the media is served as (the feed's enclosure says audio/x-m4a for Apple; this is the real one)."""
    return MEDIA_TYPES[PurePosixPath(path).suffix.lower()]


def script_json(data: dict) -> str:
    """JSON for inside a <script> element: no `<`, `>` or `&` as such, so no string can end the element
    (`</script>`) or open a comment there; JSON parsers read the escapes back as the characters."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def iso_duration(seconds: float) -> str:
    """ISO 8601: PT1H2M3S."""
    whole = round(seconds)
    hours, minutes, secs = whole // 3600, whole // 60 % 60, whole % 60
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + f"{secs}S"


def series_ld(edition: Edition) -> dict:
    """schema.org PodcastSeries for the programme page."""
    show, site = edition.programme.show, edition.site
    url = site.url(edition.page_path)
    data = {
        "@context": "https://schema.org",
        "@type": "PodcastSeries",
        "@id": url,
        "url": url,
        "name": plain(show.title),
        "description": plain(show.description),
        "image": site.url(edition.artwork_path),
        "inLanguage": show.language,
        "webFeed": site.url(edition.feed_path),
        "author": {"@type": "Organization", "name": plain(show.author)},
    }
    if show.copyright:
        data["copyrightNotice"] = plain(show.copyright)
    if licence := license_url(show.license, show.license_url):
        data["license"] = licence
    return data


def episode_ld(edition: Edition, release: Release) -> dict:
    """schema.org PodcastEpisode for the episode page: its audio, series, people and transcript."""
    show, site, episode, media = edition.programme.show, edition.site, release.episode, release.media
    url = site.url(release.page_path)
    audio: dict = {
        "@type": "AudioObject",
        "contentUrl": site.url(media.path),
        "encodingFormat": media_type(media.path),
        "duration": iso_duration(media.duration),
        "contentSize": f"{media.length} B",
    }
    if release.transcript_path:  # schema.org's place for a machine-readable caption file
        audio["caption"] = {
            "@type": "MediaObject",
            "contentUrl": site.url(release.transcript_path),
            "encodingFormat": "text/vtt",
            "inLanguage": _transcript_language(edition, release),
        }
    data: dict = {
        "@context": "https://schema.org",
        "@type": "PodcastEpisode",
        "@id": url,
        "url": url,
        "name": plain(episode.title),
        "description": plain(release.description),
        "datePublished": episode.date.isoformat(),
        "duration": iso_duration(media.duration),
        "inLanguage": show.language,
        "image": site.url(release.social_image.path if release.social_image else edition.image_path(release)),
        "associatedMedia": audio,
        "partOfSeries": {
            "@type": "PodcastSeries",
            "@id": site.url(edition.page_path),
            "name": plain(show.title),
            "url": site.url(edition.page_path),
            "webFeed": site.url(edition.feed_path),
        },
    }
    if episode.number:
        data["episodeNumber"] = episode.number
    if episode.season:
        data["partOfSeason"] = {"@type": "PodcastSeason", "seasonNumber": episode.season}
    actors = [_person(p) for p in episode.people if p.role.lower() in CAST]
    creators = [_person(p) for p in episode.people if p.role.lower() not in CAST]
    if actors:
        data["actor"] = actors
    if creators:
        data["creator"] = creators
    if episode.license:  # else the programme's, as in the feed
        licence = license_url(episode.license, episode.license_url)
    else:
        licence = license_url(show.license, show.license_url)
    if licence:
        data["license"] = licence
    return data


def license_url(name: str | None, url: str | None) -> str | None:
    """schema.org's license is an address: the one given, else the namespace list's for a slug."""
    return url or LICENSES.get(name or "")


def _transcript_language(edition: Edition, release: Release) -> str:
    transcript = release.transcript
    return (transcript and transcript.language) or edition.programme.show.language


def _person(person: Person) -> dict:
    data = {"@type": "Person", "name": plain(person.name), "jobTitle": plain(person.role)}
    if person.href:
        data["url"] = person.href
    if person.img:
        data["image"] = person.img
    return data


def oembed(edition: Edition, release: Release) -> str:
    """The oEmbed document (type "rich") of an episode's player."""
    site, show, episode = edition.site, edition.programme.show, release.episode
    title = plain(episode.title)
    frame = (
        f'<iframe src="{escape(site.url(release.embed_path))}" width="{EMBED_WIDTH}" height="{EMBED_HEIGHT}" '
        f'title="{escape(f"Player: {title}")}" loading="lazy" style="border:0;max-width:100%"></iframe>'
    )
    data: dict = {
        "version": "1.0",
        "type": "rich",
        "title": title,
        "author_name": plain(show.author),
        "author_url": site.url(edition.page_path),
        "provider_name": plain(site.title),
        "provider_url": site.base_url,
        "html": frame,
        "width": EMBED_WIDTH,
        "height": EMBED_HEIGHT,
        "cache_age": 300,
    }
    if social := release.social_image:
        data |= {
            "thumbnail_url": site.url(social.path),
            "thumbnail_width": social.width,
            "thumbnail_height": social.height,
        }
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def page_dates(site: Site, editions: tuple[Edition, ...]) -> dict[str, dt.datetime | None]:
    """Every page readers land on (embed pages are for iframes, not search engines), by canonical URL, with
    when it last changed as far as the content says: an episode's date, a programme's newest episode."""
    newest_of = {e.slug: max((r.episode.date for r in e.releases), default=None) for e in editions}
    newest = max((d for d in newest_of.values() if d), default=None)
    pages: dict[str, dt.datetime | None] = {site.url(""): newest}
    for edition in editions:
        pages[site.url(edition.page_path)] = newest_of[edition.slug]
        pages |= {site.url(r.page_path): r.episode.date for r in edition.releases}
    pages[site.url(SEARCH_PATH)] = newest
    return pages


def sitemap(site: Site, editions: tuple[Edition, ...]) -> str:
    rows = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url, changed in page_dates(site, editions).items():
        lastmod = f"<lastmod>{changed.isoformat()}</lastmod>" if changed else ""
        rows.append(f"  <url><loc>{xml_escape(url)}</loc>{lastmod}</url>")
    return "\n".join([*rows, "</urlset>", ""])


def robots(site: Site) -> str:
    """Everything may be crawled; the sitemap says where (crawlers read robots.txt only at a host's root)."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {site.url(SITEMAP)}\n"
