"""Benchmark: rendering one programme of 1,000 episodes, with the audio already made.

Reads 1,000 episode files (notes, chapters, people, a 300-cue transcript each by default, every one
different), then renders the feed, every page, chapters.json, transcript.vtt, .srt and .json and the
search index (Pagefind), and lints the feed against the media files, as `clgtv build` does once its
audio cache is warm. Audio processing
and tagging are left out (cached); one tiny real MP3 stands in, hard-linked, for every episode's media.

It renders twice into fresh folders: first with an empty text cache (the first build of these
episodes), then again with the cache the first render left (a re-render, as every later build does:
pages, feeds and side files are all written again; show notes and transcripts that did not change
are not converted again, and the search index of unchanged pages is copied from the cache).

    python bench/render.py [--episodes 1000] [--cues 300] [--target 5]

Prints the time of each stage and exits 1 when the re-render goes over the target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

from PIL import Image

from clgtv import content, lint, site
from clgtv.audio.ffmpeg import ffmpeg_path
from clgtv.release import assemble, finished
from clgtv.textcache import TextCache

REPO = Path(__file__).resolve().parent.parent
SHOW_YAML = """\
title: Bench Programme
description: A programme of many episodes, for timing the render.
author: CLGdotTV
owner: {name: Bench, email: bench@example.org}
language: en-GB
categories: [Government, Technology]
"""
NOTES = "\n".join(
    f"## Part {n}\n\nA paragraph of show notes with **bold**, a [link](https://example.org/{n}) and more text "
    "about digital public services, councils and their partners.\n\n- one point\n- another point\n"
    for n in range(1, 9)
)


def episode(number: int, start: dt.datetime, with_transcript: bool = True) -> str:
    """An episode file with notes, chapters and people of its own."""
    date = (start + dt.timedelta(days=number)).isoformat()
    chapters = "".join(f'  - start: "0:{m:02d}:00"\n    title: Chapter {m // 10 + 1}\n' for m in range(0, 60, 10))
    return (
        f"---\ntitle: Episode {number} of the bench\ndate: {date}\naudio: audio.wav\nepisode: {number}\n"
        f"summary: Summary of episode {number}.\nguid: {uuid.uuid4()}\n"
        + (f"transcript: transcript-{number}.vtt\n" if with_transcript else "")
        + "people:\n  - name: Vicky Sargent\n    role: host\n  - name: A Guest\n"
        f"chapters:\n{chapters}---\n\n{NOTES}\nThe end of episode {number}.\n"
    )


def transcript(number: int, cues: int = 300) -> str:
    lines = ["WEBVTT", ""]
    for n in range(cues):
        start, end = n * 12, n * 12 + 11
        lines += [f"00:{start // 60:02d}:{start % 60:02d}.000 --> 00:{end // 60:02d}:{end % 60:02d}.000"]
        lines += [f"<v Speaker {n % 3}>Words spoken in cue {n} of episode {number}, with a little more to read.", ""]
    return "\n".join(lines)


def make_project(root: Path, episodes: int, cues: int = 300) -> Path:
    show = root / "episodes" / "bench"
    show.mkdir(parents=True)
    (root / "clgtv.yaml").write_text("title: Bench\nbase_url: https://podcasts.example.org/\n")
    shutil.copytree(REPO / "templates", root / "templates")
    (show / "show.yaml").write_text(SHOW_YAML)
    Image.new("RGB", (1400, 1400), "teal").save(show / "artwork.jpg")
    (show / "audio.wav").write_bytes(b"")  # never read: the audio is cached
    start = dt.datetime(2020, 1, 1, 10, tzinfo=dt.UTC)
    for number in range(1, episodes + 1):
        name = f"{(start + dt.timedelta(days=number)):%Y-%m-%d}-episode-{number}.md"
        (show / name).write_text(episode(number, start, cues > 0))
        if cues:
            (show / f"transcript-{number}.vtt").write_text(transcript(number, cues))
    return root


def tiny_mp3(path: Path) -> Path:
    command = [ffmpeg_path(), "-hide_banner", "-nostdin", "-y", "-f", "lavfi", "-i", "sine=d=1"]
    subprocess.run([*command, "-c:a", "libmp3lame", "-b:a", "64k", str(path)], check=True, capture_output=True)
    return path


def render(root: Path, mp3: Path, out: Path, cache: TextCache) -> dict[str, float]:
    """What `clgtv build` does with its audio cached: read, render, lint. Seconds per stage."""
    times = {}
    clock = time.perf_counter()
    loaded = content.load(root)
    times["read 1 programme"] = time.perf_counter() - clock

    clock = time.perf_counter()
    editions = []
    for programme in loaded.programmes:
        edition = assemble(loaded.site, programme, programme.due(dt.datetime.now(dt.UTC)), cache=cache)
        for path, source in edition.images().items():
            (out / path).parent.mkdir(parents=True, exist_ok=True)
            os.link(source, out / path)
        releases = tuple(finished(release, mp3, 3600.0) for release in edition.releases)
        for release in releases:
            (out / release.media.path).parent.mkdir(parents=True, exist_ok=True)
            os.link(mp3, out / release.media.path)
        editions.append(replace(edition, releases=releases))
    site.render_all(loaded.site, tuple(editions), out, cache=cache)
    times["render feed, pages, side files"] = time.perf_counter() - clock

    clock = time.perf_counter()
    lint.check_built(tuple(editions), out, log=lambda _: None)
    times["lint the feed with its media"] = time.perf_counter() - clock
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--cues", type=int, default=300, help="transcript cues per episode (0: no transcripts)")
    parser.add_argument("--target", type=float, default=5.0, help="seconds allowed for the re-render")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = make_project(Path(folder) / "project", options.episodes, options.cues)
        mp3 = tiny_mp3(Path(folder) / "tiny.mp3")
        cache = TextCache(root / "build" / "cache" / "text")
        first = render(root, mp3, root / "build" / "first", cache)
        again = render(root, mp3, root / "build" / "again", cache)
        files = sum(1 for p in (root / "build" / "again").rglob("*") if p.is_file())
        size = (root / "build/again/bench/feed.xml").stat().st_size
    print(f"{options.episodes} episodes, {options.cues} cues each, {files} files, feed {size / 1e6:.1f} MB")
    print(f"{'stage':32} {'first render':>13} {'re-render':>10}")
    for stage in first:
        print(f"{stage:32} {first[stage]:11.2f} s {again[stage]:8.2f} s")
    total, total_again = sum(first.values()), sum(again.values())
    print(f"{'total':32} {total:11.2f} s {total_again:8.2f} s  (re-render {total / total_again:.1f}x faster)")
    print(f"re-render target {options.target:g} s: {'ok' if total_again <= options.target else 'OVER'}")
    return 0 if total_again <= options.target else 1


if __name__ == "__main__":
    sys.exit(main())
