"""Automatic transcripts: processed audio in, caption-sized WebVTT cues out, cached like the audio.

A due episode with no `transcript:` file, and transcription on, is transcribed from its processed
audio by the recogniser (clgtv/recogniser.py). The names in its metadata (the `vocabulary`, its
people, the programme's and site's titles, its title and chapter titles) are then spelled as the
hosts spell them (clgtv/spelling.py). The words become cues of at most two lines of about 42 characters and a
few seconds each, broken at sentence ends and pauses, written as WebVTT into build/cache/transcripts/.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from clgtv import recogniser, spelling
from clgtv.episodes import Episode, transcript_language, transcription_settings, transcription_source
from clgtv.errors import ContentError, Problem, display_path
from clgtv.files import replace_bytes
from clgtv.pool import map_threads
from clgtv.recogniser import Heard, Model, Recogniser, Word
from clgtv.release import Transcript
from clgtv.settings import Show, Site, TranscriptionSettings, whisper_code
from clgtv.transcripts import Cue, vtt_and_srt

VERSION = 3  # of the decoding, the spelling and the cue rules below: part of the cache key
MAX_LINE = 42  # characters per caption line (BBC and Netflix guidelines: 37-42)
MAX_CUE_S = 6.0  # a cue ends before a word that would take it past this
HARD_MAX_CUE_S = 7.0  # and never lasts longer than this, whatever the word timings
MIN_CUE_S = 1.0  # a shorter cue is held on screen until the next one starts, up to this long
PAUSE_S = 0.6  # a pause this long between words ends a cue
SENTENCE_ENDS = (".", "?", "!", "…")
CLAUSE_ENDS = (",", ";", ":", "—", "–")
ABBREVIATIONS = {"mr.", "mrs.", "ms.", "dr.", "st.", "prof.", "cllr."}

Log = Callable[[str], None]
Progress = Callable[[str, float], None]  # a stage and the fraction done, as `clgtv master` reports


@dataclass(frozen=True)
class Job:
    """One due episode to give an automatic transcript: where its processed audio is, the names to
    spell as its metadata does, and where the result is cached."""

    site: Site
    show: Show
    episode: Episode
    processed: Path  # the processed audio (build/cache/audio/<key>.mp3)
    settings: TranscriptionSettings  # merged: clgtv.yaml < show.yaml < the episode
    language: str  # Whisper's code
    glossary: tuple[str, ...]

    def key(self, model: Model) -> str:
        """The cache key: processed audio (its name is its content key), model, settings, glossary."""
        described = [VERSION, model.identity, self.language, self.settings.beam_size, self.glossary]
        digest = hashlib.sha256(json.dumps(described).encode())
        digest.update(self.processed.name.encode())
        return digest.hexdigest()[:32]


def job(site: Site, show: Show, episode: Episode, processed: Path, asked: bool = False) -> Job | None:
    """The transcription `episode` needs, or None: it has a transcript file, or transcription is off.
    `asked`: a host asked for it (`clgtv transcribe`), so it is made whatever the episode has."""
    settings = transcription_settings(show, episode)
    if not asked and (episode.transcript or not settings.enabled):
        return None
    language = settings.language or whisper_code(show.language) or "en"  # content.load refused the rest
    return Job(site, show, episode, processed, settings, language, glossary(site, show, episode, settings))


def glossary(site: Site, show: Show, episode: Episode, settings: TranscriptionSettings) -> tuple[str, ...]:
    """The names to spell as the metadata does, each once: the vocabulary, the people, the programme's
    and the site's titles, and the capitalised words of the episode's and its chapters' titles. A
    title such as "The Federation, Manchester" is seldom said as written, so only its words are."""
    names = [
        *settings.vocabulary,
        *(person.name for person in (*episode.people, *show.people)),
        show.title,
        site.title,
        *(word for title in (episode.title, *(c.title for c in episode.chapters)) for word in _words(title)),
    ]
    chosen: dict[str, str] = {}
    for name in names:
        chosen.setdefault(name.casefold(), name)
    return tuple(chosen.values())


def _words(title: str) -> list[str]:
    words = (part.strip(".,;:!?\"'()[]") for part in title.split())
    return [word for word in words if len(word) > 2 and word[0].isupper()]


# --- cues ------------------------------------------------------------------------------


def cues(words: Sequence[Word]) -> list[Cue]:
    """Caption-sized cues from timed words: at most two lines of MAX_LINE characters, at most
    MAX_CUE_S long, ended at sentence ends and pauses; a cue that must end mid-sentence ends at a
    clause (a comma) in its second half where it has one."""
    groups: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        if current and _natural_break(current[-1], word):
            groups.append(current)
            current = []
        while current and not _room_for(current, word):
            cut = _clause_cut(current)
            groups.append(current[:cut])
            current = current[cut:]
        current.append(word)
    if current:
        groups.append(current)
    return _timed(groups)


def _natural_break(last: Word, word: Word) -> bool:
    return word.start - last.end >= PAUSE_S or _ends_sentence(last.text)


def _ends_sentence(text: str) -> bool:
    return text.rstrip("\"'”’)").endswith(SENTENCE_ENDS) and text.casefold() not in ABBREVIATIONS


def _room_for(current: list[Word], word: Word) -> bool:
    return word.end - current[0].start <= MAX_CUE_S and _layout([*current, word]) is not None


def _clause_cut(current: list[Word]) -> int:
    """Where to end a cue that is full: after its last clause end in the second half, else at the end."""
    for index in range(len(current) - 1, len(current) // 2 - 1, -1):
        if index < len(current) - 1 and current[index].text.endswith(CLAUSE_ENDS):
            return index + 1
    return len(current)


def _layout(words: Sequence[Word]) -> str | None:
    """The words as one line, or two balanced lines, of at most MAX_LINE characters; None if they do
    not fit. Of the ways to break into two lines, the most even, preferring a break after punctuation."""
    texts = [w.text for w in words]
    whole = " ".join(texts)
    if len(whole) <= MAX_LINE:
        return whole
    best: tuple[int, int, int] | None = None
    for cut in range(1, len(texts)):
        first, second = " ".join(texts[:cut]), " ".join(texts[cut:])
        if len(first) <= MAX_LINE and len(second) <= MAX_LINE:
            score = (max(len(first), len(second)) - (6 if texts[cut - 1].endswith(CLAUSE_ENDS) else 0), len(first), cut)
            best = min(best, score) if best else score
    if best is None:
        return whole if len(texts) == 1 else None  # a single word longer than a line stands alone
    cut = best[2]
    return " ".join(texts[:cut]) + "\n" + " ".join(texts[cut:])


def _timed(groups: list[list[Word]]) -> list[Cue]:
    """Cues from word groups: from the first word's start to the last word's end, a short cue held up
    to MIN_CUE_S (never into the next), and none longer than HARD_MAX_CUE_S."""
    result = []
    for index, group in enumerate(groups):
        start = group[0].start
        following = groups[index + 1][0].start if index + 1 < len(groups) else None
        end = max(group[-1].end, start + min(MIN_CUE_S, (following - start) if following else MIN_CUE_S))
        if following is not None:
            end = min(end, max(following, start))
        end = min(max(end, start + 0.001), start + HARD_MAX_CUE_S)
        result.append(Cue(round(start, 3), round(end, 3), None, _layout(group) or " ".join(w.text for w in group)))
    return result


# --- transcribing ----------------------------------------------------------------------


def transcribe(
    model: Recogniser, processed: Path, job: Job, progress: Callable[[float], None] | None = None
) -> tuple[list[Cue], Heard]:
    """One episode's processed audio, heard and cut into cues."""
    heard = model.transcribe(processed, job.language, job.settings.beam_size, progress)
    return cues(spelling.spelled(heard.words, spelling.terms(job.glossary), model.common_word)), heard


def vtt(cue_list: list[Cue]) -> str:
    return vtt_and_srt(cue_list)[0]


@dataclass(frozen=True)
class Result:
    """An automatic transcript in the cache: its WebVTT (absent when no speech was heard) and report."""

    vtt: Path
    report: Path

    def transcript(self, language: str | None) -> Transcript | None:
        return Transcript(self.vtt, language, automatic=True) if self.vtt.is_file() else None

    @property
    def done(self) -> bool:
        """Whether the report is whole and the WebVTT it describes is there byte for byte: a cache file
        lost or damaged is made again, never published or taken for a recording with no speech."""
        try:
            report = json.loads(self.report.read_text(encoding="utf-8"))
            if not report["cues"]:
                return not self.vtt.exists()
            return hashlib.sha256(self.vtt.read_bytes()).hexdigest() == report["vtt_sha256"]
        except (OSError, ValueError, KeyError, TypeError):
            return False


def cached(cache: Path, key: str) -> Result:
    folder = cache / "transcripts"
    return Result(folder / f"{key}.vtt", folder / f"{key}.json")


def models(jobs: Sequence[Job], cache: Path) -> dict[str, Model]:
    """The models the jobs name, found (a named one downloaded if missing) before any audio is
    processed, so a model that cannot be had stops the build at once. `cache` is build/cache."""
    return {name: _model(name, cache, [j for j in jobs if j.settings.model == name]) for name in _names(jobs)}


def transcribe_all(
    jobs: Sequence[Job],
    models: dict[str, Model],
    cache: Path,
    cpus: int,
    log: Log,
    progress: Progress | None = None,
) -> dict[Path, Transcript | None]:
    """Each job's automatic transcript (None where no speech was heard: warned), by episode file,
    made where the cache lacks it. `cache` is build/cache. The cpus are shared: as many
    transcriptions at once as there are cpus (at most), each on cpus // that many threads."""
    results = {j.episode.path: cached(cache, j.key(models[j.settings.model])) for j in jobs}
    todo: dict[Path, Job] = {}
    for each in jobs:  # one transcription per distinct result
        result = results[each.episode.path]
        if not result.done:
            todo.setdefault(result.report, each)
    if todo:
        _run(list(todo.values()), models, results, cache, cpus, log, progress)
    transcripts = {}
    for each in jobs:
        language = transcript_language(each.show, each.episode)
        transcripts[each.episode.path] = results[each.episode.path].transcript(language)
        if transcripts[each.episode.path] is None:
            log(f"warning: {display_path(each.episode.audio)}: {NO_SPEECH}")
    return transcripts


NO_SPEECH = (
    "no speech recognised, so the episode goes out without a transcript; listen to the recording, "
    "or give the episode a transcript file"
)


def _names(jobs: Sequence[Job]) -> list[str]:
    return list(dict.fromkeys(j.settings.model for j in jobs))


def _model(name: str, cache: Path, users: list[Job]) -> Model:
    """The model `name`; one that cannot be had is a problem at the line that names it."""
    try:
        return recogniser.find(name, cache / "models")
    except recogniser.NotDownloaded as exc:
        first = users[0]
        path, line, field = transcription_source(first.site, first.show, first.episode, "model")
        message = (
            f"{exc.name} is not downloaded yet, and cannot be downloaded now ({exc.reason}); connect this "
            f"machine to the internet once so clgtv can download it into {display_path(exc.path)}, or set model: "
            "to a folder holding a faster-whisper model"
        )
        raise ContentError([Problem(path, line, field, message)]) from None


def _run(
    todo: list[Job],
    models: dict[str, Model],
    results: dict[Path, Result],
    cache: Path,
    cpus: int,
    log: Log,
    progress: Progress | None,
) -> None:
    workers = max(1, min(cpus, len(todo)))
    threads = max(1, cpus // workers)
    loaded = {name: _loaded(models[name], cache, threads, workers, todo) for name in _names(todo)}
    meter = _Meter(todo, progress)
    held: list[str] = []  # on a terminal, lines wait for the progress bar to finish
    say = held.append if progress else log

    def work(each: Job) -> None:
        name = each.episode.audio.name
        say(f"transcribing {name} ...")
        began = time.monotonic()
        found, heard = transcribe(loaded[each.settings.model], each.processed, each, meter.reporter(each))
        elapsed = time.monotonic() - began
        _store(results[each.episode.path], found, heard, loaded[each.settings.model], elapsed)
        meter.finished(each)
        words = len(heard.words)
        say(f"  {name}: {len(found)} cues, {words} words from {heard.duration:.1f} s in {elapsed:.1f} s")

    map_threads(work, todo, workers)
    for line in held:
        log(line)


def _loaded(model: Model, cache: Path, threads: int, workers: int, todo: list[Job]) -> Recogniser:
    loaded = recogniser.load(model, cache / "models", threads, workers)
    for each in todo:
        if each.settings.model == model.name and each.language not in loaded.languages:
            path, line, field = transcription_source(each.site, each.show, each.episode, "model")
            message = f"this model does not transcribe '{each.language}'; choose a multilingual model such as small"
            raise ContentError([Problem(path, line, field, message)])
    return loaded


def _store(result: Result, found: list[Cue], heard: Heard, model: Recogniser, elapsed: float) -> None:
    """The cues, then the report: a whole report, with the WebVTT's SHA-256, says the transcription is done."""
    result.report.parent.mkdir(parents=True, exist_ok=True)
    text = vtt(found) if found else ""
    if found:
        _write(result.vtt, text)
    else:
        result.vtt.unlink(missing_ok=True)
    report = {
        "model": model.model.identity,
        "device": f"{model.device} {model.compute_type}, {model.workers} at once on {model.threads} threads each",
        "language": heard.language,
        "duration": round(heard.duration, 3),
        "speech": round(heard.speech, 3),
        "words": len(heard.words),
        "cues": len(found),
        "vtt_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest() if found else None,
        "seconds": round(elapsed, 3),
    }
    _write(result.report, json.dumps(report, indent=2) + "\n")


def _write(path: Path, text: str) -> None:
    replace_bytes(path, text.encode("utf-8"))


class _Meter:
    """One progress figure for the transcriptions running at once, weighted by their lengths."""

    def __init__(self, todo: list[Job], progress: Progress | None):
        from clgtv.tags import media_duration

        self.progress = progress
        self.lengths = {j.episode.path: media_duration(j.processed) for j in todo} if progress else {}
        self.done = dict.fromkeys(self.lengths, 0.0)
        self.count, self.finished_count = len(todo), 0
        self.lock = threading.Lock()

    def reporter(self, each: Job) -> Callable[[float], None] | None:
        if not self.progress:
            return None
        return lambda fraction: self._update(each.episode.path, fraction)

    def _update(self, path: Path, fraction: float) -> None:
        assert self.progress is not None
        with self.lock:
            self.done[path] = fraction * self.lengths[path]
            total = sum(self.lengths.values()) or 1.0
            stage = f"{self.finished_count}/{self.count}"
            self.progress(stage, min(sum(self.done.values()) / total, 1.0))

    def finished(self, each: Job) -> None:
        if not self.progress:
            return
        with self.lock:
            self.finished_count += 1
        self._update(each.episode.path, 1.0)
        if self.finished_count == self.count:
            self.progress("done", 1.0)
