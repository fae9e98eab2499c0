"""The whole project's content, loaded and cross-checked in one pass (`clgtv check`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from clgtv.episodes import Episode, discover, read_episode, transcription_settings, transcription_source
from clgtv.errors import ContentError, Problem, display_path
from clgtv.recogniser import english_only
from clgtv.settings import SHOW_FILE, SITE_FILE, Show, Site, load_show, load_site, whisper_code


@dataclass(frozen=True)
class Programme:
    show: Show
    episodes: tuple[Episode, ...]

    def due(self, now: dt.datetime) -> tuple[Episode, ...]:
        """Episodes that go out now, in feed order (newest first; oldest first for serial)."""
        due = sorted((e for e in self.episodes if e.is_due(now)), key=lambda e: e.date)
        return tuple(due if self.show.type == "serial" else reversed(due))


@dataclass(frozen=True)
class Content:
    site: Site
    programmes: tuple[Programme, ...]

    def files(self) -> list[Path]:
        """The files hosts write: clgtv.yaml, each show.yaml, each episode file."""
        shows = [p.show.directory / SHOW_FILE for p in self.programmes]
        return [self.site.root / SITE_FILE, *shows, *(e.path for p in self.programmes for e in p.episodes)]

    def select(self, slugs: Iterable[str]) -> tuple[Programme, ...]:
        wanted = set(slugs)
        if not wanted:
            return self.programmes
        known = {p.show.slug for p in self.programmes}
        if unknown := wanted - known:
            raise ContentError(
                [Problem(self.site.episodes_dir / name, 1, "show", "no such programme") for name in sorted(unknown)]
            )
        return tuple(p for p in self.programmes if p.show.slug in wanted)


SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MESSAGE = "'{}' becomes part of the programme's web address: use lowercase letters, digits and hyphens"


def load(root: Path) -> Content:
    """Read and validate everything; raise ContentError listing every problem."""
    problems: list[Problem] = []
    site = load_site(root, problems)
    programmes = []
    folders = sorted(d for d in site.episodes_dir.glob("*/") if not d.name.startswith("."))
    before = len(problems)
    show_dirs = [d for d in folders if _programme_folder(d, site, problems)]
    if not show_dirs and len(problems) == before:
        problems.append(Problem(site.episodes_dir, 1, "episodes", f"no programmes found (each needs a {SHOW_FILE})"))
    for show_dir in show_dirs:
        if not SLUG.fullmatch(show_dir.name):
            problems.append(Problem(show_dir / SHOW_FILE, 1, "folder", SLUG_MESSAGE.format(show_dir.name)))
            continue
        show = load_show(show_dir, site, problems)
        episodes = tuple(
            e for path in _episode_files(show_dir, site, problems) if (e := read_episode(path, site, problems))
        )
        if show is not None:
            programmes.append(Programme(show, episodes))
    problems.extend(_duplicates(programmes))
    problems.extend(_transcription_problems(site, programmes))
    if problems:
        raise ContentError(problems)
    return Content(site, tuple(programmes))


def _programme_folder(folder: Path, site: Site, problems: list[Problem]) -> bool:
    """A folder under episodes/ with a show.yaml; episode files without one are an error, not ignored."""
    show_file = folder / SHOW_FILE
    if outside := site.outside(folder) or (show_file.exists() and site.outside(show_file)):
        problems.append(Problem(show_file, 1, "folder", outside))
        return False
    if show_file.is_file():
        return True
    if any(discover(folder)):
        problems.append(
            Problem(show_file, 1, "file", f"not found: {folder.name}/ holds episode files but no {SHOW_FILE}")
        )
    return False


def _episode_files(folder: Path, site: Site, problems: list[Problem]) -> list[Path]:
    found = []
    for path in discover(folder):
        if outside := site.outside(path):
            problems.append(Problem(path, 1, "file", outside))
        else:
            found.append(path)
    problems.extend(_misnamed(folder, found))
    return found


# what an editor makes of an episode file's name (TextEdit's .txt, a Windows .MD): left out, it would
# drop the episode from the feed without a word. A host's own notes.markdown is no episode's name.
MISNAMED = re.compile(r"(?P<stem>\d{4}-\d{2}-\d{2}-.+?)\.(?:md\.txt|markdown|mdown|md)", re.IGNORECASE)


def _misnamed(folder: Path, found: list[Path]) -> list[Problem]:
    problems = []
    for path in sorted(set(folder.iterdir()) - set(found)):  # Windows' glob finds x.MD as an episode already
        if (named := MISNAMED.fullmatch(path.name)) and path.suffix != ".md" and not path.name.startswith("."):
            message = f"{path.name} is not read as an episode: episode files end in .md; rename it {named['stem']}.md"
            problems.append(Problem(path, 1, "file", message))
    return problems


def _duplicates(programmes: list[Programme]) -> list[Problem]:
    problems = _programme_guid_clashes(programmes)
    guids: dict[str, Episode] = {}
    for programme in programmes:
        numbers: dict[tuple[int | None, int], Episode] = {}
        slugs: dict[str, Episode] = {}
        for episode in programme.episodes:
            if first := slugs.get(episode.slug):
                message = f"'{episode.slug}' (the episode's web address) is already used by"
                problems.append(Problem(episode.path, 1, "file", f"{message} {display_path(first.path)}"))
            slugs.setdefault(episode.slug, episode)
            if first := guids.get(episode.guid):
                problems.append(_clash(episode, "guid", f"'{episode.guid}' is already used by", first))
            guids.setdefault(episode.guid, episode)
            if episode.number is None:
                continue
            key = (episode.season, episode.number)
            if first := numbers.get(key):
                label = f"season {episode.season} episode" if episode.season else "episode"
                problems.append(_clash(episode, "episode", f"{label} {episode.number} is already used by", first))
            numbers.setdefault(key, episode)
    return problems


def _programme_guid_clashes(programmes: list[Programme]) -> list[Problem]:
    """A programme's podcast:guid is its own: a show.yaml copied to start another keeps the first's."""
    sharing: dict[str, list[Show]] = {}
    for programme in programmes:
        if programme.show.guid is not None:
            sharing.setdefault(programme.show.guid.lower(), []).append(programme.show)
    problems = []
    for shows in (shows for shows in sharing.values() if len(shows) > 1):
        for show in shows:
            others = ", ".join(display_path(other.path) for other in shows if other is not show)
            message = (
                f"'{show.guid}' is also the podcast:guid of {others}; apps and directories would take them for "
                f"one podcast. If this programme is the new one, remove this line and run "
                f"`clgtv guid {show.slug} --write`"
            )
            problems.append(Problem(show.path, show.line("guid"), "guid", message))
    return problems


def _clash(episode: Episode, field: str, message: str, first: Episode) -> Problem:
    return Problem(episode.path, episode.line(field), field, f"{message} {display_path(first.path)}")


def _transcription_problems(site: Site, programmes: list[Programme]) -> list[Problem]:
    """For each episode that gets an automatic transcript: a language Whisper cannot transcribe, or an
    English-only model asked for another language, at the line that set it (each reported once)."""
    problems: dict[tuple, Problem] = {}
    for programme in programmes:
        show = programme.show
        for episode in programme.episodes:
            settings = transcription_settings(show, episode)
            if episode.transcript or not settings.enabled:
                continue
            language = settings.language or whisper_code(show.language)
            if language is None:
                path, line, field = language_source(site, show)
                message = (
                    f"Whisper cannot transcribe '{show.language}', so {show.slug}'s episodes cannot get automatic "
                    "transcripts; set transcription.language to the language spoken, or transcription.enabled: false"
                )
                problems.setdefault((path, line), Problem(path, line, field, message))
            elif english_only(settings.model) and language != "en":
                path, line, field = transcription_source(site, show, episode, "model")
                message = (
                    f"{settings.model} transcribes English only, but the language is '{language}'; "
                    "choose a multilingual model such as small or large-v3-turbo"
                )
                problems.setdefault((path, line), Problem(path, line, field, message))
    return list(problems.values())


def language_source(site: Site, show: Show) -> tuple[Path, int, str]:
    """Where a programme's language is set: its show.yaml, else clgtv.yaml's defaults (file, line, field)."""
    if "language" in show.lines:
        return show.path, show.line("language"), "language"
    return site.path, site.line("defaults.language"), "defaults.language"
