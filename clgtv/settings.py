"""Site settings (`clgtv.yaml`) and programme settings (`episodes/<show>/show.yaml`)."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from clgtv import schema as s
from clgtv.artwork import artwork_problems
from clgtv.categories import ALL_NAMES
from clgtv.errors import Problem, host_text
from clgtv.files import file_message
from clgtv.layout import AUDIO_FORMATS
from clgtv.licenses import license_problems
from clgtv.recogniser import LANGUAGES, NAMED, PACKAGED  # no faster-whisper, numpy or ffmpeg: check stays light

SITE_FILE = "clgtv.yaml"
SHOW_FILE = "show.yaml"
BASE_URL_ENV = "CLGTV_BASE_URL"
HUM_SETTINGS = ("auto", "off", "50", "60")
SPEECH_DETECTION_SETTINGS = ("auto", "off")


@s.converter("expected auto, off, 50 or 60", textual=True)
def hum_setting(value: Any) -> str:
    """`auto` finds mains hum at 50 or 60 Hz; `50` or `60` looks only there and always subtracts it; `off`."""
    text = str(value).strip().lower() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if text not in HUM_SETTINGS:
        raise s.Invalid(f"expected auto, off, 50 or 60; got {s.describe(value)}")
    return text


hum_setting.choices = HUM_SETTINGS  # type: ignore[attr-defined]
NOISE_MAX_DB = 24
NOISE_EXPECTED = f"expected auto, off, or a strength in dB from 0 to {NOISE_MAX_DB}"


@s.converter(NOISE_EXPECTED, textual=True)
def noise_setting(value: Any) -> str:
    """`auto` chooses the strength from the noise floor; a number of dB is the most taken off; `off`."""
    text = str(value).strip().lower() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
    if text in ("auto", "off"):
        return text
    if text is not None and re.fullmatch(r"\d+(\.\d+)?", text) and float(text) <= NOISE_MAX_DB:
        return f"{float(text):g}"
    raise s.Invalid(f"{NOISE_EXPECTED}; got {s.describe(value)}")


noise_setting.choices = ("auto", "off", "DB")  # type: ignore[attr-defined]


@s.converter("expected auto or off", textual=True)
def speech_detection_setting(value: Any) -> str:
    """`auto` levels only what the voice detector calls speech; `off` levels all sound over the noise floor."""
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text not in SPEECH_DETECTION_SETTINGS:
        raise s.Invalid(f"expected auto or off; got {s.describe(value)}")
    return text


speech_detection_setting.choices = SPEECH_DETECTION_SETTINGS  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AudioSettings:
    """How a recording is processed; site defaults < show.yaml < the episode's `processing`."""

    target_lufs: float | None = s.field(
        s.number_between(-30, -10),
        default=None,
        help="integrated loudness target in LUFS [default: -16 stereo, -19 mono]",
    )
    true_peak: float = s.field(s.number_between(-9, 0), default=-1.0, help="true-peak ceiling in dBTP")
    format: str = s.field(s.one_of(*AUDIO_FORMATS), default="mp3", help="MP3, or AAC in M4A")
    bitrate: int = s.field(s.one_of(64, 96, 112, 128, 160, 192, 256, 320), default=128, help="bitrate in kb/s")
    channels: int = s.field(s.one_of(1, 2), default=2, help="1 mono, 2 stereo")
    sample_rate: int = s.field(s.one_of(22050, 32000, 44100, 48000), default=44100, help="output sample rate in Hz")
    highpass: float = s.field(
        s.number_between(0, 200), default=70.0, help="high-pass filter in Hz, against rumble; 0 is off"
    )
    hum: str = s.field(
        hum_setting,
        default="auto",
        help="mains hum: auto finds it at 50 or 60 Hz and subtracts it; 50 or 60 only there; off",
    )
    speech_detection: str = s.field(
        speech_detection_setting,
        default="auto",
        help="auto: a voice detector keeps applause, music and pauses out of the levelling; off: all sound is",
    )
    noise: str = s.field(
        noise_setting,
        default="auto",
        help="room noise: auto turns it down as far as the noise floor needs; a strength in dB; off",
    )
    leveller: bool = s.field(s.boolean, default=True, help="even out quiet and loud speakers")
    max_boost: float = s.field(s.number_between(0, 30), default=20.0, help="most the leveller raises a speaker, in dB")
    max_cut: float = s.field(s.number_between(0, 30), default=10.0, help="most the leveller lowers a speaker, in dB")
    trim_silence: bool = s.field(
        s.boolean, default=True, help="trim silence before the first and after the last speech"
    )
    intro: Path | None = s.field(s.file_name, default=None, help="clip to put first")
    outro: Path | None = s.field(s.file_name, default=None, help="clip to put last")
    crossfade: float = s.field(
        s.number_between(0, 5), default=0.5, help="seconds the intro and outro overlap the programme"
    )

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
AUDIO = s.Nested(AudioSettings, overrides=True)


def clip_problems(audio: AudioSettings, named: dict, path: Path, key: str, lines: dict, site: Site) -> list[Problem]:
    """An intro or outro that `path` (a YAML file) names in `named`, under `key`, and that is missing or
    lies outside the project. Each file answers for its own clips."""
    problems = []
    for clip in CLIPS:
        clip_path = getattr(audio, clip)
        if not named.get(clip) or clip_path is None:
            continue
        if message := site.outside(clip_path) or file_message(clip_path, clip_path.name):
            problems.append(Problem(path, lines.get(f"{key}.{clip}", 1), f"{key}.{clip}", message))
    return problems


@dataclass(frozen=True)
class Person:
    name: str = s.field(s.text(128), help="the person's name")
    role: str = s.field(s.text(64), default="guest", help="their role, like host or guest")
    href: str | None = s.field(s.url, default=None, help="a link to the person")
    img: str | None = s.field(s.url, default=None, help="a picture of the person")


PEOPLE = s.Nested(Person, many=True)


def people_problems(values: dict, data: Any, path: Path) -> list[Problem]:
    """A person listed twice in one role: the feed would name them twice, and apps show both."""
    written = data.get("people") if isinstance(data, dict) else None
    lines = getattr(written, "lines", [])
    first: dict[tuple[str, str], int] = {}
    problems = []
    for index, person in enumerate(values.get("people") or ()):
        line = lines[index] if index < len(lines) else 1
        key = (person.name.casefold(), person.role.casefold())
        if key in first:
            message = f"{person.name} is listed twice as {person.role} (lines {first[key]} and {line}); keep one"
            problems.append(Problem(path, line, "people", message))
        first.setdefault(key, line)
    return problems


@s.converter('expected a geo URI like "geo:53.4808,-2.2426" (latitude,longitude)', textual=True)
def geo(value: Any) -> str:
    result = _GEO_SHAPE(value)
    latitude, longitude = (float(n) for n in result[4:].split(";")[0].split(",")[:2])
    if not -90 <= latitude <= 90:
        raise s.Invalid(f"has the latitude {latitude:g}; expected -90 to 90 (north is positive)")
    if not -180 <= longitude <= 180:
        raise s.Invalid(f"has the longitude {longitude:g}; expected -180 to 180 (east is positive)")
    return result


_GEO_SHAPE = s.matching(
    r"geo:-?\d+(\.\d+)?,-?\d+(\.\d+)?(,-?\d+(\.\d+)?)?(;u=\d+(\.\d+)?)?",
    'expected a geo URI like "geo:53.4808,-2.2426" (latitude,longitude)',
    max_length=64,
)
osm = s.matching(r"[NWR]\d+(#\d+)?", "expected an OpenStreetMap id like R146656", max_length=32)
country = s.matching(r"[A-Za-z]{2}", "expected a two-letter country code like gb", max_length=2, lower=True)
language = s.matching(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*", "expected a language code like en or en-GB", max_length=16)

# language tags whose Whisper code differs from their primary subtag
WHISPER_ALIASES = {"jv": "jw", "nb": "no", "iw": "he", "in": "id", "ji": "yi"}


def whisper_code(tag: str) -> str | None:
    """Whisper's code for a language tag (`en-GB` is `en`), or None when Whisper does not know it."""
    primary = tag.split("-", 1)[0].lower()
    primary = WHISPER_ALIASES.get(primary, primary)
    return primary if primary in LANGUAGES else None


@s.converter("expected a language code Whisper transcribes, like en, cy or fr", textual=True)
def whisper_language(value: Any) -> str:
    tag = language(value)
    if (code := whisper_code(tag)) is None:
        raise s.Invalid(f"Whisper cannot transcribe '{tag}'; expected one of its languages, like en, cy or fr")
    return code


@dataclass(frozen=True)
class TranscriptionSettings:
    """How an episode without a transcript file gets one; site defaults < show.yaml < the episode's."""

    enabled: bool = s.field(s.boolean, default=True, help="make a transcript for episodes without a transcript file")
    model: str = s.field(
        s.file_name,
        default=PACKAGED,
        help="base (installed with clgtv), a model name such as small.en (downloaded once), or a model folder",
    )
    language: str | None = s.field(
        whisper_language, default=None, help="the language spoken [default: the programme's language]"
    )
    beam_size: int = s.field(
        s.whole_between(1, 10), default=5, help="beams the recogniser searches: more is slower, a little more exact"
    )
    vocabulary: tuple[str, ...] = s.field(
        s.ListOf(s.text(128)), default=(), help="names and terms to spell as written here, like Northcoders"
    )

    def merged(self, overrides: dict[str, Any], base: Path) -> TranscriptionSettings:
        """These settings with `overrides` applied: a model folder is relative to `base`, and a
        vocabulary adds to the one it is merged into."""
        values = {k: v for k, v in overrides.items() if v is not None}
        if "model" in values and values["model"] not in NAMED:
            values["model"] = str((base / values["model"]).resolve())
        if "vocabulary" in values:
            values["vocabulary"] = tuple(dict.fromkeys((*self.vocabulary, *values["vocabulary"])))
        return replace(self, **values)


TRANSCRIPTION = s.Nested(TranscriptionSettings, overrides=True)


def model_problems(
    settings: TranscriptionSettings, named: dict, path: Path, key: str, lines: dict, site: Site
) -> list[Problem]:
    """A model folder that `path` names under `key` and that is missing or outside the project."""
    written = named.get("model")
    if not written or written in NAMED:
        return []
    folder = Path(settings.model)
    message = site.outside(folder) or (
        None
        if folder.is_dir()
        else f"'{written}' is neither a model name ({', '.join(NAMED[:8])}, ...) nor a folder (looked for {folder})"
    )
    return [Problem(path, lines.get(f"{key}.model", 1), f"{key}.model", message)] if message else []


@dataclass(frozen=True)
class Location:
    """Podcasting 2.0 podcast:location: what place the content is about (or where it was made)."""

    name: str = s.field(s.text(128), help="the place, like Manchester Central Library")
    geo: str | None = s.field(geo, default=None, help="its coordinates, like geo:53.4808,-2.2426")
    osm: str | None = s.field(osm, default=None, help="its OpenStreetMap id, like R146656")
    country: str | None = s.field(country, default=None, help="its two-letter country code, like gb")
    rel: str = s.field(
        s.one_of("subject", "creator"), default="subject", help="subject: it is about the place; creator: made there"
    )


@dataclass(frozen=True, kw_only=True)
class Shared:
    """Fields that shows and episodes share (Podcasting 2.0 podcast:license and podcast:location)."""

    license: str | None = s.field(
        s.text(128), default=None, help="a licence slug like CC-BY-4.0, or any licence's name with license_url"
    )
    license_url: str | None = s.field(s.url, default=None, help="the licence's web address")
    location: Location | None = s.field(s.Nested(Location), default=None, help="the place it is about")


UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
OP3 = "op3"  # the Open Podcast Prefix Project (clgtv.analytics)
_ANALYTICS_HINT = 'expected op3, none or an https:// prefix ending in "/", like https://dts.podtrac.com/redirect.mp3/'


@s.converter(_ANALYTICS_HINT, textual=True)
def analytics_prefix(value: Any) -> str:
    """`op3`, `none` (turns the site's default off for one programme), or an https prefix ending in /."""
    result = s.text(512)(value).strip()
    if result.lower() in (OP3, "none"):
        return result.lower()
    if re.match(r"https://op3\.dev/e[,/]", result):  # OP3's own address, as its site gives it: clgtv adds pg=
        return OP3
    if not re.fullmatch(r'https://[^\s/<>"]+/[^\s<>"?#]*', result) or not result.endswith("/"):
        raise s.Invalid(f"{_ANALYTICS_HINT}, got {s.describe(value)}")
    return result


MEDIUMS = ("podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "course")


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


@dataclass(frozen=True)
class S3Settings:
    """How to reach an S3-compatible service; credentials come only from the standard AWS chain."""

    endpoint_url: str | None = s.field(s.url, default=None, help="the service's endpoint [default: AWS itself]")
    region: str | None = s.field(s.text(64), default=None, help="the signing region, like auto for R2")
    addressing_style: str = s.field(
        s.one_of("auto", "path", "virtual"), default="auto", help="path suits MinIO; virtual is bucket.endpoint/key"
    )
    max_attempts: int = s.field(
        s.whole_between(1, 10), default=5, help="attempts per request; transient errors are retried"
    )


PODPING_CLOUD = "https://podping.cloud/"


@dataclass(frozen=True)
class NotifySettings:
    """Who is told when a feed changes: WebSub hubs and Podping (its token only from $PODPING_TOKEN)."""

    hubs: tuple[str, ...] = s.field(
        s.ListOf(s.url), default=(), help="WebSub hubs: each feed names them, and they are told when it changes"
    )
    podping: bool = s.field(s.boolean, default=False, help="announce each changed feed through Podping")
    podping_url: str = s.field(s.url, default=PODPING_CLOUD, help="the Podping service to call")
    max_attempts: int = s.field(
        s.whole_between(1, 10), default=3, help="attempts per notification; failures are retried with backoff"
    )


@dataclass(frozen=True, kw_only=True)
class Site(s.Read):
    root: Path  # resolved
    title: str = s.field(s.text(255), help="the site's name")
    description: str = s.field(s.text(4000), default="", help="the home page's introduction")
    base_url: str = s.field(s.url, help="where listeners reach the published files")
    target: str = s.field(target_location, default="public", help="where publish publishes: a folder or s3://bucket")
    accessibility_statement: str | None = s.field(
        s.url, default=None, help="the web address of the accessibility statement every page's footer links to"
    )
    language: str = s.field(
        language, default="en", key="defaults.language", help="language of programmes that set none"
    )
    audio: AudioSettings = s.field(
        AUDIO, default=AudioSettings(), key="defaults.audio", help="audio settings for every programme"
    )
    transcription: TranscriptionSettings = s.field(
        TRANSCRIPTION,
        default=TranscriptionSettings(),
        key="defaults.transcription",
        help="transcription settings for every programme",
    )
    analytics: str | None = s.field(
        analytics_prefix,
        default=None,
        key="defaults.analytics",
        help="the enclosures' analytics prefix for every programme: op3 or a prefix service's address",
    )
    s3: S3Settings = s.field(s.Nested(S3Settings), default=S3Settings(), help="how to reach an S3-compatible service")
    notify: NotifySettings = s.field(
        s.Nested(NotifySettings), default=NotifySettings(), help="who is told when a feed changes"
    )
    # resolved; recordings kept outside git (a NAS, a shared drive)
    media_folders: tuple[Path, ...] = s.field(
        s.ListOf(s.file_name), default=(), help="extra folders content may name files in"
    )

    @property
    def path(self) -> Path:
        return self.root / SITE_FILE

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


@dataclass(frozen=True)
class Owner:
    name: str = s.field(s.text(255), help="the owner's name")
    email: str = s.field(s.email, help="the owner's email address")


@dataclass(frozen=True)
class Funding:
    url: str = s.field(s.url, help="where listeners can support the programme")
    text: str = s.field(s.text(128), help="what the link says")


MAX_NUMBER = 65535  # season and episode numbers: an M4A's track and disc numbers are 16-bit


@s.converter("expected a podcast:guid, a UUID like 917393e3-1b1e-5cef-ace4-edaa54e1f810", textual=True)
def feed_guid(value: Any) -> str:
    result = s.text(36)(value)
    try:
        return str(uuid.UUID(result))
    except ValueError:
        raise s.Invalid(
            f"expected a podcast:guid, a UUID like 917393e3-1b1e-5cef-ace4-edaa54e1f810, got {s.describe(value)}"
        ) from None


@dataclass(frozen=True)
class Txt:
    """Podcasting 2.0 podcast:txt: free text for a service, such as a verification token."""

    text: str = s.field(s.text(4000), help="the text, like a token a platform gave you")
    purpose: str | None = s.field(s.text(128), default=None, help="what it is for, like verify")


@dataclass(frozen=True)
class RemoteFeed:
    """One programme recommended in podcast:podroll (a podcast:remoteItem)."""

    feed_guid: str = s.field(feed_guid, help="the programme's podcast:guid")
    feed_url: str | None = s.field(s.url, default=None, help="its feed's address")
    title: str | None = s.field(s.text(128), default=None, help="its title")


RRULE_FREQUENCIES = ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_DAY = r"[+-]?(?:[1-9]|[1-4]\d|5[0-3])?(?:MO|TU|WE|TH|FR|SA|SU)"
_NUMBERS = r"[+-]?\d{1,3}(?:,[+-]?\d{1,3})*"
_UNTIL = r"\d{4}-?\d{2}-?\d{2}(?:T\d{2}:?\d{2}:?\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"
# RFC 5545 section 3.3.10: each rule part and the shape of its value
RRULE_PARTS = {
    "FREQ": "|".join(RRULE_FREQUENCIES),
    "UNTIL": _UNTIL,
    "COUNT": r"[1-9]\d*",
    "INTERVAL": r"[1-9]\d*",
    "BYSECOND": _NUMBERS,
    "BYMINUTE": _NUMBERS,
    "BYHOUR": _NUMBERS,
    "BYDAY": f"{_DAY}(?:,{_DAY})*",
    "BYMONTHDAY": _NUMBERS,
    "BYYEARDAY": _NUMBERS,
    "BYWEEKNO": _NUMBERS,
    "BYMONTH": _NUMBERS,
    "BYSETPOS": _NUMBERS,
    "WKST": "MO|TU|WE|TH|FR|SA|SU",
}
_RRULE_HINT = "expected an iCalendar recurrence rule like FREQ=WEEKLY or FREQ=MONTHLY;INTERVAL=3"


@s.converter(_RRULE_HINT, textual=True)
def rrule(value: Any) -> str:
    """An RFC 5545 RRULE value: FREQ given, each part once, each value of its part's shape (upper-cased)."""
    result = s.text(512)(value).removeprefix("RRULE:")
    parts: dict[str, str] = {}
    for part in result.split(";"):
        key, _, given = part.partition("=")
        key = key.strip().upper()
        if key not in RRULE_PARTS:
            raise s.Invalid(f"{_RRULE_HINT}; '{part}' is not a rule part ({', '.join(RRULE_PARTS)})")
        if key in parts:
            raise s.Invalid(f"{_RRULE_HINT}; {key} is given twice")
        if not re.fullmatch(RRULE_PARTS[key], given.strip().upper()):
            raise s.Invalid(f"{_RRULE_HINT}; {key}={given} is not a value {key} takes")
        parts[key] = given.strip().upper()
    if "FREQ" not in parts:
        raise s.Invalid(f"{_RRULE_HINT}; FREQ is missing")
    if "COUNT" in parts and "UNTIL" in parts:
        raise s.Invalid(f"{_RRULE_HINT}; give COUNT or UNTIL, not both")
    return ";".join(f"{key}={given}" for key, given in parts.items())


@dataclass(frozen=True)
class UpdateFrequency:
    """Podcasting 2.0 podcast:updateFrequency: the intended release schedule."""

    text: str = s.field(s.text(128), help="the schedule in words, like Four times a year")
    rrule: str | None = s.field(
        rrule, default=None, help="the schedule as a recurrence rule, like FREQ=MONTHLY;INTERVAL=3"
    )
    dtstart: dt.datetime | None = s.field(s.zoned_datetime, default=None, help="when the schedule begins")


@dataclass(frozen=True)
class Season:
    """A season's name, declared once for every episode of that season (podcast:season name)."""

    number: int = s.field(s.whole_between(1, MAX_NUMBER), help="the season's number, as episodes give it")
    name: str = s.field(s.text(128), help="the season's name")


def season_problems(seasons: tuple[Season, ...] | None, lines: dict, path: Path) -> list[Problem]:
    numbers = [season.number for season in seasons or ()]
    twice = sorted({n for n in numbers if numbers.count(n) > 1})
    message = f"season {', '.join(map(str, twice))} is named twice; name each season once"
    return [Problem(path, lines.get("seasons", 1), "seasons", message)] if twice else []


def update_frequency_problems(frequency: UpdateFrequency | None, lines: dict, path: Path) -> list[Problem]:
    """The namespace requires dtstart with a COUNT."""
    if frequency is None or frequency.dtstart or "COUNT=" not in (frequency.rrule or ""):
        return []
    line = lines.get("update_frequency.rrule", lines.get("update_frequency", 1))
    message = "a rule with COUNT needs dtstart, the date it counts from (the namespace requires it)"
    return [Problem(path, line, "update_frequency.dtstart", message)]


@s.converter("expected an Apple Podcasts category like Government or News > Politics", textual=True)
def category(value: Any) -> str:
    name = " > ".join(part.strip() for part in s.text()(value).split(">"))
    if name not in ALL_NAMES:
        close = difflib.get_close_matches(name, ALL_NAMES, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else " (see Apple's list in the README)"
        raise s.Invalid(f"'{name}' is not an Apple Podcasts category{hint}")
    return name


@dataclass(frozen=True, kw_only=True)
class Show(s.Read, Shared):
    slug: str
    directory: Path
    title: str = s.field(s.text(255), help="the programme's title")
    description: str = s.field(s.text(4000), help="what the programme is about")
    author: str = s.field(s.text(255), help="who makes it (itunes:author)")
    owner: Owner = s.field(s.Nested(Owner), help="who to contact about the feed: name and email")
    language: str = s.field(language, derived=True, help="the feed's language [default: defaults.language]")
    categories: tuple[str, ...] = s.field(s.ListOf(category), help="Apple Podcasts categories")
    explicit: bool = s.field(s.boolean, default=False, help="whether the programme has explicit content")
    artwork: Path = s.field(s.file_name, default=Path("artwork.jpg"), help="the cover art, next to show.yaml")
    type: str = s.field(
        s.one_of("episodic", "serial"), default="episodic", help="episodic: newest first; serial: oldest first"
    )
    link: str | None = s.field(s.url, default=None, help="the feed's <link> [default: the programme page]")
    copyright: str | None = s.field(s.text(255), default=None, help="the copyright notice")
    people: tuple[Person, ...] = s.field(PEOPLE, default=(), help="people in every episode")
    funding: tuple[Funding, ...] = s.field(s.Nested(Funding, many=True), default=(), help="ways to support it")
    locked: bool = s.field(s.boolean, default=False, help="ask other platforms not to import the feed")
    audio: AudioSettings = s.field(AUDIO, derived=True, help="audio settings for this programme")
    transcription: TranscriptionSettings = s.field(
        TRANSCRIPTION, derived=True, help="transcription settings for this programme"
    )
    new_feed_url: str | None = s.field(s.url, default=None, help="the feed's new address, after a move")
    block: bool = s.field(s.boolean, default=False, help="ask Apple Podcasts to hide the programme")
    complete: bool = s.field(s.boolean, default=False, help="no more episodes will be published")
    medium: str = s.field(s.one_of(*MEDIUMS), default="podcast", help="podcast:medium")
    apple_podcasts_url: str | None = s.field(s.url, default=None, help="the programme on Apple Podcasts")
    spotify_url: str | None = s.field(s.url, default=None, help="the programme on Spotify")
    id3_version: int = s.field(s.one_of(3, 4), default=3, help="the MP3s' tags: ID3v2.3 or ID3v2.4")
    # required in effect: `check`, `build` and `publish` refuse a programme without one, giving the line to
    # add (history.history_problems), which needs the published feed that loading cannot read
    guid: str | None = s.field(
        s.matching(UUID, "expected a UUID like ead4c236-bf58-58c6-a2c6-a6b28d128cb6", max_length=36),
        default=None,
        help="the programme's podcast:guid, written once and kept for life (clgtv guid writes it)",
    )
    analytics: str | None = s.field(
        analytics_prefix,
        derived=True,
        help="the enclosures' analytics prefix: op3, a prefix address or none [default: defaults.analytics]",
    )
    artwork_alt: str | None = s.field(s.text(512), default=None, help="the artwork in words, for podcast:image alt")
    seasons: tuple[Season, ...] = s.field(s.Nested(Season, many=True), default=(), help="each season's name, once")
    update_frequency: UpdateFrequency | None = s.field(
        s.Nested(UpdateFrequency), default=None, help="the release schedule (podcast:updateFrequency)"
    )
    podroll: tuple[RemoteFeed, ...] = s.field(
        s.Nested(RemoteFeed, many=True), default=(), help="programmes you recommend (podcast:podroll)"
    )
    apple_podcasts_verify: str | None = s.field(
        s.text(128), default=None, help="Apple's verification token (podcast:txt purpose applepodcastsverify)"
    )
    txt: tuple[Txt, ...] = s.field(s.Nested(Txt, many=True), default=(), help="other podcast:txt entries")

    def season_name(self, number: int | None) -> str | None:
        return next((season.name for season in self.seasons if season.number == number), None)

    @property
    def path(self) -> Path:
        return self.directory / SHOW_FILE


def read_yaml_file(path: Path, problems: list[Problem]) -> Any:
    """The file's YAML (an empty mapping for an empty file), or None with the problem recorded."""
    if not path.exists():
        hint = "; run clgtv in the project folder, or give --root" if path.name == SITE_FILE else ""
        problems.append(Problem(path, 1, "file", f"not found{hint}"))
        return None
    text, unreadable = host_text(path)
    if text is None:
        problems.append(unreadable)
        return None
    data, found = s.load_yaml(text, path)
    problems.extend(found)
    return s.LineDict() if data is None and not found else data  # an empty file lacks every required field


def load_site(root: Path, problems: list[Problem]) -> Site:
    path = root / SITE_FILE
    data = read_yaml_file(path, problems)
    values = s.validate(data, s.schema_of(Site), s.Context(path, problems)) if data is not None else {}
    overrides = values.get("defaults", {}).get("audio", {})
    spoken = values.get("defaults", {}).get("transcription", {})
    lines = s.lines_of(data)
    site = s.build(
        Site,
        {"title": "", **values},  # a broken clgtv.yaml still gives the folders the rest is checked against
        root=root,
        base_url=_base_url(values.get("base_url"), problems).rstrip("/") + "/",
        audio=AudioSettings().merged(overrides, root),
        transcription=TranscriptionSettings().merged(spoken, root),
        media_folders=_media_folders(root, values.get("media_folders", ()), path, lines, problems),
        lines=lines,
    )
    problems.extend(clip_problems(site.audio, overrides, path, "defaults.audio", site.lines, site))
    problems.extend(model_problems(site.transcription, spoken, path, "defaults.transcription", site.lines, site))
    problems.extend(prefix_problems(site.analytics, site.base_url, path, site.lines, "defaults.analytics"))
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


def _media_folders(root: Path, names: tuple[str, ...], path: Path, lines: dict, problems: list[Problem]) -> tuple:
    line = lines.get("media_folders", 1)
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


def _analytics(prefix: str | None) -> str | None:
    return None if prefix == "none" else prefix


def prefix_problems(prefix: str | None, base_url: str, path: Path, lines: dict, key: str) -> list[Problem]:
    """A prefix service is given the recordings' address without its scheme and sends apps on to it over
    https, so behind one an http base_url's recordings would not download. OP3 keeps the scheme."""
    if prefix in (None, "none", OP3) or not base_url.startswith("http://"):
        return []
    message = f"a prefix service sends apps to the recordings over https, and base_url is {base_url}"
    return [Problem(path, lines.get(key, 1), key, f"{message}: give an https:// base_url, or use op3")]


def load_show(directory: Path, site: Site, problems: list[Problem]) -> Show | None:
    path = directory / SHOW_FILE
    data = read_yaml_file(path, problems)
    if data is None:
        return None
    before = len(problems)
    values = s.validate(data, s.schema_of(Show), s.Context(path, problems))
    lines = s.lines_of(data)
    artwork = directory / values.get("artwork", Show.artwork)  # the class attribute is the default
    found = [outside] if (outside := site.outside(artwork)) else artwork_problems(artwork)
    problems.extend(Problem(path, lines.get("artwork", 1), "artwork", m) for m in found)
    audio = site.audio.merged(values.get("audio", {}), directory)
    problems.extend(clip_problems(audio, values.get("audio", {}), path, "audio", lines, site))
    spoken = values.get("transcription", {})
    transcription = site.transcription.merged(spoken, directory)
    problems.extend(model_problems(transcription, spoken, path, "transcription", lines, site))
    problems.extend(license_problems(values, lines, path))
    problems.extend(people_problems(values, data, path))
    problems.extend(season_problems(values.get("seasons"), lines, path))
    problems.extend(update_frequency_problems(values.get("update_frequency"), lines, path))
    problems.extend(prefix_problems(values.get("analytics"), site.base_url, path, lines, "analytics"))
    if len(problems) > before:
        return None
    return s.build(
        Show,
        values,
        slug=directory.name,
        directory=directory,
        language=values.get("language", site.language),
        analytics=_analytics(values.get("analytics", site.analytics)),
        artwork=artwork,
        audio=audio,
        transcription=transcription,
        lines=lines,
    )
