"""Publishing to a real S3 HTTP server on 127.0.0.1 (moto in server mode, in a subprocess).

Between clgtv and moto sits a small HTTP proxy (`FaultProxy`): it records every request that reaches
the server (so "uploads nothing" is checked on the wire) and can fail requests the way a real service
does: drop the connection, or answer with an S3 error. moto keeps its objects in memory, so killing
its process would lose the very state these tests check; the proxy stands in for the outage instead.
"""

from __future__ import annotations

import datetime as dt
import http.client
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import boto3
import pytest
from botocore.config import Config
from conftest import cli_ok, episode_text, make_project, make_tone, search_index
from s3server import start_moto

from clgtv.layout import SEARCH_ENTRY
from clgtv.settings import S3Settings
from clgtv.storage import S3Target
from clgtv.storage.plan import LocalFile

KEY_ID = "AKIACLGTVTESTKEYID00"
SECRET = "s3cr3t-value-that-must-never-be-printed"


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """A real S3 HTTP server (moto) in its own process on a free port of 127.0.0.1."""
    server, url = start_moto()
    yield url
    server.terminate()
    server.wait(timeout=10)


DROP = "drop"


class FaultProxy:
    """Forwards HTTP to moto, logs (method, path), and fails requests when `fault` says so:
    fault(method, path) -> None (forward), DROP (close the connection unanswered) or (status, S3 code)."""

    def __init__(self, upstream: str):
        self.upstream = urlsplit(upstream)
        self.log: list[tuple[str, str]] = []
        self.fault: Callable[[str, str], object] | None = None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _ProxyHandler)
        self.server.daemon_threads = True
        self.server.proxy = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self) -> None:
        self.log.clear()
        self.fault = None

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.log if m in ("PUT", "POST", "DELETE")]


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def relay(self) -> None:
        proxy: FaultProxy = self.server.proxy  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        proxy.log.append((self.command, unquote(self.path)))
        action = proxy.fault(self.command, unquote(self.path)) if proxy.fault else None
        if action == DROP:
            self.close_connection = True
            return
        if action is not None:
            status, code = action
            self.answer(status, {"Content-Type": "application/xml"}, f"<Error><Code>{code}</Code></Error>".encode())
            return
        upstream = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("expect", "connection")}
        upstream.request(self.command, self.path, body=body, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        upstream.close()
        passed = {k: v for k, v in response.getheaders() if k.lower() not in ("transfer-encoding", "connection")}
        if self.command != "HEAD":
            passed["Content-Length"] = str(len(data))
        self.answer(response.status, passed, data)

    def answer(self, status: int, headers: dict[str, str], data: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = relay


@pytest.fixture(scope="session")
def session_proxy(moto_url: str) -> Iterator[FaultProxy]:
    proxy = FaultProxy(moto_url)
    yield proxy
    proxy.server.shutdown()


@pytest.fixture
def proxy(session_proxy: FaultProxy) -> Iterator[FaultProxy]:
    session_proxy.reset()
    yield session_proxy
    session_proxy.reset()


@pytest.fixture
def aws_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials in the environment; no profile, config file or instance role can interfere."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


_buckets = itertools.count(1)


@pytest.fixture
def s3(moto_url: str, aws_env: None):
    """A boto3 client straight to moto (not through the proxy), for setting up and reading back."""
    return boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, request_checksum_calculation="when_required"),
    )


@pytest.fixture
def bucket(s3) -> str:
    name = f"clgtv-test-{os.getpid()}-{next(_buckets)}"
    s3.create_bucket(Bucket=name)
    return name


def site_yaml(bucket: str, endpoint: str, prefix: str = "site") -> str:
    return (
        "title: Test site\nbase_url: http://podcasts.test/\n"
        f"target: s3://{bucket}/{prefix}\n"
        f"s3:\n  endpoint_url: {endpoint}\n  region: us-east-1\n  addressing_style: path\n  max_attempts: 2\n"
    )


CHAPTERS = '\n  - start: "0:00:00"\n    title: Welcome\n  - start: "0:00:02"\n    title: The question'
LATER = {"title": '"Later"', "date": "2026-10-08T10:00:00+01:00", "audio": "2026-10-08-later.wav", "episode": 2}


def add_episodes(root: Path) -> None:
    """A second episode, chapters and a transcript, on top of the `project` fixture's one episode."""
    show = root / "episodes/test-show"
    (show / "2026-10-01-test.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nWelcome.\n")
    (show / "2026-10-01-test.md").write_text(episode_text(chapters=CHAPTERS, transcript="2026-10-01-test.vtt"))
    make_tone(show / "2026-10-08-later.wav", seconds=3.0)
    (show / "2026-10-08-later.md").write_text(episode_text(**LATER, guid="7e1b1f2a-8a1c-4d53-8b57-1d0f5cfb8a02"))


@pytest.fixture(scope="session")
def processed_audio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Recordings processed once for the session: each test's project gets these sources and their
    cached processing, so a publish here costs tagging and uploading, not the audio chain."""
    root = make_project(tmp_path_factory.mktemp("s3-audio") / "project")
    add_episodes(root)
    cli_ok(root, "build")
    return root


@pytest.fixture
def s3_project(project: Path, bucket: str, proxy: FaultProxy, processed_audio: Path) -> Path:
    """The tiny project with a second episode, chapters and a transcript, targeting the bucket via the proxy."""
    (project / "clgtv.yaml").write_text(site_yaml(bucket, proxy.url))
    add_episodes(project)
    for wav in (processed_audio / "episodes/test-show").glob("*.wav"):
        shutil.copy(wav, project / "episodes/test-show" / wav.name)
    shutil.copytree(processed_audio / "build/cache", project / "build/cache")
    return project


def stored(s3, bucket: str) -> dict[str, bytes]:
    """Every object in the bucket: key -> bytes."""
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def search_index_keys(objects) -> set[str]:
    """The search index's files among the objects below site/."""
    return {k.removeprefix("site/") for k in objects if k.startswith("site/pagefind/")}  # keys or a mapping


def built(project: Path) -> dict[str, Path]:
    site = project / "build/site"
    return {p.relative_to(site).as_posix(): p for p in site.rglob("*") if p.is_file()}


def put_keys(proxy: FaultProxy, bucket: str) -> list[str]:
    """Keys (below site/) written through the proxy, in order, whether single or multipart."""
    keys = []
    for method, path in proxy.writes():
        key = path.split("?")[0].removeprefix(f"/{bucket}/site/")
        if method == "PUT" and "partNumber=" not in path:
            keys.append(key)
    return keys


def publish_ok(run, project: Path, *args: str):
    result = run(project, "publish", *args)
    assert result.exit_code == 0, result.output
    return result


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


# --- what gets published ----------------------------------------------------------------------


def test_objects_have_content_type_cache_control_and_stage_order(s3_project: Path, run, s3, bucket, proxy) -> None:
    publish_ok(run, s3_project)
    objects = stored(s3, bucket)
    local = built(s3_project)
    assert {k.removeprefix("site/") for k in objects if not k.startswith("site/.clgtv/")} == set(local)
    long, short = "public, max-age=31536000, immutable", "public, max-age=300"
    expected = {
        "test-show/feed.xml": ("application/rss+xml; charset=utf-8", short),
        "index.html": ("text/html; charset=utf-8", short),
        "test-show/index.html": ("text/html; charset=utf-8", short),
        "test-show/test/index.html": ("text/html; charset=utf-8", short),
        "test-show/test/chapters.json": ("application/json+chapters", short),
        "test-show/test/transcript.vtt": ("text/vtt", short),
        "static/style.css": ("text/css", short),
        "static/player.js": ("text/javascript", short),
        "test-show/test/transcript.json": ("application/json", short),
        "search/index.html": ("text/html; charset=utf-8", short),
        "pagefind/pagefind.js": ("text/javascript", short),
        "pagefind/pagefind-entry.json": ("application/json", short),
        "test-show/test/embed/index.html": ("text/html; charset=utf-8", short),
        "test-show/test/oembed.json": ("application/json", short),
        "static/embed.css": ("text/css", short),
        "sitemap.xml": ("application/xml; charset=utf-8", short),
        "robots.txt": ("text/plain; charset=utf-8", short),
    }
    fragment = next(k for k in local if k.startswith("pagefind/fragment/"))
    expected[fragment] = ("application/octet-stream", short)  # Pagefind's gzipped records, read by pagefind.js
    media = [k for k in local if k.startswith("test-show/media/")]
    artwork = [k for k in local if k.startswith("test-show/artwork-")]
    social = [k for k in local if k.startswith("test-show/test/social-")]
    assert len(media) == 2 and len(artwork) == 1 and len(social) == 1
    expected |= {k: ("audio/mpeg", long) for k in media} | {artwork[0]: ("image/jpeg", long)}
    expected[social[0]] = ("image/png", long)
    if "test-show/test/transcript.srt" in local:  # the transcript is also offered as SubRip
        expected["test-show/test/transcript.srt"] = ("application/x-subrip", short)
    for key, (content_type, cache_control) in expected.items():
        head = s3.head_object(Bucket=bucket, Key=f"site/{key}")
        assert (head["ContentType"], head["CacheControl"]) == (content_type, cache_control), key
        assert objects[f"site/{key}"] == local[key].read_bytes(), key
    manifest = json.loads(objects["site/.clgtv/manifest.json"])["files"]
    assert set(manifest) == set(local)
    assert "site/.clgtv/lock" not in objects  # released
    order = put_keys(proxy, bucket)
    assert order[0] == ".clgtv/lock" and order[-1] == ".clgtv/manifest.json"
    last = ("pagefind/pagefind-entry.json", "robots.txt")
    ranks = [
        2 if k in last else 1 if k.startswith("pagefind/") or k.endswith("/oembed.json") else 0 for k in order[1:-1]
    ]
    ranks = [{".html": 1, ".xml": 2}.get(Path(k).suffix, rank) for k, rank in zip(order[1:-1], ranks, strict=True)]
    # media and side files, then pages, oEmbed documents and the search index, then feeds, the sitemap, robots.txt
    # and the index's entry
    assert ranks == sorted(ranks) and ranks[-1] == 2, order


def test_ranged_get_on_media_returns_206_with_the_right_bytes(s3_project: Path, run, s3, bucket) -> None:
    publish_ok(run, s3_project)
    key, path = next((k, p) for k, p in built(s3_project).items() if "/media/" in k)
    size = path.stat().st_size
    part = s3.get_object(Bucket=bucket, Key=f"site/{key}", Range="bytes=100-199")
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert part["ContentRange"] == f"bytes 100-199/{size}"
    assert part["ContentType"] == "audio/mpeg"
    assert part["Body"].read() == path.read_bytes()[100:200]


def test_large_media_goes_up_in_parts_with_its_headers(s3, bucket, proxy) -> None:
    big = Path(os.environ.get("TMPDIR", "/tmp")) / f"clgtv-big-{os.getpid()}.mp3"
    big.write_bytes(os.urandom(17 * 1024 * 1024))  # above the 16 MiB multipart threshold
    try:
        target = S3Target(bucket, "site", S3Settings(endpoint_url=proxy.url, addressing_style="path", max_attempts=2))
        local = LocalFile("show/media/big-0123456789.mp3", big, big.stat().st_size)
        sent: list[int] = []
        target.put(local, sent.append)
        assert sum(sent) == local.size
        parts = [p for m, p in proxy.writes() if m == "PUT" and "partNumber=" in p]
        assert len(parts) == 2
        head = s3.head_object(Bucket=bucket, Key="site/show/media/big-0123456789.mp3")
        assert head["ContentType"] == "audio/mpeg" and head["CacheControl"] == "public, max-age=31536000, immutable"
        assert head["Metadata"] == {"sha256": local.sha256} and head["ContentLength"] == local.size
    finally:
        big.unlink()


# --- incremental ------------------------------------------------------------------------------


def test_second_publish_uploads_nothing(s3_project: Path, run, s3, bucket, proxy) -> None:
    publish_ok(run, s3_project)
    before = stored(s3, bucket)
    proxy.reset()
    result = publish_ok(run, s3_project)
    assert "published 0 files" in result.output
    # the lock taken (PUT) and released (POST ?delete), nothing else written
    assert proxy.writes() == [("PUT", f"/{bucket}/site/.clgtv/lock"), ("POST", f"/{bucket}?delete")]
    assert stored(s3, bucket) == before


def test_a_multipart_upload_a_killed_publish_left_is_aborted_by_the_next(s3_project: Path, run, s3, bucket) -> None:
    left = s3.create_multipart_upload(Bucket=bucket, Key="site/test-show/media/cut-off.mp3")
    s3.upload_part(Bucket=bucket, Key="site/test-show/media/cut-off.mp3", UploadId=left["UploadId"], PartNumber=1,
                   Body=b"x" * 1024)  # fmt: skip
    elsewhere = s3.create_multipart_upload(Bucket=bucket, Key="other-site/big.mp3")  # not under this prefix
    result = publish_ok(run, s3_project)
    assert f"removed 1 half-written files that a publish cut off left in s3://{bucket}/site" in result.output
    uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    assert [u["UploadId"] for u in uploads] == [elsewhere["UploadId"]]


def test_changed_episode_reuploads_only_its_files_and_the_feed(s3_project: Path, run, s3, bucket, proxy) -> None:
    publish_ok(run, s3_project)
    old_media = {k for k in built(s3_project) if "/media/later-" in k}
    old_social = {k for k in built(s3_project) if k.startswith("test-show/later/social-")}  # the title is drawn in it
    old_index = search_index(s3_project / "build/site")
    episode = s3_project / "episodes/test-show/2026-10-08-later.md"
    episode.write_text(
        episode_text(**{**LATER, "title": '"Later, renamed"'}, guid="7e1b1f2a-8a1c-4d53-8b57-1d0f5cfb8a02")
    )
    proxy.reset()
    publish_ok(run, s3_project)
    (new_media,) = {k for k in built(s3_project) if "/media/later-" in k} - old_media
    (new_social,) = {k for k in built(s3_project) if k.startswith("test-show/later/social-")} - old_social
    uploaded = set(put_keys(proxy, bucket)) - {".clgtv/lock", ".clgtv/manifest.json", "index.html"}
    # and, as the title is searchable, the search index's files it changed, with the entry that names them
    index = search_index(s3_project / "build/site") - old_index | {"pagefind/pagefind-entry.json"}
    assert len(index) > 1 and "pagefind/pagefind.js" not in index
    pages = {"test-show/later/index.html", "test-show/later/embed/index.html", "test-show/later/oembed.json"}
    assert uploaded == {new_media, new_social, *pages, "test-show/index.html", "test-show/feed.xml", *index}
    objects = stored(s3, bucket)
    assert "Later, renamed" in objects["site/test-show/feed.xml"].decode()
    assert all(f"site/{k}" in objects for k in old_media)  # the old media stays: feeds cached elsewhere point at it


def test_published_media_is_never_overwritten(s3_project: Path, run, s3, bucket) -> None:
    publish_ok(run, s3_project)
    media = next(k for k in built(s3_project) if "/media/test-" in k)
    s3.put_object(Bucket=bucket, Key=f"site/{media}", Body=b"something else")  # tampered with by hand
    result = run(s3_project, "publish")
    assert result.exit_code == 1
    assert error_lines(result.output) == [
        f"error: s3://{bucket}/site/{media}: already published with different bytes; "
        "media and artwork are never overwritten (new content gets a new name)"
    ]
    assert s3.get_object(Bucket=bucket, Key=f"site/{media}")["Body"].read() == b"something else"


def test_prune_removes_only_what_is_no_longer_built(s3_project: Path, run, s3, bucket) -> None:
    publish_ok(run, s3_project)
    s3.put_object(Bucket=bucket, Key="elsewhere/keep.txt", Body=b"outside the prefix")
    later = s3_project / "episodes/test-show/2026-10-08-later.md"
    later.write_text(episode_text(**LATER, status="draft", guid="7e1b1f2a-8a1c-4d53-8b57-1d0f5cfb8a02"))
    before = set(stored(s3, bucket))
    gone = {k for k in before if k.startswith(("site/test-show/media/later-", "site/test-show/later/"))}
    assert len(gone) == 5  # its media, its page, its embed page, oEmbed document and social image
    kept = publish_ok(run, s3_project)
    # the search index's files that named the episode are replaced too: the new go up, the old are kept
    index = search_index(s3_project / "build/site")
    stale, before = search_index_keys(before) - index, before | {f"site/{k}" for k in index}
    gone |= {f"site/{k}" for k in stale}
    assert stale and f"{len(gone)} no longer built, kept" in kept.output and set(stored(s3, bucket)) == before
    dry = publish_ok(run, s3_project, "--prune", "--dry-run")
    assert all(f"would delete {k.removeprefix('site/')}" in dry.output for k in gone)
    assert set(stored(s3, bucket)) == before
    pruned = publish_ok(run, s3_project, "--prune")
    assert f"{len(gone)} deleted" in pruned.output
    after = stored(s3, bucket)
    assert set(after) == before - gone
    assert "elsewhere/keep.txt" in after and "site/.clgtv/manifest.json" in after
    assert not set(json.loads(after["site/.clgtv/manifest.json"])["files"]) & {k.removeprefix("site/") for k in gone}


def test_dry_run_changes_nothing(s3_project: Path, run, s3, bucket, proxy) -> None:
    publish_ok(run, s3_project)
    before = stored(s3, bucket)
    episode = s3_project / "episodes/test-show/2026-10-01-test.md"
    episode.write_text(episode_text(title='"Dry"', chapters=CHAPTERS, transcript="2026-10-01-test.vtt"))
    proxy.reset()
    result = publish_ok(run, s3_project, "--dry-run")
    index = search_index(s3_project / "build/site") - search_index_keys(before)
    assert "would upload test-show/feed.xml" in result.output
    # the MP3, its page, the programme page and the feed; the embed page, oEmbed document and social image
    # (the title is in each); the search index's new files and its entry
    assert f"would publish {4 + 3 + len(index) + 1} files" in result.output
    assert proxy.writes() == []  # not even the lock
    assert stored(s3, bucket) == before


# --- faults -----------------------------------------------------------------------------------


def test_server_lost_mid_publish_keeps_the_old_feed_and_a_rerun_finishes(
    s3_project: Path, run, s3, bucket, proxy
) -> None:
    """The outage: from the first page upload on (so right after the media stage), the proxy drops
    every connection unanswered, as a dead server would, including the failed run's lock release.
    The failing publish runs in its own process, like a real crashed run, so the re-run here finds a
    lock whose process has ended and takes it over. moto behind the proxy keeps the bucket, as a real
    service would, which a killed moto process could not."""
    publish_ok(run, s3_project)
    old_feed, old_entry = (stored(s3, bucket)[f"site/{k}"] for k in ("test-show/feed.xml", SEARCH_ENTRY))
    old_media = {k for k in built(s3_project) if "/media/later-" in k}
    episode = s3_project / "episodes/test-show/2026-10-08-later.md"
    episode.write_text(episode_text(**{**LATER, "title": '"Later, v2"'}, guid="7e1b1f2a-8a1c-4d53-8b57-1d0f5cfb8a02"))
    down = threading.Event()

    def outage(method: str, path: str) -> object:
        if method == "PUT" and path.split("?")[0].endswith(".html"):
            down.set()
        return DROP if down.is_set() else None

    proxy.reset()
    proxy.fault = outage
    crashed = subprocess.run(
        [sys.executable, "-m", "clgtv", "--root", str(s3_project), "publish"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=s3_project,
    )
    assert crashed.returncode == 1
    (line,) = error_lines(crashed.stderr)
    assert re.fullmatch(
        # whichever of the pages stage's parallel uploads failed first: a page, an episode's oEmbed document
        # (which names its embed page) or a file of the search index
        rf"error: s3://{bucket}/site/(?:[\w/-]*index\.html|[\w/-]+/oembed\.json|pagefind/[\w./-]+): "
        rf"connection to {proxy.url} failed "
        r"\(ConnectionClosedError\); check s3\.endpoint_url and the network, then publish again",
        line,
    ), line
    objects = stored(s3, bucket)
    assert objects["site/test-show/feed.xml"] == old_feed  # listeners still get the old feed
    assert objects[f"site/{SEARCH_ENTRY}"] == old_entry  # and search the old index, whose files are all there
    (new_media,) = {k for k in built(s3_project) if "/media/later-" in k} - old_media
    assert f"site/{new_media}" in objects  # the media stage had finished
    assert "site/.clgtv/lock" in objects  # the crashed run could not release it

    proxy.reset()
    rerun = publish_ok(run, s3_project)
    assert "taking over a stale lock" in rerun.output and "has ended)" in rerun.output
    assert not any("/media/" in k for k in put_keys(proxy, bucket))  # uploaded before; checked by its checksum
    objects = stored(s3, bucket)
    assert "Later, v2" in objects["site/test-show/feed.xml"].decode()
    assert "site/.clgtv/lock" not in objects


def test_transient_errors_are_retried(s3_project: Path, run, s3, bucket, proxy) -> None:
    failed: list[str] = []

    def once(method: str, path: str) -> object:
        if method == "PUT" and "/media/" in path and not failed:
            failed.append(path)
            return (503, "SlowDown")
        return None

    proxy.fault = once
    publish_ok(run, s3_project)
    assert len(failed) == 1 and proxy.log.count(("PUT", failed[0])) == 2
    assert f"site/{failed[0].split('/site/', 1)[1]}" in stored(s3, bucket)


def test_service_without_conditional_writes_still_locks(s3_project: Path, run, s3, bucket, proxy) -> None:
    """Some S3-compatible services answer If-None-Match with 501: the lock is then taken by looking first."""
    refused: list[str] = []

    def no_conditional_put(method: str, path: str) -> object:
        if method == "PUT" and path.endswith("/.clgtv/lock") and not refused:
            refused.append(path)
            return (501, "NotImplemented")
        return None

    proxy.fault = no_conditional_put
    publish_ok(run, s3_project)
    lock = f"/{bucket}/site/.clgtv/lock"
    assert [entry for entry in proxy.log if entry[1] == lock][:3] == [("PUT", lock), ("GET", lock), ("PUT", lock)]
    assert "site/.clgtv/lock" not in stored(s3, bucket) and "site/test-show/feed.xml" in stored(s3, bucket)


def test_missing_credentials_say_which_and_how_to_fix(s3_project: Path, run, bucket, monkeypatch, proxy) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = run(s3_project, "publish")
    assert result.exit_code == 1
    assert error_lines(result.output) == [
        f"error: s3://{bucket}/site: no AWS credentials found; "
        "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    ]
    assert proxy.log == []


def test_wrong_bucket_says_which_and_how_to_fix(s3_project: Path, run, proxy) -> None:
    (s3_project / "clgtv.yaml").write_text(site_yaml("clgtv-no-such-bucket", proxy.url))
    result = run(s3_project, "publish")
    assert result.exit_code == 1
    assert error_lines(result.output) == [
        f"error: s3://clgtv-no-such-bucket: no such bucket (NoSuchBucket) at {proxy.url}; "
        "check the bucket name in target (clgtv.yaml or --target) and s3.endpoint_url"
    ]
    assert SECRET not in result.output and KEY_ID not in result.output


def test_access_denied_says_which_and_how_to_fix(s3_project: Path, run, bucket, proxy) -> None:
    proxy.fault = lambda method, path: (403, "AccessDenied")
    result = run(s3_project, "publish")
    assert result.exit_code == 1
    assert error_lines(result.output) == [
        f"error: s3://{bucket}/site/test-show/feed.xml: access denied (AccessDenied); the AWS credentials in use need "
        "s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on this bucket"
    ]
    assert SECRET not in result.output and KEY_ID not in result.output


# --- the lock ---------------------------------------------------------------------------------


def other_lock(created: dt.datetime) -> bytes:
    stamp = created.isoformat(timespec="seconds")
    return json.dumps(
        {"owner": "producer@studio", "host": "studio", "pid": 4242, "created": stamp, "token": "x"}
    ).encode()


def test_lock_blocks_a_second_publish(s3_project: Path, run, s3, bucket) -> None:
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    s3.put_object(Bucket=bucket, Key="site/.clgtv/lock", Body=other_lock(created))
    result = run(s3_project, "publish")
    assert result.exit_code == 1
    assert error_lines(result.output) == [
        f"error: s3://{bucket}/site: another publish is running (producer@studio, pid 4242, since "
        f"{created.isoformat()}); wait for it, or delete s3://{bucket}/site/.clgtv/lock if it has crashed"
    ]
    assert set(stored(s3, bucket)) == {"site/.clgtv/lock"}


def test_stale_lock_is_taken_over_with_a_warning(s3_project: Path, run, s3, bucket) -> None:
    created = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=4)
    s3.put_object(Bucket=bucket, Key="site/.clgtv/lock", Body=other_lock(created))
    result = publish_ok(run, s3_project)
    assert (
        f"warning: s3://{bucket}/site: taking over a stale lock from producer@studio, pid 4242, "
        f"since {created.isoformat()} (not refreshed for 3 minutes)"
    ) in result.output
    objects = stored(s3, bucket)
    assert "site/.clgtv/lock" not in objects and "site/test-show/feed.xml" in objects


# --- settings ---------------------------------------------------------------------------------


def test_target_and_s3_settings_errors_are_worded_exactly(project: Path, run, monkeypatch) -> None:
    monkeypatch.chdir(project)
    (project / "clgtv.yaml").write_text(
        "title: Test site\nbase_url: http://podcasts.test/\ntarget: gs://bucket/x\n"
        "s3:\n  endpoint_url: minio.local:9000\n  addressing_style: sideways\n  max_attempts: 0\n"
        "  secret_access_key: abc\n"
    )
    result = run(project, "check")
    assert result.exit_code == 1
    for line in [
        "clgtv.yaml:3: target: expected a folder like public or an S3 URL like s3://bucket/prefix, got 'gs://bucket/x'",
        "clgtv.yaml:5: s3.endpoint_url: expected a web address starting with https:// or http://, "
        "got 'minio.local:9000'",
        "clgtv.yaml:6: s3.addressing_style: expected one of: auto, path, virtual; got 'sideways'",
        "clgtv.yaml:7: s3.max_attempts: expected a whole number from 1 to 10, got 0",
        "clgtv.yaml:8: s3.secret_access_key: unknown field (allowed: addressing_style, endpoint_url, max_attempts, "
        "region)",
    ]:
        assert line in result.output.splitlines(), result.output


def test_bad_target_option_is_refused_before_building(project: Path, run) -> None:
    result = run(project, "publish", "--target", "s3://Not_A_Bucket/x")
    assert result.exit_code == 1
    assert error_lines(result.output) == [
        "error: --target: expected a folder like public or an S3 URL like s3://bucket/prefix, got 's3://Not_A_Bucket/x'"
    ]
    assert not (project / "build").exists()


# --- safety ----------------------------------------------------------------------------------


def test_a_prefix_clgtv_did_not_publish_is_refused_before_any_write(s3_project: Path, run, s3, bucket, proxy) -> None:
    s3.put_object(Bucket=bucket, Key="site/their-page.html", Body=b"another tool's")
    result = run(s3_project, "publish", "--prune")
    assert error_lines(result.output) == [
        f"error: s3://{bucket}/site: not empty, and not published by clgtv (there is no .clgtv/manifest.json); "
        "publish to an empty folder or prefix, or to one clgtv published"
    ]
    assert result.exit_code == 1 and proxy.writes() == []
    assert stored(s3, bucket) == {"site/their-page.html": b"another tool's"}


def test_a_password_in_the_endpoint_is_never_printed(s3_project: Path, run, bucket) -> None:
    (s3_project / "clgtv.yaml").write_text(site_yaml(bucket, "http://producer:hunter2@127.0.0.1:1"))
    assert S3Target(bucket, "site", S3Settings(endpoint_url="http://producer:hunter2@127.0.0.1:1")).endpoint == (
        "http://***@127.0.0.1:1"
    )
    result = run(s3_project, "publish")
    assert result.exit_code == 1
    assert error_lines(result.output) == [
        f"error: s3://{bucket}/site/test-show/feed.xml: connection to http://***@127.0.0.1:1 failed "
        "(EndpointConnectionError); check s3.endpoint_url and the network, then publish again"
    ]
    assert "hunter2" not in result.output


# --- CORS (clgtv cors) --------------------------------------------------------------------------

THEIR_RULE = {"AllowedOrigins": ["https://intranet.example.org"], "AllowedMethods": ["PUT"], "AllowedHeaders": ["*"]}


def cors_writes(proxy: FaultProxy) -> list[tuple[str, str]]:
    return [(method, path) for method, path in proxy.writes() if path.endswith("?cors")]


def test_cors_puts_the_readme_rule_on_the_bucket_once(project: Path, run, s3, bucket, proxy) -> None:
    (project / "clgtv.yaml").write_text(site_yaml(bucket, proxy.url).replace(f"s3://{bucket}/site", "public"))
    result = run(project, "cors", "--target", f"s3://{bucket}/site")
    assert result.exit_code == 0, result.output
    assert result.output == f"s3://{bucket}: CORS rule set: GET and HEAD from any origin\n"
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == [
        {
            "AllowedOrigins": ["*"],
            "AllowedMethods": ["GET", "HEAD"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["Content-Length", "Content-Range", "Accept-Ranges", "ETag"],
            "MaxAgeSeconds": 86400,
        }
    ]
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    rule = json.loads(re.search(r"```json\n(\{\n  \"CORSRules\".*?)```", readme, re.S)[1])
    assert rule["CORSRules"] == s3.get_bucket_cors(Bucket=bucket)["CORSRules"]  # what the README gives by hand
    assert len(cors_writes(proxy)) == 1

    proxy.reset()
    again = run(project, "cors", "--target", f"s3://{bucket}/site")
    assert again.exit_code == 0 and "already has clgtv's CORS rule; nothing changed" in again.output
    assert cors_writes(proxy) == []


def test_cors_keeps_the_buckets_other_rules(s3_project: Path, run, s3, bucket) -> None:
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [THEIR_RULE]})
    result = run(s3_project, "cors")  # the target from clgtv.yaml
    assert result.exit_code == 0, result.output
    assert "beside its 1 other rule(s)" in result.output
    rules = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert rules[0] == THEIR_RULE and rules[1]["AllowedOrigins"] == ["*"] and len(rules) == 2


def test_cors_without_permission_names_the_permissions(s3_project: Path, run, bucket, proxy) -> None:
    proxy.fault = lambda method, path: (403, "AccessDenied") if path.endswith("?cors") else None
    result = run(s3_project, "cors")
    assert result.exit_code == 1
    assert error_lines(result.output) == [
        f"error: s3://{bucket}/site: access denied (AccessDenied); the AWS credentials in use need "
        "s3:GetBucketCORS and s3:PutBucketCORS on this bucket"
    ]
    assert SECRET not in result.output and KEY_ID not in result.output


def test_cors_on_a_folder_target_says_what_to_do_instead(project: Path, run, monkeypatch) -> None:
    monkeypatch.chdir(project)
    result = run(project, "cors")
    assert result.exit_code == 1
    assert result.output.startswith("error: public: a folder has no CORS setting; clgtv serve sends the headers")
