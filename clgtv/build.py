"""`clgtv build`: process audio (cached by content), tag it, render everything into build/site."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from clgtv import lint, site, transcription
from clgtv.artwork import cover_jpeg, image_size
from clgtv.audio.master import ENGINE_VERSION, MasterReport, master
from clgtv.content import Content, Programme
from clgtv.episodes import Episode
from clgtv.errors import ClgtvError, ContentError, MediaError, display_path
from clgtv.files import file_stamp, replacing
from clgtv.history import history_problems
from clgtv.layout import AUDIO_FORMATS, file_digest, social_image_name
from clgtv.pool import map_threads
from clgtv.release import SOCIAL, Edition, FeedImage, Release, Transcript, assemble, audio_settings, finished
from clgtv.settings import CLIPS, AudioSettings, Show, Site
from clgtv.social import social_alt, social_image
from clgtv.tags import ChapterMark, TagSet, media_duration, write_tags
from clgtv.textcache import TextCache

Log = Callable[[str], None]
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class BuildResult:
    site_dir: Path
    editions: tuple[Edition, ...]
    processed: tuple[Path, ...]  # sources whose audio was processed in this run
    held_back: tuple[tuple[Episode, str], ...]  # drafts and scheduled episodes, with why


@contextlib.contextmanager
def building(site: Site):
    """Hold build/.lock while building (and publishing what was built): two runs at once would write
    the same staging folder. The operating system releases the lock when the process ends, however."""
    site.build_dir.mkdir(parents=True, exist_ok=True)
    path = site.build_dir / ".lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise ClgtvError(
                f"{display_path(site.root)}: another build of this project is running ({holder}); "
                "wait for it to finish, then run this again"
            ) from None
        handle.truncate(0)
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)


def build(
    content: Content,
    shows: Iterable[str] = (),
    jobs: int | None = None,
    now: dt.datetime | None = None,
    log: Log = lambda _: None,
    progress: Progress | None = None,
) -> BuildResult:
    """`progress`: a progress bar for the transcriptions (on a terminal); `log` gets plain lines."""
    now = now or dt.datetime.now(dt.UTC)
    programmes = content.select(shows)
    if missing := history_problems(content, None, shows):
        raise ContentError(missing)  # a feed carries its declared podcast:guid, never a derived one
    cache = Cache(content.site.build_dir / "cache")
    due = {p.show.slug: tuple(cache.recording(p.show, e) for e in p.due(now)) for p in programmes}
    wanted = [
        found
        for p in programmes
        for r in due[p.show.slug]
        if (found := transcription.job(content.site, p.show, r.episode, r.processed))
    ]
    models = transcription.models(wanted, cache.root)  # before the audio: a model that cannot be had stops here
    processed = process_audio(cache, [r for recordings in due.values() for r in recordings], jobs, log)
    cpus = jobs or os.cpu_count() or 1
    transcripts = transcription.transcribe_all(wanted, models, cache.root, cpus, log, progress) if wanted else {}
    staging = content.site.build_dir / "site.new"
    shutil.rmtree(staging, ignore_errors=True)
    editions = tuple(_edition(content, p, due[p.show.slug], cache, staging, jobs, transcripts) for p in programmes)
    site.render_all(content.site, editions, staging, jobs, cache.text)
    lint.check_built(editions, staging, log)  # raises ContentError: a feed apps would refuse never goes out
    site_dir = content.site.build_dir / "site"
    shutil.rmtree(site_dir, ignore_errors=True)
    staging.rename(site_dir)
    held = tuple((e, _why_held(e, now)) for p in programmes for e in p.episodes if not e.is_due(now))
    return BuildResult(site_dir, editions, processed, held)


def _why_held(episode: Episode, now: dt.datetime) -> str:
    if episode.status == "draft":
        return "draft"
    return f"scheduled for {episode.date.isoformat()}"


CHANGED = "changed while it was being processed (was it still being copied in?); build again once it is whole"


@dataclass(frozen=True)
class Recording:
    """One due episode's audio: settings merged once, cache path (source hashed) found once, and the
    stamps of the files read taken before they were hashed."""

    episode: Episode
    settings: AudioSettings
    processed: Path
    stamps: tuple[tuple[Path, tuple[int, ...] | None], ...]

    def changed(self) -> Path | None:
        """The first file read that has changed since it was hashed: what was processed may not be it."""
        return next((path for path, stamp in self.stamps if file_stamp(path) != stamp), None)


class Cache:
    """build/cache: processed audio by (source bytes, settings, engine), tagged copies by tags, and text
    derived from show notes and transcripts."""

    def __init__(self, root: Path):
        self.root = root
        self.text = TextCache(root / "text")

    def audio_key(self, source: Path, settings: AudioSettings) -> str:
        # the clips by their bytes, never where they lie: a moved or copied project keeps its cache
        described = asdict(settings) | dict.fromkeys(CLIPS)
        digest = hashlib.sha256(json.dumps([ENGINE_VERSION, described], sort_keys=True).encode())
        for path in (source, settings.intro, settings.outro):
            digest.update(file_digest(path).encode() if path else b"-")
        return digest.hexdigest()[:32]

    def recording(self, show: Show, episode: Episode) -> Recording:
        """The episode's audio settings and where its processed audio is cached (hashes the source once)."""
        settings = audio_settings(show, episode)
        stamps = tuple((path, file_stamp(path)) for path in (episode.audio, settings.intro, settings.outro) if path)
        key = self.audio_key(episode.audio, settings)
        processed = self.root / "audio" / f"{key}{AUDIO_FORMATS[settings.format].suffix}"
        return Recording(episode, settings, processed, stamps)

    def report(self, processed: Path) -> Path:
        return processed.with_suffix(".json")


def _mastered(recording: Recording) -> MasterReport:
    """`master` the recording, unless a file it read changed meanwhile: then neither what it made nor the
    damage it found is the file's, and nothing is cached under the key of the bytes it hashed."""
    try:
        report = master(recording.episode.audio, recording.processed, recording.settings)
    except MediaError:
        if changed := recording.changed():
            raise MediaError(changed, CHANGED) from None
        raise
    if changed := recording.changed():
        recording.processed.unlink(missing_ok=True)
        raise MediaError(changed, CHANGED)
    return report


def process_audio(cache: Cache, recordings: list[Recording], jobs: int | None, log: Log) -> tuple[Path, ...]:
    """Process the recordings the cache lacks, `jobs` at once (also for `clgtv transcribe`); the sources processed."""
    todo = {r.processed: r for r in recordings if not r.processed.is_file()}  # one job per distinct result
    if not todo:
        return ()
    for directory in {processed.parent for processed in todo}:
        directory.mkdir(parents=True, exist_ok=True)

    workers = min(jobs or os.cpu_count() or 1, len(todo))

    def work(recording: Recording) -> Path:
        episode = recording.episode
        log(f"processing {episode.audio.name} ...")
        report = _mastered(recording)
        cache.report(recording.processed).write_text(json.dumps(report.as_dict(), indent=2) + "\n")
        after = report.after
        log(
            f"  {episode.audio.name}: {report.before.integrated:.1f} -> {after.integrated:.1f} LUFS, "
            f"true peak {after.true_peak:.1f} dBTP"
        )
        for warning in report.warnings:
            log(f"  warning: {episode.audio.name}: {warning}")
        return episode.audio

    return tuple(map_threads(work, list(todo.values()), workers))


def _edition(
    content: Content,
    programme: Programme,
    recordings: tuple[Recording, ...],
    cache: Cache,
    out: Path,
    jobs: int | None,
    transcripts: dict[Path, Transcript | None],
) -> Edition:
    """The programme assembled as `check` sees it, then its images, finished media and automatic
    transcripts (none where no speech was heard) in place of the placeholders."""
    episodes = [r.episode for r in recordings]
    edition = assemble(content.site, programme, episodes, jobs, cache.text, [r.settings for r in recordings])
    for path, source in edition.images().items():
        _link_or_copy(source, out / path)
    show = programme.show
    cover = cover_jpeg(show.artwork)
    feed_url = content.site.url(edition.feed_path)
    releases = tuple(
        _shared(
            show,
            _finish(show, _transcribed(release, transcripts), recording.processed, cover, feed_url, cache, out),
            cover,
            cache,
            out,
        )
        for release, recording in zip(edition.releases, recordings, strict=True)
    )
    return replace(edition, releases=releases)


def _shared(show: Show, release: Release, cover: bytes, cache: Cache, out: Path) -> Release:
    """`release` with its social image drawn (or found in the cache), published, and one more podcast:image."""
    title = release.episode.title
    drawn = social_image(cache.root / "social", cover, title, show.title)
    path = social_image_name(show.slug, release.episode.slug, drawn)
    _link_or_copy(drawn, out / path)
    width, height = image_size(drawn)
    image = FeedImage(path, width, height, social_alt(title, show.title), SOCIAL)
    return replace(release, feed_images=(*release.feed_images, image))


def _transcribed(release: Release, transcripts: dict[Path, Transcript | None]) -> Release:
    if release.transcript is None or not release.transcript.is_pending:
        return release
    return replace(release, transcript=transcripts[release.episode.path])


def _finish(
    show: Show, release: Release, processed: Path, cover: bytes, feed_url: str, cache: Cache, out: Path
) -> Release:
    """`release` with its media tagged and published."""
    episode = release.episode
    duration = media_duration(processed)
    tags = TagSet(
        title=episode.title,
        artist=show.author,
        album=show.title,
        date=episode.date,
        comment=episode.summary or "",
        track=episode.number,
        season=episode.season,
        cover=cover,
        chapters=_chapter_marks(episode, duration),
        description=release.notes_text or episode.summary or "",
        feed_url=feed_url,
        guid=episode.guid,
    )
    tagged = _tagged(cache, processed, tags, show.id3_version)
    done = finished(release, tagged, duration)
    _link_or_copy(tagged, out / done.media.path)
    return done


def _chapter_marks(episode: Episode, duration: float) -> tuple[ChapterMark, ...]:
    starts = [c.start for c in episode.chapters]
    ends = [*starts[1:], duration][: len(starts)]
    return tuple(ChapterMark(c.start, end, c.title, c.url) for c, end in zip(episode.chapters, ends, strict=True))


def _tagged(cache: Cache, processed: Path, tags: TagSet, version: int) -> Path:
    """A tagged copy of the processed file, cached by (audio, tags, ID3 version) so rebuilds are cheap."""
    digest = hashlib.sha256(processed.name.encode())
    digest.update(repr(tags).encode())
    if version != 3:  # the default keeps the key it had before versions were selectable
        digest.update(f"ID3v2.{version}".encode())
    path = cache.root / "tagged" / f"{digest.hexdigest()[:32]}{processed.suffix}"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        with replacing(path, suffix=processed.suffix) as partial:  # tags go by the suffix
            shutil.copyfile(processed, partial)
            write_tags(partial, tags, version)
    return path


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
