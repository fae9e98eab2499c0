"""Hostile and careless content: every path stays inside the project, every mistake is a typed
`PATH:LINE: field: message` with exit code 1, and nothing the host wrote is silently rewritten."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import pytest
from conftest import SHOW_YAML, episode_text, make_tone, snapshot
from lxml import etree

from clgtv.episodes import Episode
from clgtv.schema import schema_of

EPISODE = "episodes/test-show/2026-10-01-test.md"
SHOW = "episodes/test-show/show.yaml"
SITE = "clgtv.yaml"
GUID = "5b3f2a4e-9a1c-4d53-8b57-1d0f5cfb8a01"
NOTHING = "problem(s) found; nothing was published."


@pytest.fixture(autouse=True)
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)  # paths in messages are relative to where the host runs clgtv
    monkeypatch.delenv("CLGTV_BASE_URL", raising=False)


def problems(run, project: Path, *args: str) -> list[str]:
    """The lines of a run that must fail with content problems (exit 1, no traceback)."""
    result = run(project, *(args or ("check",)))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if not line.startswith("warning: ")]
    assert lines[-1].endswith(NOTHING), result.output
    return lines[:-1]


def write_episode(project: Path, text: str | None = None, **fields: object) -> Path:
    path = project / EPISODE
    path.write_text(text if text is not None else episode_text(**fields))
    return path


def feed_of(project: Path) -> etree._Element:
    return etree.parse(str(project / "build/site/test-show/feed.xml")).getroot()


# --- containment ---------------------------------------------------------------------------------


def outside(name: str, resolved: Path | str) -> str:
    return (
        f"{name} is outside the project (it leads to {resolved}); keep it in the project folder, "
        "or list its folder under media_folders in clgtv.yaml"
    )


@pytest.mark.parametrize(
    ("field", "line", "value"),
    [
        ("audio", 4, "/etc/passwd"),
        ("audio", 4, "../../../../../../../../etc/passwd"),
        ("transcript", 8, "/etc/hostname"),
        ("transcript", 8, "../../../../../../../../etc/hostname"),
        ("image", 8, "/etc/passwd"),
    ],
)
def test_a_path_outside_the_project_is_refused(run, project: Path, field: str, line: int, value: str) -> None:
    write_episode(project, **{field: value})
    name = Path(value).name
    assert problems(run, project) == [f"{EPISODE}:{line}: {field}: {outside(name, Path('/etc') / name)}"]


def test_a_symlink_that_leaves_the_project_is_refused(run, project: Path, tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere" / "notes.vtt"
    secret.parent.mkdir()
    secret.write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nprivate words\n")
    (project / "episodes/test-show/link.vtt").symlink_to(secret)
    write_episode(project, transcript="link.vtt")
    assert problems(run, project) == [f"{EPISODE}:8: transcript: {outside('link.vtt', secret)}"]
    assert not (project / "build/site").exists()


def test_symlinked_artwork_recording_and_intro_that_leave_the_project(run, project: Path, tmp_path: Path) -> None:
    away = tmp_path / "away"
    away.mkdir()
    show_dir = project / "episodes/test-show"
    for name in ("artwork.jpg", "2026-10-01-test.wav"):
        (show_dir / name).rename(away / name)
        (show_dir / name).symlink_to(away / name)
    make_tone(away / "intro.wav", seconds=1)
    (project / SHOW).write_text(SHOW_YAML + "  intro: ../../../away/intro.wav\n")
    assert problems(run, project) == [
        f"{EPISODE}:4: audio: {outside('2026-10-01-test.wav', away / '2026-10-01-test.wav')}",
        f"{SHOW}:1: artwork: {outside('artwork.jpg', away / 'artwork.jpg')}",
        f"{SHOW}:16: audio.intro: {outside('intro.wav', away / 'intro.wav')}",
    ]


def test_an_episode_file_or_programme_folder_that_leads_outside_is_refused(run, project: Path, tmp_path: Path) -> None:
    away, linked = tmp_path / "away", "2026-10-05-linked.md"
    away.mkdir()
    (away / "2026-10-05-linked.md").write_text(episode_text(guid="other-guid", episode=2))
    (project / "episodes/test-show/2026-10-05-linked.md").symlink_to(away / "2026-10-05-linked.md")
    (away / "show").mkdir()
    (away / "show/show.yaml").write_text(SHOW_YAML)
    (project / "episodes/linked-show").symlink_to(away / "show")
    assert problems(run, project) == [
        f"episodes/linked-show/show.yaml:1: folder: {outside('linked-show', away / 'show')}",
        f"episodes/test-show/{linked}:1: file: {outside(linked, away / linked)}",
    ]


def test_a_hidden_folder_inside_the_project_is_refused(run, project: Path) -> None:
    (project / ".git").mkdir()
    (project / ".git/config").write_text("[core]\n")
    write_episode(project, transcript="../../.git/config")
    assert problems(run, project) == [
        f"{EPISODE}:8: transcript: config is hidden or in a hidden folder (.git); clgtv does not publish hidden files"
    ]


def test_recordings_in_a_listed_media_folder_are_allowed(run, project: Path, tmp_path: Path) -> None:
    nas = tmp_path / "nas"
    nas.mkdir()
    (project / "episodes/test-show/2026-10-01-test.wav").rename(nas / "master.wav")
    write_episode(project, audio=str(nas / "master.wav"))
    assert problems(run, project) == [f"{EPISODE}:4: audio: {outside('master.wav', nas / 'master.wav')}"]
    (project / SITE).write_text((project / SITE).read_text() + f"media_folders:\n  - {nas}\n")
    result = run(project, "build")
    assert result.exit_code == 0, result.output
    assert feed_of(project).findtext("channel/item/guid") == GUID


@pytest.mark.parametrize(
    ("folders", "message"),
    [
        ("  - no-such-folder", "no-such-folder is not a folder"),
        ("  - ..", ".. holds the project; name the media folder"),
        ("  - /", "/ holds the project; name the media folder"),
    ],
)
def test_media_folders_must_be_folders_that_do_not_hold_the_project(
    run, project: Path, folders: str, message: str
) -> None:
    (project / SITE).write_text((project / SITE).read_text() + f"media_folders:\n{folders}\n")
    assert problems(run, project) == [f"{SITE}:4: media_folders: {message}"]


@pytest.mark.parametrize("link", ['https://example.org/"><script>x</script>', "javascript:alert(1)"])
def test_a_web_address_with_markup_or_another_scheme_is_refused(run, project: Path, link: str) -> None:
    write_episode(project, people=f"[{{name: Ann, href: '{link}'}}]")
    assert problems(run, project) == [
        f"{EPISODE}:8: people[1].href: expected a web address starting with https:// or http://, got {link!r}"
    ]


def test_a_file_name_too_long_for_any_disk(run, project: Path) -> None:
    write_episode(project, audio="a" * 300 + ".wav")
    assert problems(run, project) == [
        f"{EPISODE}:4: audio: has a folder or file name of 304 bytes; at most 255 allowed"
    ]


# --- typed errors: dates, control characters, YAML ----------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "2026-02-30T10:00:00+00:00",
            "expected an ISO 8601 date and time with zone, like 2026-10-23T10:00:00+01:00, "
            "got '2026-02-30T10:00:00+00:00' (day is out of range for month)",
        ),
        (
            "2026-13-01",
            "expected an ISO 8601 date and time with zone, like 2026-10-23T10:00:00+01:00, "
            "got '2026-13-01' (month must be in 1..12)",
        ),
        (
            "2026-11-06T10:00:00+01:75",  # YAML alone reads it as +02:15
            "expected an ISO 8601 date and time with zone, like 2026-10-23T10:00:00+01:00; +01:75 is no zone (hours "
            "up to 23, minutes up to 59)",
        ),
        (
            "2026-11-06",
            "expected an ISO 8601 date and time with zone, like 2026-10-23T10:00:00+01:00; the time and zone are "
            "missing",
        ),
        ("0001-01-01T00:00:00+14:00", "expected a year from 1970 to 2999, got 1"),
        ("9999-12-31T23:59:59-12:00", "expected a year from 1970 to 2999, got 9999"),
    ],
)
def test_impossible_unquoted_dates(run, project: Path, value: str, message: str) -> None:
    write_episode(project, date=value)
    assert problems(run, project) == [f"{EPISODE}:3: date: {message}"]


@pytest.mark.parametrize(
    ("written", "meant"),
    [("2026-1-2T10:00:00Z", "2026-01-02T10:00:00+00:00"), ("2026-10-23T10:00:00+1", "2026-10-23T10:00:00+01:00")],
)
def test_the_wider_dates_yaml_reads_are_still_read(project: Path, written: str, meant: str) -> None:
    from clgtv import content

    write_episode(project, date=written)
    (programme,) = content.load(project).programmes
    assert programme.episodes[0].date.isoformat() == meant


def test_a_control_character_in_a_field_is_refused_at_its_line(run, project: Path) -> None:
    write_episode(project, title='"Bell \\a in the title"', summary='"ok"')
    assert problems(run, project) == [
        f"{EPISODE}:2: title: contains the control character U+0007 at character 6; "
        "delete it (it is often pasted in by accident)"
    ]


def test_a_raw_control_character_in_yaml_names_its_line(run, project: Path) -> None:
    (project / SHOW).write_text(SHOW_YAML.replace("description: A programme", "description: A \x1b programme"))
    assert problems(run, project) == [
        f"{SHOW}:2: yaml: contains the control character U+001B; delete it (it is often pasted in by accident)"
    ]


def test_a_control_character_in_the_show_notes(run, project: Path) -> None:
    path = write_episode(project)
    path.write_text(path.read_text() + "\nA second paragraph\x0c with a form feed.\n")
    assert problems(run, project) == [
        f"{EPISODE}:12: notes: contains the control character U+000C at character 19; "
        "delete it (it is often pasted in by accident)"
    ]


def test_an_escape_sequence_in_a_field_name_never_reaches_the_terminal(run, project: Path) -> None:
    write_episode(project, **{'"\\e[2J\\e[31mred"': "x"})
    allowed = ", ".join(sorted(schema_of(Episode)))
    assert problems(run, project) == [f"{EPISODE}:8: \\x1b[2J\\x1b[31mred: unknown field (allowed: {allowed})"]


def test_a_yaml_alias_bomb_is_refused_in_well_under_a_second(run, project: Path) -> None:
    layers = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    layers += [f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 10)}]" for n in range(8)]
    write_episode(project, "---\n" + "\n".join(layers) + "\n---\n")
    started = time.monotonic()
    lines = problems(run, project)
    assert time.monotonic() - started < 1.0
    assert lines == [
        f"{EPISODE}:3: yaml: anchors and aliases (&name, *name) are not supported; write each value out in full"
    ]


def test_check_answers_quickly_on_a_large_episode_file(run, project: Path) -> None:
    path = write_episode(project)
    path.write_text(path.read_text() + "A long paragraph of show notes. " * 30_000)  # about 1 MB
    started = time.monotonic()
    assert run(project, "check").exit_code == 0
    assert time.monotonic() - started < 3.0


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("title: !!python/object/apply:os.system [echo hi]", "yaml: a value cannot start with !: put the whole"),
        ("? [a, b]\n: c", "yaml: a field name must be plain text"),
        ("title: a\ntitle: b", "yaml: duplicate field 'title'"),
        ("title: [[[[[[[[[[[[", "yaml: while parsing a flow node"),
        ("\ttitle: tabs", "yaml: indent with spaces, not tabs (this file is not valid YAML: while scanning for"),
    ],
)
def test_yaml_oddities_give_a_line_and_no_traceback(run, project: Path, front: str, message: str) -> None:
    write_episode(project, f"---\n{front}\n---\n")
    (line,) = problems(run, project)
    assert line.startswith(f"{EPISODE}:"), line
    assert f": {message}" in line, line


def test_two_yaml_documents_in_one_file(run, project: Path) -> None:
    (project / SHOW).write_text(SHOW_YAML + "---\ntitle: Another\n")
    (line,) = problems(run, project)
    assert line.startswith(f"{SHOW}:"), line
    assert "yaml: expected a single document in the stream" in line, line


def test_deep_nesting_is_refused(run, project: Path) -> None:
    write_episode(project, "---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\n")
    (line,) = problems(run, project)
    assert line.startswith(f"{EPISODE}:2: yaml: "), line


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"---\ntitle: caf\xe9\n---\n", ":2: file: is not UTF-8 text (byte 0xE9 at offset 14); save it as UTF-8"),
        ("---\ntitle: x\n---\n".encode("utf-16"), ":1: file: is not UTF-8 text (byte 0xFF at offset 0); save it"),
        (b"---\ntitle: \x00\n---\n", "yaml: contains the control character U+0000"),
        (b"", "front matter: missing; the file must start with a line '---', the fields, then '---'"),
        (b"---\ntitle: never closed\n", ":1: front matter: no line '---' ends the fields that begin at line 2; add"),
    ],
)
def test_damaged_episode_files(run, project: Path, data: bytes, message: str) -> None:
    (project / EPISODE).write_bytes(data)
    (line,) = problems(run, project)
    assert line.startswith(f"{EPISODE}:"), line
    assert message in line, line


def test_a_show_file_saved_in_latin_1_names_the_line_of_the_first_odd_byte(run, project: Path) -> None:
    data = (project / SHOW).read_bytes().replace(b"A programme for tests.", "Caf\u00e9 talk.".encode("latin-1"))
    (project / SHOW).write_bytes(data)
    offset = data.index(b"\xe9")
    line = data[:offset].count(b"\n") + 1
    assert problems(run, project) == [
        f"{SHOW}:{line}: file: is not UTF-8 text (byte 0xE9 at offset {offset}); save it as UTF-8"
    ]


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_windows_and_old_mac_line_ends_read_as_plain_ones(project: Path, ending: str) -> None:
    from clgtv import content

    text = episode_text() + "Notes in two lines,\nand a second.\n"
    (project / EPISODE).write_bytes(text.replace("\n", ending).encode())
    (project / SHOW).write_bytes(SHOW_YAML.replace("\n", ending).encode())
    (programme,) = content.load(project).programmes
    (episode,) = programme.episodes
    assert "\r" not in episode.notes and "Notes in two lines,\nand a second." in episode.notes
    assert (
        episode.line("guid") == text.splitlines().index(next(x for x in text.splitlines() if x.startswith("guid"))) + 1
    )


def test_a_folder_named_like_an_episode_file_is_ignored(run, project: Path) -> None:
    (project / "episodes/test-show/2026-10-09-folder.md").mkdir()
    assert run(project, "check").exit_code == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("target_lufs", ".nan", "expected a number between -30 and -10, got nan"),
        ("true_peak", ".inf", "expected a number between -9 and 0, got inf"),
        ("bitrate", "1.0e+400", "expected one of: 64, 96, 112, 128, 160, 192, 256, 320; got inf"),
    ],
)
def test_numbers_yaml_makes_odd(run, project: Path, field: str, value: str, message: str) -> None:
    write_episode(project, processing=f"{{{field}: {value}}}")
    assert problems(run, project) == [f"{EPISODE}:8: processing.{field}: {message}"]


# --- no silent changes ---------------------------------------------------------------------------


def test_text_fields_keep_what_the_host_wrote(run, project: Path) -> None:
    write_episode(project, title="1.10", summary="0777", guid="0123")
    (project / SHOW).write_text(SHOW_YAML.replace("author: CLGdotTV", "author: yes"))
    result = run(project, "build")
    assert result.exit_code == 0, result.output
    item = feed_of(project).find("channel/item")
    assert item.findtext("title") == "1.10"
    assert item.findtext("description") == "0777"
    assert item.findtext("guid") == "0123"
    assert feed_of(project).findtext("channel/{http://www.itunes.com/dtds/podcast-1.0.dtd}author") == "yes"


def test_a_number_in_a_list_of_text_keeps_its_text(run, project: Path) -> None:
    (project / SHOW).write_text(SHOW_YAML.replace("  - Government\n", "  - 0777\n"))
    assert problems(run, project) == [
        f"{SHOW}:9: categories: '0777' is not an Apple Podcasts category (see Apple's list in the README)"
    ]


def test_a_list_where_text_was_expected_is_refused(run, project: Path) -> None:
    (project / SHOW).write_text(SHOW_YAML.replace("  - Government\n", "  - [Government]\n"))
    assert problems(run, project) == [f"{SHOW}:9: categories: expected text, got a list"]


def test_an_empty_site_file_still_requires_its_fields(run, project: Path) -> None:
    (project / SITE).write_text("")
    assert problems(run, project) == [
        f"{SITE}:1: base_url: required field is missing",
        f"{SITE}:1: title: required field is missing",
    ]


def test_an_empty_show_file_still_requires_its_fields(run, project: Path) -> None:
    (project / SHOW).write_text("# nothing yet\n")
    assert problems(run, project) == [
        f"{SHOW}:1: {field}: required field is missing"
        for field in ("author", "categories", "description", "owner", "title")
    ]


def test_episode_files_without_a_show_file_are_an_error(run, project: Path) -> None:
    (project / "episodes/orphans").mkdir()
    (project / "episodes/orphans/2026-10-01-lost.md").write_text(episode_text(guid="lost"))
    assert problems(run, project) == [
        "episodes/orphans/show.yaml:1: file: not found: orphans/ holds episode files but no show.yaml"
    ]


def test_a_byte_order_mark_is_accepted_in_every_file(run, project: Path) -> None:
    for name in (SITE, SHOW, EPISODE):
        path = project / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = run(project, "build")
    assert result.exit_code == 0, result.output
    assert feed_of(project).findtext("channel/item/title") == "A test episode"


# --- environment, guids, concurrent builds -------------------------------------------------------


def test_a_bad_base_url_override_is_named_in_its_own_error(run, project: Path, monkeypatch) -> None:
    monkeypatch.setenv("CLGTV_BASE_URL", "localhost:8000")
    assert problems(run, project) == [
        "CLGTV_BASE_URL: environment variable: expected a web address starting with https:// or http://, "
        "got 'localhost:8000' (it overrides base_url)"
    ]


def test_a_changed_guid_of_a_published_episode_is_refused(run, project: Path) -> None:
    assert run(project, "publish").exit_code == 0
    before = {p: p.read_bytes() for p in (project / "public").rglob("*") if p.is_file()}
    write_episode(project, guid="a-fresh-guid")
    message = (
        f"{EPISODE}:7: guid: the published feed gives this episode the guid '{GUID}'; a new guid makes podcast "
        f'apps offer it to every subscriber again as a new episode. To keep it, write guid: "{GUID}"'
    )
    assert problems(run, project) == [message]
    assert problems(run, project, "publish") == [message]
    assert {p: p.read_bytes() for p in (project / "public").rglob("*") if p.is_file()} == before
    write_episode(project)
    assert run(project, "publish").exit_code == 0


def test_a_second_build_of_the_same_project_is_refused_while_one_runs(run, project: Path) -> None:
    (project / "build").mkdir()
    with open(project / "build/.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        handle.write("pid 4242\n")
        handle.flush()
        for command in ("build", "publish"):
            result = run(project, command)
            assert result.exit_code == 1
            assert result.output.splitlines()[-1] == (
                "error: .: another build of this project is running (pid 4242); wait for it to finish, "
                "then run this again"
            )
    assert not (project / "public").exists()
    assert run(project, "build").exit_code == 0
    assert os.path.getsize(project / "build/.lock") == 0


@pytest.mark.parametrize(
    ("change", "first_line"),
    [
        (lambda p: write_episode(p, audio="/etc/passwd"), f"{EPISODE}:4: audio: passwd is outside the project"),
        (lambda p: write_episode(p, date="2026-02-30T10:00:00+00:00"), f"{EPISODE}:3: date: expected an ISO 8601"),
        (lambda p: write_episode(p, title='"\\u0000"'), f"{EPISODE}:2: title: contains the control character U+0000"),
        (lambda p: write_episode(p, "---\na: &a [1]\nb: *a\n---\n"), f"{EPISODE}:3: yaml: anchors and aliases"),
        (lambda p: (p / SITE).write_text(""), f"{SITE}:1: base_url: required field is missing"),
        (lambda p: (p / SHOW).write_text(""), f"{SHOW}:1: author: required field is missing"),
        (lambda p: (p / SHOW).unlink(), f"{SHOW}:1: file: not found: test-show/ holds episode files"),
    ],
)
def test_hostile_content_leaves_the_published_site_untouched(run, project: Path, change, first_line: str) -> None:
    assert run(project, "publish").exit_code == 0
    before = snapshot(project / "public")
    change(project)
    assert problems(run, project, "publish")[0].startswith(first_line)
    assert snapshot(project / "public") == before


def test_a_number_too_long_for_python_stays_text(run, project: Path) -> None:
    write_episode(project, title="9" * 5000, season="9" * 5000)
    title, season = problems(run, project)
    assert title == f"{EPISODE}:2: title: is 5000 characters; at most 255 allowed"
    assert season == f"{EPISODE}:5: season: expected a whole number of at most 18 digits, got one of 5000"


def test_a_line_separator_is_refused_at_its_line(run, project: Path) -> None:
    write_episode(project, summary='"caf\u00e9 \u00e9\u00e9\u00e9"', title='"a\u2028b"')
    assert problems(run, project) == [
        f"{EPISODE}:2: yaml: contains the line separator U+2028; delete it (it is often pasted in by accident)"
    ]


def test_a_password_in_a_refused_address_is_never_shown(run, project: Path) -> None:
    site = project / SITE
    site.write_text(site.read_text() + 's3:\n  endpoint_url: "http://alice:hunter2 secret@127.0.0.1:9/"\n')
    assert problems(run, project) == [
        f"{SITE}:5: s3.endpoint_url: expected a web address starting with https:// or http://, "
        "got 'http://***@127.0.0.1:9/'"
    ]


def test_a_site_wide_intro_outside_the_project_is_blamed_on_the_site_file(run, project: Path, tmp_path: Path) -> None:
    make_tone(tmp_path / "x.wav", seconds=1)
    site = project / SITE
    site.write_text(site.read_text() + f"defaults:\n  audio:\n    intro: {tmp_path / 'x.wav'}\n")
    assert problems(run, project) == [f"{SITE}:6: defaults.audio.intro: {outside('x.wav', tmp_path / 'x.wav')}"]


def test_a_number_in_a_list_keeps_its_text_in_the_hint(run, project: Path) -> None:
    (project / SITE).write_text((project / SITE).read_text() + "media_folders:\n  - 0777\n")
    assert problems(run, project) == [f"{SITE}:4: media_folders: 0777 is not a folder"]


def test_a_file_with_no_fields_yet_names_each_required_one(run, project: Path) -> None:
    write_episode(project, "---\n---\n\nNotes.\n")
    (project / SHOW).write_text("# to be written\n")
    missing = "required field is missing"
    assert problems(run, project) == [
        *(f"{EPISODE}:1: {key}: {missing}" for key in ("audio", "date", "guid", "title")),
        *(f"{SHOW}:1: {key}: {missing}" for key in ("author", "categories", "description", "owner", "title")),
    ]


def test_a_number_too_long_to_be_one_says_so(run, project: Path) -> None:
    write_episode(project, episode="1" * 19, season='"0000000000000000000000000000007"')
    assert problems(run, project) == [
        f"{EPISODE}:5: season: expected a whole number of at most 18 digits, got one of 31",
        f"{EPISODE}:6: episode: expected a whole number of at most 18 digits, got one of 19",
    ]
