"""One assembler: `clgtv check` lints the editions `clgtv build` publishes, media facts apart."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path, PurePosixPath

import pytest
from conftest import episode_text, make_artwork, make_tone
from lxml import etree
from test_feed import preview

from clgtv import content
from clgtv.build import build
from clgtv.feed import render_feed
from clgtv.release import Edition

SHOW = "episodes/test-show"
M4A_GUID = "5b3f2a4e-9a1c-4d53-8b57-1d0f5cfb8a02"


@pytest.fixture
def mixed(project: Path) -> Path:
    """The `project` fixture with a second episode made as M4A, with artwork of its own."""
    show = project / SHOW
    make_tone(show / "2026-10-08-aac.wav")
    make_artwork(show / "aac-art.png")
    fields = {"date": "2026-10-08T10:00:00+01:00", "audio": "2026-10-08-aac.wav", "episode": 2, "guid": M4A_GUID}
    extra = {"processing": "{format: m4a}", "image": "aac-art.png"}
    (show / "2026-10-08-aac.md").write_text(episode_text(**fields, **extra))
    return project


def enclosures(edition: Edition) -> dict[str, tuple[str, str]]:
    items = etree.fromstring(render_feed(edition)).findall("channel/item")
    return {i.findtext("guid"): (i.find("enclosure").get("url"), i.find("enclosure").get("type")) for i in items}


def test_check_lints_an_m4a_episode_as_m4a(mixed: Path, run) -> None:
    result = run(mixed, "check")
    assert result.exit_code == 0, result.output  # the enclosure rule: an .m4a name goes with audio/x-m4a
    (edition,) = preview(mixed)
    url, kind = enclosures(edition)[M4A_GUID]
    assert (PurePosixPath(url).name, kind) == ("aac.m4a", "audio/x-m4a")
    assert enclosures(edition)["5b3f2a4e-9a1c-4d53-8b57-1d0f5cfb8a01"][1] == "audio/mpeg"


def test_check_assembles_what_build_publishes(mixed: Path) -> None:
    built = build(content.load(mixed)).editions
    checked = preview(mixed)
    assert [len(e.releases) for e in built] == [len(e.releases) for e in checked] == [2]
    for was, release in zip(checked[0].releases, built[0].releases, strict=True):
        placeholder, media = was.media, release.media
        assert (placeholder.length, placeholder.duration) == (0, 0.0)
        assert media.mime_type == placeholder.mime_type
        stem, suffix = placeholder.path.rsplit(".", 1)
        assert media.path.startswith(f"{stem}-") and media.path.endswith(f".{suffix}")
        assert media.length == (mixed / "build/site" / media.path).stat().st_size
        assert media.duration == pytest.approx(4.0, abs=0.1)
    # build draws each episode's social image (clgtv.social), one more podcast:image, which check does not
    assert all(r.social_image and r.social_image.path.startswith(r.page_path) for r in built[0].releases)
    assert not any(r.social_image for r in checked[0].releases)
    # everything else is equal: names of images, show notes, descriptions, paths
    placeholders = [c.media for c in checked[0].releases]
    same_media = tuple(
        replace(r, media=m, feed_images=tuple(i for i in r.feed_images if i != r.social_image))
        for r, m in zip(built[0].releases, placeholders, strict=True)
    )
    assert (replace(built[0], releases=same_media),) == checked
    assert {e.programme.show.slug: sorted(e.images()) for e in built} == {
        "test-show": sorted([checked[0].artwork_path, checked[0].releases[0].image_path])
    }
    assert all((mixed / "build/site" / path).is_file() for path in built[0].images())
