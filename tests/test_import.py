"""`clgtv import`: feeds in the shapes other platforms write, served from 127.0.0.1, moved in and published
again with the same guids, titles and dates; and hostile feeds, files and servers refused."""

from __future__ import annotations

import calendar
import contextlib
import http.server
import io
import json
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import podcastparser
import pytest
from click.testing import CliRunner
from PIL import Image

from clgtv import content, download, importer
from clgtv.cli import cli
from clgtv.feed import podcast_guid
from tests.conftest import REPO, make_artwork, make_tone

FEEDS = Path(__file__).parent / "feeds"
FEED_PATHS = {  # where each generator's feed lives (its atom:link rel="self")
    "powerpress": "/powerpress/feed/podcast/",
    "libsyn": "/libsyn/rss",
    "anchor": "/anchor/s/abc123/podcast/rss",
    "buzzsprout": "/buzzsprout/2233445.rss",
    "castopod": "/castopod/@townhall/feed.xml",
    "podbean": "/podbean/feed.xml",
}
SRT = b"1\n00:00:00,000 --> 00:00:01,500\nHello and welcome.\n\n2\n00:00:01,500 --> 00:00:03,000\nGoodbye.\n"
VTT = (
    b"WEBVTT\n\n00:00:00.000 --> 00:00:01.500\n<v Jo Reader>Hello and welcome.\n\n00:00:01.500 --> 00:00:03.000\nBye.\n"
)
TRANSCRIPT_JSON = json.dumps(
    {
        "version": "1.0.0",
        "segments": [
            {"speaker": "Town Clerk", "startTime": 0.0, "endTime": 1.5, "body": "Croeso. Welcome."},
            {"startTime": 1.5, "endTime": 3.0, "body": "The vote <passes>."},
        ],
    }
).encode()
CHAPTERS = {
    "buzzsprout": {
        "version": "1.2.0",
        "chapters": [
            {"startTime": 0, "title": "Intro"},
            {"startTime": 1.5, "title": "Printers", "url": "https://librariesnow.example/printers"},
            {"startTime": 2, "title": "Hidden marker", "toc": False},
        ],
    },
    "castopod": {
        "version": "1.2.0",
        "chapters": [{"startTime": 0.5, "title": "Opening"}, {"startTime": 2.25, "title": "The vote"}],
    },
}

Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


class Server:
    """A real HTTP server on 127.0.0.1: each generator's feed and files, and any special routes a test adds."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.routes: dict[str, Handler] = {}
        self.hits: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                server.hits.append(path)
                if route := server.routes.get(path):
                    return route(self)
                body = server.body(path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def feed(self, name: str) -> bytes:
        text = (FEEDS / f"{name}.xml").read_text(encoding="utf-8")
        lengths = {"length": len(self.files[".mp3"]), "m4a_length": len(self.files[".m4a"])}
        return text.replace("{base}", self.base).format_map(lengths).encode()

    def body(self, path: str) -> bytes | None:
        for name, feed_path in FEED_PATHS.items():
            if path == feed_path:
                return self.feed(name)
        if path.endswith("chapters.json"):
            return json.dumps(CHAPTERS["buzzsprout" if "buzzsprout" in path else "castopod"]).encode()
        if path.endswith("/transcript"):
            return b"<html><body><p>Hello and welcome.</p></body></html>"
        for suffix, body in self.files.items():
            if path.endswith(suffix):
                return body
        return None

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("media")
    png = folder / "art.png"
    Image.new("RGB", (1400, 1400), "navy").save(png)
    return {
        ".mp3": make_tone(folder / "tone.mp3", seconds=3.0).read_bytes(),
        ".m4a": make_tone(folder / "tone.m4a", seconds=3.0, extra=("-c:a", "aac")).read_bytes(),
        ".jpg": make_artwork(folder / "art.jpg").read_bytes(),
        ".png": png.read_bytes(),
        ".srt": SRT,
        ".vtt": VTT,
        "transcript.json": TRANSCRIPT_JSON,
        "budget-night.json": TRANSCRIPT_JSON,
    }


@pytest.fixture(scope="module")
def server(media: dict[str, bytes]) -> Iterator[Server]:
    running = Server(media)
    yield running
    running.close()


SITE = (
    "title: Imported\nbase_url: https://podcasts.example/\ntarget: public\n"
    "defaults:\n  transcription: {enabled: false}\n"
)


def new_project(root: Path) -> Path:
    (root / "episodes").mkdir(parents=True)
    (root / "clgtv.yaml").write_text(SITE)
    shutil.copytree(REPO / "templates", root / "templates")
    return root


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def moved(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every generator's feed imported into one project, which is then published to public/."""
    root = new_project(tmp_path_factory.mktemp("moved") / "project")
    for name, path in FEED_PATHS.items():
        result = run(root, "import", server.base + path, name)
        assert result.exit_code == 0, result.output
    result = run(root, "publish")
    assert result.exit_code == 0, result.output
    return root


def identities(feed: bytes) -> list[tuple[str, str, tuple]]:
    """(guid, title, date in UTC) of every item, as feedparser reads them; an item without a guid is known
    by its enclosure URL, as apps know it."""
    parsed = feedparser.parse(feed)
    assert not parsed.bozo, parsed.bozo_exception
    return sorted(
        (entry.get("id") or entry.enclosures[0].href, entry.title, tuple(entry.published_parsed)[:6])
        for entry in parsed.entries
    )


@pytest.mark.parametrize("name", list(FEED_PATHS))
def test_publish_after_import_keeps_every_guid_title_and_date(moved: Path, server: Server, name: str) -> None:
    published = (moved / "public" / name / "feed.xml").read_bytes()
    original = server.feed(name)
    assert identities(published) == identities(original)
    assert len(identities(original)) == 2

    # podcastparser agrees on the guids
    def guids(feed: bytes) -> set[str]:
        parsed = podcastparser.parse("https://podcasts.example/feed.xml", io.BytesIO(feed))
        return {episode["guid"] for episode in parsed["episodes"]}

    # and the programme keeps its podcast:guid: the feed's own, else the one derived from its old address
    def programme_guid(feed: bytes) -> str:
        found = re.search(rb"<podcast:guid>([^<]+)</podcast:guid>", feed)
        return found[1].decode() if found else podcast_guid(server.base + FEED_PATHS[name])

    assert programme_guid(published) == programme_guid(original)
    expected = guids(original)
    if name == "podbean":  # podcastparser (gPodder) knows an item without a guid by its link; clgtv by its enclosure
        no_guid = server.base + "/podbean/mf/web/def456/first.mp3"
        expected = expected - {"https://parishpump.podbean.com/e/first/"} | {no_guid}
    assert guids(published) == expected


def test_the_imported_project_passes_check(moved: Path) -> None:
    result = run(moved, "check")
    assert result.exit_code == 0, result.output
    assert "ok: 6 programmes, 12 episodes" in result.output


def episode(root: Path, show: str, slug: str):
    loaded = content.load(root)
    programme = next(p for p in loaded.programmes if p.show.slug == show)
    return programme, next(e for e in programme.episodes if e.slug == slug)


def test_buzzsprout_people_chapters_numbers_and_the_webvtt_transcript(moved: Path) -> None:
    programme, found = episode(moved, "buzzsprout", "makerspaces")
    assert (found.season, found.number, found.type, found.explicit) == (3, 7, "full", False)
    assert [(p.name, p.role, p.href, p.img) for p in found.people] == [
        ("Jo Reader", "host", "https://librariesnow.example/jo", None),
        ("Ali Maker", "guest", None, "https://librariesnow.example/ali.jpg"),
    ]
    # the chapter that is not for the table of contents is left out
    assert [(c.start, c.title, c.url) for c in found.chapters] == [
        (0.0, "Intro", None),
        (1.5, "Printers", "https://librariesnow.example/printers"),
    ]
    assert found.transcript.name == "2026-03-04-makerspaces.vtt"  # WebVTT chosen over HTML, JSON and SRT
    assert found.transcript.read_bytes() == VTT
    assert found.notes == (
        "3D printers in the reading room.\n\n[Start your podcast](https://www.buzzsprout.com/?referrer_id=1)"
    )
    show = programme.show
    assert show.guid == "2d8c1f3e-7a45-5b9c-8e21-4f6a0d9b3c57"  # the feed's own podcast:guid
    assert show.funding[0].url == "https://librariesnow.example/support"
    assert [p.name for p in show.people] == ["Jo Reader"]
    assert show.categories == ("Society & Culture", "Government")
    assert (show.language, show.copyright) == ("en-gb", "© 2026 Libraries Now")
    assert found.date.isoformat() == "2026-03-04T14:00:00-06:00"


def test_castopod_json_transcript_becomes_webvtt_and_chapters_start_at_zero(moved: Path) -> None:
    programme, found = episode(moved, "castopod", "budget-night")
    assert found.transcript.name == "2026-02-26-budget-night.vtt"
    text = found.transcript.read_text()
    assert "<v Town Clerk>Croeso. Welcome." in text and "The vote &lt;passes&gt;." in text
    assert [(c.start, c.title) for c in found.chapters] == [(0.0, "Budget night"), (0.5, "Opening"), (2.25, "The vote")]
    assert [(p.name, p.role) for p in found.people] == [("Town Clerk", "host"), ("Councillor Bryn", "host")]
    assert found.number == 12 and found.season is None
    assert found.notes == "The budget, line by line.\n\n## Agenda\n\n1. Opening\n2. The vote"
    show = programme.show
    assert show.guid == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert (show.license, show.license_url) == ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/")
    assert (show.location.name, show.location.geo, show.location.country) == ("Cardiff", "geo:51.4816,-3.1791", "gb")
    assert show.language == "cy" and show.people[0].img.endswith("/clerk.jpg")


def test_powerpress_guid_is_derived_from_the_old_feed_address(moved: Path, server: Server) -> None:
    programme, found = episode(moved, "powerpress", "bins-budgets-the-big-questions")
    assert programme.show.guid == podcast_guid(server.base + FEED_PATHS["powerpress"])
    assert 'guid: "' + programme.show.guid + '"' in programme.show.path.read_text()
    assert found.guid == "https://councilmatters.example/?p=112"
    assert found.title == "Bins, budgets & the big questions"
    assert found.transcript.name.endswith(".srt") and found.transcript.read_bytes() == SRT
    assert found.notes == (
        "We ask where the money goes, with **Sam Treasurer**.\n\n"
        "- The budget *gap*\n"
        "- Read the [budget papers](https://councilmatters.example/budget)\n\n"
        "Thanks to \\*everyone\\* who wrote in <3".replace("<3", "\\<3")
    )
    assert programme.show.title == "Council Matters – Podcast"
    assert programme.show.categories == ("Government", "Education > Courses")
    _, trailer = episode(moved, "powerpress", "welcome-to-council-matters")
    assert trailer.type == "trailer"


def test_podbean_item_without_a_guid_keeps_its_enclosure_address(moved: Path, server: Server) -> None:
    _, found = episode(moved, "podbean", "the-first-ever-parish-pump")
    assert found.guid == server.base + "/podbean/mf/web/def456/first.mp3"
    assert found.date.isoformat() == "2015-01-03T09:15:00-05:00"
    programme, shelter = episode(moved, "podbean", "the-new-bus-shelter")
    assert shelter.notes == "It has a roof at last."
    # "Technology > Podcasting" is no longer one of Apple's categories: its parent is kept
    assert programme.show.categories == ("News > Politics", "Technology")
    assert programme.show.artwork.name == "artwork.png"


def test_libsyn_serial_plain_text_notes_and_explicit(moved: Path) -> None:
    programme, first = episode(moved, "libsyn", "ep-1-where-is-here")
    assert programme.show.type == "serial"
    assert first.explicit is True and (first.season, first.number) == (1, 1)
    assert first.notes == "Plain text notes, first line.\\\nSecond line: 10 \\* 2 = 20.\n\nA second paragraph."
    _, second = episode(moved, "libsyn", "ep-2-open-data-closed-doors")
    assert second.notes == "Why some data stays shut.\n\nLine one\\\nLine two\n\n1. First\n2. Second"
    assert second.audio.name == "2026-03-05-ep-2-open-data-closed-doors.mp3"


def test_anchor_media_and_notes(moved: Path) -> None:
    _, found = episode(moved, "anchor", "s2-e1-night-shifts")
    assert found.audio.suffix == ".m4a" and found.title == "S2 E1 – Night shifts"
    assert found.notes.startswith("What happens after dark.\n\n\\---\n\nSend in a voice message: [https://")
    _, bonus = episode(moved, "anchor", "bonus-a-thank-you")
    assert bonus.type == "bonus"


# --- refusals: nothing is written, the message names the feed or the address --------------------------------


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "episodes").iterdir())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return new_project(tmp_path / "project")


def test_an_existing_programme_folder_is_refused_and_left_alone(project: Path, server: Server) -> None:
    (project / "episodes" / "podbean").mkdir()
    (project / "episodes" / "podbean" / "notes.txt").write_text("mine")
    result = run(project, "import", server.base + FEED_PATHS["podbean"], "podbean")
    assert result.exit_code == 1
    assert "episodes/podbean: already exists" in result.output
    assert leftovers(project) == ["podbean"]
    assert [p.name for p in (project / "episodes" / "podbean").iterdir()] == ["notes.txt"]


def test_a_bad_show_name_is_refused(project: Path, server: Server) -> None:
    result = run(project, "import", server.base + FEED_PATHS["podbean"], "../evil")
    assert result.exit_code == 1 and "lowercase letters, digits and hyphens" in result.output
    assert leftovers(project) == []


def serve_feed(server: Server, path: str, feed: bytes) -> str:
    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(feed)))
        handler.end_headers()
        handler.wfile.write(feed)

    server.routes[path] = answer
    return server.base + path


def one_item_feed(enclosure: str, extra: str = "", title: str = "One") -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
        "<channel><title>T</title><description>D</description>"
        "<itunes:owner><itunes:email>a@b.example</itunes:email></itunes:owner>"
        f'<itunes:category text="Government"/>{extra}'
        f"<item><title>{title}</title><guid>g-1</guid><pubDate>Mon, 02 Mar 2026 10:00:00 +0000</pubDate>"
        f'<enclosure url="{enclosure}" length="1" type="audio/mpeg"/></item></channel></rss>'
    ).encode()


def refused(project: Path, feed_url: str, *options: str) -> str:
    result = run(project, "import", feed_url, "moved-show", "--feed-url", "https://old.example/feed", *options)
    assert result.exit_code == 1, result.output
    assert leftovers(project) == [], "a failed import leaves nothing behind"
    assert "Traceback" not in result.output
    return result.output


def test_a_redirect_to_a_file_is_refused(project: Path, server: Server, tmp_path: Path) -> None:
    secret = tmp_path / "secret.mp3"
    secret.write_bytes(b"secret")

    def to_file(handler) -> None:
        handler.send_response(302)
        handler.send_header("Location", secret.as_uri())
        handler.end_headers()

    server.routes["/to-file.mp3"] = to_file
    url = serve_feed(server, "/redirecting.xml", one_item_feed(server.base + "/to-file.mp3"))
    output = refused(project, url)
    assert f"{server.base}/to-file.mp3: redirects to file://" in output
    assert "only http:// and https:// are followed" in output


def test_an_enclosure_that_is_not_http_is_refused(project: Path, server: Server) -> None:
    url = serve_feed(server, "/ftp.xml", one_item_feed("file:///etc/passwd"))
    assert "file:///etc/passwd: expected a web address starting with https:// or http://" in refused(project, url)


def test_a_huge_download_is_stopped(project: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "MEDIA_LIMIT", 100_000)

    def endless(handler) -> None:  # no Content-Length, and no end in sight (50 MB, so a broken limit fails fast)
        handler.send_response(200)
        handler.end_headers()
        try:
            for _ in range(800):
                handler.wfile.write(b"\xff" * 65536)
        except OSError:
            pass

    def declared(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(10**12))
        handler.end_headers()

    server.routes["/endless.mp3"] = endless
    server.routes["/declared.mp3"] = declared
    output = refused(project, serve_feed(server, "/endless.xml", one_item_feed(server.base + "/endless.mp3")))
    assert "/endless.mp3: is over the limit of 100,000 bytes; stopped there" in output
    output = refused(project, serve_feed(server, "/declared.xml", one_item_feed(server.base + "/declared.mp3")))
    assert "/declared.mp3: is 1000000.0 MB, over the limit of 100,000 bytes" in output


def refused_within(seconds: float, project: Path, server: Server, name: str, route) -> str:
    """The output of an import refused within `seconds`, of a feed whose one recording `route` serves."""
    server.routes[f"/{name}.mp3"] = route
    started = time.monotonic()
    output = refused(project, serve_feed(server, f"/{name}.xml", one_item_feed(f"{server.base}/{name}.mp3")))
    assert time.monotonic() - started < seconds
    return output


def test_a_server_that_stops_answering_times_out(project: Path, server: Server, monkeypatch) -> None:
    monkeypatch.setattr(download, "READ_TIMEOUT", 0.5)
    release = threading.Event()

    def stalls(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b"x")
        handler.wfile.flush()
        release.wait(5)

    output = refused_within(4, project, server, "stalls", stalls)
    release.set()
    assert "/stalls.mp3: no data for 0.5 s; the server stopped answering" in output


def test_a_server_that_trickles_is_stopped_at_the_deadline(project: Path, server: Server, monkeypatch) -> None:
    monkeypatch.setattr(importer, "MEDIA_DEADLINE", 1)
    release = threading.Event()

    def trickles(handler) -> None:  # a byte every 0.1 s: never silent for long, and done only after 30 s
        handler.send_response(200)
        handler.send_header("Content-Length", "300")
        handler.end_headers()
        with contextlib.suppress(OSError):
            while not release.wait(0.1):
                handler.wfile.write(b"x")
                handler.wfile.flush()

    output = refused_within(5, project, server, "trickles", trickles)
    release.set()
    assert "/trickles.mp3: took longer than 1 s; stopped" in output


def test_a_missing_feed_and_a_broken_one_are_errors(project: Path, server: Server, tmp_path: Path) -> None:
    output = refused(project, server.base + "/nothing-here.xml")
    assert f"error: {server.base}/nothing-here.xml: the server answered 404" in output
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<rss><channel><title>x</channel>")
    assert "broken.xml: is not a well-formed XML feed" in refused(project, str(broken))
    atom = tmp_path / "atom.xml"
    atom.write_bytes(b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>')
    assert "atom.xml: is not an RSS feed (its root is <feed>, not <rss>)" in refused(project, str(atom))


def test_a_failure_halfway_leaves_nothing(project: Path, server: Server) -> None:
    feed = server.feed("podbean").replace(b"/def456/first.mp3", b"/def456/gone.mp3-missing")
    output = refused(project, serve_feed(server, "/half.xml", feed))
    assert "gone.mp3-missing: the server answered 404" in output


ENTITIES = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY secret SYSTEM "file:///etc/passwd">
  <!ENTITY remote SYSTEM "REMOTE">
  <!ENTITY hello "hello">
]>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>
<title>Entities &secret;&remote;&hello;</title><description>D &secret;</description>
<itunes:owner><itunes:email>a@b.example</itunes:email></itunes:owner><itunes:category text="Government"/>
<item><title>Item &secret;</title><guid>g-1</guid><pubDate>Mon, 02 Mar 2026 10:00:00 +0000</pubDate>
<description>&secret;&remote;</description><enclosure url="ENCLOSURE" length="1" type="audio/mpeg"/></item>
</channel></rss>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
  <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
]>
<rss version="2.0"><channel><title>&e;&e;&e;&e;</title><item><title>&e;</title></item></channel></rss>"""


def test_external_entities_are_never_read_nor_fetched(project: Path, server: Server) -> None:
    feed = ENTITIES.replace(b"ENCLOSURE", (server.base + "/xxe/one.mp3").encode())
    feed = feed.replace(b"REMOTE", (server.base + "/xxe/remote.txt").encode())
    before = len(server.hits)
    result = run(
        project, "import", serve_feed(server, "/xxe.xml", feed), "entities", "--feed-url", "https://x.example/f"
    )
    assert result.exit_code == 0, result.output
    assert server.hits[before:] == ["/xxe.xml", "/xxe/one.mp3"], "the remote entity was never fetched"
    folder = project / "episodes" / "entities"
    written = b"".join(p.read_bytes() for p in folder.iterdir() if p.suffix in (".md", ".yaml"))
    assert b"root:" not in written
    # no entity is expanded, not even an internal one: each stays as the reference the feed wrote
    assert 'title: "Entities &secret;&remote;&hello;"' in (folder / "show.yaml").read_text()


def test_entities_that_expand_without_end_are_refused(project: Path, server: Server) -> None:
    started = time.monotonic()
    output = refused(project, serve_feed(server, "/laughs.xml", LAUGHS))
    assert "/laughs.xml: is not a well-formed XML feed (Maximum entity amplification factor exceeded" in output
    assert time.monotonic() - started < 10


def test_names_from_the_feed_never_become_paths(project: Path, server: Server, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    title = "../../../outside/evil"
    enclosure = server.base + "/x/..%2F..%2F..%2Foutside%2Fevil.mp3"
    url = serve_feed(server, "/paths.xml", one_item_feed(enclosure, title=title))
    result = run(project, "import", url, "paths", "--feed-url", "https://x.example/f")
    assert result.exit_code == 0, result.output
    assert not outside.exists()
    names = sorted(p.name for p in (project / "episodes" / "paths").iterdir())
    assert names == ["2026-03-02-outside-evil.md", "2026-03-02-outside-evil.mp3", "show.yaml"]


def test_media_from_a_local_folder_matched_by_file_name(project: Path, server: Server, tmp_path: Path, media) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "bus_shelter.mp3").write_bytes(media[".mp3"])
    (folder / "first.mp3").write_bytes(media[".mp3"] + b"local")
    before = len(server.hits)
    result = run(project, "import", server.base + FEED_PATHS["podbean"], "parish", "--media", str(folder))
    assert result.exit_code == 0, result.output
    assert not [hit for hit in server.hits[before:] if hit.endswith(".mp3")], "no recording was downloaded"
    copied = project / "episodes" / "parish" / "2015-01-03-the-first-ever-parish-pump.mp3"
    assert copied.read_bytes() == media[".mp3"] + b"local"


def test_a_local_folder_never_lends_a_file_outside_it(project: Path, server: Server, tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    (tmp_path / "secret.mp3").write_bytes(b"secret")
    (folder / "evil.mp3").symlink_to(tmp_path / "secret.mp3")
    url = serve_feed(server, "/local.xml", one_item_feed("https://cdn.example/a/..%2Fsecret.mp3"))
    assert "has no file named 'secret.mp3'" in refused(project, url, "--media", str(folder))
    url = serve_feed(server, "/local2.xml", one_item_feed("https://cdn.example/evil.mp3"))
    assert "has no file named 'evil.mp3'" in refused(project, url, "--media", str(folder))


def test_a_feed_file_without_an_address_asks_for_one(project: Path, tmp_path: Path, server: Server) -> None:
    feed = tmp_path / "old.xml"
    feed.write_bytes(one_item_feed(server.base + "/file/one.mp3"))
    result = run(project, "import", str(feed), "from-file")
    assert result.exit_code == 1 and "give its public address with --feed-url" in result.output
    result = run(project, "import", str(feed), "from-file", "--feed-url", "https://old.example/feed.xml")
    assert result.exit_code == 0, result.output
    show = (project / "episodes" / "from-file" / "show.yaml").read_text()
    assert f'guid: "{podcast_guid("https://old.example/feed.xml")}"' in show


def test_skipped_items_are_warned_about(project: Path, server: Server) -> None:
    date = "<pubDate>Mon, 02 Mar 2026 10:00:00 +0000</pubDate>"
    items = (
        f"<item><title>No media</title><guid>n-1</guid>{date}</item>"
        f'<item><title>No date</title><guid>n-2</guid><enclosure url="{server.base}/w/2.mp3"/></item>'
        f'<item><title>Twin</title><guid>g-1</guid>{date}<enclosure url="{server.base}/w/3.mp3"/></item>'
        f'<item><title>Spaced</title><guid>has spaces</guid>{date}<enclosure url="{server.base}/w/4.mp3"/></item>'
    )
    feed = one_item_feed(server.base + "/w/1.mp3").replace(b"</channel>", items.encode() + b"</channel>")
    result = run(
        project, "import", serve_feed(server, "/skips.xml", feed), "skips", "--feed-url", "https://x.example/f"
    )
    assert result.exit_code == 0, result.output
    assert "item 2 ('No media'): no enclosure (no recording); skipped" in result.output
    assert "item 3 ('No date'): no usable pubDate ('')" in result.output
    assert "item 4 ('Twin'): guid 'g-1' is used by an earlier item; skipped" in result.output
    assert "item 5 ('Spaced'): guid: expected a GUID without spaces" in result.output
    assert "imported 1 episodes" in result.output


def test_feed_timestamps_read_back_as_the_same_instant() -> None:
    for text, expected in (
        ("Wed, 04 Mar 2026 14:00:00 -0600", "2026-03-04T20:00:00"),
        ("Fri, 06 Mar 2026 10:00:00 GMT", "2026-03-06T10:00:00"),
        ("Fri, 06 Mar 2026 10:00:00 -0000", "2026-03-06T10:00:00"),
        ("2026-03-06T10:00:00Z", "2026-03-06T10:00:00"),
    ):
        value = importer._date(text)
        assert calendar.timegm(value.utctimetuple()) == calendar.timegm(time.strptime(expected, "%Y-%m-%dT%H:%M:%S"))
    assert importer._date("not a date") is None and importer._date("Mon, 02 Mar 1900 10:00:00 +0000") is None


def test_every_written_path_stays_in_the_programme(moved: Path) -> None:
    for path in (moved / "episodes").rglob("*"):
        assert re.fullmatch(r"[a-z0-9-]+", path.relative_to(moved / "episodes").parts[0])
        assert not path.is_symlink()


def test_a_feed_imported_before_is_refused(project: Path, server: Server) -> None:
    assert run(project, "import", server.base + FEED_PATHS["podbean"], "first-time").exit_code == 0
    result = run(project, "import", server.base + FEED_PATHS["podbean"], "second-time")
    assert result.exit_code == 1
    assert "already has; was it imported before?" in result.output
    assert leftovers(project) == ["first-time"]


def test_a_locked_feed_is_warned_about_and_stays_locked(project: Path, server: Server) -> None:
    feed = one_item_feed(server.base + "/locked/one.mp3", extra="<podcast:locked>yes</podcast:locked>")
    feed = feed.replace(b"<rss ", b'<rss xmlns:podcast="https://podcastindex.org/namespace/1.0" ')
    result = run(
        project, "import", serve_feed(server, "/locked.xml", feed), "locked", "--feed-url", "https://x.example/f"
    )
    assert result.exit_code == 0, result.output
    assert "the feed is locked (podcast:locked yes): import only a programme you own" in result.output
    assert "locked: true" in (project / "episodes" / "locked" / "show.yaml").read_text()


def test_a_person_the_old_feed_lists_twice_is_imported_once(project: Path, server: Server) -> None:
    people = (
        '<podcast:person role="Host">Jo Reader</podcast:person>'
        '<podcast:person href="https://jo.example/">Jo Reader</podcast:person>'  # no role: host
        '<podcast:person role="guest">Jo Reader</podcast:person>'
    )
    feed = one_item_feed(server.base + "/twice/one.mp3").replace(b"</item>", people.encode() + b"</item>")
    feed = feed.replace(b"<rss ", b'<rss xmlns:podcast="https://podcastindex.org/namespace/1.0" ')
    result = run(
        project, "import", serve_feed(server, "/twice.xml", feed), "twice", "--feed-url", "https://x.example/f"
    )
    assert result.exit_code == 0, result.output
    make_artwork(project / "episodes/twice/artwork.jpg")  # the feed gave none
    checked = run(project, "check")
    assert checked.exit_code == 0, checked.output  # `check` refuses a person listed twice in one role
    (episode,) = content.load(project).select(["twice"])[0].episodes
    assert [(p.name, p.role, p.href) for p in episode.people] == [
        ("Jo Reader", "host", "https://jo.example/"),
        ("Jo Reader", "guest", None),
    ]


def test_podlove_simple_chapters_and_repeated_episode_numbers(project: Path, server: Server) -> None:
    chapters = (
        '<psc:chapters version="1.2" xmlns:psc="http://podlove.org/simple-chapters">'
        '<psc:chapter start="00:00:00.000" title="Hello"/>'
        '<psc:chapter start="00:01:02.500" title="Second" href="https://podlove.example/2"/>'
        '<psc:chapter start="nonsense" title="Dropped"/></psc:chapters>'
    )
    second = (
        "<item><title>Two</title><guid>g-2</guid><pubDate>Mon, 09 Mar 2026 10:00:00 +0000</pubDate>"
        f'<enclosure url="{server.base}/psc/2.mp3"/><itunes:episode>1</itunes:episode></item>'
    )
    image = f'<itunes:image href="{server.base}/psc/cover.jpg"/>'
    feed = one_item_feed(server.base + "/psc/1.mp3", extra=image, title="One")
    feed = feed.replace(b"</enclosure>", b"").replace(b'type="audio/mpeg"/>', f'type="audio/mpeg"/>{chapters}'.encode())
    feed = feed.replace(b"</item>", b"<itunes:episode>1</itunes:episode></item>" + second.encode(), 1)
    result = run(
        project, "import", serve_feed(server, "/psc.xml", feed), "podlove", "--feed-url", "https://x.example/f"
    )
    assert result.exit_code == 0, result.output
    assert "item 2 ('Two'): episode number 1 is used by an earlier item; left out" in result.output
    _, one = episode(project, "podlove", "one")
    assert [(c.start, c.title, c.url) for c in one.chapters] == [
        (0.0, "Hello", None),
        (62.5, "Second", "https://podlove.example/2"),
    ]
    assert one.number == 1 and episode(project, "podlove", "two")[1].number is None


def test_a_feed_with_a_huge_text_node_is_refused(project: Path, server: Server) -> None:
    feed = one_item_feed(server.base + "/huge/1.mp3", extra="<itunes:summary>" + "x" * 11_000_000 + "</itunes:summary>")
    output = refused(project, serve_feed(server, "/huge-text.xml", feed))
    assert "/huge-text.xml: is not a well-formed XML feed" in output and "huge" in output.lower()


def test_hostile_chapters_and_transcripts_are_left_out_with_a_warning(project: Path, server: Server) -> None:
    bad = {
        "/bad/deep-chapters.json": b"[" * 100_000,
        "/bad/nan-chapters.json": b'{"chapters": [{"startTime": NaN, "title": "x"}, {"startTime": 1e400}]}',
        "/bad/deep.json": b'{"segments": ' + b"[" * 100_000,
        "/bad/nan.json": b'{"segments": [{"startTime": NaN, "endTime": 1, "body": "x"}]}',
        "/bad/none.vtt": b"WEBVTT\n\nno cues here\n",
    }
    for path, body in bad.items():
        serve_feed(server, path, body)
    image = f'<itunes:image href="{server.base}/bad/cover.jpg"/>'
    items = "".join(
        f"<item><title>Bad {n}</title><guid>bad-{n}</guid><pubDate>Mon, 0{n} Mar 2026 10:00:00 +0000</pubDate>"
        f'<enclosure url="{server.base}/bad/{n}.mp3"/>{side}</item>'
        for n, side in enumerate(
            (
                f'<podcast:chapters url="{server.base}/bad/deep-chapters.json" type="application/json+chapters"/>',
                f'<podcast:chapters url="{server.base}/bad/nan-chapters.json" type="application/json+chapters"/>',
                f'<podcast:transcript url="{server.base}/bad/deep.json" type="application/json"/>',
                f'<podcast:transcript url="{server.base}/bad/nan.json" type="application/json"/>',
                f'<podcast:transcript url="{server.base}/bad/none.vtt" type="text/vtt"/>',
                f'<podcast:transcript url="{server.base}/bad/missing" type="application/x-subrip"/>',
            ),
            start=1,
        )
    )
    feed = one_item_feed(server.base + "/bad/0.mp3", extra=image).replace(b"</channel>", items.encode() + b"</channel>")
    feed = feed.replace(b"<rss ", b'<rss xmlns:podcast="https://podcastindex.org/namespace/1.0" ')
    result = run(project, "import", serve_feed(server, "/bad.xml", feed), "bad", "--feed-url", "https://x.example/f")
    assert result.exit_code == 0, result.output
    assert "chapters not carried over (its JSON is nested too deeply)" in result.output
    assert f"transcript not carried over ({server.base}/bad/none.vtt: no cues found;" in result.output
    assert f"transcript not carried over ({server.base}/bad/missing: the server answered 404" in result.output
    assert result.output.count("transcript not carried over") == 4
    assert run(project, "check").exit_code == 0
    loaded = content.load(project).programmes[0]
    assert not any(e.chapters or e.transcript for e in loaded.episodes)
    assert (project / "episodes" / "bad").stat().st_mode & 0o777 == 0o777 & ~_umask()


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask
