"""Pages, feeds and side files of the published site, rendered from `templates/` with Jinja2."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from functools import cache, partial
from html import escape
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from clgtv import search, sharing, textcache
from clgtv.feed import plain, render_feed
from clgtv.layout import NOT_FOUND_PAGE, ROBOTS, SITEMAP
from clgtv.pool import map_ordered
from clgtv.release import Edition, Release
from clgtv.settings import Site
from clgtv.textcache import NO_CACHE, TextCache
from clgtv.transcripts import Cue, json_transcript, parse_cues, read_bytes, vtt_and_srt

STATIC = "static"
SEARCH_PAGE = "search/index.html"


def plain_attribute(text: str) -> Markup:
    """`text` for an attribute read as plain text (a <meta> description, a link preview's title): escaped,
    and each carriage return as a reference, which an HTML parser would otherwise read as a line feed."""
    return Markup.escape(plain(text)).replace("\r", Markup("&#13;"))


def clock(value: float) -> str:
    """0:12:30 for the page, H:MM:SS."""
    whole = int(value)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def under_heading(fragment: str) -> Markup:
    """Rendered show notes with each heading one level down, so a `##` in the notes (h2) sits under the
    page's own "Show notes" h2, as an h3. The fragment is the Markdown renderer's own, escaped output."""
    return Markup(re.sub(r"<(/?)h([1-5])\b", lambda m: f"<{m[1]}h{int(m[2]) + 1}", fragment))


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
    env.filters["plain"] = plain_attribute
    env.filters["longdate"] = lambda d: f"{d.day} {d:%B %Y}"
    env.globals["embed_size"] = (sharing.EMBED_WIDTH, sharing.EMBED_HEIGHT)
    env.filters["megabytes"] = lambda n: f"{n / 1_000_000:.1f}"
    env.filters["file_type"] = lambda path: PurePosixPath(str(path)).suffix.lstrip(".").upper()
    env.filters["under_heading"] = under_heading
    return env


def render_all(
    site: Site, editions: tuple[Edition, ...], out: Path, jobs: int | None = None, cache: TextCache = NO_CACHE
) -> None:
    """Write the home page, then per programme its feed, its page and every episode's page, embeddable
    player and side files (those in a process pool when there are many; transcripts kept in `cache`), then
    the search page, the page for a missing address, the sitemap and robots.txt, and index every page for
    search (clgtv.search)."""
    templates = site.root / "templates"
    env = environment(templates)
    _copy_static(templates / STATIC, out)
    home = sharing.home_card(site, editions)
    _write(
        out / "index.html", env.get_template("index.html").render(site=site, editions=editions, root="./", card=home)
    )
    episode_pages = []
    for edition in editions:
        _write(out / edition.feed_path, render_feed(edition))
        context = {"site": site, "edition": edition, "show": edition.programme.show, "root": "../"}
        show_page = env.get_template("show.html").render(**context, card=sharing.programme_card(edition))
        _write(out / edition.page_path / "index.html", show_page)
        # an episode page needs its programme's names and paths, not its other episodes: workers get less
        lean = replace(edition, programme=replace(edition.programme, episodes=()), releases=())
        episode_pages += [
            ({**context, "edition": lean, "root": "../../", "card": sharing.episode_card(edition, release)}, release)
            for release in edition.releases
        ]
    map_ordered(partial(_render_episode, templates, out, cache), episode_pages, jobs)
    _write(
        out / SEARCH_PAGE, env.get_template("search.html").render(site=site, root="../", card=sharing.search_card(site))
    )
    # served for any missing address, at any depth: its links start at the site's root path
    missing = env.get_template("404.html").render(site=site, editions=editions, root=urlsplit(site.base_url).path)
    _write(out / NOT_FOUND_PAGE, missing)
    _write(out / SITEMAP, sharing.sitemap(site, editions))
    _write(out / ROBOTS, sharing.robots(site))
    search.index_site(out, site.language, cache)  # last: it reads every page


def _render_episode(templates: Path, out: Path, cache: TextCache, page: tuple[dict, Release]) -> None:
    context, release = page
    directory = out / release.page_path
    directory.mkdir(parents=True, exist_ok=True)
    cues_html = ""
    if release.transcript:
        vtt, srt, segments, cues_html = transcript_files(release.transcript.source, cache)
        _write(directory / "transcript.vtt", vtt, mkdir=False)
        _write(directory / "transcript.srt", srt, mkdir=False)
        _write(directory / "transcript.json", segments, mkdir=False)
    if release.episode.chapters:
        _write(directory / "chapters.json", chapters_json(release), mkdir=False)
    env = environment(templates)
    html_page = env.get_template("episode.html").render(
        context, release=release, episode=release.episode, transcript_html=cues_html
    )
    _write(directory / "index.html", html_page, mkdir=False)
    embed = env.get_template("embed.html").render(context, release=release, episode=release.episode, root="../../../")
    _write(out / release.embed_path, embed)
    _write(out / release.oembed_path, sharing.oembed(context["edition"], release), mkdir=False)


def transcript_files(path: Path, cache: TextCache = NO_CACHE) -> tuple[str, str, str, str]:
    """A transcript as WebVTT, SRT, Podcasting 2.0 JSON and the page's HTML: from `cache` when it has this
    file's bytes."""
    data = read_bytes(path)
    name = f"transcripts/{textcache.key(data)}"
    if isinstance(kept := cache.get(name), list) and len(kept) == 4:
        return tuple(kept)
    cues = parse_cues(data, path)
    made = (*vtt_and_srt(cues), json_transcript(cues), transcript_html(cues))
    cache.put(name, made)
    return made


def transcript_html(cues: list[Cue]) -> str:
    """The transcript's paragraphs, built here rather than in a template loop: an hour holds hundreds of
    cues, and Jinja's per-value escaping costs far more (bench/README.md).

    Plain text without JavaScript: each cue's time is a stamp, which player.js makes a button that seeks.
    Each cue's id (`t-` and its start in whole seconds) is the moment's address: search results and
    shared links open the episode there."""
    taken: set[str] = set()
    paragraphs = []
    for cue in cues:
        anchor = cue_id(cue.start, taken)
        speaker = f"<strong>{escape(cue.speaker)}:</strong> " if cue.speaker else ""
        paragraphs.append(
            f'<p id="{anchor}" class="cue" data-start="{cue.start!r}" dir="auto">'
            f'<span class="stamp" data-pagefind-ignore>{clock(cue.start)}</span> {speaker}{escape(cue.text)}</p>'
        )
    return "\n".join(paragraphs)


def cue_id(start: float, taken: set[str]) -> str:
    """`t-754` for a cue at 754.2 s; `t-754-2` for the second cue starting in that second."""
    anchor = base = f"t-{int(start)}"
    count = 1
    while anchor in taken:
        count += 1
        anchor = f"{base}-{count}"
    taken.add(anchor)
    return anchor


def chapters_json(release: Release) -> str:
    """Podcasting 2.0 JSON chapters."""
    chapters = []
    for chapter in release.episode.chapters:
        item: dict = {"startTime": chapter.start, "title": plain(chapter.title)}
        if chapter.img:
            item["img"] = chapter.img
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
