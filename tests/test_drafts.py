"""`clgtv transcribe`: a draft transcript of real speech (Allison Smith's Asterisk prompts, by the
packaged Whisper base) next to the episode file, `transcript:` pointed at it by one added line, the
host's corrections published and never overwritten; every refusal and failure a clear message with
nothing half-written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SHOW_YAML, cli_ok, make_project, share_models, snapshot
from hypothesis import event, given, settings
from hypothesis import strategies as st
from speech import joined_prompts, word_error_rate

from clgtv import content, drafts, transcription
from clgtv.episodes import split_front_matter
from clgtv.errors import FileError
from clgtv.release import Transcript, assemble
from clgtv.schema import load_yaml
from clgtv.transcripts import read_cues

SHOW = "episodes/test-show"
EPISODE = f"{SHOW}/2026-10-01-test.md"
DRAFT = f"{SHOW}/2026-10-01-test.vtt"
SPEECH_S = 20.0
# a host's file: comments, a quoted title, fields in their own order
HOSTS_EPISODE = """\
---
# Recorded in the studio; Allison reads the prompts.
title: "Real voices"   # the title listeners see
date: 2026-10-01T10:00:00+01:00
audio: 2026-10-01-test.wav
people:
  - name: Allison Smith
    role: guest
episode: 1
season: 1
guid: 5b3f2a4e-9a1c-4d53-8b57-1d0f5cfb8a01
---

Prompts from a telephone system, read by a person.
"""
POINTED = HOSTS_EPISODE.replace("test.wav\n", "test.wav\ntranscript: 2026-10-01-test.vtt\n")


@pytest.fixture(scope="module")
def voiced(tmp_path_factory: pytest.TempPathFactory, models: Path) -> tuple[Path, str, str]:
    """A project whose episode is 20 s of Allison's prompts, transcription off in its show.yaml (as
    the test programme has it), transcribed once by `clgtv transcribe`. Returns the project, the
    command's output and what Allison says."""
    root = make_project(tmp_path_factory.mktemp("voiced") / "project")
    said = joined_prompts(root / SHOW / "2026-10-01-test.wav", SPEECH_S)
    (root / EPISODE).write_text(HOSTS_EPISODE)
    (root / EPISODE).chmod(0o640)  # a host's choice, kept
    share_models(root, models)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        output = cli_ok(root, "transcribe", EPISODE).output
    return root, output, said


@pytest.fixture
def transcribed(voiced, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the transcribed project (its caches too: nothing is heard again), as working directory."""
    root = tmp_path / "project"
    shutil.copytree(voiced[0], root, symlinks=True)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def here(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(project)
    return project


def refused(result) -> list[str]:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.output.splitlines()


# --- the draft -----------------------------------------------------------------------------


def test_the_draft_goes_next_to_the_episode_and_one_line_points_at_it(voiced) -> None:
    """Transcription is off in show.yaml: that is about automatic transcripts, not a host asking."""
    root, output, _ = voiced
    assert "transcription: {enabled: false}" in (root / SHOW / "show.yaml").read_text()
    assert (root / EPISODE).read_text() == POINTED  # every other byte as the host wrote it
    assert (root / EPISODE).stat().st_mode & 0o777 == 0o640
    assert output.splitlines()[-1].startswith(
        f"{DRAFT}: draft transcript of {len(read_cues(root / DRAFT))} cues written; "
        f"transcript: 2026-10-01-test.vtt added to {EPISODE}. Correct it in a text editor"
    )


def test_the_draft_is_a_fair_transcript_in_caption_cues(voiced) -> None:
    root, _, said = voiced
    cues = read_cues(root / DRAFT)
    assert word_error_rate(said, " ".join(cue.text for cue in cues)) <= 0.10
    assert len(cues) >= 4
    for cue in cues:
        lines = cue.text.split("\n")
        assert len(lines) <= 2 and all(len(line) <= 42 for line in lines), cue
        assert 0 < cue.end - cue.start <= 7.0 and cue.speaker is None


def test_the_draft_opens_with_a_note_on_correcting_it(voiced) -> None:
    text = (voiced[0] / DRAFT).read_text()
    note = text.split("\n\n")[1]
    assert text.startswith("WEBVTT\n\nNOTE\n") and "-->" not in note
    assert "made this transcript from the recording automatically" in note
    assert "<v Allison Smith>Welcome to the programme." in note  # the episode's own person as the example
    assert "clgtv\nnever overwrites it" in note


def test_the_corrected_draft_is_what_gets_published(transcribed: Path, run) -> None:
    draft = transcribed / DRAFT
    first = read_cues(draft)[0]
    text = draft.read_text()
    draft.write_text(text.replace(f"\n{first.text}\n", "\n<v Allison Smith>Corrected by the host.\n", 1))
    result = run(transcribed, "publish")
    assert result.exit_code == 0, result.output
    assert "transcribing" not in result.output  # the episode has its own transcript now
    published = (transcribed / "public/test-show/test/transcript.vtt").read_text()
    assert "<v Allison Smith>Corrected by the host.\n" in published and "NOTE" not in published
    loaded = content.load(transcribed)
    programme = loaded.programmes[0]
    (release,) = assemble(loaded.site, programme, programme.episodes).releases
    assert release.transcript == Transcript(draft.resolve(), automatic=False)


# --- never overwriting a host's work -------------------------------------------------------


def test_running_again_never_overwrites_the_hosts_corrections(transcribed: Path, run) -> None:
    draft = transcribed / DRAFT
    draft.write_text(draft.read_text().replace("WEBVTT\n", "WEBVTT\n\nNOTE corrected up to 0:10\n", 1))
    before = snapshot(transcribed / "episodes")
    lines = refused(run(transcribed, "transcribe", EPISODE, f"./{EPISODE}"))  # named twice: said once
    assert lines == [
        f"{EPISODE}:6: transcript: 2026-10-01-test.vtt is already this episode's transcript, with any "
        "corrections made to it, and clgtv never overwrites it; to replace it with a new draft, losing those "
        f"corrections, run clgtv transcribe --overwrite {EPISODE}",
        "1 problem(s) found; nothing was published.",
    ]
    assert snapshot(transcribed / "episodes") == before


def test_overwrite_makes_a_new_draft_and_changes_nothing_else(transcribed: Path, run, voiced) -> None:
    draft = transcribed / DRAFT
    fresh = draft.read_bytes()
    draft.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nCorrected.\n")
    result = run(transcribed, "transcribe", "--overwrite", EPISODE)
    assert result.exit_code == 0, result.output
    assert draft.read_bytes() == fresh
    assert (transcribed / EPISODE).read_text() == POINTED  # named already: not a second line
    assert result.output.splitlines()[-1].startswith(f"{DRAFT}: draft transcript of ")
    assert f"; {EPISODE} names it already." in result.output


def test_a_file_where_the_draft_goes_is_kept_unless_the_host_says_overwrite(transcribed: Path, run) -> None:
    (transcribed / EPISODE).write_text(HOSTS_EPISODE)  # the file is there, but transcript: does not name it
    before = snapshot(transcribed / "episodes")
    assert refused(run(transcribed, "transcribe", EPISODE))[0] == (
        f"{EPISODE}:1: transcript: 2026-10-01-test.vtt already exists next to the episode file, and clgtv never "
        "overwrites a transcript; to publish it as it is, add the line `transcript: 2026-10-01-test.vtt`; to "
        f"replace it with a new draft, run clgtv transcribe --overwrite {EPISODE}"
    )
    assert snapshot(transcribed / "episodes") == before
    cli_ok(transcribed, "transcribe", "--overwrite", EPISODE)
    assert (transcribed / EPISODE).read_text() == POINTED


@pytest.mark.parametrize("option", [(), ("--overwrite",)])
def test_a_transcript_the_host_chose_is_never_replaced(here: Path, run, option: tuple[str, ...]) -> None:
    (here / SHOW / "typed.srt").write_text("1\n00:00:00,000 --> 00:00:02,000\nTyped by a person.\n")
    episode = here / EPISODE
    episode.write_text(episode.read_text().replace("season: 1\n", "season: 1\ntranscript: typed.srt\n"))
    before = snapshot(here / "episodes")
    assert refused(run(here, "transcribe", *option, EPISODE))[0] == (
        f"{EPISODE}:6: transcript: already names {SHOW}/typed.srt, and clgtv transcribe never replaces a "
        "transcript you chose; to make a draft from the recording instead, delete this line (the file stays) "
        "and run clgtv transcribe again"
    )
    assert snapshot(here / "episodes") == before


# --- bad input -----------------------------------------------------------------------------


def test_a_recording_without_speech_gets_no_draft(here: Path, run, models: Path) -> None:
    share_models(here, models)
    before = snapshot(here / "episodes")
    lines = refused(run(here, "transcribe", EPISODE))
    assert f"{EPISODE}:4: audio: {drafts.NO_SPEECH}" in lines
    assert not any(transcription.NO_SPEECH in line for line in lines)  # the build's wording, not for this
    assert snapshot(here / "episodes") == before


def test_what_is_not_an_episode_of_the_project_is_named(here: Path, run, tmp_path: Path) -> None:
    elsewhere = tmp_path / "2026-10-01-test.md"
    elsewhere.write_text((here / EPISODE).read_text())
    missing = f"{SHOW}/2026-10-02-missing.md"
    lines = refused(run(here, "transcribe", missing, str(elsewhere), "clgtv.yaml"))
    not_one = f"file: not an episode file of the project at {here}; episode files are {drafts.LAYOUT} in it"
    assert lines == [
        f"{elsewhere}:1: {not_one}",
        f"clgtv.yaml:1: {not_one}",
        f"{missing}:1: file: file not found",
        "3 problem(s) found; nothing was published.",
    ]


def test_a_language_whisper_cannot_transcribe_is_an_error_at_its_line(here: Path, run) -> None:
    show = here / SHOW / "show.yaml"
    show.write_text(SHOW_YAML.replace("language: en-GB", "language: tlh"))
    assert run(here, "check").exit_code == 0  # transcription off: check has nothing to say
    assert refused(run(here, "transcribe", EPISODE))[0] == (
        f"{SHOW}/show.yaml:7: language: Whisper cannot transcribe 'tlh'; to transcribe {EPISODE}, set "
        "transcription.language in it to the language spoken"
    )


def test_a_missing_recording_of_a_draft_episode_is_named(here: Path, run) -> None:
    episode = here / EPISODE
    episode.write_text(episode.read_text().replace("season: 1\n", "season: 1\nstatus: draft\n"))
    (here / SHOW / "2026-10-01-test.wav").unlink()
    assert refused(run(here, "transcribe", EPISODE))[0] == (
        f"{EPISODE}:4: audio: file not found: 2026-10-01-test.wav; clgtv transcribe needs the recording"
    )


@pytest.fixture
def small_show(transcribed: Path):
    """The programme folder on a real 2 MB file system of its own (tmpfs), unmounted at the end."""
    folder = transcribed / SHOW
    saved = transcribed / "saved"
    shutil.copytree(folder, saved)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], check=True)
    try:
        shutil.copytree(saved, folder, dirs_exist_ok=True)
        (folder / "2026-10-01-test.vtt").unlink()
        (folder / "2026-10-01-test.md").write_text(HOSTS_EPISODE)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_full_or_read_only_disk_leaves_nothing_half_written(transcribed: Path, small_show: Path, run) -> None:
    filler = small_show / "filler"
    subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=4k"], capture_output=True)  # until full
    os.truncate(filler, filler.stat().st_size - 4096)  # room for the draft, none for the episode file
    before = snapshot(small_show)
    result = run(transcribed, "transcribe", EPISODE)
    assert refused(result)[-1] == f"error: {EPISODE}: cannot write (No space left on device)"
    assert snapshot(small_show) == before
    filler.unlink()
    subprocess.run(["mount", "-o", "remount,ro", str(small_show)], check=True)
    assert refused(run(transcribed, "transcribe", EPISODE))[-1] == (
        f"error: {DRAFT}: cannot write (Read-only file system)"
    )
    assert snapshot(small_show) == {k: v for k, v in before.items() if k != "filler"}


# --- the front matter, changed by one line -------------------------------------------------


NAME = "2026-10-01-test.vtt"
EMPTY_OR_NAMED = re.compile(rf"transcript:[ \t]*(~|null|''|\"\"|{re.escape(NAME)})?[ \t]*(#.*)?")


def test_the_line_goes_after_the_audio_entry_keeping_line_ends_and_a_bom() -> None:
    text = "\ufeff---\r\ntitle: A\r\naudio: >-\r\n  long-name.wav\r\n\r\n# the guid\r\nguid: x\r\n---\r\nNotes\r\n"
    assert drafts.pointed(text, NAME, Path("e.md")) == text.replace(
        "long-name.wav\r\n", f"long-name.wav\r\ntranscript: {NAME}\r\n"
    )


def test_an_empty_transcript_is_filled_in_keeping_its_comment() -> None:
    for empty in ("transcript:", "transcript:   # a draft, later", "transcript: ~", 'transcript: ""'):
        text = f"---\ntitle: A\n{empty}\naudio: a.wav\n---\n"
        comment = "   # a draft, later" in empty
        expected = f"transcript: {NAME}" + (" # a draft, later" if comment else "")
        assert drafts.pointed(text, NAME, Path("e.md")) == text.replace(f"{empty}\n", f"{expected}\n")


def test_front_matter_that_cannot_be_changed_safely_is_left_alone() -> None:
    indented = "---\n  title: A\n  audio: a.wav\n---\n"  # a top-level line would not belong to it
    with pytest.raises(FileError) as raised:
        drafts.pointed(indented, NAME, Path("e.md"))
    assert (
        str(raised.value)
        == f"e.md: cannot add `transcript: {NAME}` to the front matter safely; add that line to it yourself"
    )


FRAGMENTS = [
    "# a comment",
    "",
    "  # an indented comment",
    "title: A",
    'title: "Quoted: # not a comment"',
    "summary: >-\n  folded\n\n  text",
    "people:\n  - name: A\n    role: host",
    "chapters: [{start: '0:00:00', title: A}]",
    "  indented: x",
    "transcript:",
    "transcript: other.vtt",
    "audio: a.wav",
    "audio: |\n  a.wav",
    "audio: [a,\nb]",
    "...",
    "---",
    "\t tab",
    "key: value # comment",
]


@given(
    parts=st.lists(st.sampled_from(FRAGMENTS), max_size=8),
    crlf=st.booleans(),
    bom=st.booleans(),
    body=st.text(max_size=20),
)
@settings(max_examples=300)
def test_the_front_matter_gets_exactly_the_line_or_is_left_alone(parts: list[str], crlf: bool, bom: bool, body: str):
    """Whatever the front matter holds: the same fields plus `transcript`, the file's other lines
    exactly as they were, or a FileError; never anything else."""
    newline = "\r\n" if crlf else "\n"
    text = ("\ufeff" if bom else "") + newline.join(["---", *parts, "---", body])
    try:
        result = drafts.pointed(text, NAME, Path("e.md"))
    except FileError as exc:
        event("left alone")
        assert str(exc).startswith("e.md: cannot add `transcript: ")
        return
    event("changed" if result != text else "named already")
    assert result.startswith("\ufeff" if bom else "---") and result.endswith(body)
    added = [line for line in result.split("\n") if line.rstrip("\r").startswith(f"transcript: {NAME}")]
    assert len(added) == 1 or result == text
    kept = [line for line in result.split("\n") if not line.rstrip("\r").startswith(f"transcript: {NAME}")]
    original = [line for line in text.split("\n") if not EMPTY_OR_NAMED.fullmatch(line.rstrip("\r"))]
    assert [line for line in kept if not EMPTY_OR_NAMED.fullmatch(line.rstrip("\r"))] == original
    assert front_matter(result) == {**front_matter(text), "transcript": NAME}


def front_matter(text: str) -> dict:
    data, problems = load_yaml(split_front_matter(text.removeprefix("\ufeff"))[0], Path("e.md"))
    assert not problems
    return data
