"""Benchmark: publish a built site of 200 episodes to a local S3 server, then publish it again unchanged.

Starts moto in server mode on a free port of 127.0.0.1 (a real S3 HTTP server, in memory), writes a
synthetic build/site (one programme: per episode a fake media file, a page, chapters.json and a
transcript; the feed, programme page and artwork), and times `clgtv.storage.publish` on it: a first
publish (everything uploads), a publish with nothing changed (uploads nothing), and one with a
single episode changed. It measures publishing only: no audio is processed.

    python bench/publish_s3.py [--episodes 200] [--media-kb 200] [--limit 5]

Exits 1 when the no-change publish takes longer than --limit seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import boto3

from clgtv.settings import S3Settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from s3server import start_moto

from clgtv.storage import S3Target, publish

BUCKET = "clgtv-bench"


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def media_name(number: int, data: bytes) -> str:
    return f"bench/media/episode-{number}-{hashlib.sha256(data).hexdigest()[:10]}.mp3"


def make_site(site: Path, episodes: int, media_kb: int, changed: int | None = None) -> None:
    """A build/site as `clgtv build` lays it out; episode `changed` gets new media, page and notes."""
    items = []
    for number in range(1, episodes + 1):
        edition = b"v2" if number == changed else b"v1"
        media = hashlib.shake_256(b"%d %s" % (number, edition)).digest(media_kb * 1024)
        write(site / media_name(number, media), media)
        page = f"<html><body><h1>Episode {number}</h1><audio src='../../{media_name(number, media)}'></audio>"
        write(site / f"bench/episode-{number}/index.html", (page + edition.decode() * 500).encode())
        chapters = {"version": "1.2.0", "chapters": [{"startTime": m * 60, "title": f"Part {m}"} for m in range(6)]}
        write(site / f"bench/episode-{number}/chapters.json", json.dumps(chapters).encode())
        cues = "".join(f"00:{n:02d}.000 --> 00:{n:02d}.900\nWords of cue {n}.\n\n" for n in range(60))
        write(site / f"bench/episode-{number}/transcript.vtt", f"WEBVTT\n\n{cues}".encode())
        items.append(f"<item><title>Episode {number}</title><enclosure url='{media_name(number, media)}'/></item>")
    write(site / "bench/feed.xml", f"<rss><channel>{''.join(items)}</channel></rss>".encode())
    write(site / "bench/index.html", f"<html><body>{len(items)} episodes {changed}</body></html>".encode())
    write(site / "bench/artwork-0123456789.jpg", hashlib.shake_256(b"artwork").digest(300 * 1024))
    write(site / "index.html", b"<html><body>Bench</body></html>")
    write(site / "static/style.css", b"body { font-family: sans-serif; }\n" * 50)


def timed(site: Path, target: S3Target) -> tuple[float, int, int]:
    started = time.perf_counter()
    plan = publish(site, target)
    return time.perf_counter() - started, len(plan.uploads), plan.upload_bytes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--media-kb", type=int, default=200, help="size of each fake media file")
    parser.add_argument("--limit", type=float, default=5.0, help="seconds allowed for the no-change publish")
    args = parser.parse_args()
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_EC2_METADATA_DISABLED="true")
    server, endpoint = start_moto()
    try:
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=BUCKET)
        target = S3Target(
            BUCKET, "site", S3Settings(endpoint_url=endpoint, region="us-east-1", addressing_style="path")
        )
        with tempfile.TemporaryDirectory(prefix="clgtv-bench-") as folder:
            site = Path(folder) / "site"
            make_site(site, args.episodes, args.media_kb)
            files = sum(1 for p in site.rglob("*") if p.is_file())
            rows = [("first publish", *timed(site, target)), ("no-change publish", *timed(site, target))]
            make_site(site, args.episodes, args.media_kb, changed=args.episodes // 2)
            rows.append(("one episode changed", *timed(site, target)))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"publish to S3 (moto on 127.0.0.1): {args.episodes} episodes, {files} files, {args.media_kb} kB media each")
    print(f"{'':<22}{'time':>9}{'uploaded':>10}{'bytes':>12}")
    for name, seconds, uploads, size in rows:
        print(f"{name:<22}{seconds:>8.2f}s{uploads:>10}{size / 1e6:>10.1f} MB")
    first, unchanged = rows[0][1], rows[1][1]
    print(f"no-change publish: {unchanged:.2f} s vs first publish {first:.2f} s ({first / unchanged:.0f}x faster)")
    if rows[1][2] != 0:
        print("FAIL: the no-change publish uploaded something")
        return 1
    if unchanged > args.limit:
        print(f"FAIL: the no-change publish took {unchanged:.2f} s (limit {args.limit:g} s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
