"""`clgtv build`: process audio (cached by content), tag it, render everything into build/site."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from clgtv import lint
from clgtv import site as pages
from clgtv.artwork import cover_jpeg
from clgtv.audio.ffmpeg import FORMATS
from clgtv.audio.master import ENGINE_VERSION, master
from clgtv.content import Content, Programme
from clgtv.episodes import Episode
from clgtv.release import Edition, Media, Release, image_name
from clgtv.settings import AudioSettings, Show
from clgtv.tags import ChapterMark, TagSet, media_duration, write_tags

Log = Callable[[str], None]


@dataclass(frozen=True)
class BuildResult:
    site_dir: Path
    editions: tuple[Edition, ...]
    processed: tuple[Path, ...]  # sources whose audio was processed in this run
    held_back: tuple[tuple[Episode, str], ...]  # drafts and scheduled episodes, with why


def build(
    content: Content,
    shows: Iterable[str] = (),
    jobs: int | None = None,
    now: dt.datetime | None = None,
    log: Log = lambda _: None,
) -> BuildResult:
    now = now or dt.datetime.now(dt.UTC)
    programmes = content.select(shows)
    cache = Cache(content.site.build_dir / "cache")
    due = [(p.show, e) for p in programmes for e in p.due(now)]
    processed = _process_audio(cache, due, jobs or os.cpu_count() or 1, log)
    staging = content.site.build_dir / "site.new"
    shutil.rmtree(staging, ignore_errors=True)
    editions = tuple(_edition(content, p, due_now=p.due(now), cache=cache, out=staging) for p in programmes)
    pages.render_all(content.site, editions, staging)
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


def audio_settings(show: Show, episode: Episode) -> AudioSettings:
    """The show's audio settings with the episode's own `processing` overrides."""
    return show.audio.merged(dict(episode.processing), episode.path.parent)


class Cache:
    """build/cache: processed audio by (source bytes, settings, engine), tagged copies by tags."""

    def __init__(self, root: Path):
        self.root = root

    def audio_key(self, source: Path, settings: AudioSettings) -> str:
        digest = hashlib.sha256()
        digest.update(json.dumps([ENGINE_VERSION, asdict(settings)], sort_keys=True, default=str).encode())
        for path in (source, settings.intro, settings.outro):
            digest.update(file_digest(path).encode() if path else b"-")
        return digest.hexdigest()[:32]

    def processed(self, source: Path, settings: AudioSettings) -> Path:
        key = self.audio_key(source, settings)
        return self.root / "audio" / f"{key}{FORMATS[settings.format].suffix}"

    def report(self, processed: Path) -> Path:
        return processed.with_suffix(".json")


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _process_audio(cache: Cache, due: list[tuple[Show, Episode]], jobs: int, log: Log) -> tuple[Path, ...]:
    todo: dict[Path, tuple[Episode, AudioSettings]] = {}
    for show, episode in due:
        settings = audio_settings(show, episode)
        if not (processed := cache.processed(episode.audio, settings)).is_file():
            todo[processed] = (episode, settings)
    if not todo:
        return ()
    for directory in {processed.parent for processed in todo}:
        directory.mkdir(parents=True, exist_ok=True)

    def work(processed: Path) -> Path:
        episode, settings = todo[processed]
        log(f"processing {episode.audio.name} ...")
        report = master(episode.audio, processed, settings)
        cache.report(processed).write_text(json.dumps(report.as_dict(), indent=2) + "\n")
        after = report.after
        log(
            f"  {episode.audio.name}: {report.before.integrated:.1f} -> {after.integrated:.1f} LUFS, "
            f"true peak {after.true_peak:.1f} dBTP"
        )
        for warning in report.warnings:
            log(f"  warning: {episode.audio.name}: {warning}")
        return episode.audio

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return tuple(pool.map(work, todo))


def _edition(content: Content, programme: Programme, due_now: tuple[Episode, ...], cache: Cache, out: Path) -> Edition:
    show = programme.show
    artwork_path = _publish_artwork(show, out)
    cover = cover_jpeg(show.artwork)
    releases = tuple(_release(content, show, episode, cover, cache, out) for episode in due_now)
    return Edition(content.site, programme, artwork_path, releases)


def _publish_artwork(show: Show, out: Path) -> str:
    return _publish_image(show.artwork, f"{show.slug}/artwork", out)


def _publish_image(source: Path, prefix: str, out: Path) -> str:
    name = image_name(prefix, source)
    _link_or_copy(source, out / name)
    return name


def _release(content: Content, show: Show, episode: Episode, cover: bytes, cache: Cache, out: Path) -> Release:
    settings = audio_settings(show, episode)
    processed = cache.processed(episode.audio, settings)
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
        description=pages.plain_text(pages.markdown(episode.notes)) or episode.summary or "",
        feed_url=content.site.url(f"{show.slug}/feed.xml"),
        guid=episode.guid,
    )
    tagged = _tagged(cache, processed, tags, show.id3_version)
    name = f"{show.slug}/media/{episode.slug}-{file_digest(tagged)[:10]}{processed.suffix}"
    _link_or_copy(tagged, out / name)
    media = Media(name, tagged.stat().st_size, duration, FORMATS[settings.format].mime_type)
    image = _publish_image(episode.image, f"{episode.show}/{episode.slug}/image", out) if episode.image else None
    return pages.make_release(episode, media, image)


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
        partial = path.with_name(f".{path.stem}.partial{path.suffix}")  # tags go by the suffix
        shutil.copyfile(processed, partial)
        write_tags(partial, tags, version)
        os.replace(partial, path)
    return path


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
