"""Publishing that cannot destroy: targets clgtv owns, prune by the manifest, locks that heal,
credentials never printed, and an outage, a full or a read-only disk that leave the published site as it was.

Real parts throughout: the CLI in-process, real folders, a real tmpfs for the disks, the real S3 server
of tests/s3server.py behind test_storage_s3's fault proxy."""

# ruff: noqa: F811 - the fixtures imported from test_storage_s3 are named again as test parameters

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import foreign_lock, search_index
from test_storage_s3 import (  # noqa: F401 - the real S3 server's fixtures, shared
    DROP,
    aws_env,
    bucket,
    moto_url,
    processed_audio,
    proxy,
    s3,
    s3_project,
    session_proxy,
    site_yaml,
    stored,
)

from clgtv.errors import StorageError
from clgtv.secrets import find_secrets, redact
from clgtv.settings import S3Settings
from clgtv.storage import DirectoryTarget, S3Target, sync
from clgtv.storage.plan import LOCK_KEY, MANIFEST_KEY
from clgtv.storage.sync import Lock, locked

EPISODE = "episodes/test-show/2026-10-01-test.md"
OWN = "publish to a folder of its own, such as public"
FOREIGN = (
    "not empty, and not published by clgtv (there is no .clgtv/manifest.json); "
    "publish to an empty folder or prefix, or to one clgtv published"
)
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    monkeypatch.delenv("CLGTV_BASE_URL", raising=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below folder (links as where they lead, never followed): path -> bytes."""
    return {
        p.relative_to(folder).as_posix(): os.readlink(p).encode() if p.is_symlink() else p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() or p.is_symlink()
    }


def errors(result) -> list[str]:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return [line for line in result.output.splitlines() if line.startswith("error:")]


def retitle(project: Path, title: str) -> None:
    episode = project / EPISODE
    episode.write_text(episode.read_text().replace("A test episode", title))


def social(project: Path) -> str:
    """The key of the episode's social image as the project now builds it."""
    (path,) = (project / "build/site/test-show/test").glob("social-*.png")
    return f"test-show/test/{path.name}"


def media(project: Path) -> str:
    """The key of the episode's MP3 as the project now builds it."""
    (path,) = (project / "build/site/test-show/media").glob("test-*.mp3")
    return f"test-show/media/{path.name}"


# --- targets clgtv owns --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "why"),
    [
        (".", "this folder holds the project"),
        ("public/..", "this folder holds the project"),
        ("..", "this folder holds the project folder"),
        ("/", "this folder holds the project folder"),
        ("episodes", "this is the project's episodes/"),
        ("episodes/out", "this folder is inside the project's episodes/"),
        ("build/site", "this folder is inside the project's build/"),
        ("templates", "this is the project's templates/"),
        (".git/refs", "this folder is inside the project's .git/"),
        (".venv/lib", "this folder is inside the project's .venv/"),
        ("clgtv.yaml", "this is a file, not a folder"),
    ],
)
def test_the_project_and_its_folders_are_never_a_target(run, project: Path, target: str, why: str) -> None:
    (project / ".git/refs").mkdir(parents=True)
    (project / ".venv/lib").mkdir(parents=True)
    assert run(project, "build").exit_code == 0
    before = snapshot(project)
    shown = {"..": str(project.parent), "/": "/", "public/..": "."}.get(target, target)
    for args in (("--prune",), ("--dry-run", "--prune")):
        result = run(project, "publish", "--target", target, *args)
        assert errors(result) == [f"error: {shown}: {why}; {OWN}"]
    assert snapshot(project) == before


def test_the_home_folder_is_never_a_target(run, project: Path, tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    (home / "Documents/minutes.odt").write_text("the council's minutes")
    monkeypatch.setenv("HOME", str(home))
    result = run(project, "publish", "--target", "~", "--prune")
    assert errors(result) == [f"error: {home}: this is your home folder; {OWN}"]
    assert snapshot(home) == {"Documents/minutes.odt": b"the council's minutes"}


@pytest.mark.parametrize("mark", [".git", "clgtv.yaml", "episodes"])
def test_a_folder_holding_someones_work_is_refused(run, project: Path, tmp_path: Path, mark: str) -> None:
    other = tmp_path / "other"
    (other / mark).mkdir(parents=True) if mark != "clgtv.yaml" else (other.mkdir(), (other / mark).write_text(""))
    before = snapshot(other)
    result = run(project, "publish", "--target", str(other), "--prune")
    assert errors(result) == [
        f"error: {other}: this folder holds {mark}, so it is a project, not a publishing target; {OWN}"
    ]
    assert snapshot(other) == before and sorted(p.name for p in other.iterdir()) == [mark]


@pytest.mark.parametrize(("leads_to", "why"), [("", "holds the project"), ("..", "holds the project folder")])
def test_a_symlink_to_the_project_or_above_is_refused(run, project: Path, tmp_path: Path, leads_to, why) -> None:
    link = tmp_path / "sneaky"
    link.symlink_to((project / leads_to).resolve())
    before = snapshot(project)
    result = run(project, "publish", "--target", str(link), "--prune")
    assert errors(result) == [f"error: {link}: this folder {why}; {OWN}"]
    assert snapshot(project) == before


@pytest.mark.parametrize("files", [{"index.html": "the council's home page"}, {".htaccess": "Options -Indexes"}])
def test_a_folder_of_someone_elses_files_is_refused_untouched(run, project: Path, tmp_path: Path, files) -> None:
    www = tmp_path / "www"
    www.mkdir()
    for name, text in files.items():
        (www / name).write_text(text)
    for args in ((), ("--dry-run",), ("--prune",)):
        result = run(project, "publish", "--target", str(www), *args)
        assert errors(result) == [f"error: {www}: {FOREIGN}"]
    assert snapshot(www) == {name: text.encode() for name, text in files.items()}
    assert not (www / ".clgtv").exists()  # not even a lock was taken


ENTRY = {"sha256": "0" * 64, "size": 1}


@pytest.mark.parametrize(
    ("manifest", "why"),
    [
        (
            b"{not json",
            "not a clgtv manifest (JSONDecodeError: Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1))",
        ),
        (b"{}", "not a clgtv manifest (KeyError: 'files')"),
        (b'{"files": ["index.html"]}', "not a clgtv manifest (AttributeError: 'list' object has no attribute 'items')"),
        (json.dumps({"files": {"../outside.txt": ENTRY}}).encode(), "'../outside.txt'"),
        (json.dumps({"files": {"/etc/passwd": ENTRY}}).encode(), "'/etc/passwd'"),
        (json.dumps({"files": {"a\\..\\b": ENTRY}}).encode(), "'a\\\\..\\\\b'"),
        (json.dumps({"files": {"test-show/../../outside.txt": ENTRY}}).encode(), "'test-show/../../outside.txt'"),
        (json.dumps({"files": {"": ENTRY}}).encode(), "''"),
    ],
)
def test_a_manifest_clgtv_did_not_write_is_refused(run, project: Path, tmp_path: Path, manifest, why: str) -> None:
    www = tmp_path / "www"
    (www / ".clgtv").mkdir(parents=True)
    (www / ".clgtv/manifest.json").write_bytes(manifest)
    (tmp_path / "outside.txt").write_text("keep me")
    (www / "page.html").write_text("x")
    before = snapshot(www)
    if why.startswith("'"):
        why = f"not a clgtv manifest (it lists {why}, which leads outside the target)"
    for args in (("--prune",), ("--prune", "--dry-run")):
        assert errors(run(project, "publish", "--target", str(www), *args)) == [
            f"error: {www}/.clgtv/manifest.json: {why}; clgtv publishes only where its own manifest is"
        ]
    assert snapshot(www) == before and (tmp_path / "outside.txt").read_text() == "keep me"


def test_prune_deletes_only_what_clgtv_published(run, project: Path) -> None:
    assert run(project, "publish").exit_code == 0
    old = media(project)
    (project / "public/by-hand.html").write_text("a page a person put there")
    (project / "public/test-show/media/hand.mp3").write_bytes(b"not ours")
    retitle(project, "Retitled")
    index = search_index(project / "public")
    result = run(project, "publish", "--prune")
    assert result.exit_code == 0, result.output
    assert f"delete {old}" in result.output and "hand.mp3" not in result.output and "by-hand" not in result.output
    new, stale = search_index(project / "build/site") - index, index - search_index(project / "build/site")
    assert stale and not stale & search_index(project / "public")  # the search index's old files went too
    # the MP3, its page, the programme page and the feed; its embed page, oEmbed document and social image (the
    # title is in each); the index and its entry
    published = 4 + 3 + len(new) + 1
    assert f"published {published} files to public (" in result.output
    assert f" unchanged, {2 + len(stale)} deleted)" in result.output  # the old MP3 and social image too
    assert (project / "public/by-hand.html").read_text() == "a page a person put there"
    assert (project / "public/test-show/media/hand.mp3").read_bytes() == b"not ours"
    assert not (project / "public" / old).exists() and (project / "public" / media(project)).is_file()


def test_a_symlinked_folder_in_the_target_never_leads_a_write_outside(run, project: Path, tmp_path: Path) -> None:
    assert run(project, "publish").exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    shutil.move(project / "public/test-show/media", elsewhere)
    (project / "public/test-show/media").symlink_to(elsewhere)
    retitle(project, "Retitled")  # a new MP3 to write, and with --prune the old one to delete
    before, outside = snapshot(project / "public"), snapshot(elsewhere)
    result = run(project, "publish", "--prune")
    assert errors(result) == [
        f"error: public/{media(project)}: a symbolic link leads outside public; "
        "clgtv never follows it there: remove the link"
    ]
    after = snapshot(project / "public")
    assert {key: after.get(key) for key in before} == before and snapshot(elsewhere) == outside
    # the stage's other files go up in parallel: the new social image may be there, named by nothing yet
    assert set(after) - set(before) <= {social(project)}


def test_a_symlinked_file_in_the_target_is_never_read_or_replaced(run, project: Path, tmp_path: Path) -> None:
    assert run(project, "publish").exit_code == 0
    secret = tmp_path / "private.txt"
    secret.write_text("the chair's private notes, longer than a feed would ever be " * 100)
    feed = project / "public/test-show/feed.xml"
    feed.unlink()
    feed.symlink_to(secret)
    before = snapshot(project / "public")
    assert errors(run(project, "publish")) == [
        "error: public/test-show/feed.xml: a symbolic link leads outside public; "
        "clgtv never follows it there: remove the link"
    ]
    assert snapshot(project / "public") == before and secret.read_text().startswith("the chair's private notes")


def test_an_empty_folder_and_an_absent_one_are_fine(run, project: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "empty", tmp_path / "new/deep"):
        result = run(project, "publish", "--target", str(folder))
        assert result.exit_code == 0, result.output
        assert (folder / "test-show/feed.xml").is_file() and (folder / ".clgtv/manifest.json").is_file()
        assert not (folder / ".clgtv/lock").exists()


# --- locks that heal ----------------------------------------------------------------------------


def folder_target(tmp_path: Path) -> DirectoryTarget:
    return DirectoryTarget(tmp_path / "public")


def s3_target(bucket: str, proxy) -> S3Target:
    return S3Target(bucket, "site", S3Settings(endpoint_url=proxy.url, addressing_style="path", max_attempts=2))


@pytest.fixture(params=["folder", "s3"])
def target(request, tmp_path: Path):
    """The same lock tests on a folder and on the real S3 server."""
    if request.param == "folder":
        return folder_target(tmp_path)
    return s3_target(request.getfixturevalue("bucket"), request.getfixturevalue("proxy"))


def busy(target, created: dt.datetime, host: str = "ci-runner") -> str:
    return (
        f"{target}: another publish is running (producer@{host}, pid 4242, since {created.isoformat()}); "
        f"wait for it, or delete {target}/.clgtv/lock if it has crashed"
    )


def test_a_lock_refreshed_recently_on_another_machine_blocks(target) -> None:
    created = NOW - dt.timedelta(hours=2)  # a long publish, alive: refreshed 2 minutes ago
    body = foreign_lock(created, NOW - dt.timedelta(minutes=2))
    target.write(LOCK_KEY, body)
    with pytest.raises(StorageError) as refused, locked(target, print, now=lambda: NOW):
        pytest.fail("the lock was taken")
    assert str(refused.value) == busy(target, created)
    assert target.read(LOCK_KEY) == body


@pytest.mark.parametrize("refreshed", [True, False], ids=["refreshed", "before-refreshing"])
def test_a_lock_not_refreshed_for_minutes_is_taken_over_from_any_machine(target, refreshed: bool) -> None:
    created = NOW - dt.timedelta(minutes=3, seconds=1)
    target.write(LOCK_KEY, foreign_lock(created, created if refreshed else None))
    warnings: list[str] = []
    with locked(target, warnings.append, now=lambda: NOW) as mine:
        assert Lock.parse(target.read(LOCK_KEY)) == mine
    assert warnings == [
        f"warning: {target}: taking over a stale lock from producer@ci-runner, pid 4242, "
        f"since {created.isoformat()} (not refreshed for 3 minutes)"
    ]
    assert target.read(LOCK_KEY) is None  # released


def taken_over(target) -> list[str]:
    """What taking and releasing the lock at NOW warned, the lock already written to `target`."""
    warnings: list[str] = []
    with locked(target, warnings.append, now=lambda: NOW):
        pass
    return warnings


def test_stale_after_is_configurable(target, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sync, "STALE_AFTER", dt.timedelta(seconds=30))
    created = NOW - dt.timedelta(seconds=31)
    target.write(LOCK_KEY, foreign_lock(created, created))
    assert taken_over(target) == [
        f"warning: {target}: taking over a stale lock from producer@ci-runner, pid 4242, "
        f"since {created.isoformat()} (not refreshed for 30 seconds)"
    ]


def test_a_lock_from_a_clock_far_in_the_future_does_not_block_for_ever(tmp_path: Path) -> None:
    target = folder_target(tmp_path)
    target.write(LOCK_KEY, foreign_lock(NOW, NOW + dt.timedelta(days=365)))
    assert taken_over(target) == [
        f"warning: {target}: taking over a stale lock from producer@ci-runner, pid 4242, "
        f"since {NOW.isoformat()} (refreshed 525600 minutes in the future)"
    ]


def test_a_lock_whose_process_here_has_ended_is_stale_at_once(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])  # a process that has ended
    dead.wait()
    target = folder_target(tmp_path)
    here = socket.gethostname()
    target.write(LOCK_KEY, Lock(f"producer@{here}", here, dead.pid, NOW.isoformat(), "theirs").refresh(NOW).encode())
    assert taken_over(target) == [
        f"warning: {target}: taking over a stale lock from producer@{here}, pid {dead.pid}, "
        f"since {NOW.isoformat()} (its process {dead.pid} on this machine has ended)"
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"garbage",
        b"\xff\xfe",
        b"[]",
        b'{"owner": 1}',
        b'{"created": "yesterday"}',
        json.dumps({"owner": "a", "host": "h", "pid": 1, "created": "2026-12-01T12:00:00", "token": "t"}).encode(),
        json.dumps({"owner": "a", "host": "h", "pid": "1", "created": NOW.isoformat(), "token": "t"}).encode(),
        json.dumps({"owner": "a", "host": "h", "pid": True, "created": NOW.isoformat(), "token": "t"}).encode(),
        json.dumps({"owner": 7, "host": "h", "pid": 1, "created": NOW.isoformat(), "token": "t"}).encode(),
        json.dumps(
            {"owner": "a", "host": "h", "pid": 1, "created": NOW.isoformat(), "token": "t", "refreshed": "soon"}
        ).encode(),
        b"null",
    ],
)
def test_an_unreadable_lock_is_taken_over_with_a_warning(tmp_path: Path, body: bytes) -> None:
    target = folder_target(tmp_path)
    target.write(LOCK_KEY, body)
    assert taken_over(target) == [f"warning: {target}: taking over a stale lock (unreadable)"]
    assert target.read(LOCK_KEY) is None


def test_a_lock_from_a_newer_clgtv_with_more_fields_still_blocks(tmp_path: Path) -> None:
    target = folder_target(tmp_path)
    body = json.loads(foreign_lock(NOW, NOW)) | {"stage": "feeds", "version": "9.0"}
    target.write(LOCK_KEY, json.dumps(body).encode())
    with pytest.raises(StorageError) as refused, locked(target, print, now=lambda: NOW):
        pytest.fail("the lock was taken")
    assert str(refused.value) == busy(target, NOW)


def test_a_running_publish_refreshes_its_lock(target, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sync, "REFRESH_EVERY", 0.05)
    ticks = iter(NOW + dt.timedelta(minutes=n) for n in range(10**6))
    clock = threading.Lock()

    def now() -> dt.datetime:
        with clock:
            return next(ticks)

    watched = TakenOverBeforeTheHeartbeat(target)
    with locked(watched, print, now=now) as mine:
        first = Lock.parse(target.read(LOCK_KEY))
        deadline = time.monotonic() + 10
        while Lock.parse(target.read(LOCK_KEY)).refreshed == first.refreshed and time.monotonic() < deadline:
            time.sleep(0.01)
        later = Lock.parse(target.read(LOCK_KEY))
        assert later.token == mine.token and later.refreshed > first.refreshed
        assert later.created == first.created == mine.created
        theirs = foreign_lock(NOW, NOW + dt.timedelta(days=1))
        watched.take_over(theirs)  # as if this publish had stalled: just before its heartbeat next looks
        time.sleep(0.3)
        assert target.read(LOCK_KEY) == theirs  # never refreshed over another's
    assert target.read(LOCK_KEY) == theirs  # and never released


class TakenOverBeforeTheHeartbeat:
    """A target whose lock another publish takes over just before the heartbeat next reads it: taken over at
    any other moment, a heartbeat already between its read and its write would race the test."""

    def __init__(self, target) -> None:
        self.target, self.theirs, self.taken = target, None, threading.Event()

    def __getattr__(self, name: str):
        return getattr(self.target, name)

    def take_over(self, theirs: bytes) -> None:
        self.theirs = theirs
        assert self.taken.wait(10)

    def read(self, key: str) -> bytes | None:
        if self.theirs is not None and key == LOCK_KEY and threading.current_thread().name == sync.HEARTBEAT:
            self.target.write(LOCK_KEY, self.theirs)
            self.theirs = None
            self.taken.set()
        return self.target.read(key)


@pytest.mark.parametrize("hard_links", [True, False])
def test_a_lock_is_never_seen_half_written_nor_its_release_as_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hard_links: bool
) -> None:
    """Another publish reading the lock the moment it is made saw it empty, took it for a stale one and took
    it over; one reading it the moment it was released got an error. Without hard links (FAT, some shares)
    the exclusive create still makes the lock."""
    if not hard_links:
        monkeypatch.setattr(os, "link", lambda *_: (_ for _ in ()).throw(OSError(errno.EPERM, "no links")))
    target, lock = folder_target(tmp_path), foreign_lock(NOW, NOW) * 20
    seen: set[bytes | None] = set()
    failed: list[BaseException] = []
    done = threading.Event()

    def watch() -> None:
        try:
            while not done.is_set():
                seen.add(target.read(LOCK_KEY))
        except BaseException as exc:
            failed.append(exc)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(1000):
            assert target.write(LOCK_KEY, lock, only_if_absent=True)
            assert not target.write(LOCK_KEY, b"another", only_if_absent=True)
            target.delete([LOCK_KEY])
    finally:
        done.set()
        watcher.join()
    assert failed == []
    assert seen <= ({None, lock} if hard_links else {None, lock, b""})
    assert list((tmp_path / "public").rglob("*")) == []  # no temporary file left, and the folder it emptied gone


def test_a_half_written_file_a_killed_publish_left_is_removed_by_the_next(run, project: Path) -> None:
    assert run(project, "publish").exit_code == 0
    media = next((project / "public/test-show/media").iterdir())
    left = media.parent / ".tmpab12cd.partial"
    left.write_bytes(b"\xff" * 5000)  # a recording's copy, cut off by kill -9
    lock_in_making = project / "public/.clgtv/.tmpef34gh.partial"  # another publish's lock, being made
    lock_in_making.write_bytes(b"{}")
    result = run(project, "publish")
    assert result.exit_code == 0, result.output
    assert "removed 1 half-written files that a publish cut off left in public" in result.output
    assert not left.exists() and lock_in_making.exists() and media.exists()


def test_the_heartbeat_stops_when_the_publish_ends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sync, "REFRESH_EVERY", 0.01)

    def beating() -> int:
        return sum(thread.name == sync.HEARTBEAT for thread in threading.enumerate())

    with locked(folder_target(tmp_path), print, now=lambda: NOW):
        assert beating() == 1
    assert beating() == 0


def test_a_fresh_lock_refuses_a_publish_and_leaves_the_folder_as_it_was(run, project: Path) -> None:
    assert run(project, "publish").exit_code == 0
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    (project / "public/.clgtv/lock").write_bytes(foreign_lock(now - dt.timedelta(hours=1), now))
    retitle(project, "Retitled")
    before = snapshot(project / "public")
    assert errors(run(project, "publish", "--prune")) == [f"error: {busy('public', now - dt.timedelta(hours=1))}"]
    assert snapshot(project / "public") == before


def test_a_stale_lock_from_a_crashed_ci_runner_is_taken_over_by_the_next(run, s3_project: Path, s3, bucket) -> None:
    created = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    refreshed = created + dt.timedelta(minutes=56)  # the runner died 4 minutes ago, mid-publish
    s3.put_object(Bucket=bucket, Key="site/.clgtv/lock", Body=foreign_lock(created, refreshed))
    result = run(s3_project, "publish")
    assert result.exit_code == 0, result.output
    assert (
        f"warning: s3://{bucket}/site: taking over a stale lock from producer@ci-runner, pid 4242, "
        f"since {created.isoformat()} (not refreshed for 3 minutes)"
    ) in result.output
    assert "site/.clgtv/lock" not in stored(s3, bucket)


class TakenOver(DirectoryTarget):
    """A folder whose lock another machine takes over while the feeds go up (this publish had stalled)."""

    def put(self, local, progress) -> None:
        if local.key.endswith("feed.xml"):
            self.write(LOCK_KEY, foreign_lock(NOW, dt.datetime.now(dt.UTC)))
        super().put(local, progress)


@pytest.mark.parametrize(("prune", "what"), [(False, "writing the manifest"), (True, "deleting anything")])
def test_a_publish_whose_lock_was_taken_over_stops_before_recording(run, project: Path, prune: bool, what: str):
    assert run(project, "publish").exit_code == 0
    public = project / "public"
    manifest, old = (public / MANIFEST_KEY).read_bytes(), public / media(project)
    retitle(project, "Retitled")
    assert run(project, "build").exit_code == 0
    target = TakenOver(public)
    with pytest.raises(StorageError) as stopped:
        sync.publish(project / "build/site", target, prune=prune)
    assert str(stopped.value) == (
        f"public: this publish stalled and its lock was taken over by producer@ci-runner, pid 4242, "
        f"since {NOW.isoformat()}; it stopped before {what}. Run it again"
    )
    assert (public / MANIFEST_KEY).read_bytes() == manifest and old.exists()
    assert Lock.parse(target.read(LOCK_KEY)).token == "theirs"  # the new holder's lock is left alone


class TakenOverWhilePagesGoUp(DirectoryTarget):
    """A folder whose lock another machine takes over, with a newer feed of its own, while this publish's
    pages go up (it had stalled there)."""

    def put(self, local, progress) -> None:
        if local.key.endswith(".html") and Lock.parse(self.read(LOCK_KEY)).token != "theirs":
            self.write(LOCK_KEY, foreign_lock(NOW, dt.datetime.now(dt.UTC)))
            self.write("test-show/feed.xml", b"<rss>the new holder's</rss>")
        super().put(local, progress)


def test_a_publish_whose_lock_was_taken_over_never_writes_a_feed_over_the_new_holders(run, project: Path) -> None:
    assert run(project, "publish").exit_code == 0
    retitle(project, "Retitled")
    assert run(project, "build").exit_code == 0
    target = TakenOverWhilePagesGoUp(project / "public")
    with pytest.raises(StorageError) as stopped:
        sync.publish(project / "build/site", target)
    assert "it stopped before uploading the feeds. Run it again" in str(stopped.value)
    assert (project / "public/test-show/feed.xml").read_bytes() == b"<rss>the new holder's</rss>"


class Gate(DirectoryTarget):
    """Two publishes reach the lock at the same moment."""

    def __init__(self, root: Path, barrier: threading.Barrier):
        super().__init__(root)
        self.barrier = barrier

    def write(self, key: str, data: bytes, only_if_absent: bool = False) -> bool:
        if key == LOCK_KEY and only_if_absent:
            self.barrier.wait(timeout=10)
        return super().write(key, data, only_if_absent)


def test_two_publishes_racing_on_a_folder(run, project: Path, tmp_path: Path, monkeypatch) -> None:
    assert run(project, "build").exit_code == 0
    since = "2026-12-01T12:00:00+00:00"
    here = socket.gethostname()
    monkeypatch.setattr(
        Lock,
        "mine",
        classmethod(lambda cls, now: cls("racer@" + here, here, os.getpid(), since, uuid.uuid4().hex, now.isoformat())),
    )
    barrier = threading.Barrier(2)
    outcomes: list[object] = []
    hold = threading.Event()

    def one() -> None:
        target = Gate(tmp_path / "www", barrier)
        try:
            outcomes.append(sync.publish(project / "build/site", target, log=lambda line: hold.wait(5)))
        except StorageError as exc:
            outcomes.append(str(exc))
            hold.set()  # the loser has answered: let the winner go on

    racers = [threading.Thread(target=one) for _ in range(2)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=60)
    refusals = [o for o in outcomes if isinstance(o, str)]
    assert len(outcomes) == 2 and refusals == [
        f"{tmp_path / 'www'}: another publish is running (racer@{here}, pid {os.getpid()}, since {since}); "
        f"wait for it, or delete {tmp_path / 'www'}/.clgtv/lock if it has crashed"
    ]
    assert snapshot(tmp_path / "www") == {
        **{k: (project / "build/site" / k).read_bytes() for k in snapshot(project / "build/site")},
        ".clgtv/manifest.json": (tmp_path / "www/.clgtv/manifest.json").read_bytes(),
    }
    assert set(json.loads((tmp_path / "www/.clgtv/manifest.json").read_bytes())["files"]) == set(
        snapshot(project / "build/site")
    )


# --- secrets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("connection to http://user:pa55@minio.local:9000 failed", "connection to http://***@minio.local:9000 failed"),
        ("got 'https://me:p@ss@r2.example/x'", "got 'https://***@r2.example/x'"),
        ("connection to http://me:p@ss@minio:9000/b failed", "connection to http://***@minio:9000/b failed"),
        ("got 'https://me:pass word@r2.example'", "got 'https://***@r2.example'"),
        (
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261201&X-Amz-Signature=abc123&x=1",
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Signature=***&x=1",
        ),
        (
            "https://b.s3.amazonaws.com/k?X-Amz-Security-Token=IQoJb3JpZ2lu&X-Amz-Date=20261201T000000Z",
            "https://b.s3.amazonaws.com/k?X-Amz-Security-Token=***&X-Amz-Date=20261201T000000Z",
        ),
        (
            "https://b.s3.amazonaws.com/k?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1&Signature=vjbyPxybdZ%2B",
            "https://b.s3.amazonaws.com/k?AWSAccessKeyId=***&Expires=1&Signature=***",
        ),
        (
            "https://x.blob.core.windows.net/c/a.mp3?sv=2022&sig=Zm9v",
            "https://x.blob.core.windows.net/c/a.mp3?sv=2022&sig=***",
        ),
        ("https://api.example/?key=abc&access_token=def", "https://api.example/?key=***&access_token=***"),
        ("key id AKIAIOSFODNN7EXAMPLE in use, session ASIAIOSFODNN7EXAMPLE", "key id *** in use, session ***"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG", "aws_secret_access_key = ***"),
        ("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG ok", "AWS_SECRET_ACCESS_KEY=*** ok"),
        ('{"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG", "x": 1}', '{"SecretAccessKey": "***", "x": 1}'),
        ("https://cdn.example/a.mp3?token=s3cr3t#t=10", "https://cdn.example/a.mp3?token=***#t=10"),
        (
            "mail podcasts@clgdottv.example, see https://x.example/a@b",
            "mail podcasts@clgdottv.example, see https://x.example/a@b",
        ),
        ("clgtv.yaml:8: s3.secret_access_key: unknown field", "clgtv.yaml:8: s3.secret_access_key: unknown field"),
    ],
)
def test_redact(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_find_secrets_names_the_line() -> None:
    text = (
        "title: x\ns3:\n  endpoint_url: https://me:hunter2@r2.example\nnotes: AKIAIOSFODNN7EXAMPLE\n"
        "  secret_access_key: wJalrXUtnFEMI\nrepo: ssh://git@github.com/clgdottv/site\n"
        "link: https://cdn.example/a.mp3?X-Amz-Signature=abc\n"
    )
    assert [str(p) for p in find_secrets(Path("clgtv.yaml"), text)] == [
        "clgtv.yaml:3: secret: holds a user name and password in a web address; remove it from the file and "
        "change the credential",
        "clgtv.yaml:4: secret: holds an AWS access key id; remove it from the file and change the credential",
        "clgtv.yaml:5: secret: holds an AWS secret access key; remove it from the file and change the credential",
        "clgtv.yaml:7: secret: holds a signed web address or access token; remove it from the file and change the "
        "credential",
    ]


def test_check_warns_about_a_credential_in_a_committed_file_and_never_prints_it(run, project: Path) -> None:
    site = project / "clgtv.yaml"
    site.write_text(site.read_text() + "s3:\n  endpoint_url: http://producer:hunter2@127.0.0.1:1\n")
    episode = project / EPISODE
    episode.write_text(episode.read_text() + "\nThe bucket key is AKIAIOSFODNN7EXAMPLE.\n")
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    assert (
        "warning: clgtv.yaml:5: secret: holds a user name and password in a web address; remove it from the file "
        "and change the credential"
    ) in result.output
    assert f"warning: {EPISODE}:12: secret: holds an AWS access key id" in result.output
    published = run(project, "publish", "--target", "s3://clgtv-nowhere/site")
    assert published.exit_code == 1
    assert "hunter2" not in published.output + result.output and "AKIAIOSFODNN7EXAMPLE" not in result.output


UNREACHABLE = (
    "error: s3://{bucket}/site/test-show/feed.xml: connection to http://***@127.0.0.1:1 failed "
    "(EndpointConnectionError); check s3.endpoint_url and the network, then publish again"
)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("hunter2", UNREACHABLE),
        ("p@ss", UNREACHABLE),  # an unencoded @: the password is all up to the last one
        (
            "hun ter2",
            "clgtv.yaml:5: s3.endpoint_url: expected a web address starting with https:// or http://, "
            "got 'http://***@127.0.0.1:1'",
        ),  # refused by the settings, which quote it
    ],
)
def test_a_password_in_an_unreachable_endpoint_is_never_printed(s3_project: Path, run, bucket, password, message):
    endpoint = f"http://producer:{password}@127.0.0.1:1"  # nothing listens there
    assert S3Target(bucket, "site", S3Settings(endpoint_url=endpoint)).endpoint == "http://***@127.0.0.1:1"
    (s3_project / "clgtv.yaml").write_text(site_yaml(bucket, endpoint))
    result = run(s3_project, "publish")
    assert result.exit_code == 1 and password not in result.output
    assert message.format(bucket=bucket) in result.output.splitlines()


def test_a_password_in_a_reachable_endpoint_is_never_sent(s3_project: Path, run, s3, bucket, proxy) -> None:
    endpoint = proxy.url.replace("://", "://producer:hunter2@")
    assert S3Target(bucket, "site", S3Settings(endpoint_url=endpoint))._client.meta.endpoint_url == proxy.url
    (s3_project / "clgtv.yaml").write_text(site_yaml(bucket, endpoint))
    result = run(s3_project, "publish")
    assert result.exit_code == 0, result.output
    assert "site/test-show/feed.xml" in stored(s3, bucket) and "hunter2" not in result.output


def test_a_password_in_aws_endpoint_url_s3_is_never_printed(s3_project: Path, run, bucket, monkeypatch) -> None:
    (s3_project / "clgtv.yaml").write_text(
        f"title: Test site\nbase_url: http://podcasts.test/\ntarget: s3://{bucket}/site\n"
        "s3:\n  region: us-east-1\n  addressing_style: path\n  max_attempts: 1\n"
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://ci:t0ps3cret@127.0.0.1:1")
    assert errors(run(s3_project, "publish")) == [
        f"error: s3://{bucket}/site/test-show/feed.xml: connection to http://***@127.0.0.1:1 failed "
        "(EndpointConnectionError); check s3.endpoint_url and the network, then publish again"
    ]


def test_a_malformed_endpoint_with_a_password_is_one_clean_line(aws_env) -> None:
    with pytest.raises(StorageError) as refused:
        S3Target("b", "site", S3Settings(endpoint_url="http://producer:hunter2@[::1"))
    assert str(refused.value) == (
        "s3://b/site: s3.endpoint_url is not a usable web address; check it (clgtv.yaml or AWS_ENDPOINT_URL_S3)"
    )


# --- S3 prefixes clgtv owns, and an outage half-way ---------------------------------------------------


@pytest.mark.parametrize(
    ("objects", "prefix", "message"),
    [
        ({"site/their-page.html": b"another tool's"}, "site", f"s3://{{bucket}}/site: {FOREIGN}"),
        ({"other-site/index.html": b"another site"}, "", f"s3://{{bucket}}: {FOREIGN}"),
        (
            {"site/.clgtv/manifest.json": b"\x00garbage", "site/index.html": b"x"},
            "site",
            "s3://{bucket}/site/.clgtv/manifest.json: not a clgtv manifest (JSONDecodeError: Expecting value: "
            "line 1 column 1 (char 0)); clgtv publishes only where its own manifest is",
        ),
        (
            {
                "site/.clgtv/manifest.json": json.dumps({"files": {"../elsewhere/keep.txt": ENTRY}}).encode(),
                "elsewhere/keep.txt": b"keep",
            },
            "site",
            "s3://{bucket}/site/.clgtv/manifest.json: not a clgtv manifest (it lists '../elsewhere/keep.txt', "
            "which leads outside the target); clgtv publishes only where its own manifest is",
        ),
    ],
)
def test_a_prefix_clgtv_does_not_own_is_refused_before_any_write(
    s3_project: Path, run, s3, bucket, proxy, objects, prefix, message
) -> None:
    (s3_project / "clgtv.yaml").write_text(site_yaml(bucket, proxy.url, prefix))
    for key, body in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    for args in (("--prune",), ("--dry-run", "--prune")):
        proxy.reset()
        assert errors(run(s3_project, "publish", *args)) == [f"error: {message.format(bucket=bucket)}"]
        assert proxy.writes() == []
    assert stored(s3, bucket) == objects


@pytest.fixture
def republish(s3_project: Path, run, s3, bucket, proxy):
    """Published once; then the episode is retitled, so a new MP3, its pages and the feed are to go up."""
    assert run(s3_project, "publish").exit_code == 0
    before = stored(s3, bucket)
    episode = s3_project / EPISODE
    episode.write_text(episode.read_text().replace('"A test episode"', '"Retitled"'))
    proxy.reset()
    return before


def assert_kept(before: dict[str, bytes], after: dict[str, bytes]) -> None:
    """What was published before is all still there: manifest, feeds, media (pages may be newer)."""
    for key, body in before.items():
        if not key.endswith((".html", "/oembed.json")):  # the oEmbed documents go up with the pages
            assert after[key] == body, key
    assert "site/.clgtv/lock" not in after


def test_a_5xx_mid_upload_keeps_the_published_site(s3_project: Path, run, s3, bucket, proxy, republish) -> None:
    page = f"/{bucket}/site/test-show/index.html"
    proxy.fault = lambda method, path: (500, "InternalError") if (method, path) == ("PUT", page) else None
    assert errors(run(s3_project, "publish")) == [
        f"error: s3://{bucket}/site/test-show/index.html: the storage service failed (InternalError, HTTP 500) "
        "2 times; publish again later"
    ]
    assert proxy.log.count(("PUT", page)) == 2  # retried once (max_attempts: 2)
    assert_kept(republish, stored(s3, bucket))
    assert not any(p.endswith(("feed.xml", "manifest.json")) for m, p in proxy.writes())


class Echoing(BaseHTTPRequestHandler):
    """A storage service that refuses every request, quoting a signed address in its message."""

    BODY = (
        b"<Error><Code>InvalidRequest</Code><Message>denied for "
        b"https://cdn.example/a.mp3?X-Amz-Signature=0ff1ce&amp;X-Amz-Date=1</Message></Error>"
    )

    def log_message(self, *args: object) -> None:
        pass

    def refuse(self) -> None:
        self.send_response(400)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(self.BODY)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(self.BODY)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = refuse


def test_a_service_error_that_echoes_a_signed_address_is_redacted(s3_project: Path, run, bucket) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echoing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(StorageError) as refused:  # redacted at the source, not only when printed
            S3Target(bucket, "site", S3Settings(endpoint_url=endpoint, max_attempts=1)).read("x")
        assert str(refused.value) == (
            f"s3://{bucket}/site/x: InvalidRequest: denied for https://cdn.example/a.mp3?X-Amz-Signature=***"
            "&X-Amz-Date=1"
        )
        (s3_project / "clgtv.yaml").write_text(site_yaml(bucket, endpoint))
        assert errors(run(s3_project, "publish")) == [
            f"error: s3://{bucket}/site/test-show/feed.xml: InvalidRequest: denied for "
            "https://cdn.example/a.mp3?X-Amz-Signature=***&X-Amz-Date=1"
        ]
    finally:
        server.shutdown()


def test_an_outage_half_way_keeps_the_published_site_and_a_rerun_finishes(
    s3_project: Path, run, s3, bucket, proxy, republish, monkeypatch
) -> None:
    down = threading.Event()

    def outage(method: str, path: str) -> object:
        if (method, path) == ("PUT", f"/{bucket}/site/test-show/index.html"):
            down.set()
        return DROP if down.is_set() and not path.endswith(("/.clgtv/lock", "?delete")) else None

    monkeypatch.setattr(S3Target, "workers", 1)  # one file at a time: the same file meets the outage each run
    proxy.fault = outage
    assert errors(run(s3_project, "publish")) == [
        f"error: s3://{bucket}/site/test-show/index.html: connection to {proxy.url} failed "
        "(ConnectionClosedError); check s3.endpoint_url and the network, then publish again"
    ]
    assert_kept(republish, stored(s3, bucket))
    proxy.reset()
    rerun = run(s3_project, "publish")
    assert rerun.exit_code == 0, rerun.output
    assert "Retitled" in stored(s3, bucket)["site/test-show/feed.xml"].decode()


# --- a full disk, a read-only disk -------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path):
    """A real 2 MB file system (tmpfs), unmounted at the end."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path, leave: int) -> Path:
    """Fill the disk but for about `leave` bytes; the filler file is returned."""
    filler = disk / "filler"
    subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=4k"], capture_output=True)  # until full
    os.truncate(filler, filler.stat().st_size - leave)
    return filler


def test_a_full_disk_fails_cleanly_and_keeps_what_was_published(run, project: Path, small_disk: Path) -> None:
    target = small_disk / "site"
    assert run(project, "publish", "--target", str(target)).exit_code == 0
    before = snapshot(target)
    fill(small_disk, 16 * 1024)  # room for the lock, none for the new MP3
    retitle(project, "A retitled episode")  # a new MP3 and a new social image to upload, at once
    (error,) = errors(run(project, "publish", "--target", str(target)))
    full = r": cannot write \(No space left on device\)"
    assert re.fullmatch(rf"error: {re.escape(str(target))}/test-show/\S+{full}", error), error
    assert snapshot(target) == before
    assert not list(target.rglob("*.partial"))


def test_a_first_publish_cut_off_by_a_full_disk_can_be_finished(
    run, project: Path, small_disk: Path, monkeypatch
) -> None:
    monkeypatch.setattr(DirectoryTarget, "workers", 1)  # one file at a time: the same file fails each run
    target = small_disk / "site"
    filler = fill(small_disk, 64 * 1024)  # the pages and artwork fit; the MP3 does not
    assert errors(run(project, "publish", "--target", str(target))) == [
        f"error: {target}/{media(project)}: cannot write (No space left on device)"
    ]
    assert json.loads((target / MANIFEST_KEY).read_bytes()) == {"format": 1, "files": {}}  # claimed, nothing vouched
    assert not list(target.rglob("*.partial")) and not (target / LOCK_KEY).exists()
    filler.unlink()
    result = run(project, "publish", "--target", str(target))
    assert result.exit_code == 0, result.output
    assert set(json.loads((target / MANIFEST_KEY).read_bytes())["files"]) == set(snapshot(project / "build/site"))


def test_a_read_only_disk_fails_cleanly_and_keeps_what_was_published(run, project: Path, small_disk: Path) -> None:
    target = small_disk / "site"
    assert run(project, "publish", "--target", str(target)).exit_code == 0
    before = snapshot(target)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    retitle(project, "A retitled episode")
    for args in ((), ("--prune",)):
        assert errors(run(project, "publish", "--target", str(target), *args)) == [
            f"error: {target}/.clgtv/lock: cannot write (Read-only file system)"
        ]
    assert snapshot(target) == before


def test_a_programme_called_episodes_can_be_published_again(run, project: Path) -> None:
    (project / "episodes/test-show").rename(project / "episodes/episodes")
    for _ in range(2):
        result = run(project, "publish")
        assert result.exit_code == 0, result.output
    assert (project / "public/episodes/feed.xml").is_file()
