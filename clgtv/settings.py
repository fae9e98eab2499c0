"""Site settings (`clgtv.yaml`) and programme settings (`episodes/<show>/show.yaml`)."""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from clgtv import schema as s
from clgtv.artwork import artwork_problems
from clgtv.categories import ALL_NAMES
from clgtv.errors import Problem

SITE_FILE = "clgtv.yaml"
SHOW_FILE = "show.yaml"
BASE_URL_ENV = "CLGTV_BASE_URL"


@dataclass(frozen=True)
class AudioSettings:
    """How a recording is processed; site defaults < show.yaml < the episode's `processing`."""

    target_lufs: float | None = None  # None: -16 LUFS stereo, -19 mono
    true_peak: float = -1.0
    format: str = "mp3"
    bitrate: int = 128
    channels: int = 2
    sample_rate: int = 44100
    highpass: float = 70.0
    leveller: bool = True
    max_boost: float = 20.0
    max_cut: float = 10.0
    trim_silence: bool = True
    intro: Path | None = None
    outro: Path | None = None
    crossfade: float = 0.5

    @property
    def loudness_target(self) -> float:
        if self.target_lufs is not None:
            return self.target_lufs
        return -16.0 if self.channels == 2 else -19.0

    def merged(self, overrides: dict[str, Any], base: Path) -> AudioSettings:
        """These settings with `overrides` applied; clip paths are relative to `base`."""
        values = {k: v for k, v in overrides.items() if v is not None}
        for clip in CLIPS:
            if clip in values:
                values[clip] = (base / values[clip]).resolve()
        return replace(self, **values)


CLIPS = ("intro", "outro")

AUDIO_SCHEMA: s.Schema = {
    "target_lufs": s.Field(s.number_between(-30, -10)),
    "true_peak": s.Field(s.number_between(-9, 0)),
    "format": s.Field(s.one_of("mp3", "m4a")),
    "bitrate": s.Field(s.one_of(64, 96, 112, 128, 160, 192, 256, 320)),
    "channels": s.Field(s.one_of(1, 2)),
    "sample_rate": s.Field(s.one_of(22050, 32000, 44100, 48000)),
    "highpass": s.Field(s.number_between(0, 200)),
    "leveller": s.Field(s.boolean),
    "max_boost": s.Field(s.number_between(0, 30)),
    "max_cut": s.Field(s.number_between(0, 30)),
    "trim_silence": s.Field(s.boolean),
    "intro": s.Field(s.file_name),
    "outro": s.Field(s.file_name),
    "crossfade": s.Field(s.number_between(0, 5)),
}


def clip_problems(audio: AudioSettings, named: dict, path: Path, line: int, site: Site) -> list[Problem]:
    """An intro or outro that `path` (a YAML file) names in `named` and that is missing or lies outside
    the project. Each file answers for its own clips."""
    problems = []
    for clip in CLIPS:
        clip_path = getattr(audio, clip)
        if not named.get(clip) or clip_path is None:
            continue
        if message := site.outside(clip_path) or (None if clip_path.is_file() else f"file not found: {clip_path.name}"):
            problems.append(Problem(path, line, f"audio.{clip}", message))
    return problems


@dataclass(frozen=True)
class Person:
    name: str
    role: str = "guest"
    href: str | None = None
    img: str | None = None


PERSON_SCHEMA: s.Schema = {
    "name": s.Field(s.text(128), required=True),
    "role": s.Field(s.text(64), default="guest"),
    "href": s.Field(s.url),
    "img": s.Field(s.url),
}


def people(items: tuple[dict, ...]) -> tuple[Person, ...]:
    return tuple(Person(**item) for item in items if "name" in item)


@dataclass(frozen=True)
class Location:
    """Podcasting 2.0 podcast:location: what place the content is about (or where it was made)."""

    name: str
    geo: str | None = None
    osm: str | None = None
    country: str | None = None
    rel: str = "subject"


geo = s.matching(
    r"geo:-?\d{1,2}(\.\d+)?,-?\d{1,3}(\.\d+)?(,-?\d+(\.\d+)?)?(;u=\d+(\.\d+)?)?",
    'expected a geo URI like "geo:53.4808,-2.2426" (latitude,longitude)',
    max_length=64,
)
osm = s.matching(r"[NWR]\d+(#\d+)?", "expected an OpenStreetMap id like R146656", max_length=32)
country = s.matching(r"[A-Za-z]{2}", "expected a two-letter country code like gb", max_length=2, lower=True)


LOCATION_SCHEMA: s.Schema = {
    "name": s.Field(s.text(128), required=True),
    "geo": s.Field(geo),
    "osm": s.Field(osm),
    "country": s.Field(country),
    "rel": s.Field(s.one_of("subject", "creator"), default="subject"),
}


def location(values: dict | None) -> Location | None:
    return Location(**values) if values and "name" in values else None


# fields that shows and episodes share (Podcasting 2.0 podcast:license and podcast:location)
SHARED_SCHEMA: s.Schema = {
    "license": s.Field(s.text(128)),
    "license_url": s.Field(s.url),
    "location": s.Field(s.Nested(LOCATION_SCHEMA)),
}


def shared_values(values: dict) -> dict[str, Any]:
    """The SHARED_SCHEMA fields, converted, for a Show or an Episode."""
    return {
        "license": values["license"],
        "license_url": values["license_url"],
        "location": location(values["location"]),
    }


MEDIUMS = ("podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "course")


@dataclass(frozen=True)
class S3Settings:
    """How to reach an S3-compatible service; credentials come only from the standard AWS chain."""

    endpoint_url: str | None = None  # None: AWS itself (or AWS_ENDPOINT_URL_S3)
    region: str | None = None  # None: AWS_DEFAULT_REGION or the profile's region
    addressing_style: str = "auto"
    max_attempts: int = 5  # per request, with backoff: transient errors (5xx, throttling, resets)


_TARGET_HINT = "expected a folder like public or an S3 URL like s3://bucket/prefix"


@s.converter(_TARGET_HINT, textual=True)
def target_location(value: Any) -> str:
    """A folder, or s3://bucket[/prefix] with a valid bucket name."""
    result = s.text(1024)(value)
    if "://" not in result:
        return result
    if not re.fullmatch(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/\S*)?", result):
        raise s.Invalid(f"{_TARGET_HINT}, got {s.describe(value)}")
    return result


@s.converter("expected a whole number from 1 to 10")
def attempts(value: Any) -> int:
    number = s.whole(value)
    if not 1 <= number <= 10:
        raise s.Invalid(f"expected a whole number from 1 to 10, got {number}")
    return number


S3_SCHEMA: s.Schema = {
    "endpoint_url": s.Field(s.url),
    "region": s.Field(s.text(64)),
    "addressing_style": s.Field(s.one_of("auto", "path", "virtual"), default="auto"),
    "max_attempts": s.Field(attempts, default=5),
}


@dataclass(frozen=True)
class Site:
    root: Path  # resolved
    title: str
    description: str
    base_url: str
    target: str
    language: str
    audio: AudioSettings
    s3: S3Settings = S3Settings()
    media_folders: tuple[Path, ...] = ()  # resolved; recordings kept outside git (a NAS, a shared drive)

    def outside(self, path: Path) -> str | None:
        """Why a file that content names may not be used (it leads outside the project and the media
        folders, symbolic links resolved, or into a hidden folder such as .git), else None."""
        resolved = path.resolve()
        for folder in (self.root, *self.media_folders):
            if resolved.is_relative_to(folder):
                hidden = next((p for p in resolved.relative_to(folder).parts if p.startswith(".")), None)
                if hidden is None:
                    return None
                return f"{path.name} is hidden or in a hidden folder ({hidden}); clgtv does not publish hidden files"
        return (
            f"{path.name} is outside the project (it leads to {resolved}); keep it in the project folder, "
            f"or list its folder under media_folders in {SITE_FILE}"
        )

    @property
    def episodes_dir(self) -> Path:
        return self.root / "episodes"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    def url(self, path: str) -> str:
        """Absolute URL of a path in the published site (a folder keeps its trailing slash)."""
        return self.base_url + path.lstrip("/")


SITE_SCHEMA: s.Schema = {
    "title": s.Field(s.text(255), required=True),
    "description": s.Field(s.text(4000), default=""),
    "base_url": s.Field(s.url, required=True),
    "target": s.Field(target_location, default="public"),
    "s3": s.Field(s.Nested(S3_SCHEMA), default={}),
    "defaults": s.Field(s.Nested({"language": s.Field(s.text(16)), "audio": s.Field(s.Nested(AUDIO_SCHEMA))})),
    "media_folders": s.Field(s.ListOf(s.file_name), default=()),
}


@dataclass(frozen=True)
class Owner:
    name: str
    email: str


@dataclass(frozen=True)
class Funding:
    url: str
    text: str


@dataclass(frozen=True)
class Show:
    slug: str
    directory: Path
    title: str
    description: str
    author: str
    owner: Owner
    language: str
    categories: tuple[str, ...]
    explicit: bool
    artwork: Path
    type: str
    link: str | None
    copyright: str | None
    people: tuple[Person, ...]
    funding: tuple[Funding, ...]
    locked: bool
    audio: AudioSettings
    new_feed_url: str | None = None
    block: bool = False
    complete: bool = False
    license: str | None = None
    license_url: str | None = None
    medium: str = "podcast"
    location: Location | None = None
    apple_podcasts_url: str | None = None
    spotify_url: str | None = None
    id3_version: int = 3


@s.converter("expected an Apple Podcasts category like Government or News > Politics", textual=True)
def category(value: Any) -> str:
    name = " > ".join(part.strip() for part in s.text()(value).split(">"))
    if name not in ALL_NAMES:
        close = difflib.get_close_matches(name, ALL_NAMES, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else " (see Apple's list in the README)"
        raise s.Invalid(f"'{name}' is not an Apple Podcasts category{hint}")
    return name


SHOW_SCHEMA: s.Schema = {
    "title": s.Field(s.text(255), required=True),
    "description": s.Field(s.text(4000), required=True),
    "author": s.Field(s.text(255), required=True),
    "owner": s.Field(
        s.Nested({"name": s.Field(s.text(255), required=True), "email": s.Field(s.email, required=True)}),
        required=True,
    ),
    "language": s.Field(s.text(16)),
    "categories": s.Field(s.ListOf(category), required=True),
    "explicit": s.Field(s.boolean, default=False),
    "artwork": s.Field(s.file_name, default="artwork.jpg"),
    "type": s.Field(s.one_of("episodic", "serial"), default="episodic"),
    "link": s.Field(s.url),
    "copyright": s.Field(s.text(255)),
    "people": s.Field(s.Nested(PERSON_SCHEMA, many=True), default=()),
    "funding": s.Field(
        s.Nested({"url": s.Field(s.url, required=True), "text": s.Field(s.text(128), required=True)}, many=True),
        default=(),
    ),
    "locked": s.Field(s.boolean, default=False),
    "audio": s.Field(s.Nested(AUDIO_SCHEMA), default={}),
    "new_feed_url": s.Field(s.url),
    "block": s.Field(s.boolean, default=False),
    "complete": s.Field(s.boolean, default=False),
    "medium": s.Field(s.one_of(*MEDIUMS), default="podcast"),
    "apple_podcasts_url": s.Field(s.url),
    "spotify_url": s.Field(s.url),
    "id3_version": s.Field(s.one_of(3, 4), default=3),
    **SHARED_SCHEMA,
}


def read_yaml_file(path: Path, problems: list[Problem]) -> Any:
    """The file's YAML (an empty mapping for an empty file), or None with the problem recorded."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        problems.append(Problem(path, 1, "file", "not found"))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(path, 1, "file", f"cannot be read as UTF-8 text ({exc.__class__.__name__})"))
        return None
    data, found = s.load_yaml(text, path)
    problems.extend(found)
    return s.LineDict() if data is None and not found else data  # an empty file lacks every required field


def load_site(root: Path, problems: list[Problem]) -> Site:
    path = root / SITE_FILE
    data = read_yaml_file(path, problems)
    values = s.validate(data, SITE_SCHEMA, s.Context(path, problems)) if data is not None else {}
    defaults = values.get("defaults") or {}
    site = Site(
        root=root,
        title=values.get("title", "Podcasts"),
        description=values.get("description") or "",
        base_url=_base_url(values.get("base_url"), problems).rstrip("/") + "/",
        target=values.get("target") or "public",
        language=defaults.get("language") or "en",
        audio=AudioSettings().merged(defaults.get("audio") or {}, root),
        s3=S3Settings(**{k: v for k, v in (values.get("s3") or {}).items() if v is not None}),
        media_folders=_media_folders(root, values.get("media_folders") or (), path, data, problems),
    )
    line = getattr(data, "lines", {}).get("defaults", 1)
    problems.extend(clip_problems(site.audio, defaults.get("audio") or {}, path, line, site))
    return site


def _base_url(configured: str | None, problems: list[Problem]) -> str:
    """CLGTV_BASE_URL, checked like base_url and named in its own error, else clgtv.yaml's base_url."""
    override = os.environ.get(BASE_URL_ENV)
    if not override:
        return configured or "http://localhost:8000/"
    try:
        return s.url(override)
    except s.Invalid as exc:
        problems.append(Problem(Path(BASE_URL_ENV), 0, "environment variable", f"{exc} (it overrides base_url)"))
        return "http://localhost:8000/"


def _media_folders(root: Path, names: tuple[str, ...], path: Path, data: Any, problems: list[Problem]) -> tuple:
    line = getattr(data, "lines", {}).get("media_folders", 1)
    folders = []
    for name in names:
        folder = (root / Path(name).expanduser()).resolve()
        if not folder.is_dir():
            problems.append(Problem(path, line, "media_folders", f"{name} is not a folder"))
        elif folder in root.parents or folder == Path(folder.anchor):
            problems.append(Problem(path, line, "media_folders", f"{name} holds the project; name the media folder"))
        else:
            folders.append(folder)
    return tuple(folders)


def load_show(directory: Path, site: Site, problems: list[Problem]) -> Show | None:
    path = directory / SHOW_FILE
    data = read_yaml_file(path, problems)
    if data is None:
        return None
    before = len(problems)
    values = s.validate(data, SHOW_SCHEMA, s.Context(path, problems))
    artwork = directory / (values.get("artwork") or "artwork.jpg")
    line = data.lines.get("artwork", 1) if isinstance(data, s.LineDict) else 1
    found = [outside] if (outside := site.outside(artwork)) else artwork_problems(artwork)
    problems.extend(Problem(path, line, "artwork", m) for m in found)
    audio = site.audio.merged(values.get("audio") or {}, directory)
    line = getattr(data, "lines", {}).get("audio", 1)
    problems.extend(clip_problems(audio, values.get("audio") or {}, path, line, site))
    if len(problems) > before:
        return None
    owner = values["owner"]
    return Show(
        slug=directory.name,
        directory=directory,
        title=values["title"],
        description=values["description"],
        author=values["author"],
        owner=Owner(owner["name"], owner["email"]),
        language=values["language"] or site.language,
        categories=values["categories"],
        explicit=values["explicit"],
        artwork=artwork,
        type=values["type"],
        link=values["link"],
        copyright=values["copyright"],
        people=people(values["people"]),
        funding=tuple(Funding(**f) for f in values["funding"]),
        locked=values["locked"],
        **shared_values(values),
        audio=audio,
        new_feed_url=values["new_feed_url"],
        block=values["block"],
        complete=values["complete"],
        medium=values["medium"],
        apple_podcasts_url=values["apple_podcasts_url"],
        spotify_url=values["spotify_url"],
        id3_version=values["id3_version"],
    )
