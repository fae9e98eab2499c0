"""Pages, feeds and side files of the published site, rendered from `templates/` with Jinja2."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt

from clgtv.episodes import Episode
from clgtv.feed import render_feed
from clgtv.release import Edition, Media, Release
from clgtv.settings import Site
from clgtv.transcripts import read_cues, to_srt, to_vtt

# "js-default" disables raw HTML in Markdown: a <script> in show notes is shown, never run. Its link
# check refuses javascript:, vbscript:, file: and data: links (except data: images of common types).
_markdown = MarkdownIt("js-default", {"linkify": False, "typographer": False}).enable("table")
STATIC = "static"


def markdown(text: str) -> str:
    return _markdown.render(text)


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


def environment(templates: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = clock
    env.filters["longdate"] = lambda d: f"{d.day} {d:%B %Y}"
    env.filters["megabytes"] = lambda n: f"{n / 1_000_000:.1f}"
    return env


def render_all(site: Site, editions: tuple[Edition, ...], out: Path) -> None:
    env = environment(site.root / "templates")
    _copy_static(site.root / "templates" / STATIC, out)
    _write(out / "index.html", env.get_template("index.html").render(site=site, editions=editions, root="./"))
    for edition in editions:
        _write(out / edition.feed_path, render_feed(edition))
        context = {"site": site, "edition": edition, "show": edition.programme.show, "root": "../"}
        _write(out / edition.page_path / "index.html", env.get_template("show.html").render(**context))
        for release in edition.releases:
            _render_episode(env, context, release, out)


def _render_episode(env: Environment, context: dict, release: Release, out: Path) -> None:
    directory = out / release.page_path
    cues = read_cues(release.episode.transcript) if release.episode.transcript else []
    if cues:
        _write(directory / "transcript.vtt", to_vtt(cues))
        _write(directory / "transcript.srt", to_srt(cues))
    if release.episode.chapters:
        _write(directory / "chapters.json", chapters_json(release))
    page = env.get_template("episode.html").render(
        {**context, "root": "../../"}, release=release, episode=release.episode, cues=cues
    )
    _write(directory / "index.html", page)


def chapters_json(release: Release) -> str:
    """Podcasting 2.0 JSON chapters."""
    chapters = []
    for chapter in release.episode.chapters:
        item: dict = {"startTime": chapter.start, "title": chapter.title}
        if chapter.url:
            item["url"] = chapter.url
        chapters.append(item)
    return json.dumps({"version": "1.2.0", "chapters": chapters}, indent=2, ensure_ascii=False) + "\n"


def _copy_static(static: Path, out: Path) -> None:
    if static.is_dir():
        shutil.copytree(static, out / STATIC, dirs_exist_ok=True)


def _write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
