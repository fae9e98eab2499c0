"""Benchmark: a full re-render of one programme of 1,000 episodes, with the audio already made.

Reads 1,000 episode files (notes, chapters, people, a 300-cue transcript each by default), then renders the
feed, every page, chapters.json, transcript.vtt and .srt, and lints the feed against the media
files, as `clgtv build` does once its audio cache is warm. Audio processing and tagging are left
out (cached); one tiny real MP3 stands in, hard-linked, for every episode's media.

    python bench/render.py [--episodes 1000] [--target 5]

Prints the time of each stage and exits 1 when the total goes over the target.
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
from pathlib import Path

from PIL import Image

from clgtv import content, lint
from clgtv import site as pages
from clgtv.audio.ffmpeg import ffmpeg_path
from clgtv.layout import artwork_name
from clgtv.release import Edition, Media

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
    date = (start + dt.timedelta(days=number)).isoformat()
    chapters = "".join(f'  - start: "0:{m:02d}:00"\n    title: Chapter {m // 10 + 1}\n' for m in range(0, 60, 10))
    return (
        f"---\ntitle: Episode {number} of the bench\ndate: {date}\naudio: audio.wav\nepisode: {number}\n"
        f"summary: Summary of episode {number}.\nguid: {uuid.uuid4()}\n"
        + ("transcript: transcript.vtt\n" if with_transcript else "")
        + "people:\n  - name: Vicky Sargent\n    role: host\n  - name: A Guest\n"
        f"chapters:\n{chapters}---\n\n{NOTES}"
    )


def transcript(cues: int = 300) -> str:
    lines = ["WEBVTT", ""]
    for n in range(cues):
        start, end = n * 12, n * 12 + 11
        lines += [f"00:{start // 60:02d}:{start % 60:02d}.000 --> 00:{end // 60:02d}:{end % 60:02d}.000"]
        lines += [f"<v Speaker {n % 3}>Words spoken in cue {n}, with a little more to read.", ""]
    return "\n".join(lines)


def make_project(root: Path, episodes: int, cues: int = 300) -> Path:
    show = root / "episodes" / "bench"
    show.mkdir(parents=True)
    (root / "clgtv.yaml").write_text("title: Bench\nbase_url: https://podcasts.example.org/\n")
    shutil.copytree(REPO / "templates", root / "templates")
    (show / "show.yaml").write_text(SHOW_YAML)
    Image.new("RGB", (1400, 1400), "teal").save(show / "artwork.jpg")
    (show / "audio.wav").write_bytes(b"")  # never read: the audio is cached
    (show / "transcript.vtt").write_text(transcript(cues))
    start = dt.datetime(2020, 1, 1, 10, tzinfo=dt.UTC)
    for number in range(1, episodes + 1):
        name = f"{(start + dt.timedelta(days=number)):%Y-%m-%d}-episode-{number}.md"
        (show / name).write_text(episode(number, start, cues > 0))
    return root


def tiny_mp3(path: Path) -> Path:
    command = [ffmpeg_path(), "-hide_banner", "-nostdin", "-y", "-f", "lavfi", "-i", "sine=d=1"]
    subprocess.run([*command, "-c:a", "libmp3lame", "-b:a", "64k", str(path)], check=True, capture_output=True)
    return path


def render(root: Path, mp3: Path) -> dict[str, float]:
    times = {}
    clock = time.perf_counter()
    loaded = content.load(root)
    times["read 1 programme"] = time.perf_counter() - clock

    clock = time.perf_counter()
    out = root / "build" / "site"
    editions = []
    for programme in loaded.programmes:
        show = programme.show
        artwork = artwork_name(show.slug, show.artwork)
        (out / artwork).parent.mkdir(parents=True, exist_ok=True)
        os.link(show.artwork, out / artwork)
        releases = []
        for item in programme.due(dt.datetime.now(dt.UTC)):
            media = Media(f"{show.slug}/media/{item.slug}-0123456789.mp3", mp3.stat().st_size, 3600.0)
            (out / media.path).parent.mkdir(parents=True, exist_ok=True)
            os.link(mp3, out / media.path)
            releases.append(pages.make_release(item, media))
        editions.append(Edition(loaded.site, programme, artwork, tuple(releases)))
    pages.render_all(loaded.site, tuple(editions), out)
    times["render feed, pages, side files"] = time.perf_counter() - clock

    clock = time.perf_counter()
    lint.check_built(tuple(editions), out, log=lambda _: None)
    times["lint the feed with its media"] = time.perf_counter() - clock
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--cues", type=int, default=300, help="transcript cues per episode (0: no transcripts)")
    parser.add_argument("--target", type=float, default=5.0, help="seconds allowed for the whole re-render")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = make_project(Path(folder) / "project", options.episodes, options.cues)
        times = render(root, tiny_mp3(Path(folder) / "tiny.mp3"))
        files = sum(1 for p in (root / "build" / "site").rglob("*") if p.is_file())
        size = (root / "build/site/bench/feed.xml").stat().st_size
    total = sum(times.values())
    for stage, seconds in times.items():
        print(f"{stage:32} {seconds:6.2f} s")
    shape = f"{options.episodes} episodes, {options.cues} cues each, {files} files, feed {size / 1e6:.1f} MB"
    print(f"{'total':32} {total:6.2f} s  ({shape})")
    print(f"target {options.target:g} s: {'ok' if total <= options.target else 'OVER'}")
    return 0 if total <= options.target else 1


if __name__ == "__main__":
    sys.exit(main())
