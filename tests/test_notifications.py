"""Notifications on publish, received by a real HTTP server on 127.0.0.1 standing in for a WebSub hub and for
podping.cloud: exactly once per changed feed, none when nothing changed or on a dry run, retried, and a service
that is down is a warning while the publish succeeds. The tags they need are checked by XPath and read back."""

from __future__ import annotations

import io
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import feedparser
import podcastparser
import pytest
from conftest import cli_ok, episode_text, make_project
from lxml import etree
from s3server import free_port
from test_feed import preview

from clgtv import notifications
from clgtv.errors import StorageError
from clgtv.feed import ATOM_NS, PODCAST_NS, render_feed
from clgtv.storage import DirectoryTarget

TOKEN = "Blahblah^^podping-token-7f3a9c"  # must reach the service as the header, and never be printed
BASE = "http://podcasts.test/"
FEEDS = ("other-show/feed.xml", "test-show/feed.xml")


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    headers: dict[str, str]


class Services:
    """A real HTTP server: /hub answers as a WebSub hub, /podping as podping.cloud. Each request is recorded;
    `answers[path]` lists the statuses to give first (then 204 for the hub, 200 for podping)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: dict[str, list[int]] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.services = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def to(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def pinged(self, path: str) -> list[str]:
        """The feed URLs the hub (form hub.url) or podping (query url) was told of, in order."""
        key = "hub.url" if path == "/hub" else "url"
        return [value for r in self.to(path) for value in (r.form if path == "/hub" else r.query).get(key, [])]


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def answer(self) -> None:
        services: Services = self.server.services  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        services.received.append(
            Received(self.command, parts.path, parse_qs(parts.query), parse_qs(body), dict(self.headers.items()))
        )
        queued = services.answers.get(parts.path, [])
        status = queued.pop(0) if queued else (204 if parts.path == "/hub" else 200)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = answer


@pytest.fixture
def services() -> Iterator[Services]:
    found = Services()
    yield found
    found.server.shutdown()
    found.server.server_close()


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notifications, "BACKOFF", 0.01)
    monkeypatch.delenv(notifications.PODPING_TOKEN_ENV, raising=False)


def notify_yaml(*hubs: str, podping: str | None = None, attempts: int = 3) -> str:
    lines = ["notify:", f"  max_attempts: {attempts}"]
    if hubs:
        lines += ["  hubs:", *(f"    - {hub}" for hub in hubs)]
    if podping:
        lines += ["  podping: true", f"  podping_url: {podping}"]
    return "\n".join(lines) + "\n"


def add_second_show(root: Path) -> None:
    """other-show: a copy of test-show with its own guids, so a publish has two feeds."""
    shutil.copytree(root / "episodes/test-show", root / "episodes/other-show")
    show = root / "episodes/other-show/show.yaml"
    show.write_text(
        show.read_text().replace("5b14f763-7719-5b9d-b37a-35231f9d2e1d", "a7c3e1d2-4b5f-4e6a-8c9d-0e1f2a3b4c5d")
    )
    episode = root / "episodes/other-show/2026-10-01-test.md"
    episode.write_text(episode_text(guid="0c1d8f7e-2b3a-4c5d-9e8f-7a6b5c4d3e21"))


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two programmes built once: each test's project starts from their cached audio."""
    root = make_project(tmp_path_factory.mktemp("notify") / "project")
    add_second_show(root)
    cli_ok(root, "build")
    return root


@pytest.fixture
def two_shows(tmp_path: Path, processed: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    shutil.copytree(processed, root, ignore=shutil.ignore_patterns("site", "site.new"))
    monkeypatch.chdir(root)
    return root


def configure(root: Path, extra: str) -> None:
    (root / "clgtv.yaml").write_text((root / "clgtv.yaml").read_text() + extra)


def publish(run, root: Path, *args: str):
    result = run(root, "publish", *args)
    assert result.exit_code == 0, result.output
    return result


def retitle(root: Path, show: str, title: str) -> None:
    path = root / f"episodes/{show}/2026-10-01-test.md"
    path.write_text(path.read_text().replace('title: "A test episode"', f'title: "{title}"'))


# --- the tags ------------------------------------------------------------------------------------


def test_feeds_name_each_hub_and_podping(project: Path) -> None:
    plain_xml = render_feed(preview(project)[0])
    hubs = ("https://pubsubhubbub.appspot.com/", "https://hub.example.org/")
    configure(project, notify_yaml(*hubs, podping="https://podping.cloud/"))
    xml = render_feed(preview(project)[0])
    channel = etree.fromstring(xml).find("channel")
    links = {link.get("rel"): link.get("href") for link in channel.findall(f"{{{ATOM_NS}}}link")}
    assert [link.get("href") for link in channel.findall(f"{{{ATOM_NS}}}link[@rel='hub']")] == list(hubs)
    assert links["self"] == BASE + "test-show/feed.xml"  # WebSub needs rel="self" beside the hubs
    assert [p.attrib for p in channel.findall(f"{{{PODCAST_NS}}}podping")] == [{"usesPodping": "true"}]

    parsed = feedparser.parse(xml)
    assert not parsed.bozo
    assert [link.href for link in parsed.feed.links if link.rel == "hub"] == list(hubs)
    assert next(link.href for link in parsed.feed.links if link.rel == "self") == BASE + "test-show/feed.xml"
    assert parsed.feed.podcast_podping == {"usespodping": "true"}
    # podcastparser (gPodder) reads neither tag: it must read the feed exactly as it did without them
    url = BASE + "test-show/feed.xml"
    assert podcastparser.parse(url, io.BytesIO(xml)) == podcastparser.parse(url, io.BytesIO(plain_xml))

    assert etree.fromstring(plain_xml).find(f"channel/{{{PODCAST_NS}}}podping") is None
    assert etree.fromstring(plain_xml).find(f"channel/{{{ATOM_NS}}}link[@rel='hub']") is None


def test_a_bad_notify_setting_is_an_error_at_its_line(project: Path, run) -> None:
    configure(project, "notify:\n  hubs:\n    - ftp://hub.example.org/\n  max_attempts: 11\n")
    result = run(project, "check")
    assert result.exit_code == 1
    assert "clgtv.yaml:6: notify.hubs: expected a web address starting with https:// or http://" in result.output
    assert "clgtv.yaml:7: notify.max_attempts: expected a whole number from 1 to 10, got 11" in result.output


def test_check_warns_when_podping_is_on_without_a_token(project: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(project, notify_yaml(podping="https://podping.cloud/"))
    line = (project / "clgtv.yaml").read_text().splitlines().index("  podping: true") + 1
    result = run(project, "check")
    assert result.exit_code == 0, result.output  # a warning: the publish itself still succeeds
    where = f"clgtv.yaml:{line}: notify.podping: ${notifications.PODPING_TOKEN_ENV} is not set"
    assert f"warning: {project / where}" in result.output
    monkeypatch.setenv(notifications.PODPING_TOKEN_ENV, "two words")
    assert "holds spaces or control characters" in run(project, "check").output
    assert "two words" not in run(project, "check").output
    monkeypatch.setenv(notifications.PODPING_TOKEN_ENV, TOKEN)
    assert "notify.podping" not in run(project, "check").output


# --- the pings -----------------------------------------------------------------------------------


def test_each_changed_feed_is_announced_once_and_an_unchanged_one_never(
    two_shows: Path, run, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(notifications.PODPING_TOKEN_ENV, TOKEN)
    configure(two_shows, notify_yaml(services.url + "/hub", podping=services.url + "/podping"))
    first = publish(run, two_shows)
    expected = sorted(BASE + feed for feed in FEEDS)
    assert sorted(services.pinged("/hub")) == expected
    assert sorted(services.pinged("/podping")) == expected
    for hub in services.to("/hub"):
        assert hub.method == "POST"
        assert hub.form["hub.mode"] == ["publish"]
        assert hub.headers["Content-Type"] == "application/x-www-form-urlencoded"
    for ping in services.to("/podping"):
        assert ping.method == "GET"
        assert ping.headers["Authorization"] == TOKEN  # podping.cloud compares the header with its token as is
        assert ping.headers["User-Agent"].startswith("clgtv/")  # podping.cloud refuses a request without one
        assert set(ping.query) == {"url"}  # medium podcast is podping's default
    assert TOKEN not in first.output
    assert f"notified WebSub hub {services.url}/hub of 2 changed feeds" in first.output
    feeds_stage = first.output.index("  feeds: ")
    assert feeds_stage < first.output.index("notified ")  # after the feeds are up

    services.received.clear()
    again = publish(run, two_shows)
    assert services.received == []  # nothing changed: no feed uploaded, no one told
    assert "notified" not in again.output

    retitle(two_shows, "test-show", "A new title")
    changed = publish(run, two_shows)
    assert services.pinged("/hub") == [BASE + "test-show/feed.xml"]
    assert services.pinged("/podping") == [BASE + "test-show/feed.xml"]
    assert TOKEN not in changed.output


def test_a_publish_cut_off_in_the_feeds_stage_tells_of_the_feeds_that_went_up(
    two_shows: Path, run, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rerun finds the feed that went up unchanged: told of it then, or never."""
    configure(two_shows, notify_yaml(services.url + "/hub"))
    put = DirectoryTarget.put

    def full_at_the_second_feed(self, local, progress) -> None:
        if local.key == FEEDS[1]:
            raise StorageError(f"{self}/{local.key}: cannot write (No space left on device)")
        put(self, local, progress)

    monkeypatch.setattr(DirectoryTarget, "workers", 1)  # the feeds go up in order: the first, then the failure
    monkeypatch.setattr(DirectoryTarget, "put", full_at_the_second_feed)
    cut = run(two_shows, "publish")
    assert cut.exit_code == 1 and "No space left on device" in cut.output
    assert services.pinged("/hub") == [BASE + FEEDS[0]]
    monkeypatch.setattr(DirectoryTarget, "put", put)
    publish(run, two_shows)
    assert services.pinged("/hub") == [BASE + FEEDS[0], BASE + FEEDS[1]]  # each once


def test_a_dry_run_sends_nothing_and_says_what_it_would_send(
    two_shows: Path, run, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(notifications.PODPING_TOKEN_ENV, TOKEN)
    configure(two_shows, notify_yaml(services.url + "/hub", podping=services.url + "/podping"))
    result = publish(run, two_shows, "--dry-run")
    assert services.received == []
    for feed in FEEDS:
        assert f"would notify WebSub hub {services.url}/hub of {BASE}{feed}" in result.output
        assert f"would notify Podping ({services.url}/podping) of {BASE}{feed}" in result.output
    assert TOKEN not in result.output
    publish(run, two_shows)  # the dry run changed nothing: the real publish still has both feeds to announce
    assert sorted(services.pinged("/hub")) == sorted(BASE + feed for feed in FEEDS)


def test_a_hub_that_is_down_is_a_warning_and_the_publish_succeeds(
    two_shows: Path, run, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(notifications.PODPING_TOKEN_ENV, TOKEN)
    closed = f"http://127.0.0.1:{free_port()}/hub"  # nothing listens there: connection refused
    services.answers["/hub"] = [500] * 10
    configure(two_shows, notify_yaml(closed, services.url + "/hub", podping=services.url + "/podping"))
    result = publish(run, two_shows)

    assert len([line for line in result.output.splitlines() if "was not told" in line]) == 2
    assert f"warning: {closed}: cannot be reached (Connection refused) (3 attempts); the hub was not told of 2" in (
        result.output
    )
    assert (
        f"warning: {services.url}/hub: the server answered 500 Internal Server Error (3 attempts); the hub was not "
        "told of 2 changed feeds (other-show/feed.xml, test-show/feed.xml). The publish is complete" in result.output
    )
    assert len(services.to("/hub")) == 3  # retried, then not asked again for the second feed
    assert sorted(services.pinged("/podping")) == sorted(BASE + feed for feed in FEEDS)  # the others still told
    assert "published " in result.output
    for feed in FEEDS:
        assert (two_shows / "public" / feed).is_file()
    assert TOKEN not in result.output
    services.received.clear()
    publish(run, two_shows)
    assert services.received == []  # nothing undone: the feeds are published, so nothing to announce again


def test_a_failure_that_may_pass_is_retried(two_shows: Path, run, services: Services) -> None:
    services.answers["/hub"] = [503, 429]
    configure(two_shows, notify_yaml(services.url + "/hub"))
    result = publish(run, two_shows)
    assert "was not told" not in result.output
    assert f"notified WebSub hub {services.url}/hub of 2 changed feeds" in result.output
    assert len(services.to("/hub")) == 4  # 503, 429, then taken; then the second feed at once
    assert sorted(set(services.pinged("/hub"))) == sorted(BASE + feed for feed in FEEDS)


def test_a_refused_token_is_not_retried_and_never_printed(
    two_shows: Path, run, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(notifications.PODPING_TOKEN_ENV, TOKEN)
    services.answers["/podping"] = [401]
    configure(two_shows, notify_yaml(podping=services.url + "/podping"))
    result = publish(run, two_shows)
    assert len(services.to("/podping")) == 1  # a 401 will not pass on a second try
    assert "the server answered 401 Unauthorized (1 attempt); Podping was not told of 2 changed feeds" in result.output
    assert TOKEN not in result.output


@pytest.mark.parametrize(("token", "why"), [(None, "is not set"), ("two words", "holds spaces or control")])
def test_podping_without_a_usable_token_warns_and_the_hubs_are_still_told(
    two_shows: Path, run, services: Services, monkeypatch: pytest.MonkeyPatch, token: str | None, why: str
) -> None:
    if token:
        monkeypatch.setenv(notifications.PODPING_TOKEN_ENV, token)
    configure(two_shows, notify_yaml(services.url + "/hub", podping=services.url + "/podping"))
    result = publish(run, two_shows)
    assert f"warning: PODPING_TOKEN: {why}" in result.output
    assert "so Podping was not told of 2 changed feeds" in result.output
    assert services.to("/podping") == []
    assert len(services.pinged("/hub")) == 2
    if token:
        assert token not in result.output
