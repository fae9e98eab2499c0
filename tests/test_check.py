"""`clgtv check`: every mistake a host can make, reported at once with file, line, field and fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import episode_text, make_artwork

from clgtv.episodes import slugify

EPISODE = "episodes/test-show/2026-10-01-test.md"
SHOW = "episodes/test-show/show.yaml"


@pytest.fixture(autouse=True)
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)  # paths in messages are relative to where the host runs clgtv


def check_lines(run, project: Path) -> list[str]:
    result = run(project, "check")
    assert result.exit_code == 1, result.output
    return [line for line in result.output.splitlines() if not line.endswith("nothing was published.")]


def write_episode(project: Path, **fields: object) -> None:
    (project / EPISODE).write_text(episode_text(**fields))


def test_valid_project_passes(run, project: Path) -> None:
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    assert "ok: 1 programmes, 1 episodes" in result.output


def test_unknown_field_suggests_the_right_one(run, project: Path) -> None:
    write_episode(project, titel='"Typo"')
    assert f"{EPISODE}:8: titel: unknown field (did you mean 'title'?)" in check_lines(run, project)


def test_wrong_type(run, project: Path) -> None:
    write_episode(project, season="one")
    assert f"{EPISODE}:5: season: expected a whole number, got 'one'" in check_lines(run, project)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "23/10/2026",
            "expected an ISO 8601 date and time with zone, like 2026-10-23T10:00:00+01:00, got '23/10/2026'",
        ),
        (
            "2026-10-23T10:00:00",
            "expected an ISO 8601 date and time with zone, like 2026-10-23T10:00:00+01:00; "
            "the zone (like +01:00 or Z) is missing",
        ),
    ],
)
def test_bad_date(run, project: Path, value: str, message: str) -> None:
    write_episode(project, date=value)
    assert f"{EPISODE}:3: date: {message}" in check_lines(run, project)


def test_missing_audio_file(run, project: Path) -> None:
    write_episode(project, audio="nowhere.wav")
    expected = f"{EPISODE}:4: audio: file not found: nowhere.wav (looked in {project / 'episodes/test-show'})"
    assert expected in check_lines(run, project)


def test_draft_may_lack_its_audio(run, project: Path) -> None:
    write_episode(project, audio="not-recorded-yet.wav", status="draft")
    assert run(project, "check").exit_code == 0


def test_unknown_apple_category(run, project: Path) -> None:
    show = project / SHOW
    show.write_text(show.read_text().replace("  - Government\n", "  - Goverment\n"))
    assert (
        f"{SHOW}:9: categories: 'Goverment' is not an Apple Podcasts category (did you mean 'Government'?)"
        in check_lines(run, project)
    )


def test_duplicate_guid_and_episode_number(run, project: Path) -> None:
    second = project / "episodes/test-show/2026-10-08-again.md"
    second.write_text(episode_text(title='"Again"'))
    lines = check_lines(run, project)
    assert (
        f"{second.relative_to(project)}:7: guid: '5b3f2a4e-9a1c-4d53-8b57-1d0f5cfb8a01' is already used by {EPISODE}"
        in lines
    )
    assert f"{second.relative_to(project)}:6: episode: season 1 episode 1 is already used by {EPISODE}" in lines


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ((1400, 1200), "artwork.jpg is 1400x1200 pixels; it must be square"),
        ((1000, 1000), "artwork.jpg is 1000x1000 pixels; it must be at least 1400x1400"),
        ((3200, 3200), "artwork.jpg is 3200x3200 pixels; it must be at most 3000x3000"),
    ],
)
def test_artwork_size(run, project: Path, size: tuple[int, int], message: str) -> None:
    make_artwork(project / "episodes/test-show/artwork.jpg", *size)
    assert f"{SHOW}:1: artwork: {message}" in check_lines(run, project)


def test_unreadable_artwork(run, project: Path) -> None:
    (project / "episodes/test-show/artwork.jpg").write_bytes(b"not an image")
    assert f"{SHOW}:1: artwork: artwork.jpg is not a readable JPEG or PNG image" in check_lines(run, project)


def test_artwork_extension_must_match(run, project: Path) -> None:
    make_artwork(project / "episodes/test-show/art.jpg").rename(project / "episodes/test-show/art.png")
    show = project / SHOW
    show.write_text(show.read_text() + "artwork: art.png\n")
    assert f"{SHOW}:16: artwork: art.png is a JPEG image; its name must end in .jpg" in check_lines(run, project)


@pytest.mark.parametrize(
    ("line", "written", "advice"),
    [
        (2, 'title: "Unclosed\n', "the quote mark that opens this value is never closed"),
        (2, "title: Episode 3: LocalGov Digital\n", "a colon and a space inside a value: put the whole value in"),
        (2, 'title: "The "best" one"\n', "a value that starts with a quote mark or a bracket must end with it"),
        (2, "title: [Live] the co-op\n", "a value that starts with a quote mark or a bracket must end with it"),
        (2, "title: @CLGdotTV live\n", "a value cannot start with @: put the whole value in double quotes"),
        (2, "title: *Live* from Exeter\n", "a value cannot start with *: put the whole value in double quotes"),
        (3, "title: A\nseason:1\n", "write each field as name: value, with a space after the colon"),
        (3, "title: A\n\tseason: 1\n", "indent with spaces, not tabs"),
        (3, "title: A\n  season: 1\n", "this field is indented under one that has its value already: start it"),
        (3, "title: A\nsummary:\u00a0hello\n", "contains a non-breaking space (U+00A0), often pasted from a word"),
        (5, "title: A\npeople:\n  - name: B\n   role: host\n", "the lines of a list must be indented alike"),
    ],
)
def test_invalid_yaml_names_the_line_and_what_to_do(run, project: Path, line: int, written: str, advice: str) -> None:
    (project / EPISODE).write_text(f"---\n{written}date: 2026-10-01T10:00:00+01:00\n---\n")
    (message,) = check_lines(run, project)
    assert message.startswith(f"{EPISODE}:{line}: yaml: {advice}"), message
    assert "(this file is not valid YAML: " in message


def test_a_hashtag_after_an_unquoted_value_is_refused_and_in_quotes_is_kept(run, project: Path) -> None:
    from clgtv import content

    write_episode(project, summary="Co-ops and councils #LocalGov #coop")
    assert check_lines(run, project) == [
        f'{EPISODE}:8: summary: YAML reads " #" and all after it as a comment, so that text would be lost: put '
        "the whole value in quotes"
    ]
    write_episode(project, summary='"Co-ops and councils #LocalGov #coop"')
    (programme,) = content.load(project).programmes
    assert programme.episodes[0].summary == "Co-ops and councils #LocalGov #coop"
    write_episode(project, summary="Co-ops and councils  # a comment of the host's own", explicit="false #todo")
    assert run(project, "check").exit_code == 0  # after true or false, a number or a date, a comment is all it is


@pytest.mark.parametrize("name", ["2026-10-02-second.md.txt", "2026-10-02-second.MD", "2026-10-02-second.markdown"])
def test_an_episode_file_an_editor_renamed_is_an_error_not_a_lost_episode(run, project: Path, name: str) -> None:
    (project / "episodes/test-show" / name).write_text(episode_text(title='"Second"'))
    (project / "episodes/test-show/notes.markdown").write_text("# a host's own notes: no episode's name\n")
    assert check_lines(run, project) == [
        f"episodes/test-show/{name}:1: file: {name} is not read as an episode: episode files end in .md; rename it "
        "2026-10-02-second.md"
    ]


def test_a_person_listed_twice_in_one_role_is_named_at_the_second_line(run, project: Path) -> None:
    people = "\n  - name: Carl Haggerty\n    role: guest\n  - name: Vicky Sargent\n    role: host"
    write_episode(project, people=people + "\n  - name: carl haggerty\n    role: Guest")
    assert check_lines(run, project) == [
        f"{EPISODE}:13: people: carl haggerty is listed twice as Guest (lines 9 and 13); keep one"
    ]
    write_episode(project, people=people + "\n  - name: Carl Haggerty\n    role: producer")  # two roles: fine
    assert run(project, "check").exit_code == 0
    show = project / SHOW
    show.write_text(
        show.read_text() + "people:\n  - {name: Vicky Sargent, role: host}\n  - {name: Vicky Sargent, role: host}\n"
    )
    line = len(show.read_text().splitlines())
    assert check_lines(run, project) == [
        f"{SHOW}:{line}: people: Vicky Sargent is listed twice as host (lines {line - 1} and {line}); keep one"
    ]


def test_an_empty_transcript_line_asks_for_a_transcript_not_a_recording(run, project: Path) -> None:
    write_episode(project, transcript="")
    assert check_lines(run, project) == [
        f"{EPISODE}:8: transcript: is empty; expected a transcript's file name, like 2026-11-06-data.vtt (or no "
        "transcript: line)"
    ]


def test_true_or_false_in_quotes_is_still_true_or_false(project: Path) -> None:
    from clgtv import content

    for written, meant in (('"true"', True), ("'False'", False), ("yes", True)):
        write_episode(project, explicit=written)
        (programme,) = content.load(project).programmes
        assert programme.episodes[0].explicit is meant, written


def test_yaml_s_words_for_nothing_and_a_file_date_that_is_none_are_named(run, project: Path) -> None:
    write_episode(project, title="null")
    (project / "episodes/test-show/2026-13-45-later.md").write_text(episode_text(title='"Later"'))
    assert check_lines(run, project) == [
        f"{EPISODE}:2: title: is empty; expected text (YAML reads null as nothing: put it in quotes)",
        "episodes/test-show/2026-13-45-later.md:1: file: name starts with 2026-13-45, which is no date (month must "
        "be in 1..12)",
    ]


def test_clgtv_outside_its_project_says_where_to_run_it(run, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(tmp_path, "check")
    assert result.exit_code == 1
    assert "clgtv.yaml:1: file: not found; run clgtv in the project folder, or give --root" in result.output


def test_missing_required_fields_and_front_matter(run, project: Path) -> None:
    (project / EPISODE).write_text("---\ntitle: Only a title\n---\n")
    (project / "episodes/test-show/2026-10-02-no-front-matter.md").write_text("Just notes.\n")
    lines = check_lines(run, project)
    for field in ("date", "audio", "guid"):
        assert f"{EPISODE}:2: {field}: required field is missing" in lines
    assert (
        "episodes/test-show/2026-10-02-no-front-matter.md:1: front matter: "
        "missing; the file must start with a line '---', the fields, then '---'"
    ) in lines


def test_every_problem_is_reported_at_once(run, project: Path) -> None:
    write_episode(project, season=0, type="episode", explicit="maybe", chapters='[{start: "0:00:10", title: Late}]')
    show = project / SHOW
    show.write_text(show.read_text().replace("podcasts@clgdottv.example", "not-an-email"))
    lines = check_lines(run, project)
    assert lines == [
        f"{EPISODE}:5: season: expected a whole number from 1 to 65535, got 0",
        f"{EPISODE}:8: type: expected one of: full, trailer, bonus; got 'episode'",
        f"{EPISODE}:9: explicit: expected one of: true, false; got 'maybe'",
        f'{EPISODE}:10: chapters: the first chapter must start at "0:00:00"',
        f"{SHOW}:6: owner.email: expected an email address like podcasts@example.org, got 'not-an-email'",
    ]


def test_a_number_is_read_as_the_host_wrote_it_in_decimal(project: Path) -> None:
    """YAML 1.1 reads `010` as eight; a host means ten. Its other numbers (hex, underscores) are refused."""
    from clgtv import content

    for written, number in (("010", 10), ("09", 9), ('"3"', 3), ("12", 12)):
        write_episode(project, episode=written)
        (programme,) = content.load(project).programmes
        assert programme.episodes[0].number == number, written


@pytest.mark.parametrize("written", ["0x1", "1_0", "0o7", "3.0"])
def test_a_number_written_some_other_way_is_refused(run, project: Path, written: str) -> None:
    write_episode(project, episode=written)
    assert check_lines(run, project) == [f"{EPISODE}:6: episode: expected a whole number, got '{written}'"]


@pytest.mark.parametrize("key", ["season", "episode"])
def test_numbers_an_m4a_cannot_carry_fail_at_their_line(run, project: Path, key: str) -> None:
    write_episode(project, **{key: 65536}, processing="{format: m4a}")
    line = 5 if key == "season" else 6
    assert check_lines(run, project) == [f"{EPISODE}:{line}: {key}: expected a whole number from 1 to 65535, got 65536"]
    write_episode(project, **{key: 65535}, processing="{format: m4a}")
    assert run(project, "check").exit_code == 0


def test_a_bad_field_in_a_chapter_is_the_only_problem(run, project: Path) -> None:
    chapters = '\n  - start: "0:00:00"\n    title: Welcome\n    url: notaurl\n  - start: "0:01:00"\n    title: Next'
    write_episode(project, chapters=chapters)
    assert check_lines(run, project) == [
        f"{EPISODE}:11: chapters[1].url: expected a web address starting with https:// or http://, got 'notaurl'"
    ]


def test_publish_refuses_while_problems_remain(run, project: Path) -> None:
    write_episode(project, titel="x")
    result = run(project, "publish")
    assert result.exit_code == 1
    assert "nothing was published" in result.output
    assert not (project / "public").exists()


def test_new_scaffolds_an_episode_that_passes_check(run, project: Path) -> None:
    result = run(project, "new", "test-show", 'Data & "care": what next?')
    assert result.exit_code == 0, result.output
    created = project / result.output.strip()
    assert created.name.endswith("-data-care-what-next.md")
    text = created.read_text()
    assert 'title: "Data & \\"care\\": what next?"' in text
    assert "status: draft" in text and "episode: 2" in text
    assert run(project, "check").exit_code == 0
    again = run(project, "new", "test-show", "Another one")
    assert again.exit_code == 0
    assert "guid: " in text and text.split("guid: ")[1][:36] not in (project / again.output.strip()).read_text()


def test_new_keeps_the_letters_of_an_accented_title_and_refuses_one_check_would(run, project: Path) -> None:
    result = run(project, "new", "test-show", "Café & Ümlaut: Straße in Łódź")
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("-cafe-umlaut-strasse-in-lodz.md")
    assert slugify("x" * 79 + " yes") == "x" * 79 and slugify("a" * 100) == "a" * 80  # whole words, where any
    again = run(project, "new", "test-show", "Café & Ümlaut: Straße in Łódź")
    assert again.exit_code == 1 and "already exists; give another title, or edit that file" in again.output
    for title, message in (
        ("  ", "error: title: is empty; expected text"),
        ("x" * 300, "error: title: is 300 characters; at most 255 allowed"),
        ("Bell \a", "error: title: contains the control character U+0007 at character 6; delete it"),
    ):
        refused = run(project, "new", "test-show", title)
        assert refused.exit_code == 1 and message in refused.output, refused.output
    assert len(list((project / "episodes/test-show").glob("*.md"))) == 2  # the first episode and the new one


def test_new_rejects_unknown_show(run, project: Path) -> None:
    result = run(project, "new", "no-such-show", "Title")
    assert result.exit_code == 1
    assert "error: episodes/no-such-show: no such programme (known: test-show)" in result.output


def test_a_language_that_is_not_a_code_fails_at_its_line(run, project: Path) -> None:
    show = project / SHOW
    show.write_text(show.read_text().replace("language: en-GB", "language: English"))
    (project / "clgtv.yaml").write_text((project / "clgtv.yaml").read_text() + "defaults:\n  language: French\n")
    assert check_lines(run, project) == [
        "clgtv.yaml:5: defaults.language: expected a language code like en or en-GB, got 'French'",
        f"{SHOW}:7: language: expected a language code like en or en-GB, got 'English'",
    ]


@pytest.mark.parametrize(
    ("geo", "message"),
    [
        ("geo:95,0", "has the latitude 95; expected -90 to 90 (north is positive)"),
        ("geo:-90.5,0", "has the latitude -90.5; expected -90 to 90 (north is positive)"),
        ("geo:53.48,-180.01", "has the longitude -180.01; expected -180 to 180 (east is positive)"),
        ("geo:0,200", "has the longitude 200; expected -180 to 180 (east is positive)"),
        ("53.48,-2.24", "expected a geo URI like \"geo:53.4808,-2.2426\" (latitude,longitude), got '53.48,-2.24'"),
    ],
)
def test_a_geo_uri_out_of_range_fails_at_its_line(run, project: Path, geo: str, message: str) -> None:
    write_episode(project, location=f'\n  name: Somewhere\n  geo: "{geo}"')
    assert check_lines(run, project) == [f"{EPISODE}:10: location.geo: {message}"]


@pytest.mark.parametrize("geo", ["geo:90,180", "geo:-90,-180", "geo:53.4808,-2.2426,120;u=35"])
def test_a_geo_uri_at_the_edges_passes(run, project: Path, geo: str) -> None:
    write_episode(project, location=f'\n  name: Somewhere\n  geo: "{geo}"')
    result = run(project, "check")
    assert result.exit_code == 0, result.output
