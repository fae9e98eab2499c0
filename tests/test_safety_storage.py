"""Publishing that cannot destroy: targets clgtv owns, prune by the manifest, locks that heal,
credentials never printed, and a full or read-only disk that leaves the published site as it was."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from clgtv.secrets import find_secrets, redact
from clgtv.storage import DirectoryTarget, sync
from clgtv.storage.sync import Lock, locked

EPISODE = "episodes/test-show/2026-10-01-test.md"


@pytest.fixture(autouse=True)
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    monkeypatch.delenv("CLGTV_BASE_URL", raising=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def errors(result) -> list[str]:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return [line for line in result.output.splitlines() if line.startswith("error:")]


def retitle(project: Path, title: str) -> None:
    episode = project / EPISODE
    episode.write_text(episode.read_text().replace("A test episode", title))


# --- targets clgtv owns --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "shown", "why"),
    [
        (".", ".", "this folder holds the project"),
        ("..", "..", "this folder holds the project folder"),
        ("/", "/", "this folder holds the project folder"),
        (
            "episodes/test-show",
            "episodes/test-show",
            "this folder holds clgtv.yaml, so it is a project, not a publishing target",
        ),
        ("build/site", "build/site", "this folder is inside the project's build/"),
        ("templates", "templates", "this folder is inside the project's templates/"),
        ("episodes/out", "episodes/out", "this folder is inside the project's episodes/"),
    ],
)
def test_the_project_and_its_folders_are_never_a_target(run, project: Path, target: str, shown: str, why: str) -> None:
    if target == "episodes/test-show":  # a programme folder holds show.yaml; make it look like a project
        (project / target / "clgtv.yaml").write_text("title: x\n")
    before = snapshot(project)
    result = run(project, "publish", "--target", target, "--prune")
    expected = f"error: {shown}: {why}; publish to a folder of its own, such as public"
    if target in ("..", "/"):
        expected = f"error: {Path(project / target).resolve()}: {why}; publish to a folder of its own, such as public"
    assert errors(result) == [expected]
    assert snapshot(project) == before


@pytest.mark.parametrize("mark", [".git", "clgtv.yaml", "episodes"])
def test_a_folder_holding_someones_work_is_refused(run, project: Path, tmp_path: Path, mark: str) -> None:
    other = tmp_path / "other"
    (other / mark).mkdir(parents=True) if mark != "clgtv.yaml" else (other.mkdir(), (other / mark).write_text(""))
    result = run(project, "publish", "--target", str(other), "--prune")
    assert errors(result) == [
        f"error: {other}: this folder holds {mark}, so it is a project, not a publishing target; "
        "publish to a folder of its own, such as public"
    ]
    assert sorted(p.name for p in other.iterdir()) == [mark]


def test_a_symlink_to_the_project_is_refused(run, project: Path, tmp_path: Path) -> None:
    (tmp_path / "sneaky").symlink_to(project)
    result = run(project, "publish", "--target", str(tmp_path / "sneaky"), "--prune")
    assert errors(result) == [
        f"error: {tmp_path / 'sneaky'}: this folder holds the project; publish to a folder of its own, such as public"
    ]


def test_a_folder_of_someone_elses_files_is_refused_untouched(run, project: Path, tmp_path: Path) -> None:
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.html").write_text("the council's own home page")
    for args in ((), ("--dry-run",), ("--prune",)):
        result = run(project, "publish", "--target", str(www), *args)
        assert errors(result) == [
            f"error: {www}: not empty, and not published by clgtv (there is no .clgtv/manifest.json); "
            "publish to an empty folder or prefix, or to one clgtv published"
        ]
    assert snapshot(www) == {"index.html": b"the council's own home page"}
    assert not (www / ".clgtv").exists()


@pytest.mark.parametrize(
    ("manifest", "why"),
    [
        (b"{not json", "not a clgtv manifest (JSONDecodeError: "),
        (json.dumps({"files": {"../outside.txt": {"sha256": "0" * 64, "size": 1}}}).encode(), "'../outside.txt'"),
        (json.dumps({"files": {"/etc/passwd": {"sha256": "0" * 64, "size": 1}}}).encode(), "'/etc/passwd'"),
        (json.dumps({"files": {"a\\..\\b": {"sha256": "0" * 64, "size": 1}}}).encode(), "'a\\\\..\\\\b'"),
    ],
)
def test_a_manifest_clgtv_did_not_write_is_refused(run, project: Path, tmp_path: Path, manifest, why: str) -> None:
    www = tmp_path / "www"
    (www / ".clgtv").mkdir(parents=True)
    (www / ".clgtv/manifest.json").write_bytes(manifest)
    (tmp_path / "outside.txt").write_text("keep me")
    (www / "page.html").write_text("x")
    before = snapshot(www)
    (line,) = errors(run(project, "publish", "--target", str(www), "--prune"))
    assert line.startswith(f"error: {www}/.clgtv/manifest.json: ") and why in line, line
    assert line.endswith("; clgtv publishes only where its own manifest is"), line
    assert snapshot(www) == before and (tmp_path / "outside.txt").read_text() == "keep me"


def test_prune_deletes_only_what_clgtv_published(run, project: Path) -> None:
    assert run(project, "publish").exit_code == 0
    (project / "public/by-hand.html").write_text("a page a person put there")
    (project / "public/test-show/media/hand.mp3").write_bytes(b"not ours")
    retitle(project, "Retitled")
    result = run(project, "publish", "--prune")
    assert result.exit_code == 0, result.output
    assert "1 deleted" in result.output
    assert (project / "public/by-hand.html").exists() and (project / "public/test-show/media/hand.mp3").exists()
    assert len(list((project / "public/test-show/media").glob("test-*.mp3"))) == 1


def test_an_empty_folder_and_an_absent_one_are_fine(run, project: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "empty", tmp_path / "new/deep"):
        result = run(project, "publish", "--target", str(folder))
        assert result.exit_code == 0, result.output
        assert (folder / "test-show/feed.xml").is_file() and (folder / ".clgtv/manifest.json").is_file()


# --- locks that heal ----------------------------------------------------------------------------


def foreign_lock(created: dt.datetime, refreshed: dt.datetime | None) -> bytes:
    lock = Lock("producer@ci-runner", "ci-runner", 4242, created.isoformat(timespec="seconds"), "theirs")
    if refreshed:
        lock = lock.refresh(refreshed)
    return lock.encode()


def test_a_lock_refreshed_recently_on_another_machine_blocks(tmp_path: Path) -> None:
    target = DirectoryTarget(tmp_path / "public")
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    target.write(".clgtv/lock", foreign_lock(now - dt.timedelta(hours=2), now - dt.timedelta(minutes=2)))
    busy = r"another publish is running \(producer@ci-runner, pid 4242"
    with pytest.raises(sync.StorageError, match=busy), locked(target, print, now=lambda: now):
        pass


@pytest.mark.parametrize("refreshed", [True, False])
def test_a_lock_not_refreshed_for_minutes_is_taken_over_from_any_machine(tmp_path: Path, refreshed: bool) -> None:
    target = DirectoryTarget(tmp_path / "public")
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    created = now - dt.timedelta(minutes=4)
    target.write(".clgtv/lock", foreign_lock(created, created if refreshed else None))
    warnings: list[str] = []
    with locked(target, warnings.append, now=lambda: now):
        pass
    assert warnings == [
        f"warning: {target}: taking over a stale lock from producer@ci-runner, pid 4242, "
        f"since {created.isoformat()} (not refreshed for 3 minutes)"
    ]


@pytest.mark.parametrize("body", [b"", b"garbage", b'{"owner": 1}', b"[]", b'{"created": "yesterday"}'])
def test_an_unreadable_lock_is_taken_over_with_a_warning(tmp_path: Path, body: bytes) -> None:
    target = DirectoryTarget(tmp_path / "public")
    target.write(".clgtv/lock", body)
    warnings: list[str] = []
    with locked(target, warnings.append):
        pass
    assert warnings == [f"warning: {target}: taking over a stale lock (unreadable)"]
    assert target.read(".clgtv/lock") is None


def test_a_running_publish_refreshes_its_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sync, "REFRESH_EVERY", 0.05)
    target = DirectoryTarget(tmp_path / "public")
    ticks = iter(dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=n) for n in range(10**6))
    clock = threading.Lock()

    def now() -> dt.datetime:
        with clock:
            return next(ticks)

    with locked(target, print, now=now) as mine:
        first = Lock.parse(target.read(".clgtv/lock"))
        deadline = time.monotonic() + 10
        while Lock.parse(target.read(".clgtv/lock")).refreshed == first.refreshed and time.monotonic() < deadline:
            time.sleep(0.01)
        later = Lock.parse(target.read(".clgtv/lock"))
        assert later.token == mine.token and later.refreshed > first.refreshed
        target.write(".clgtv/lock", foreign_lock(dt.datetime.now(dt.UTC), dt.datetime.now(dt.UTC)))  # taken over
        time.sleep(0.2)
        assert Lock.parse(target.read(".clgtv/lock")).token == "theirs"  # never refreshed over another's
    assert Lock.parse(target.read(".clgtv/lock")).token == "theirs"  # and never released


# --- secrets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("connection to http://user:pa55@minio.local:9000 failed", "connection to http://***@minio.local:9000 failed"),
        (
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261201&X-Amz-Signature=abc123&x=1",
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Signature=***&x=1",
        ),
        ("key id AKIAIOSFODNN7EXAMPLE in use", "key id *** in use"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG", "aws_secret_access_key = ***"),
        ("https://cdn.example/a.mp3?token=s3cr3t#t=10", "https://cdn.example/a.mp3?token=***#t=10"),
        (
            "mail podcasts@clgdottv.example, see https://x.example/a@b",
            "mail podcasts@clgdottv.example, see https://x.example/a@b",
        ),
    ],
)
def test_redact(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_find_secrets_names_the_line() -> None:
    text = "title: x\ns3:\n  endpoint_url: https://me:hunter2@r2.example\nnotes: AKIAIOSFODNN7EXAMPLE\n"
    assert [str(p) for p in find_secrets(Path("clgtv.yaml"), text)] == [
        "clgtv.yaml:3: secret: holds a user name and password in a web address; remove it from the file and "
        "change the credential",
        "clgtv.yaml:4: secret: holds an AWS access key id; remove it from the file and change the credential",
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


# --- a full disk, a read-only disk -------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path):
    """A real 2 MB file system (tmpfs), unmounted at the end."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_full_disk_fails_cleanly_and_keeps_what_was_published(run, project: Path, small_disk: Path) -> None:
    target = small_disk / "site"
    assert run(project, "publish", "--target", str(target)).exit_code == 0
    before = snapshot(target)
    filler = small_disk / "filler"
    subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=4k"], capture_output=True)  # until full
    os.truncate(filler, filler.stat().st_size - 16 * 1024)  # room for the lock, none for the new MP3
    retitle(project, "A retitled episode")  # a new MP3 to upload
    (line,) = errors(run(project, "publish", "--target", str(target)))
    assert line.startswith(f"error: {target}/test-show/media/test-"), line
    assert line.endswith(": cannot write (No space left on device)"), line
    assert snapshot(target) == before
    assert not [p for p in target.rglob("*.partial")]


def test_a_read_only_disk_fails_cleanly_and_keeps_what_was_published(run, project: Path, small_disk: Path) -> None:
    target = small_disk / "site"
    assert run(project, "publish", "--target", str(target)).exit_code == 0
    before = snapshot(target)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    retitle(project, "A retitled episode")
    (line,) = errors(run(project, "publish", "--target", str(target)))
    assert line == f"error: {target}/.clgtv/lock: cannot write (Read-only file system)", line
    assert snapshot(target) == before
