"""Shared fixtures: real projects in tmp_path, real audio made by the real ffmpeg."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings
from PIL import Image

from clgtv.audio.ffmpeg import ebur128, ffmpeg_path  # noqa: F401 - ebur128 is shared with the tests
from clgtv.cli import cli
from clgtv.storage.sync import Lock

REPO = Path(__file__).resolve().parent.parent

# no example database: the tests never write into the working tree
settings.register_profile("clgtv", database=None, deadline=None)
settings.load_profile("clgtv")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite tests/golden/ from this run's output instead of comparing"
    )


def ffmpeg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-nostdin", "-y", *args], capture_output=True, text=True, check=True
    )


def make_tone(path: Path, seconds: float = 4.0, level_db: float = -20.0, extra: tuple[str, ...] = ()) -> Path:
    """Speech-band noise bursts (syllable-like on/off); `level_db` is the noise amplitude, and the
    result measures about 20 LU below it (-30 gives about -49 LUFS)."""
    source = (
        f"anoisesrc=d={seconds}:c=pink:a={10 ** (level_db / 20):.5f}:r=44100:seed=7,"  # the same noise every run
        "volume='if(lt(mod(t,0.5),0.32),1,0.05)':eval=frame,highpass=f=120,lowpass=f=5000"
    )
    ffmpeg("-f", "lavfi", "-i", source, *extra, str(path))
    return path


def foreign_lock(created: dt.datetime, refreshed: dt.datetime | None, host: str = "ci-runner") -> bytes:
    """Another machine's publish lock, taken at `created` and last refreshed at `refreshed` (None: never)."""
    lock = Lock(f"producer@{host}", host, 4242, created.isoformat(timespec="seconds"), "theirs")
    return (lock.refresh(refreshed) if refreshed else lock).encode()


def make_artwork(path: Path, width: int = 1400, height: int = 1400, mode: str = "RGB") -> Path:
    Image.new(mode, (width, height), "teal" if mode == "RGB" else 128).save(path)
    return path


SITE_YAML = "title: Test site\nbase_url: http://podcasts.test/\ntarget: public\n"
SHOW_YAML = """\
title: Test Programme
description: A programme for tests.
author: CLGdotTV
owner:
  name: Vicky Sargent
  email: podcasts@clgdottv.example
language: en-GB
categories:
  - Government
  - Business > Non-Profit
transcription: {enabled: false}  # tests/test_transcription.py turns it on
guid: "5b14f763-7719-5b9d-b37a-35231f9d2e1d"  # written once; base_url may move
audio:
  target_lufs: -16
  true_peak: -1
"""


def episode_text(**fields: object) -> str:
    values = {
        "title": '"A test episode"',
        "date": "2026-10-01T10:00:00+01:00",
        "audio": "2026-10-01-test.wav",
        "season": 1,
        "episode": 1,
        "guid": "5b3f2a4e-9a1c-4d53-8b57-1d0f5cfb8a01",
    }
    values.update(fields)
    front = "\n".join(f"{key}: {value}" for key, value in values.items() if value is not None)
    return f"---\n{front}\n---\n\nShow notes for the test.\n"


def make_project(root: Path) -> Path:
    """A minimal valid project: one programme, one episode with 4 s of real audio."""
    show = root / "episodes" / "test-show"
    show.mkdir(parents=True)
    (root / "clgtv.yaml").write_text(SITE_YAML)
    shutil.copytree(REPO / "templates", root / "templates")
    (show / "show.yaml").write_text(SHOW_YAML)
    make_artwork(show / "artwork.jpg")
    make_tone(show / "2026-10-01-test.wav")
    (show / "2026-10-01-test.md").write_text(episode_text())
    return root


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build/cache/models with the packaged model joined once, shared by every project in the session."""
    from clgtv import recogniser

    cache = tmp_path_factory.mktemp("models")
    recogniser.packaged_model(cache)
    return cache


def share_models(root: Path, models: Path) -> None:
    """Point a project's build/cache/models at the session's joined model (loaded once per process)."""
    (root / "build" / "cache").mkdir(parents=True, exist_ok=True)
    (root / "build" / "cache" / "models").symlink_to(models, target_is_directory=True)


def cli_ok(root: Path, *args: str):
    """Run the CLI in-process against a project folder and require success."""
    result = CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def search_index(folder: Path) -> set[str]:
    """The search index's files in a built or published site: some are replaced whenever a page's words change
    (the old ones are then no longer built, like an old MP3)."""
    return {p.relative_to(folder).as_posix() for p in (folder / "pagefind").rglob("*") if p.is_file()}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below a folder: what a failed run must leave exactly as it was."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def live(project: Path, run, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The project published once (the working directory in it); returns what public/ held."""
    monkeypatch.chdir(project)
    assert run(project, "publish").exit_code == 0
    return snapshot(project / "public")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


@pytest.fixture
def run():
    """Run the CLI in-process against a project folder; returns the click Result."""

    def invoke(root: Path, *args: str):
        return CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)

    return invoke


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's sample programmes, published once for the whole session."""
    root = tmp_path_factory.mktemp("samples")
    for name in ("clgtv.yaml", "templates", "episodes"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / name)
    cli_ok(root, "publish")
    return root
