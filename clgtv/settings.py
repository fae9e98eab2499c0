"""Site settings (`clgtv.yaml`) and programme settings (`episodes/<show>/show.yaml`)."""

from __future__ import annotations

import difflib
import os
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
    target_lufs: float = -16.0
    true_peak: float = -1.0
    bitrate: int = 128
    channels: int = 2
    sample_rate: int = 44100
    highpass: float = 70.0

    def merged(self, overrides: dict[str, Any]) -> AudioSettings:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


AUDIO_SCHEMA: s.Schema = {
    "target_lufs": s.Field(s.number_between(-30, -10)),
    "true_peak": s.Field(s.number_between(-9, 0)),
    "bitrate": s.Field(s.one_of(64, 96, 112, 128, 160, 192, 256, 320)),
    "channels": s.Field(s.one_of(1, 2)),
    "sample_rate": s.Field(s.one_of(22050, 32000, 44100, 48000)),
    "highpass": s.Field(s.number_between(0, 200)),
}


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
class Site:
    root: Path
    title: str
    description: str
    base_url: str
    target: str
    language: str
    audio: AudioSettings

    @property
    def episodes_dir(self) -> Path:
        return self.root / "episodes"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    def url(self, *parts: str) -> str:
        return self.base_url + "/".join(p.strip("/") for p in parts if p)


SITE_SCHEMA: s.Schema = {
    "title": s.Field(s.text(255), required=True),
    "description": s.Field(s.text(4000), default=""),
    "base_url": s.Field(s.url, required=True),
    "target": s.Field(s.text(), default="public"),
    "defaults": s.Field(s.Nested({"language": s.Field(s.text(16)), "audio": s.Field(s.Nested(AUDIO_SCHEMA))})),
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


@s.converter("expected an Apple Podcasts category like Government or News > Politics")
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
    "artwork": s.Field(s.text(), default="artwork.jpg"),
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
}


def read_yaml_file(path: Path, problems: list[Problem]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(path, 1, "file", "not found"))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(path, 1, "file", f"cannot be read as UTF-8 text ({exc.__class__.__name__})"))
        return None
    data, found = s.load_yaml(text, path)
    problems.extend(found)
    return data


def load_site(root: Path, problems: list[Problem]) -> Site:
    path = root / SITE_FILE
    data = read_yaml_file(path, problems)
    values = s.validate(data or {}, SITE_SCHEMA, s.Context(path, problems)) if data is not None else {}
    defaults = values.get("defaults") or {}
    base_url = os.environ.get(BASE_URL_ENV) or values.get("base_url") or "http://localhost:8000/"
    return Site(
        root=root,
        title=values.get("title", "Podcasts"),
        description=values.get("description") or "",
        base_url=base_url.rstrip("/") + "/",
        target=values.get("target") or "public",
        language=defaults.get("language") or "en",
        audio=AudioSettings().merged(defaults.get("audio") or {}),
    )


def load_show(directory: Path, site: Site, problems: list[Problem]) -> Show | None:
    path = directory / SHOW_FILE
    data = read_yaml_file(path, problems)
    if data is None:
        return None
    before = len(problems)
    values = s.validate(data, SHOW_SCHEMA, s.Context(path, problems))
    artwork = directory / (values.get("artwork") or "artwork.jpg")
    line = data.lines.get("artwork", 1) if isinstance(data, s.LineDict) else 1
    problems.extend(Problem(path, line, "artwork", m) for m in artwork_problems(artwork))
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
        audio=site.audio.merged(values["audio"] or {}),
    )
