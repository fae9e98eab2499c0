"""Bad input gets a clear error naming the file, exit code 1, and nothing published changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import episode_text, snapshot


def change_audio(project: Path, data: bytes) -> None:
    (project / "episodes/test-show/2026-10-01-test.wav").write_bytes(data)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda p: change_audio(p, b"RIFF0000WAVEnot audio at all" * 50),
            "error: episodes/test-show/2026-10-01-test.wav: not a recording ffmpeg can read (corrupt or not audio)",
        ),
        (
            lambda p: change_audio(p, b""),
            "error: episodes/test-show/2026-10-01-test.wav: not a recording ffmpeg can read (corrupt or not audio)",
        ),
        (
            lambda p: (p / "episodes/test-show/2026-10-01-test.wav").unlink(),
            "episodes/test-show/2026-10-01-test.md:4: audio: file not found: 2026-10-01-test.wav",
        ),
        (
            lambda p: (p / "episodes/test-show/2026-10-01-test.md").write_text(episode_text(title='"Broken: [yaml')),
            "episodes/test-show/2026-10-01-test.md:2: yaml: ",
        ),
        (
            lambda p: (p / "episodes/test-show/artwork.jpg").write_bytes(b"\xff\xd8 truncated"),
            "episodes/test-show/show.yaml:1: artwork: artwork.jpg is not a readable JPEG or PNG image",
        ),
    ],
    ids=["corrupt-audio", "empty-audio", "missing-audio", "invalid-yaml", "unreadable-artwork"],
)
def test_bad_input_changes_nothing_published(project: Path, run, live: dict, damage, message: str) -> None:
    damage(project)
    result = run(project, "publish")
    assert result.exit_code == 1
    assert message in result.output
    assert snapshot(project / "public") == live


def test_silent_recording_is_refused(project: Path, run, live: dict) -> None:
    from conftest import ffmpeg

    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "anullsrc=r=44100:cl=mono",
        "-t",
        "2",
        str(project / "episodes/test-show/2026-10-01-test.wav"),
    )
    result = run(project, "publish")
    assert result.exit_code == 1
    assert "error: episodes/test-show/2026-10-01-test.wav: is silent (no speech above -70 LUFS)" in result.output
    assert snapshot(project / "public") == live


def test_changed_episode_gets_a_new_media_name_and_old_media_stays(project: Path, run, live: dict) -> None:
    episode = project / "episodes/test-show/2026-10-01-test.md"
    episode.write_text(episode_text(title='"A renamed episode"'))
    result = run(project, "publish")
    assert result.exit_code == 0, result.output
    now = snapshot(project / "public")
    old_media = {k for k in live if "/media/" in k}
    new_media = {k for k in now if "/media/" in k} - old_media
    assert len(new_media) == 1 and all(now[k] == live[k] for k in old_media)
    assert "A renamed episode" in now["test-show/feed.xml"].decode()
    assert "(0 recordings processed)" in result.output  # only the tags changed


def test_dry_run_changes_nothing(project: Path, run, live: dict) -> None:
    (project / "episodes/test-show/2026-10-01-test.md").write_text(episode_text(title='"Dry"'))
    result = run(project, "publish", "--dry-run")
    assert result.exit_code == 0
    assert "would upload test-show/feed.xml" in result.output
    assert snapshot(project / "public") == live


def test_a_failed_recording_stops_the_queue(project: Path, run, live: dict) -> None:
    """With one recording at a time, the ones queued behind a failure are never started."""
    from conftest import ffmpeg, make_tone

    show = project / "episodes/test-show"
    for day in ("02", "03"):
        (show / f"2026-10-{day}-more-{day}.md").write_text(
            episode_text(
                date=f"2026-10-{day}T10:00:00+01:00",
                audio=f"2026-10-{day}-test.wav",
                episode=int(day),
                guid=f"5b3f2a4e-9a1c-4d53-8b57-1d0f5cfb8a{day}",
            )
        )
    make_tone(show / "2026-10-02-test.wav")
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "2", str(show / "2026-10-03-test.wav"))
    result = run(project, "publish", "-j", "1")
    assert result.exit_code == 1
    assert result.output.startswith("processing 2026-10-03-test.wav"), result.output
    assert "2026-10-03-test.wav: is silent" in result.output
    assert result.output.count("processing ") == 1, result.output
    assert snapshot(project / "public") == live
