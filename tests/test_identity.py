"""A feed's identity for life: the programme's podcast:guid written once into show.yaml (`clgtv guid`), a
published guid never changed, and a move of base_url that keeps every guid, tells apps the new feed
(`itunes:new-feed-url`) and redirects the old addresses (`clgtv redirects`), into a folder and into a real
S3 server (moto) on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import feedparser
import podcastparser
import pytest
from conftest import SHOW_YAML, episode_text, foreign_lock, make_tone, snapshot
from lxml import etree
from s3server import start_moto

from clgtv import content
from clgtv.build import build
from clgtv.errors import ContentError
from clgtv.feed import podcast_guid
from clgtv.redirects import Move, Redirect
from clgtv.storage import DirectoryTarget
from clgtv.storage.sync import Lock

SHOW = "episodes/test-show/show.yaml"
GUID = "5b14f763-7719-5b9d-b37a-35231f9d2e1d"  # the test programme's, in conftest
GUID_LINE = f'guid: "{GUID}"  # written once; base_url may move\n'
OLD = "http://podcasts.test/"  # conftest's base_url
NEW = "https://podcasts.example.org/clgtv/"
NS = {"podcast": "https://podcastindex.org/namespace/1.0", "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}
SECOND_GUID = "0c9e5f0e-3d55-4f3e-9a57-6a3c0b8e2f10"


@pytest.fixture(autouse=True)
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)  # paths in messages are relative to where the host runs clgtv


def without_guid(project: Path) -> Path:
    show = project / SHOW
    show.write_text(show.read_text().replace(GUID_LINE, ""))
    return show


def move_site(project: Path, base_url: str = NEW, target: str | None = None) -> None:
    """clgtv.yaml with a new base_url (and target)."""
    site = project / "clgtv.yaml"
    text = re.sub(r"(?m)^base_url: .*$", f"base_url: {base_url}", site.read_text())
    site.write_text(re.sub(r"(?m)^target: .*$", f"target: {target}", text) if target else text)


def add_episode(project: Path) -> None:
    show = project / "episodes/test-show"
    make_tone(show / "2026-10-08-second.wav", 3.0)
    (show / "2026-10-08-second.md").write_text(
        episode_text(
            title='"A second episode"', date="2026-10-08T10:00:00+01:00", audio="2026-10-08-second.wav", episode=2,
            guid=SECOND_GUID,
        )
    )  # fmt: skip


def problems(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith(("episodes/", "clgtv.yaml"))]


def guids(feed: bytes) -> tuple[str, list[str]]:
    """(podcast:guid, item guids) as XPath, feedparser and podcastparser read them: all three must agree."""
    root = etree.fromstring(feed)
    (channel,) = root.xpath("channel/podcast:guid/text()", namespaces=NS)
    items = [str(g) for g in root.xpath("channel/item/guid/text()")]
    parsed = feedparser.parse(feed)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.feed.podcast_guid == channel
    assert [e.id for e in parsed.entries] == items
    gpodder = podcastparser.parse("https://podcasts.example/feed.xml", io.BytesIO(feed))
    assert [e["guid"] for e in gpodder["episodes"]] == items
    return str(channel), items


def feed_of(folder: Path) -> bytes:
    return (folder / "test-show/feed.xml").read_bytes()


# --- the guid, written once ---------------------------------------------------------------------------


def test_a_programme_without_a_guid_is_told_the_exact_line_to_add(run, project: Path) -> None:
    without_guid(project)
    derived = podcast_guid(OLD + "test-show/feed.xml")
    message = (
        f"{SHOW}:1: guid: missing; a programme's podcast:guid is written once and kept for life, even when "
        f'base_url moves. Add this line (or run `clgtv guid test-show --write`): guid: "{derived}"; if it was '
        "published before from another base_url or target, write that feed's guid instead"
    )
    for command in ("check", "build", "publish"):
        result = run(project, command)
        assert result.exit_code == 1 and problems(result) == [message], command
    assert not (project / "public").exists() and not (project / "build/site").exists()


def test_check_still_lists_the_other_problems_of_a_programme_without_a_guid(run, project: Path) -> None:
    without_guid(project)
    (project / "episodes/test-show/bad.vtt").write_bytes(b"WEBVTT\n\n00:00.000 --> 00:01.000\n\xff\xfe\n")
    episode = project / "episodes/test-show/2026-10-01-test.md"
    episode.write_text(episode.read_text().replace("guid:", "transcript: bad.vtt\nguid:"))
    result = run(project, "check")
    assert result.exit_code == 1
    assert sorted(line.split(": ")[1] for line in problems(result)) == ["guid", "transcript"]  # all at once


def test_two_programmes_never_share_a_guid(run, project: Path) -> None:
    """A show.yaml copied to start another programme keeps the first one's guid: refused at its line."""
    shutil.copytree(project / "episodes/test-show", project / "episodes/copy-show")
    episode = project / "episodes/copy-show/2026-10-01-test.md"
    episode.write_text(episode_text(guid="3f0c6a1e-8d2b-4c7a-9e5f-1b2c3d4e5f60"))
    result = run(project, "check")
    assert result.exit_code == 1
    line = (project / SHOW).read_text().splitlines().index(GUID_LINE.rstrip("\n")) + 1
    assert sorted(problems(result)) == [
        f"episodes/{new}/show.yaml:{line}: guid: '{GUID}' is also the podcast:guid of episodes/{old}/show.yaml; "
        "apps and directories would take them for one podcast. If this programme is the new one, remove this "
        f"line and run `clgtv guid {new} --write`"
        for new, old in (("copy-show", "test-show"), ("test-show", "copy-show"))
    ]
    (project / "episodes/copy-show/show.yaml").write_text((project / SHOW).read_text().replace(GUID_LINE, ""))
    assert run(project, "guid", "copy-show", "--write").exit_code == 0
    assert run(project, "check").exit_code == 0  # its own guid now, derived from its own feed's address


def test_the_build_itself_refuses_a_programme_without_a_guid(project: Path) -> None:
    without_guid(project)
    with pytest.raises(ContentError) as failed:
        build(content.load(project))  # the API, not only the commands: no feed goes out with a derived guid
    assert [(problem.field, problem.line) for problem in failed.value.problems] == [("guid", 1)]


def test_the_line_to_add_is_the_published_guid_and_clgtv_guid_writes_it(run, project: Path) -> None:
    assert run(project, "publish").exit_code == 0
    show = without_guid(project)
    move_site(project)  # the guid derived from the new address would be another podcast's
    result = run(project, "check")
    assert f'Add this line (or run `clgtv guid test-show --write`): guid: "{GUID}"' in result.output
    assert podcast_guid(NEW + "test-show/feed.xml") not in result.output
    before = show.read_bytes()
    assert run(project, "guid").output == f'{SHOW}: add guid: "{GUID}"\n'
    assert show.read_bytes() == before  # only --write writes
    assert run(project, "guid", "--write").output == f'{SHOW}: wrote guid: "{GUID}"\n'
    assert show.read_bytes() == f'guid: "{GUID}"\n'.encode() + before
    assert run(project, "guid", "--write").output == f'{SHOW}: guid: "{GUID}"\n'  # a written guid is never changed
    assert run(project, "publish").exit_code == 0
    assert guids(feed_of(project / "public"))[0] == GUID


@pytest.mark.parametrize(
    "head",
    [b"", b"\xef\xbb\xbf", b"--- # the programme\r\n", b"%YAML 1.1\r\n---\r\n"],
    ids=["plain", "byte-order mark", "document marker", "directive"],
)
def test_clgtv_guid_write_adds_one_line_and_keeps_every_other_byte(run, project: Path, head: bytes) -> None:
    """The line goes first in the mapping: after a byte-order mark, a directive, a `---` marker."""
    show = project / SHOW
    body = SHOW_YAML.replace(GUID_LINE, "").replace("\n", "\r\n").encode()  # CRLF lines are kept CRLF
    show.write_bytes(head + body)
    derived = podcast_guid(OLD + "test-show/feed.xml")
    assert run(project, "guid", "test-show", "--write").exit_code == 0
    assert show.read_bytes() == head + f'guid: "{derived}"\r\n'.encode() + body
    assert run(project, "check").exit_code == 0


def test_clgtv_guid_write_refuses_a_file_it_cannot_extend_safely(run, project: Path) -> None:
    show = project / SHOW
    owner = "owner: {name: Vicky Sargent, email: podcasts@clgdottv.example}"
    show.write_text(
        f"{{title: Test Programme, description: A programme., author: CLGdotTV, {owner}, categories: [News]}}\n"
    )
    before = snapshot(project / "episodes")
    result = run(project, "guid", "--write")
    derived = podcast_guid(OLD + "test-show/feed.xml")
    assert result.exit_code == 1
    assert result.output == f'error: {SHOW}: cannot add the guid line safely here; add it yourself: guid: "{derived}"\n'
    assert snapshot(project / "episodes") == before


def test_a_changed_programme_guid_is_refused_with_the_published_value(run, project: Path, live) -> None:
    show = project / SHOW
    show.write_text(show.read_text().replace(GUID, "2d2e6e0a-6f2c-4d57-a1b3-8f4e1c2b9d00"))
    message = (
        f"{SHOW}:12: guid: the published feed gives this programme the podcast:guid '{GUID}'; a new one makes apps "
        f'and directories take it for another podcast. To keep it, write guid: "{GUID}"'
    )
    for command in ("check", "build", "publish"):
        result = run(project, command)
        assert result.exit_code == 1 and problems(result) == [message], command
    assert snapshot(project / "public") == live
    show.write_text(show.read_text().replace("2d2e6e0a-6f2c-4d57-a1b3-8f4e1c2b9d00", GUID))
    assert run(project, "publish").exit_code == 0


def test_a_published_episode_dated_into_the_future_is_refused_and_a_draft_withdraws_it(
    run, project: Path, live
) -> None:
    episode = project / "episodes/test-show/2026-10-01-test.md"
    episode.write_text(episode_text(date="2062-10-01T10:00:00+01:00"))
    message = (
        "episodes/test-show/2026-10-01-test.md:3: date: this episode is in the published feed, and a date in the "
        "future (2062-10-01T10:00:00+01:00) would take it out until then; put back the date it was published with, "
        "or write status: draft to withdraw it"
    )
    for command in ("check", "publish"):
        result = run(project, command)
        assert result.exit_code == 1 and problems(result) == [message], command
    assert snapshot(project / "public") == live
    episode.write_text(episode_text(status="draft"))
    assert run(project, "publish").exit_code == 0
    assert etree.parse(project / "public/test-show/feed.xml").getroot().findall("channel/item") == []


# --- moving base_url ---------------------------------------------------------------------------------


def test_changing_base_url_leaves_every_guid_as_it_was(run, project: Path) -> None:
    add_episode(project)
    assert run(project, "publish").exit_code == 0
    before = guids(feed_of(project / "public"))
    assert before == (GUID, [SECOND_GUID, "5b3f2a4e-9a1c-4d53-8b57-1d0f5cfb8a01"])
    move_site(project)
    result = run(project, "publish")  # the same target: nothing published is contradicted
    assert result.exit_code == 0, result.output
    assert "guid" not in result.output  # nor a warning that the guid is not the new address's
    assert run(project, "publish", "--target", "moved").exit_code == 0  # and a new one
    for folder in ("public", "moved"):
        feed = feed_of(project / folder)
        assert guids(feed) == before
        enclosures = etree.fromstring(feed).xpath("channel/item/enclosure/@url")
        assert enclosures and all(url.startswith(NEW + "test-show/media/") for url in enclosures)


@pytest.fixture
def moved(run, project: Path) -> Path:
    """Published at the old base_url into `old`, then at the new one into `new`."""
    add_episode(project)
    move_site(project, OLD, "old")
    assert run(project, "publish").exit_code == 0
    move_site(project, NEW, "new")
    assert run(project, "publish").exit_code == 0
    return project


def media(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in (folder / "test-show/media").iterdir())


def expected_redirects(project: Path, old_path: str = "/") -> list[str]:
    """Every old file with a counterpart: the same name, or (a recording) the same episode's new file."""
    old, new = project / "old", project / "new"
    lines = []
    renamed = dict(zip(media(old), media(new), strict=True))
    for key in sorted(snapshot(old)):
        if key.startswith(".clgtv/") or key == "test-show/feed.xml":
            continue
        found = renamed.get(key, key)
        if (new / found).is_file():
            address = found.removesuffix("index.html")
            lines.append(f"{old_path}{key.removesuffix('index.html')} {NEW}{address} 301")
    return [*lines, f"{old_path}test-show/feed.xml {NEW}test-show/feed.xml 301"]  # feeds last


def test_an_old_jpeg_artwork_is_the_counterpart_of_its_jpg_build() -> None:
    """Artwork named .jpeg was published under that suffix before it was published as .jpg."""
    from clgtv.redirects import _stem

    assert _stem("show/artwork-0123456789.jpeg") == _stem("show/artwork-9876543210.jpg") == "show/artwork.jpg"


def test_clgtv_redirects_maps_every_old_address_to_its_new_one(run, moved: Path) -> None:
    old, new = moved / "old", moved / "new"
    assert media(old) != media(new)  # a recording's tags name the feed's address: new bytes, new name
    assert [name.rsplit("-", 1)[0] for name in media(old)] == [name.rsplit("-", 1)[0] for name in media(new)]
    before = snapshot(old)
    result = run(moved, "redirects", OLD, "--target", "old")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines == expected_redirects(moved)
    assert f"/test-show/ {NEW}test-show/ 301" in lines and f"/ {NEW} 301" in lines
    assert "would redirect" in result.stderr and "--apply writes them" in result.stderr
    assert snapshot(old) == before  # without --apply nothing is written


def test_clgtv_redirects_apply_gives_each_old_feed_the_new_feed_url(run, moved: Path) -> None:
    old = moved / "old"
    published = guids(feed_of(old))
    before = snapshot(old)
    result = run(moved, "redirects", OLD, "--target", "old", "--apply")
    assert result.exit_code == 0, result.output
    feed = feed_of(old)
    root = etree.fromstring(feed)
    assert root.xpath("channel/itunes:new-feed-url/text()", namespaces=NS) == [NEW + "test-show/feed.xml"]
    assert feedparser.parse(feed).feed["itunes_new-feed-url"] == NEW + "test-show/feed.xml"
    assert podcastparser.parse(OLD + "test-show/feed.xml", io.BytesIO(feed))["new_url"] == NEW + "test-show/feed.xml"
    assert guids(feed) == published == guids(feed_of(moved / "new"))
    after = snapshot(old)
    assert {k for k in after if after[k] != before.get(k)} == {"test-show/feed.xml"}  # a folder cannot redirect
    assert "addresses to redirect where old is served (the plan above)" in result.stderr
    added = [line for line in feed.splitlines() if line not in before["test-show/feed.xml"].splitlines()]
    assert len(added) == 1 and b"new-feed-url" in added[0]  # every other line as it was, CDATA notes included
    assert b"<![CDATA[" in feed
    assert run(moved, "redirects", OLD, "--target", "old", "--apply").exit_code == 0  # again: one tag, not two
    assert len(etree.fromstring(feed_of(old)).xpath("channel/itunes:new-feed-url", namespaces=NS)) == 1


def test_clgtv_redirects_apply_waits_for_a_publish_running_at_the_old_target(run, moved: Path) -> None:
    old = moved / "old"
    running = Lock.mine(dt.datetime.now(dt.UTC))  # this test's own pid: a live publish
    (old / ".clgtv/lock").write_bytes(running.encode())
    before = snapshot(old)
    result = run(moved, "redirects", OLD, "--target", "old", "--apply")
    assert result.exit_code == 1
    assert f"error: old: another publish is running ({running.owner}, pid {running.pid}" in result.output
    assert snapshot(old) == before  # no feed written under the other publish, its lock left alone
    (old / ".clgtv/lock").unlink()
    assert run(moved, "redirects", OLD, "--target", "old", "--apply").exit_code == 0
    assert not (old / ".clgtv/lock").exists()  # taken and given back


@pytest.fixture
def planned(monkeypatch: pytest.MonkeyPatch) -> list[Callable[[], None]]:
    """Steps to take after each plan `clgtv redirects` makes, in order: the first after the plan that checks,
    the second after the one under the lock."""
    import clgtv.redirects

    steps: list[Callable[[], None]] = []
    plan = clgtv.redirects.plan_move

    def plan_then_step(*args):
        move = plan(*args)
        if steps:
            steps.pop(0)()
        return move

    monkeypatch.setattr(clgtv.redirects, "plan_move", plan_then_step)
    return steps


def test_clgtv_redirects_apply_writes_the_old_feed_as_it_is_once_the_lock_is_held(run, moved: Path, planned) -> None:
    feed = moved / "old/test-show/feed.xml"
    meanwhile = b"<!-- a publish that ended just before the lock was taken -->"
    planned.append(lambda: feed.write_bytes(feed.read_bytes().replace(b"</channel>", meanwhile + b"</channel>")))
    assert run(moved, "redirects", OLD, "--target", "old", "--apply").exit_code == 0
    assert meanwhile in feed.read_bytes() and b"itunes:new-feed-url" in feed.read_bytes()


def test_clgtv_redirects_apply_stops_before_the_feeds_once_its_lock_is_taken_over(run, moved: Path, planned) -> None:
    lock, feed = moved / "old/.clgtv/lock", moved / "old/test-show/feed.xml"
    theirs = foreign_lock(now := dt.datetime.now(dt.UTC), now)  # a live publish that took over
    stamp = Lock.parse(theirs).created
    planned.extend([lambda: None, lambda: lock.write_bytes(theirs)])  # this run stalled under the lock
    before = feed.read_bytes()
    result = run(moved, "redirects", OLD, "--target", "old", "--apply")
    assert result.exit_code == 1
    assert result.output == (
        f"error: old: clgtv redirects --apply stalled and its lock was taken over by producer@ci-runner, pid 4242, "
        f"since {stamp}; it stopped before writing the old feeds. Run it again\n"
    )
    assert feed.read_bytes() == before and lock.read_bytes() == theirs  # the new holder's lock is left alone


def test_clgtv_redirects_refuses_what_would_send_apps_astray(run, moved: Path, monkeypatch) -> None:
    def error(*args: str) -> str:
        result = run(moved, "redirects", *args)
        assert result.exit_code == 1
        return result.output

    written: list[str] = []
    write = DirectoryTarget.write

    def recorded(target: DirectoryTarget, key: str, data: bytes, only_if_absent: bool = False) -> bool:
        written.append(key)
        return write(target, key, data, only_if_absent)

    monkeypatch.setattr(DirectoryTarget, "write", recorded)

    assert (
        error(NEW, "--target", "old")
        == f"error: {NEW}: this is base_url still; change base_url to the new address first\n"
    )
    assert "this is target still" in error(OLD, "--target", "new")
    assert error("https://elsewhere.example/", "--target", "old") == (
        f"error: old/test-show/feed.xml: says it is at {OLD}test-show/feed.xml, not "
        "https://elsewhere.example/test-show/feed.xml; give the old site's base_url and target\n"
    )
    (moved / "stranger").mkdir()
    assert error(OLD, "--target", "stranger") == (
        "error: stranger: not published by clgtv (there is no .clgtv/manifest.json); give the old site's target\n"
    )
    assert "not published by clgtv" in error(OLD, "--target", "stranger", "--apply")
    (moved / "stranger/.clgtv").mkdir()
    (moved / "stranger/.clgtv/manifest.json").write_text("another tool's\n")
    assert error(OLD, "--target", "stranger", "--apply") == (
        "error: stranger/.clgtv/manifest.json: not a clgtv manifest (JSONDecodeError: Expecting value: line 1 "
        "column 1 (char 0)); give the old site's target\n"
    )
    assert written == []  # not even a lock, in a folder clgtv does not own
    feed = moved / "old/test-show/feed.xml"
    feed.write_bytes(feed.read_bytes().replace(GUID.encode(), b"2d2e6e0a-6f2c-4d57-a1b3-8f4e1c2b9d00"))
    assert "its podcast:guid is '2d2e6e0a-6f2c-4d57-a1b3-8f4e1c2b9d00', not show.yaml's" in error(
        OLD, "--target", "old"
    )
    move_site(moved, "https://third.example/", "new")  # build/site was built for NEW
    assert "not built for base_url https://third.example/" in error(NEW, "--target", "old")


def test_the_plan_names_old_addresses_under_the_old_base_path() -> None:
    move = Move(
        "https://old.example/podcasts",
        (Redirect("show/index.html", NEW + "show/"), Redirect("index.html", NEW), Redirect("show/feed.xml", "x")),
        {},
        (),
    )
    assert move.lines() == [f"/podcasts/show/ {NEW}show/ 301", f"/podcasts/ {NEW} 301", "/podcasts/show/feed.xml x 301"]


# --- into S3 ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server, url = start_moto()
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def s3(moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIACLGTVTESTKEYID00",
        "AWS_SECRET_ACCESS_KEY": "s3cr3t",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
    client.create_bucket(Bucket="clgtv-old")
    yield client
    for item in client.list_objects_v2(Bucket="clgtv-old").get("Contents", ()):
        client.delete_object(Bucket="clgtv-old", Key=item["Key"])
    client.delete_bucket(Bucket="clgtv-old")


def reach_moto(project: Path, moto_url: str) -> None:
    """Point the project's S3 settings at the test's moto server."""
    site = project / "clgtv.yaml"
    site.write_text(
        site.read_text() + f"s3:\n  endpoint_url: {moto_url}\n  region: us-east-1\n  addressing_style: path\n"
    )


def published_old_in_s3(run, project: Path, s3, moto_url: str) -> list[str]:
    """Published at the old base_url into s3://clgtv-old/podcasts (copied to `old` to compare), then at the
    new one into `new`; the bucket's keys."""
    reach_moto(project, moto_url)
    add_episode(project)
    move_site(project, OLD, "s3://clgtv-old/podcasts")
    assert run(project, "publish").exit_code == 0
    (project / "old").mkdir()  # what the bucket held, to compare
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="clgtv-old")["Contents"]]
    for key in keys:
        path = project / "old" / key.removeprefix("podcasts/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(s3.get_object(Bucket="clgtv-old", Key=key)["Body"].read())
    move_site(project, NEW, "new")
    assert run(project, "publish").exit_code == 0
    return keys


def test_clgtv_redirects_apply_sets_each_old_objects_website_redirect_in_s3(run, project: Path, s3, moto_url) -> None:
    keys = published_old_in_s3(run, project, s3, moto_url)
    result = run(project, "redirects", OLD, "--target", "s3://clgtv-old/podcasts", "--apply")
    assert result.exit_code == 0, result.output
    lines = expected_redirects(project)
    assert result.stdout.splitlines() == lines
    assert f"{len(lines)} addresses redirect" in result.stderr and "redirects and feeds written" in result.stderr
    wanted = {line.split()[0].lstrip("/"): line.split()[1] for line in lines}
    for key in keys:
        head = s3.head_object(Bucket="clgtv-old", Key=key)
        name = key.removeprefix("podcasts/")
        address = name.removesuffix("index.html")
        assert head.get("WebsiteRedirectLocation") == wanted.get(address), key
        body = s3.get_object(Bucket="clgtv-old", Key=key)["Body"].read()
        if name == "test-show/feed.xml":  # what the REST endpoint serves: the old feed, telling apps the new one
            assert feedparser.parse(body).feed["itunes_new-feed-url"] == NEW + "test-show/feed.xml"
            assert guids(body) == guids(feed_of(project / "new"))
            assert head["Metadata"]["sha256"] == hashlib.sha256(body).hexdigest()
            assert head["ContentType"] == "application/rss+xml; charset=utf-8"
        elif not name.startswith(".clgtv/"):
            assert body == (project / "old" / name).read_bytes(), key  # bytes, type and digest kept
            assert head["Metadata"]["sha256"] == hashlib.sha256(body).hexdigest()
    media_key = "podcasts/" + media(project / "old")[0]
    assert s3.head_object(Bucket="clgtv-old", Key=media_key)["ContentType"] == "audio/mpeg"


def test_clgtv_redirects_apply_in_s3_redirects_the_feeds_last_and_only_under_its_own_lock(
    run, project: Path, s3, moto_url, planned
) -> None:
    published_old_in_s3(run, project, s3, moto_url)
    lock, feed = "podcasts/.clgtv/lock", "podcasts/test-show/feed.xml"
    theirs = foreign_lock(now := dt.datetime.now(dt.UTC), now)  # a live publish that took over
    planned.extend([lambda: None, lambda: s3.put_object(Bucket="clgtv-old", Key=lock, Body=theirs)])
    before = s3.get_object(Bucket="clgtv-old", Key=feed)["Body"].read()
    result = run(project, "redirects", OLD, "--target", "s3://clgtv-old/podcasts", "--apply")
    assert result.exit_code == 1
    assert "clgtv redirects --apply stalled and its lock was taken over" in result.output
    assert "WebsiteRedirectLocation" not in s3.head_object(Bucket="clgtv-old", Key=feed)
    assert s3.get_object(Bucket="clgtv-old", Key=feed)["Body"].read() == before
    assert s3.get_object(Bucket="clgtv-old", Key=lock)["Body"].read() == theirs
    recording = "podcasts/" + media(project / "old")[0]  # redirected before the check: the feeds come last
    assert s3.head_object(Bucket="clgtv-old", Key=recording)["WebsiteRedirectLocation"].startswith(NEW)


def test_clgtv_redirects_apply_writes_nothing_into_a_bucket_clgtv_does_not_own(run, moved: Path, s3, moto_url) -> None:
    reach_moto(moved, moto_url)
    s3.put_bucket_versioning(Bucket="clgtv-old", VersioningConfiguration={"Status": "Enabled"})  # keeps every write
    s3.put_object(Bucket="clgtv-old", Key="podcasts/index.html", Body=b"another tool's site")
    try:
        result = run(moved, "redirects", OLD, "--target", "s3://clgtv-old/podcasts", "--apply")
        assert result.exit_code == 1
        assert "error: s3://clgtv-old/podcasts: not published by clgtv" in result.output
        history = s3.list_object_versions(Bucket="clgtv-old")
        assert [v["Key"] for v in history.get("Versions", [])] == ["podcasts/index.html"]  # no lock, even for a moment
        assert not history.get("DeleteMarkers")
    finally:
        history = s3.list_object_versions(Bucket="clgtv-old")
        for kept in (*history.get("Versions", ()), *history.get("DeleteMarkers", ())):
            s3.delete_object(Bucket="clgtv-old", Key=kept["Key"], VersionId=kept["VersionId"])
