"""Pages, feeds and side files of the published site, rendered from `templates/` with Jinja2."""

from __future__ import annotations

import html
import json
import multiprocessing
import os
import re
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from functools import cache, partial
from html import escape
from pathlib import Path
from typing import TypeVar

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt

from clgtv import textcache
from clgtv.episodes import Episode
from clgtv.feed import legal, plain, render_feed
from clgtv.release import Edition, Media, Release
from clgtv.settings import Site
from clgtv.textcache import TextCache
from clgtv.transcripts import Cue, parse_cues, read_bytes, vtt_and_srt

# "js-default" disables raw HTML in Markdown: a <script> in show notes is shown, never run. Its link
# check refuses javascript:, vbscript:, file: and data: links (except data: images of common types).
_markdown = MarkdownIt("js-default", {"linkify": False, "typographer": False}).enable("table")
STATIC = "static"
# Below this many pages or notes a process pool costs more (about 0.2 s to start) than it saves.
PARALLEL_FROM = 100

NO_CACHE = TextCache(None)

T = TypeVar("T")
R = TypeVar("R")


def markdown(text: str) -> str:
    """Show notes as HTML (see clgtv.feed on the text rules: characters XML cannot carry are dropped)."""
    return _markdown.render(legal(text))


def notes_html(
    episodes: Sequence[Episode], jobs: int | None = None, cache: TextCache = NO_CACHE, name: str = "notes"
) -> list[str]:
    """Every episode's show notes as HTML: kept in `cache` under `name` (one entry per programme), and
    rendered (in parallel when there are many) only where the text is new."""
    keys = [textcache.key(episode.notes) for episode in episodes]
    texts = dict(zip(keys, (episode.notes for episode in episodes), strict=True))
    known = cache.get(name)
    known = known if isinstance(known, dict) else {}
    if missing := [key for key in texts if key not in known]:
        known |= zip(missing, _map(markdown, [texts[key] for key in missing], jobs), strict=True)
        cache.put(name, {key: known[key] for key in texts})
    return [known[key] for key in keys]


def make_release(
    episode: Episode, media: Media, image_path: str | None = None, notes_html: str | None = None
) -> Release:
    """An episode ready to render: its show notes as HTML (rendered here unless given) and a plain-text
    description."""
    notes_html = markdown(episode.notes) if notes_html is None else notes_html
    return Release(episode, media, notes_html, episode.summary or plain_text(notes_html), image_path)


def plain_text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def clock(value: float) -> str:
    """0:12:30 for the page, H:MM:SS."""
    whole = int(value)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


@cache  # one per process: each pool worker compiles the templates once
def environment(templates: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = clock
    env.filters["plain"] = plain  # for text that leaves the page as plain text: its <meta> description
    env.filters["longdate"] = lambda d: f"{d.day} {d:%B %Y}"
    env.filters["megabytes"] = lambda n: f"{n / 1_000_000:.1f}"
    return env


def render_all(
    site: Site, editions: tuple[Edition, ...], out: Path, jobs: int | None = None, cache: TextCache = NO_CACHE
) -> None:
    """Write the home page, then per programme its feed, its page and every episode's page and side files
    (those in a process pool when there are many; transcripts kept in `cache`)."""
    templates = site.root / "templates"
    env = environment(templates)
    _copy_static(templates / STATIC, out)
    _write(out / "index.html", env.get_template("index.html").render(site=site, editions=editions, root="./"))
    episode_pages = []
    for edition in editions:
        _write(out / edition.feed_path, render_feed(edition))
        context = {"site": site, "edition": edition, "show": edition.programme.show, "root": "../"}
        _write(out / edition.page_path / "index.html", env.get_template("show.html").render(**context))
        # an episode page needs its programme's names and paths, not its other episodes: workers get less
        lean = replace(edition, programme=replace(edition.programme, episodes=()), releases=())
        episode_pages += [({**context, "edition": lean, "root": "../../"}, release) for release in edition.releases]
    _map(partial(_render_episode, templates, out, cache), episode_pages, jobs)


def _render_episode(templates: Path, out: Path, cache: TextCache, page: tuple[dict, Release]) -> None:
    context, release = page
    directory = out / release.page_path
    directory.mkdir(parents=True, exist_ok=True)
    cues_html = ""
    if release.episode.transcript:
        vtt, srt, cues_html = transcript_files(release.episode.transcript, cache)
        _write(directory / "transcript.vtt", vtt, mkdir=False)
        _write(directory / "transcript.srt", srt, mkdir=False)
    if release.episode.chapters:
        _write(directory / "chapters.json", chapters_json(release), mkdir=False)
    html_page = (
        environment(templates)
        .get_template("episode.html")
        .render(context, release=release, episode=release.episode, transcript_html=cues_html)
    )
    _write(directory / "index.html", html_page, mkdir=False)


def transcript_files(path: Path, cache: TextCache = NO_CACHE) -> tuple[str, str, str]:
    """A transcript as WebVTT, as SRT and as the page's HTML: from `cache` when it has this file's bytes."""
    data = read_bytes(path)
    name = f"transcripts/{textcache.key(data)}"
    if isinstance(kept := cache.get(name), list) and len(kept) == 3:
        return tuple(kept)
    cues = parse_cues(data, path)
    made = (*vtt_and_srt(cues), transcript_html(cues))
    cache.put(name, made)
    return made


def transcript_html(cues: list[Cue]) -> str:
    """The transcript's paragraphs, built here rather than in a template loop: an hour holds hundreds of
    cues, and this is ten times faster than Jinja's per-value escaping."""
    return "\n".join(
        f'<p dir="auto"><button type="button" class="seek stamp" data-start="{cue.start!r}">'
        f'<span class="visually-hidden">Play from </span>{clock(cue.start)}</button> '
        f"{f'<strong>{escape(cue.speaker)}:</strong> ' if cue.speaker else ''}{escape(cue.text)}</p>"
        for cue in cues
    )


def chapters_json(release: Release) -> str:
    """Podcasting 2.0 JSON chapters."""
    chapters = []
    for chapter in release.episode.chapters:
        item: dict = {"startTime": chapter.start, "title": plain(chapter.title)}
        if chapter.url:
            item["url"] = chapter.url
        chapters.append(item)
    return json.dumps({"version": "1.2.0", "chapters": chapters}, indent=2, ensure_ascii=False) + "\n"


def _copy_static(static: Path, out: Path) -> None:
    if static.is_dir():
        shutil.copytree(static, out / STATIC, dirs_exist_ok=True)


def _write(path: Path, data: str | bytes, mkdir: bool = True) -> None:
    if mkdir:
        path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)


def _map(function: Callable[[T], R], items: Sequence[T], jobs: int | None) -> list[R]:
    """`function` over `items`, in order; across processes when there are enough items to pay for them."""
    workers = min(jobs or os.cpu_count() or 1, len(items))
    if workers < 2 or len(items) < PARALLEL_FROM:
        return [function(item) for item in items]
    # forkserver, not fork: a build may still have threads running, and forking them can deadlock
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["__main__", __name__])  # workers start with both imported
    else:
        context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(pool.map(function, items, chunksize=-(-len(items) // (workers * 4))))
