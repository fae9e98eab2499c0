"""The sample programmes, published end to end and read back as listeners' apps read them."""

from __future__ import annotations

import datetime as dt
import http.client
import shutil
import socket
import threading
from pathlib import Path

import feedparser
import podcastparser
import pytest
from conftest import REPO, ebur128, episode_text, make_tone, snapshot
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from clgtv import content
from clgtv.build import build
from clgtv.layout import content_type
from clgtv.server import make_server

BASE = "http://localhost:8000/"


def programmes(root: Path):
    return content.load(root).programmes


def local(root: Path, url: str) -> Path:
    assert url.startswith(BASE), url
    return root / "public" / url[len(BASE) :]


def test_every_show_has_a_feed_with_every_episode(published: Path) -> None:
    shows = programmes(published)
    assert len(shows) >= 2
    for programme in shows:
        feed_path = published / "public" / programme.show.slug / "feed.xml"
        parsed = feedparser.parse(feed_path.read_bytes())
        assert not parsed.bozo, parsed.bozo_exception
        assert parsed.feed.title == programme.show.title
        expected = sorted(programme.episodes, key=lambda e: e.date, reverse=True)
        assert [e.title for e in parsed.entries] == [e.title for e in expected]  # newest first
        for entry, episode in zip(parsed.entries, expected, strict=True):
            assert entry.id == episode.guid
            assert entry.published_parsed[:6] == episode.date.astimezone(dt.UTC).timetuple()[:6]
            (enclosure,) = entry.enclosures
            media = local(published, enclosure.href)
            assert enclosure.type == "audio/mpeg"
            assert int(enclosure.length) == media.stat().st_size
            assert int(entry.itunes_duration) == round(MP3(media).info.length)


def test_podcastparser_reads_titles_enclosures_and_durations(published: Path) -> None:
    for programme in programmes(published):
        feed_path = published / "public" / programme.show.slug / "feed.xml"
        with feed_path.open("rb") as stream:
            parsed = podcastparser.parse(BASE + programme.show.slug + "/feed.xml", stream)
        assert parsed["title"] == programme.show.title
        assert parsed["cover_url"].startswith(BASE)
        by_guid = {e.guid: e for e in programme.episodes}
        assert len(parsed["episodes"]) == len(by_guid)
        for item in parsed["episodes"]:
            episode = by_guid[item["guid"]]
            assert item["title"] == episode.title
            (enclosure,) = item["enclosures"]
            media = local(published, enclosure["url"])
            assert enclosure["file_size"] == media.stat().st_size
            assert item["total_time"] == round(MP3(media).info.length)
            assert abs(item["total_time"] - 30) < 30  # the samples are 20-60 s of speech


def test_published_audio_meets_apple_loudness_by_an_independent_meter(published: Path) -> None:
    media = sorted((published / "public").glob("*/media/*.mp3"))
    assert len(media) >= 4
    for path in media:
        measured = ebur128(path)
        assert -17.0 <= measured["I"] <= -15.0, (path.name, measured)
        assert measured["TP"] <= -1.0, (path.name, measured)


def test_samples_really_needed_processing(published: Path) -> None:
    """The sample sources sit at different levels, so a pass-through could not meet the target."""
    levels = [ebur128(e.audio)["I"] for p in programmes(published) for e in p.episodes]
    assert max(levels) - min(levels) > 10
    assert all(abs(level + 16) > 2 for level in levels)


def test_id3_tags_read_back(published: Path) -> None:
    for programme in programmes(published):
        feed = feedparser.parse((published / "public" / programme.show.slug / "feed.xml").read_bytes())
        for entry in feed.entries:
            episode = next(e for e in programme.episodes if e.guid == entry.id)
            tags = ID3(local(published, entry.enclosures[0].href))
            assert tags.version[:2] == (2, 3)
            assert str(tags["TIT2"]) == episode.title
            assert str(tags["TALB"]) == programme.show.title
            assert str(tags["TPE1"]) == programme.show.author
            assert str(tags["TCON"]) == "Podcast"
            assert str(tags["TDRC"]) == episode.date.strftime("%Y-%m-%d")
            assert str(tags["TRCK"]) == str(episode.number)
            assert str(tags["TPOS"]) == str(episode.season)
            assert tags.getall("COMM")[0].text[0] == episode.summary
            cover = tags.getall("APIC")[0]
            assert cover.mime == "image/jpeg" and cover.data[:2] == b"\xff\xd8"
            chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
            assert [str(c.sub_frames["TIT2"]) for c in chapters] == [c.title for c in episode.chapters]


def test_pages_exist_for_every_episode(published: Path) -> None:
    public = published / "public"
    home = (public / "index.html").read_text()
    for programme in programmes(published):
        assert programme.show.title.replace("&", "&amp;") in home
        show_page = (public / programme.show.slug / "index.html").read_text()
        for episode in programme.episodes:
            page = (public / programme.show.slug / episode.slug / "index.html").read_text()
            assert "<audio" in page and f"../../{programme.show.slug}/media/{episode.slug}-" in page
            assert f"{episode.slug}/index.html" in show_page
            assert (public / programme.show.slug / episode.slug / "chapters.json").is_file()
            assert (public / programme.show.slug / episode.slug / "transcript.vtt").read_text().startswith("WEBVTT")


def test_second_build_processes_no_audio(published: Path, run) -> None:
    before = {p: p.stat().st_mtime_ns for p in (published / "public").rglob("*") if p.is_file()}
    result = run(published, "publish")
    assert result.exit_code == 0, result.output
    assert "(0 recordings processed)" in result.output
    assert "published 0 files" in result.output
    after = {p: p.stat().st_mtime_ns for p in (published / "public").rglob("*") if p.is_file()}
    assert after == before


def test_a_copied_project_processes_no_audio_again(tmp_path: Path) -> None:
    """Cache keys hold content, never paths: the same project built from another folder is the same."""
    first = tmp_path / "first"
    first.mkdir()
    for name in ("clgtv.yaml", "templates", "episodes"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, first / name)
    show = first / "episodes/clgdottv-podcast"
    make_tone(show / "intro.wav", seconds=1)
    (show / "show.yaml").write_text((show / "show.yaml").read_text() + "  intro: intro.wav\n")
    built = build(content.load(first), ["clgdottv-podcast"])
    assert len(built.processed) == len(built.editions[0].releases) == 2
    second = tmp_path / "second"
    shutil.copytree(first, second)
    again = build(content.load(second), ["clgdottv-podcast"])
    assert again.processed == ()
    assert snapshot(second / "build/site") == snapshot(first / "build/site")


def test_serve_answers_head_and_range(published: Path) -> None:
    server = make_server(published / "public", "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        media = next((published / "public").glob("*/media/*.mp3"))
        path = "/" + media.relative_to(published / "public").as_posix()
        size = media.stat().st_size
        connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
        connection.request("HEAD", path)
        head = connection.getresponse()
        head.read()
        assert head.status == 200
        assert head.getheader("Content-Length") == str(size)
        assert head.getheader("Content-Type") == "audio/mpeg"
        assert head.getheader("Accept-Ranges") == "bytes"
        connection.request("GET", path, headers={"Range": "bytes=100-199"})
        part = connection.getresponse()
        assert part.status == 206
        assert part.getheader("Content-Range") == f"bytes 100-199/{size}"
        assert part.read() == media.read_bytes()[100:200]
        connection.request("GET", path, headers={"Range": "bytes=-10"})
        tail = connection.getresponse()
        assert tail.status == 206 and tail.read() == media.read_bytes()[-10:]
        connection.request("GET", path, headers={"Range": f"bytes={size}-"})
        beyond = connection.getresponse()
        beyond.read()
        assert beyond.status == 416
        public = published / "public"
        for file in sorted(p for p in public.rglob("*") if p.is_file() and ".clgtv" not in p.parts):
            key = file.relative_to(public).as_posix()
            connection.request("HEAD", "/" + key)
            answer = connection.getresponse()
            answer.read()
            assert (answer.status, answer.getheader("Content-Type")) == (200, content_type(key)), key  # as S3 sends it
        connection.request("GET", "/sitemap.xml")
        sitemap = connection.getresponse()
        assert sitemap.getheader("Content-Type") == "application/xml; charset=utf-8"  # not a feed
        sitemap.read()
        for hidden in ("/.clgtv/manifest.json", "/.clgtv/", "/%2Eclgtv/manifest.json"):
            connection.request("GET", hidden)
            refused = connection.getresponse()
            refused.read()
            assert refused.status == 404, hidden
        not_found = (public / "404.html").read_bytes()
        for method, body in (("GET", not_found), ("HEAD", b"")):
            with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10) as raw:
                raw.sendall(f"{method} /clgdottv-podcast/an-old-episode/ HTTP/1.0\r\n\r\n".encode())  # any depth
                answer = b"".join(iter(lambda: raw.recv(65536), b""))
            head, _, sent = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.0 404 ") and sent == body, method  # nothing after HEAD's headers
            assert b"\r\nContent-Type: text/html; charset=utf-8\r\n" in head
            assert f"\r\nContent-Length: {len(not_found)}\r\n".encode() in head
    finally:
        server.shutdown()
        server.server_close()


def test_serve_never_leaves_its_folder_nor_lists_one(tmp_path: Path) -> None:
    public, outside = tmp_path / "public", tmp_path / "outside"
    (public / "show").mkdir(parents=True)
    outside.mkdir()
    (public / "show/index.html").write_text("<p>show</p>")
    (public / "show/notes").mkdir()
    (outside / "secret.txt").write_text("not published")
    (public / "secret-link.txt").symlink_to(outside / "secret.txt")
    (public / "outside-link").symlink_to(outside)
    (public / "linked").mkdir()
    (public / "linked/index.html").symlink_to(outside / "secret.txt")
    server = make_server(public, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)

        def answer(path: str, **headers: str) -> tuple[int, bytes]:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()

        assert answer("/show/") == (200, b"<p>show</p>")
        for path in ("/secret-link.txt", "/outside-link/secret.txt", "/outside-link/", "/linked/", "/show/notes/", "/"):
            status, body = answer(path)
            assert status == 404 and b"not published" not in body and b"secret" not in body, path
        assert answer("/show/index.html", Range=f"bytes={'9' * 5000}-") == (200, b"<p>show</p>")  # ignored
        assert answer("/show/index.html", Range=f"bytes=-{'9' * 5000}") == (200, b"<p>show</p>")
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("status", ["draft", "future"])
def test_drafts_and_future_episodes_wait(project: Path, run, status: str) -> None:
    show = project / "episodes/test-show"
    extra = show / "2026-10-08-later.md"
    fields = {"title": '"Later"', "episode": 2, "guid": "7e1b1f2a-8a1c-4d53-8b57-1d0f5cfb8a02"}
    if status == "draft":
        fields["status"] = "draft"
    else:
        fields["date"] = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat(timespec="seconds")
    extra.write_text(episode_text(**fields))
    result = run(project, "publish")
    assert result.exit_code == 0, result.output
    assert "held back: " in result.output
    feed = (project / "public/test-show/feed.xml").read_text()
    assert "A test episode" in feed and "Later" not in feed
    assert not (project / "public/test-show/later").exists()
