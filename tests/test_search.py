"""Search across the site: the index Pagefind builds at build (read back from its own files), and the wrapper
around the pagefind binary, failures included. The search itself runs in Chromium: see test_browser.py."""

from __future__ import annotations

import gzip
import json
import stat
from pathlib import Path

import pytest
from conftest import make_project, snapshot
from test_feed import make_rich, spoken_in
from test_pages import files, many_episodes, render

from clgtv import search
from clgtv.textcache import TextCache

FRAGMENT_SIGNATURE = b"pagefind_dcd"  # how Pagefind starts each gzipped fragment


def indexed(site_dir: Path) -> dict[str, dict]:
    """Each indexed page's record (url, title, text, anchors), as Pagefind stored it."""
    records = {}
    for fragment in (site_dir / search.BUNDLE / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(fragment.read_bytes())
        assert data.startswith(FRAGMENT_SIGNATURE)
        record = json.loads(data[len(FRAGMENT_SIGNATURE) :])
        records[record["url"]] = record
    return records


def test_every_page_is_indexed_with_its_transcript(published: Path) -> None:
    records = indexed(published / "public")
    episodes = [url for url in records if url.count("/") == 3]
    assert sorted(records) == sorted(
        ["/index.html", "/clgdottv-podcast/index.html", "/an-audience-with-clgdottv/index.html", *episodes]
    )
    assert len(episodes) == 4  # and not the search page
    page = records["/an-audience-with-clgdottv/self-supporting-communities/index.html"]
    assert page["meta"]["title"].startswith("Can current systems last?")
    assert page["meta"]["lang"] == "en-GB"  # the results page marks each result in its own language
    assert "transcript_lang" not in page["meta"]  # the transcript is in the programme's language
    text = page["content"]
    assert "Narrator: One answer is self-supporting communities" in text  # the transcript, speakers included
    assert "The afternoon session of An Audience with CLGdotTV" in text  # the show notes
    # a transcript cue is an anchor: a hit inside it links to that moment (#t-15)
    cue = next(anchor for anchor in page["anchors"] if anchor["id"] == "t-15")
    assert text.split()[cue["location"] : cue["location"] + 3] == ["Narrator:", "One", "answer"]
    for left_out in ("Download", "MB", "Play from", "Listen to", "0:00:", "Skip to content", "Search"):
        assert left_out not in text, left_out  # times, sizes and controls: not what anyone searches for


def test_a_transcript_in_another_language_is_indexed_as_in_it(tmp_path: Path) -> None:
    root = spoken_in(make_rich(make_project(tmp_path / "project")), "cy")
    page = indexed(render(root, tmp_path / "out"))["/test-show/hostile/index.html"]
    assert page["meta"]["lang"] == "en-GB" and page["meta"]["transcript_lang"] == "cy"


def test_the_index_depends_on_the_content_only(published: Path, tmp_path: Path) -> None:
    """The samples rendered from their content alone (no audio processed: no sizes, durations or media
    hashes) index to the same bytes as the published site: nothing the audio engine decides is indexed,
    so a publish with nothing changed uploads none of the index."""
    alone = render(published, tmp_path / "alone")
    bundle = {name: data for name, data in files(alone).items() if name.startswith(search.BUNDLE + "/")}
    assert bundle and bundle == {n: d for n, d in files(published / "public").items() if n in bundle}
    assert render(published, tmp_path / "again") and files(tmp_path / "again") == files(alone)


def test_index_argv() -> None:
    argv = search.index_argv(Path("/bin/pagefind"), Path("build/site.new"), "en-GB")
    assert argv == [
        "/bin/pagefind",
        "--site",
        "build/site.new",
        "--output-subdir",
        "pagefind",
        "--force-language",
        "en",
        "--keep-index-url",
        "--quiet",
    ]


def test_the_binary_is_the_wheels_and_runs_offline() -> None:
    binary = search.pagefind_binary()
    assert binary.name == "pagefind" and "pagefind_bin" in binary.parts  # from the pagefind-bin wheel
    assert stat.S_IMODE(binary.stat().st_mode) & stat.S_IXUSR


def fake_pagefind(path: Path, script: str) -> Path:
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    return path


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ('echo "Error: the index could not be written" >&2; exit 3', ": search index: pagefind failed (exit 3): "),
        ("exit 0", ": search index: pagefind wrote no pagefind/pagefind.js"),
    ],
)
def test_a_failing_pagefind_stops_the_build_and_names_what_failed(
    live: dict[str, bytes], project: Path, run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, script: str, message
) -> None:
    built = snapshot(project / "build/site")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake_pagefind(tmp_path / "pagefind", script)))
    (project / "episodes/test-show/2026-10-01-test.md").write_text(
        (project / "episodes/test-show/2026-10-01-test.md").read_text().replace("A test episode", "Renamed")
    )
    result = run(project, "publish")
    assert result.exit_code == 1
    assert result.output.startswith("error: build/site.new" + message), result.output
    assert "Traceback" not in result.output
    if "exit 3" in message:
        assert result.output.rstrip().endswith("Error: the index could not be written")
    assert snapshot(project / "build/site") == built and snapshot(project / "public") == live  # nothing went out


@pytest.mark.parametrize("kind", ["missing", "not executable"])
def test_a_pagefind_that_cannot_run_is_named(project: Path, run, monkeypatch, tmp_path: Path, kind: str) -> None:
    binary = tmp_path / "pagefind"
    if kind == "not executable":
        binary.write_text("#!/bin/sh\n")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(binary))
    result = run(project, "build")
    reason = "No such file or directory" if kind == "missing" else "Permission denied"
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == f"error: {binary}: cannot run pagefind ({reason})"


def test_an_unchanged_site_reuses_its_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pagefind runs again only when a page changed; the kept index is the one it would make."""
    runs = tmp_path / "runs"
    real = search.pagefind_binary()
    monkeypatch.setenv(
        "PAGEFIND_BINARY_PATH", str(fake_pagefind(tmp_path / "pagefind", f'echo >> {runs}; exec {real} "$@"'))
    )
    root = many_episodes(tmp_path / "project", count=2)
    cache = TextCache(tmp_path / "cache")
    first = files(render(root, tmp_path / "first", cache=cache))
    again = files(render(root, tmp_path / "again", cache=cache))
    assert runs.read_text().count("\n") == 1 and again == first == files(render(root, tmp_path / "bare"))
    episode = root / "episodes/test-show/2026-10-02-e2.md"
    episode.write_text(episode.read_text().replace("Notes of", "Changed notes of"))
    changed = files(render(root, tmp_path / "changed", cache=cache))
    assert runs.read_text().count("\n") == 3  # the change, and the uncached render above
    assert changed != first and changed == files(render(root, tmp_path / "changed-bare"))
