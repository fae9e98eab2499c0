"""The content model: each field declared once on its dataclass, the schema and the lines derived from it."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

from conftest import episode_text
from hypothesis import given
from hypothesis import strategies as st

from clgtv import content
from clgtv import schema as s
from clgtv.episodes import Chapter, Episode
from clgtv.settings import AudioSettings, Location, Person, S3Settings, Show, Site, load_site


def test_a_declared_field_is_in_the_schema_with_its_default_and_help() -> None:
    schema = s.schema_of(AudioSettings)
    assert list(schema) == [f.name for f in dataclasses.fields(AudioSettings)]
    assert schema["bitrate"].default == AudioSettings().bitrate == 128
    assert schema["true_peak"].default == AudioSettings().true_peak == -1.0
    assert schema["bitrate"].help == "bitrate in kb/s"
    assert not schema["bitrate"].required
    assert all(field.help for _, field in s.walk(Site))


def test_the_yaml_key_may_differ_from_the_attribute() -> None:
    schema = s.schema_of(Episode)
    assert "episode" in schema and "number" not in schema
    assert schema["episode"].name == "number"
    assert {"path", "show", "slug", "notes", "lines"}.isdisjoint(schema)
    assert [key for key, field in schema.items() if field.required] == ["title", "date", "audio", "guid"]


def test_every_content_field_is_enumerated_with_its_key() -> None:
    site = [key for key, _ in s.walk(Site)]
    assert "defaults.language" in site and "defaults.audio.bitrate" in site and "s3.max_attempts" in site
    show = [key for key, _ in s.walk(Show)]
    assert "owner.email" in show and "people.role" in show and "location.geo" in show and "funding.url" in show
    episode = [key for key, _ in s.walk(Episode)]
    assert "chapters.start" in episode and "soundbites.duration" in episode and "processing.intro" in episode
    assert len(set(show)) == len(show) and len(set(episode)) == len(episode)


def test_nested_mappings_build_their_models(project: Path) -> None:
    (project / "episodes/test-show/2026-10-01-test.md").write_text(
        episode_text(
            people="\n  - name: Ada\n    role: host\n  - name: Bob",
            location="\n  name: Leeds\n  country: GB",
            chapters='\n  - start: "0:00:00"\n    title: Welcome',
        )
    )
    (episode,) = content.load(project).programmes[0].episodes
    assert episode.people == (Person(name="Ada", role="host"), Person(name="Bob"))
    assert episode.location == Location(name="Leeds", country="gb")
    assert episode.chapters == (Chapter(start=0.0, title="Welcome"),)
    assert content.load(project).site.s3 == S3Settings()


def test_models_carry_the_line_of_each_field(project: Path) -> None:
    loaded = content.load(project)
    site, show, episode = loaded.site, loaded.programmes[0].show, loaded.programmes[0].episodes[0]
    assert (site.path, site.line("base_url")) == (project / "clgtv.yaml", 2)
    assert (show.path, show.line("categories"), show.line("owner.email")) == (show.directory / "show.yaml", 8, 6)
    assert (episode.line("title"), episode.line("episode"), episode.line("guid")) == (2, 6, 7)
    assert episode.line("transcript") == 1  # not written
    copy = pickle.loads(pickle.dumps(episode))
    assert copy == episode and copy.line("guid") == 7  # page workers get the lines too


def test_a_mapping_that_fails_leaves_the_declared_default(project: Path) -> None:
    """A broken clgtv.yaml still gives a whole Site to check the rest against; the problem is reported."""
    site_file = project / "clgtv.yaml"
    site_file.write_text(site_file.read_text() + "s3:\n  max_attempts: 99\n")
    problems: list = []
    site = load_site(project, problems)
    assert site.s3 == S3Settings()
    assert [(p.line, p.field) for p in problems] == [(site.line("s3.max_attempts"), "s3.max_attempts")]
    assert site.line("s3.max_attempts") > 1


@given(st.floats(0, 1e6, allow_nan=False))
def test_a_time_written_as_a_host_writes_it_reads_back(seconds: float) -> None:
    written = s.clock_text(seconds)
    assert abs(s.clock_time(written) - round(seconds, 3)) < 1e-6, written


def test_times_are_written_as_hosts_write_them() -> None:
    cases = {334: "0:05:34", 59.9996: "0:01:00", 3600.25: "1:00:00.25", 0.001: "0:00:00.001", 36000: "10:00:00"}
    assert {value: s.clock_text(value) for value in cases} == cases
