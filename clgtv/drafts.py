"""`clgtv transcribe`: a draft transcript next to an episode file, for its host to correct.

The recording is processed as `clgtv build` processes it (the same cached master) and transcribed as
the build would, with the episode's transcription settings and the same transcript cache, so a
transcript the build has already made costs nothing. The cues go to episodes/<show>/<episode>.vtt
under a note saying how to correct them, and the episode's `transcript:` is pointed at that file by
the smallest change to its front matter: one line added (or an empty `transcript:` filled in), every
other byte kept. From then on the file is the episode's own transcript: published as the host leaves
it, never transcribed again. A draft that exists is replaced only when the host asks (`overwrite`),
and a `transcript:` naming another file is never changed.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from clgtv import transcription
from clgtv.build import Cache, process_audio
from clgtv.content import Content, language_source
from clgtv.episodes import Episode, split_front_matter, transcription_settings
from clgtv.errors import ContentError, FileError, Problem, display_path
from clgtv.files import beside
from clgtv.schema import load_yaml
from clgtv.settings import Show, Site, whisper_code
from clgtv.transcripts import Cue, read_cues, vtt_and_srt

OVERWRITE = "--overwrite"  # the command's option that replaces a draft, as the messages name it
# No "-->" and no blank line may appear in a WebVTT NOTE: either would end it.
NOTE = """\
NOTE
clgtv transcribe made this transcript from the recording automatically, so some words
will be wrong. Correct them here, in any text editor: keep each cue's timing line as it
is and change the words under it. To say who is speaking, begin a cue's words with the
speaker's name in a voice tag, like this:
<v {name}>Welcome to the programme.
This file is the episode's transcript: it is published as you leave it, and clgtv
never overwrites it (only clgtv transcribe --overwrite would). This note is not
published; you may delete it.
"""
EXAMPLE_SPEAKER = "Name"
LAYOUT = "episodes/<show>/<YYYY-MM-DD>-<title>.md"
SIMPLE_NAME = re.compile(r"[^\W\d_][\w .'’]*")  # safe to show inside the note
EMPTY = re.compile(r"transcript:[ \t]*(?:(?:~|null|Null|NULL|''|\"\")[ \t]*)?(?P<comment>#.*)?")
NO_SPEECH = (
    "no speech recognised in the recording, so no draft was written; listen to it, or write the "
    "transcript yourself and name it in transcript:"
)

Log = Callable[[str], None]
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Draft:
    """Where one episode's draft goes, and whether its `transcript:` names it already."""

    show: Show
    episode: Episode
    path: Path  # episodes/<show>/<episode-file-stem>.vtt
    named: bool


@dataclass(frozen=True)
class Written:
    draft: Path
    episode: Path
    cues: int
    added: bool  # `transcript:` was added to the episode file

    def __str__(self) -> str:
        named = (
            f"transcript: {self.draft.name} added to {display_path(self.episode)}"
            if self.added
            else f"{display_path(self.episode)} names it already"
        )
        return (
            f"{display_path(self.draft)}: draft transcript of {self.cues} cues written; {named}. "
            "Correct it in a text editor (the note at its top says how), then publish."
        )


def transcribe(
    content: Content,
    paths: Sequence[Path],
    overwrite: bool = False,
    jobs: int | None = None,
    log: Log = lambda _: None,
    progress: Progress | None = None,
) -> list[Written]:
    """A draft for each episode file in `paths`: every refusal is found (ContentError) before any
    audio is processed. `jobs`: CPUs, as for `clgtv build`."""
    drafts = plan(content, paths, overwrite)
    cache = Cache(content.site.build_dir / "cache")
    recordings = [cache.recording(d.show, d.episode) for d in drafts]
    work = [
        asked
        for d, r in zip(drafts, recordings, strict=True)
        if (asked := transcription.job(content.site, d.show, d.episode, r.processed, asked=True))
    ]
    models = transcription.models(work, cache.root)
    process_audio(cache, recordings, jobs, log)
    cpus = jobs or os.cpu_count() or 1
    # no draft where no speech was heard: said below, at the episode's audio line, not as the build says it
    quiet: Log = lambda line: None if line.endswith(transcription.NO_SPEECH) else log(line)  # noqa: E731
    made = transcription.transcribe_all(work, models, cache.root, cpus, quiet, progress)
    written, silent = [], []
    for draft in drafts:
        if (transcript := made[draft.episode.path]) is None:
            silent.append(Problem(draft.episode.path, draft.episode.line("audio"), "audio", NO_SPEECH))
            continue
        written.append(write(draft, read_cues(transcript.source), overwrite))
        log(str(written[-1]))
    if silent:
        raise ContentError(silent)
    return written


def plan(content: Content, paths: Sequence[Path], overwrite: bool) -> list[Draft]:
    """The drafts to write, one per episode named; ContentError with every reason to write none."""
    episodes = {e.path.resolve(): (p.show, e) for p in content.programmes for e in p.episodes}
    drafts: list[Draft] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    for path in paths:
        if (found := episodes.get(path.resolve())) is None:
            problems.append(Problem(path, 1, "file", _not_an_episode(path, content.site)))
            continue
        show, episode = found
        if episode.path in seen:  # named twice
            continue
        seen.add(episode.path)
        draft = Draft(show, episode, episode.path.parent / f"{episode.path.stem}.vtt", episode.transcript is not None)
        if reasons := _refusals(content.site, draft, overwrite):
            problems += reasons
        else:
            drafts.append(draft)
    if problems:
        raise ContentError(problems)
    return drafts


def _not_an_episode(path: Path, site: Site) -> str:
    if not path.exists():
        return "file not found"
    return f"not an episode file of the project at {site.root}; episode files are {LAYOUT} in it"


def _refusals(site: Site, draft: Draft, overwrite: bool) -> list[Problem]:
    episode, name = draft.episode, draft.path.name
    line = episode.line("transcript")
    again = f"clgtv transcribe {OVERWRITE} {display_path(episode.path)}"
    if episode.transcript is not None and episode.transcript != draft.path.resolve():
        message = (
            f"already names {display_path(episode.transcript)}, and clgtv transcribe never replaces a transcript "
            "you chose; to make a draft from the recording instead, delete this line (the file stays) and run "
            "clgtv transcribe again"
        )
        return [Problem(episode.path, line, "transcript", message)]
    problems = []
    if draft.path.is_dir():
        problems.append(Problem(episode.path, line, "transcript", f"{name} is a folder; move it, then run this again"))
    elif (draft.path.exists() or draft.path.is_symlink()) and not overwrite:
        message = (
            f"{name} is already this episode's transcript, with any corrections made to it, and clgtv never "
            f"overwrites it; to replace it with a new draft, losing those corrections, run {again}"
            if draft.named
            else f"{name} already exists next to the episode file, and clgtv never overwrites a transcript; to "
            f"publish it as it is, add the line `transcript: {name}`; to replace it with a new draft, run {again}"
        )
        problems.append(Problem(episode.path, line, "transcript", message))
    if not episode.audio.is_file():
        message = f"file not found: {episode.audio.name}; clgtv transcribe needs the recording"
        problems.append(Problem(episode.path, episode.line("audio"), "audio", message))
    if (unheard := _language_problem(site, draft.show, episode)) is not None:
        problems.append(unheard)
    if not draft.named:
        try:
            pointed(_text(episode.path), name, episode.path)
        except FileError as exc:
            problems.append(Problem(episode.path, 1, "front matter", exc.message))
    return problems


def _language_problem(site: Site, show: Show, episode: Episode) -> Problem | None:
    """The programme's language when Whisper does not know it and the episode names none (content.load
    checks this only for episodes that get automatic transcripts)."""
    if transcription_settings(show, episode).language or whisper_code(show.language):
        return None
    path, line, field = language_source(site, show)
    message = (
        f"Whisper cannot transcribe '{show.language}'; to transcribe {display_path(episode.path)}, set "
        "transcription.language in it to the language spoken"
    )
    return Problem(path, line, field, message)


# --- the episode file's front matter, changed by one line ------------------------------------


UNSAFE = "cannot add `transcript: {name}` to the front matter safely; add that line to it yourself"


def pointed(text: str, name: str, path: Path) -> str:
    """The episode file's `text` with `transcript: NAME` in its front matter, by the smallest change:
    one line added after the `audio:` entry (or before the closing `---`), or an empty `transcript:`
    filled in, keeping its comment. Every other byte stays: comments, order, line endings, a
    byte-order mark. FileError (naming `path`) unless the result reads as the same fields plus that one."""
    before = _fields(text, path, name)
    if before.get("transcript") == name:
        return text
    lines = text.split("\n")
    if "transcript" in before:  # written, and empty: content.load took it for no transcript
        index = before.lines["transcript"] - 1
        found = EMPTY.fullmatch(lines[index].rstrip("\r"))
        if found is None:
            raise FileError(path, UNSAFE.format(name=name))
        comment = f" {found['comment']}" if found["comment"] else ""
        lines[index] = f"transcript: {name}{comment}" + "\r" * lines[index].endswith("\r")
    else:
        index = _after_audio(lines, before)
        lines.insert(index, f"transcript: {name}" + "\r" * lines[index - 1].endswith("\r"))
    result = "\n".join(lines)
    if _fields(result, path, name) != {**before, "transcript": name}:
        raise FileError(path, UNSAFE.format(name=name))
    return result


def _fields(text: str, path: Path, name: str) -> dict:
    parts = split_front_matter(text.removeprefix("\ufeff"))
    data, problems = load_yaml(parts[0], path, first_line=2) if parts else (None, [])
    if problems or not hasattr(data, "lines"):  # a mapping that remembers its lines (schema.LineDict)
        raise FileError(path, UNSAFE.format(name=name))
    return data


def _after_audio(lines: list[str], fields) -> int:
    """The index of the line after the `audio:` entry: after its last line that is indented (a value
    continued) and not blank; before the closing `---` when there is no `audio:`."""
    if "audio" not in fields.lines:
        return next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    end = fields.lines["audio"] - 1
    for index in range(end + 1, len(lines)):
        if not lines[index].strip():
            continue
        if lines[index][0] not in " \t":
            break
        end = index
    return end + 1


# --- writing: both files made whole beside their places, then moved in -----------------------


def draft_text(cues: list[Cue], speaker: str = EXAMPLE_SPEAKER) -> str:
    """The cues as WebVTT under the note for the host (`speaker` is the voice tag's example name)."""
    return "WEBVTT\n\n" + NOTE.format(name=speaker) + "\n" + vtt_and_srt(cues)[0].removeprefix("WEBVTT\n\n")


def _speaker(show: Show, episode: Episode) -> str:
    names = (person.name for person in (*episode.people, *show.people))
    return next((name for name in names if SIMPLE_NAME.fullmatch(name)), EXAMPLE_SPEAKER)


def write(draft: Draft, cues: list[Cue], overwrite: bool) -> Written:
    """The draft written, then the episode file pointed at it, each atomically; if the second fails,
    a draft that did not exist before is removed again, so the episode never names a missing file
    and no stray draft is left."""
    episode = draft.episode.path.resolve()  # an episode file that is a symbolic link keeps its link
    new = not (draft.path.exists() or draft.path.is_symlink())
    if not new and not overwrite:  # made while the recording was transcribed
        raise FileError(draft.path, "appeared while the recording was transcribed; nothing was written to it")
    text = None if draft.named else pointed(_text(episode), draft.path.name, draft.episode.path)
    staged = [(_staged(draft.path, draft_text(cues, _speaker(draft.show, draft.episode))), draft.path)]
    try:
        if text is not None:
            staged.append((_staged(episode, text, episode.stat().st_mode), episode))
        _move(*staged[0])
        if len(staged) > 1:
            try:
                _move(*staged[1])
            except FileError:
                if new:
                    draft.path.unlink(missing_ok=True)
                raise
    finally:
        for partial, _ in staged:
            _remove(partial)
    return Written(draft.path, draft.episode.path, len(cues), text is not None)


def _text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")  # as it is: a BOM and CRLF line ends stay
    except (OSError, UnicodeDecodeError) as exc:
        raise FileError(path, f"cannot be read ({getattr(exc, 'strerror', None) or exc.__class__.__name__})") from exc


def _staged(target: Path, text: str, mode: int | None = None) -> Path:
    """`text` written whole to a hidden file beside `target`, with `target`'s permissions."""
    partial = beside(target, ".partial")
    try:
        partial.write_bytes(text.encode("utf-8"))
        if mode is not None:
            os.chmod(partial, mode & 0o7777)
    except OSError as exc:
        _remove(partial)
        raise FileError(target, f"cannot write ({exc.strerror or exc.__class__.__name__})") from exc
    return partial


def _remove(partial: Path) -> None:
    with contextlib.suppress(OSError):  # on a read-only disk even a missing file cannot be unlinked
        partial.unlink(missing_ok=True)


def _move(partial: Path, target: Path) -> None:
    try:
        os.replace(partial, target)
    except OSError as exc:
        raise FileError(target, f"cannot write ({exc.strerror or exc.__class__.__name__})") from exc
