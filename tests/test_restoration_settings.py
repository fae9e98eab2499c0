"""Each restoration stage is set per site, show and episode, and a wrong value is refused where it is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from clgtv.content import load
from clgtv.release import audio_settings

# stage: the site's, show's and episode's values (each overriding the one before), a value the show may
# not have, and what check says of it
STAGES = {
    "hum": ("60", "off", "50", "55", "expected auto, off, 50 or 60"),
    "noise": ("12", "off", "7.5", "30", "expected auto, off, or a strength in dB from 0 to 24"),
    "speech_detection": ("off", "auto", "off", "yes", "expected auto or off"),
}


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_is_set_per_site_show_and_episode(project: Path, run, stage: str) -> None:
    site_value, show_value, episode_value, wrong, expected = STAGES[stage]
    site, show = project / "clgtv.yaml", project / "episodes/test-show/show.yaml"
    site.write_text(site.read_text() + f"defaults:\n  audio: {{{stage}: {site_value}}}\n")
    show.write_text(show.read_text().replace("  true_peak: -1\n", f"  true_peak: -1\n  {stage}: {show_value}\n"))
    episode = project / "episodes/test-show/2026-10-01-test.md"
    episode.write_text(episode.read_text().replace("guid:", f"processing:\n  {stage}: {episode_value}\nguid:"))
    content = load(project)
    programme = content.programmes[0]
    written = (getattr(content.site.audio, stage), getattr(programme.show.audio, stage))
    assert written == (site_value, show_value)  # YAML's bare off is not false
    assert getattr(audio_settings(programme.show, programme.episodes[0]), stage) == episode_value
    show.write_text(show.read_text().replace(f"  {stage}: {show_value}\n", f"  {stage}: {wrong}\n"))
    episode.write_text(episode.read_text().replace(f"  {stage}: {episode_value}\n", f"  {stage}: loud\n"))
    line = show.read_text().splitlines().index(f"  {stage}: {wrong}") + 1
    at = episode.read_text().splitlines().index(f"  {stage}: loud") + 1
    result = run(project, "check")
    assert result.exit_code == 1
    assert f"{show}:{line}: audio.{stage}: {expected}; got '{wrong}'" in result.output
    assert f"{episode}:{at}: processing.{stage}: {expected}; got 'loud'" in result.output
