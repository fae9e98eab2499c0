"""The sync plan and the folder target: content types, cache policy, stages, manifest, lock, prune."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import pytest
from conftest import search_index

from clgtv.errors import StorageError
from clgtv.storage import DirectoryTarget, Progress
from clgtv.storage.plan import Entry, LocalFile, make_plan, needs_checksum, scan, stage
from clgtv.storage.sync import Lock, locked


@pytest.mark.parametrize(
    ("key", "content_type", "cache_control"),
    [
        ("show/media/ep-0123456789.mp3", "audio/mpeg", "public, max-age=31536000, immutable"),
        ("show/artwork-0123456789.jpg", "image/jpeg", "public, max-age=31536000, immutable"),
        ("show/artwork-0123456789.png", "image/png", "public, max-age=31536000, immutable"),
        ("show/feed.xml", "application/rss+xml; charset=utf-8", "public, max-age=300"),
        ("index.html", "text/html; charset=utf-8", "public, max-age=300"),
        ("show/ep/index.html", "text/html; charset=utf-8", "public, max-age=300"),
        ("show/ep/chapters.json", "application/json+chapters", "public, max-age=300"),
        ("show/ep/other.json", "application/json", "public, max-age=300"),
        ("show/ep/transcript.vtt", "text/vtt", "public, max-age=300"),
        ("static/style.css", "text/css", "public, max-age=300"),
        ("static/player.js", "text/javascript", "public, max-age=300"),
        ("artwork-0123456789.jpg", "image/jpeg", "public, max-age=300"),  # not under a show
        ("notes.bin", "application/octet-stream", "public, max-age=300"),
    ],
)
def test_content_type_and_cache_control_by_table(key: str, content_type: str, cache_control: str) -> None:
    from clgtv.storage import cache_control as cache_for
    from clgtv.storage import content_type as type_for

    assert (type_for(key), cache_for(key)) == (content_type, cache_control)


def test_stages_put_media_and_side_files_first_pages_next_feeds_last() -> None:
    keys = ["s/feed.xml", "pagefind/pagefind-entry.json", "index.html", "pagefind/fragment/en_1.pf_fragment"]
    keys += ["s/media/a-1.mp3", "s/e/chapters.json", "s/e/transcript.vtt", "s/e/index.html", "pagefind/pagefind.js"]
    assert sorted(keys, key=stage) == [
        "s/media/a-1.mp3",
        "s/e/chapters.json",
        "s/e/transcript.vtt",
        "index.html",
        "pagefind/fragment/en_1.pf_fragment",  # the search index goes with the pages
        "s/e/index.html",
        "pagefind/pagefind.js",
        "s/feed.xml",
        "pagefind/pagefind-entry.json",  # its entry, naming the rest, with the feeds: last
    ]


def site(tmp_path: Path, files: dict[str, bytes]) -> dict[str, LocalFile]:
    root = tmp_path / "site"
    for key, data in files.items():
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(data)
    return scan(root)


def test_plan_trusts_the_manifest_and_checks_the_rest_by_checksum(tmp_path: Path) -> None:
    built = site(tmp_path, {"s/feed.xml": b"new feed", "s/index.html": b"page", "s/media/a-1.mp3": b"audio"})
    manifest = {
        "s/feed.xml": Entry(built["s/feed.xml"].sha256, 8),
        "s/index.html": Entry("0" * 64, 4),  # the manifest says the target holds other bytes
        "old/media/b-2.mp3": Entry("1" * 64, 3),
    }
    present = {"s/feed.xml": 8, "s/index.html": 4, "s/media/a-1.mp3": 5, "old/media/b-2.mp3": 3, "stray.txt": 1}
    checksums = {"s/media/a-1.mp3": built["s/media/a-1.mp3"].sha256}  # uploaded by a run that was interrupted
    plan = make_plan(built, present, manifest, checksums)
    assert [f.key for f in plan.uploads] == ["s/index.html"]
    assert plan.unchanged == ("s/feed.xml", "s/media/a-1.mp3")
    assert plan.kept == ("old/media/b-2.mp3",) and plan.deletions == ()  # stray.txt is not clgtv's
    assert set(plan.manifest) == {"s/feed.xml", "s/index.html", "s/media/a-1.mp3", "old/media/b-2.mp3"}
    pruned = make_plan(built, present, manifest, checksums, prune=True)
    assert pruned.deletions == ("old/media/b-2.mp3",) and pruned.kept == ()
    assert "old/media/b-2.mp3" not in pruned.manifest


def test_prune_never_deletes_a_file_another_hand_replaced(tmp_path: Path) -> None:
    built = site(tmp_path, {"s/feed.xml": b"feed"})
    manifest = {
        "s/feed.xml": Entry(built["s/feed.xml"].sha256, 4),
        "old/index.html": Entry("1" * 64, 10),  # replaced by a page of a web team's own, longer
        "old/moved.html": Entry("2" * 64, 10),  # replaced by one of the same size
        "old/media/b-2.mp3": Entry("3" * 64, 3),  # as clgtv left it
    }
    present = {"s/feed.xml": 4, "old/index.html": 30, "old/moved.html": 10, "old/media/b-2.mp3": 3}
    unsure = needs_checksum(built, present, manifest, prune=True)
    assert sorted(unsure) == ["old/media/b-2.mp3", "old/moved.html"]  # the longer page is not clgtv's already
    for replaced in ("9" * 64, None):  # another's bytes, or bytes with no checksum of clgtv's (S3: another tool's)
        checksums = {"old/media/b-2.mp3": "3" * 64, "old/moved.html": replaced}
        pruned = make_plan(built, present, manifest, checksums, prune=True)
        assert pruned.deletions == ("old/media/b-2.mp3",)
        assert set(pruned.manifest) == {"s/feed.xml"}  # the replaced files are theirs now: never listed again
    kept = make_plan(built, present, manifest, {}, prune=False)
    assert kept.kept == ("old/media/b-2.mp3", "old/moved.html") and kept.deletions == ()
    assert needs_checksum(built, present, manifest) == []  # without --prune nothing more is read


def test_plan_refuses_to_overwrite_media_with_different_bytes(tmp_path: Path) -> None:
    built = site(tmp_path, {"s/media/a-1.mp3": b"new audio"})
    with pytest.raises(StorageError) as caught:
        make_plan(built, {"s/media/a-1.mp3": 3}, {}, {"s/media/a-1.mp3": "f" * 64}, where="s3://b/p/")
    assert str(caught.value) == (
        "s3://b/p/s/media/a-1.mp3: already published with different bytes; media and artwork are never "
        "overwritten (new content gets a new name)"
    )


def test_directory_target_publishes_incrementally_with_a_manifest(project: Path, run) -> None:
    first = run(project, "publish")
    assert first.exit_code == 0, first.output
    public = project / "public"
    manifest = json.loads((public / ".clgtv/manifest.json").read_text())["files"]
    built = {
        p.relative_to(project / "build/site").as_posix() for p in (project / "build/site").rglob("*") if p.is_file()
    }
    assert set(manifest) == built
    assert not (public / ".clgtv/lock").exists()
    (public / "test-show/feed.xml").unlink()  # lost by hand: the listing shows it is missing
    second = run(project, "publish")
    assert second.exit_code == 0, second.output
    assert "upload test-show/feed.xml" in second.output and "published 1 files" in second.output


def test_directory_prune_and_dry_run(project: Path, run) -> None:
    assert run(project, "publish").exit_code == 0
    (old,) = (project / "public/test-show/media").glob("*.mp3")
    (picture,) = (project / "public/test-show/test").glob("social-*.png")  # the title is drawn in it: a new one
    episode = project / "episodes/test-show/2026-10-01-test.md"
    episode.write_text(episode.read_text().replace("A test episode", "A retitled episode"))  # re-tagged: a new MP3
    foreign = project / "public/notes-by-hand.txt"
    foreign.write_text("not clgtv's")
    kept = run(project, "publish")
    stale = search_index(project / "public") - search_index(project / "build/site")  # the title is searchable
    assert stale and f"{2 + len(stale)} no longer built, kept" in kept.output and old.exists() and picture.exists()
    dry = run(project, "publish", "--prune", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"would delete test-show/media/{old.name}" in dry.output and old.exists()
    assert "notes-by-hand.txt" not in dry.output
    pruned = run(project, "publish", "--prune")
    assert pruned.exit_code == 0, pruned.output
    assert "published 0 files" in pruned.output and f"{2 + len(stale)} deleted" in pruned.output
    assert (
        not old.exists()
        and not picture.exists()
        and foreign.exists()
        and not stale & search_index(project / "public")
        and (project / "public/.clgtv/manifest.json").exists()
    )


def test_directory_lock_blocks_then_goes_stale(tmp_path: Path) -> None:
    target = DirectoryTarget(tmp_path / "public")
    now = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    other = Lock("producer@studio", "studio", 4242, now.isoformat(timespec="seconds"), "t1")
    target.write(".clgtv/lock", other.encode())
    with pytest.raises(StorageError) as caught, locked(target, print, now=lambda: now):
        pass
    assert str(caught.value).endswith(
        "another publish is running (producer@studio, pid 4242, since 2026-11-01T12:00:00+00:00); "
        f"wait for it, or delete {target}/.clgtv/lock if it has crashed"
    )
    later = now + dt.timedelta(minutes=4)
    warnings: list[str] = []
    with locked(target, warnings.append, now=lambda: later) as lock:
        assert Lock.parse(target.read(".clgtv/lock")) == lock
    assert warnings == [
        f"warning: {target}: taking over a stale lock from producer@studio, pid 4242, "
        "since 2026-11-01T12:00:00+00:00 (not refreshed for 3 minutes)"
    ]
    assert target.read(".clgtv/lock") is None  # released


def test_lock_of_a_process_that_has_ended_here_is_stale(tmp_path: Path) -> None:
    target = DirectoryTarget(tmp_path / "public")
    now = dt.datetime.now(dt.UTC)
    dead = Lock.mine(now)
    dead = Lock(dead.owner, dead.host, 2**22 + 12345, dead.created, "gone")  # beyond pid_max: never running
    target.write(".clgtv/lock", dead.encode())
    warnings: list[str] = []
    with locked(target, warnings.append):
        pass
    assert warnings[0].endswith(f"(its process {2**22 + 12345} on this machine has ended)")
    alive = Lock(dead.owner, dead.host, os.getpid(), dead.created, "alive")
    target.write(".clgtv/lock", alive.encode())
    with pytest.raises(StorageError, match="another publish is running"), locked(target, warnings.append):
        pass


def test_progress_reports_bytes_and_rate() -> None:
    now = [0.0]
    lines: list[str] = []
    live = io.StringIO()
    progress = Progress(lines.append, live, clock=lambda: now[0])
    progress.start("media and side files", (LocalFile("a", Path("a"), 3_000_000), LocalFile("b", Path("b"), 10**6)))
    now[0] = 0.5
    progress.add(2_000_000)
    progress.file_done()
    now[0] = 2.0
    progress.add(2_000_000)
    progress.file_done()
    progress.finish()
    assert "\r\x1b[K  media and side files: 0/2 files, 2.0 MB/4.0 MB in 0.5 s (4.0 MB/s)" in live.getvalue()
    assert lines == ["  media and side files: 2/2 files, 4.0 MB/4.0 MB in 2.0 s (2.0 MB/s)"]


def test_a_folder_where_a_control_file_belongs_reads_as_no_file(tmp_path: Path) -> None:
    (tmp_path / ".clgtv/lock").mkdir(parents=True)  # made by hand, or by another tool
    assert DirectoryTarget(tmp_path).read(".clgtv/lock") is None
