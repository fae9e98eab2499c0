"""The enclosures' analytics prefix (OP3 or any prefix service): in the feed's enclosures and trailers, by
XPath and read back by feedparser and podcastparser; never in the pages; refused at its line when malformed;
and a publish that turns it on, off or to another service warns that apps may download everything again."""

from __future__ import annotations

import io
import re
from pathlib import Path

import feedparser
import podcastparser
import pytest
from conftest import episode_text
from lxml import etree

from clgtv import content, lint
from clgtv.analytics import DIRECT, enclosure_url, prefix_of
from clgtv.build import build
from clgtv.errors import ContentError
from clgtv.settings import OP3

GUID = "5b14f763-7719-5b9d-b37a-35231f9d2e1d"  # the test programme's
BASE = "https://podcasts.test/"
PODTRAC = "https://dts.podtrac.com/redirect.mp3/"
SHOW = "episodes/test-show/show.yaml"
NS = {"podcast": "https://podcastindex.org/namespace/1.0"}


@pytest.fixture(autouse=True)
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    site = project / "clgtv.yaml"
    site.write_text(site.read_text().replace("http://podcasts.test/", BASE))


def set_site(project: Path, analytics: str | None) -> None:
    site = project / "clgtv.yaml"
    text = re.sub(r"(?m)^defaults:\n  analytics: .*\n", "", site.read_text())
    site.write_text(text + (f"defaults:\n  analytics: {analytics}\n" if analytics else ""))


def set_show(project: Path, analytics: str) -> None:
    show = project / SHOW
    show.write_text(
        show.read_text().replace("title: Test Programme\n", f"title: Test Programme\nanalytics: {analytics}\n")
    )


def add_trailer(project: Path) -> None:
    (project / "episodes/test-show/2026-09-24-trailer.md").write_text(
        episode_text(title='"Coming soon"', date="2026-09-24T09:30:00+01:00", type="trailer", episode=None,
                     guid="7f1e0c52-3b8d-4a8e-9d61-2c4b9e0a7d15")
    )  # fmt: skip


def recordings(project: Path) -> list[str]:
    """The direct addresses of the published recordings."""
    return sorted(
        BASE + p.relative_to(project / "public").as_posix() for p in (project / "public/test-show/media").iterdir()
    )


def feed(project: Path) -> bytes:
    return (project / "public/test-show/feed.xml").read_bytes()


def test_op3_prefixes_every_enclosure_and_trailer_with_the_programmes_guid(run, project: Path) -> None:
    set_site(project, "op3")
    add_trailer(project)
    result = run(project, "publish")
    assert result.exit_code == 0, result.output
    direct = recordings(project)
    assert len(direct) == 2
    wanted = sorted(f"https://op3.dev/e,pg={GUID}/{url.removeprefix('https://')}" for url in direct)
    root = etree.fromstring(feed(project))
    assert sorted(root.xpath("channel/item/enclosure/@url")) == wanted
    (trailer,) = root.xpath("channel/podcast:trailer/@url", namespaces=NS)
    assert trailer == root.xpath("channel/item[itunes:episodeType='trailer']/enclosure/@url", namespaces={
        "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"})[0]  # fmt: skip
    assert trailer in wanted
    parsed = feedparser.parse(feed(project))
    assert sorted(e.enclosures[0].href for e in parsed.entries) == wanted
    assert parsed.feed.podcast_trailer["url"] == trailer
    gpodder = podcastparser.parse(BASE + "test-show/feed.xml", io.BytesIO(feed(project)))
    assert sorted(e["enclosures"][0]["url"] for e in gpodder["episodes"]) == wanted
    for page in (project / "public").rglob("*.html"):  # the pages' players stay direct
        assert "op3.dev" not in page.read_text(), page
    page = (project / "public/test-show/test/index.html").read_text()
    assert any(f'src="../../{url.removeprefix(BASE)}"' in page for url in direct)  # its own recording, direct


def test_a_prefix_service_and_a_programme_that_turns_the_default_off(run, project: Path) -> None:
    set_site(project, PODTRAC)
    assert run(project, "publish").exit_code == 0
    (url,) = etree.fromstring(feed(project)).xpath("channel/item/enclosure/@url")
    assert url == PODTRAC + recordings(project)[0].removeprefix("https://")
    set_show(project, "none")
    assert run(project, "publish").exit_code == 0
    assert etree.fromstring(feed(project)).xpath("channel/item/enclosure/@url") == recordings(project)


def test_the_build_lints_the_recordings_behind_the_prefix(project: Path) -> None:
    set_site(project, "op3")
    loaded = content.load(project)
    result = build(loaded)
    (recording,) = (result.site_dir / "test-show/media").iterdir()
    recording.write_bytes(recording.read_bytes()[:-100])  # the enclosure's length no longer holds
    with pytest.raises(ContentError) as failed:
        lint.check_built(result.editions, result.site_dir, print)
    (problem,) = failed.value.problems
    assert problem.field == "audio" and f"but {recording.name} has" in problem.message


@pytest.mark.parametrize(
    ("where", "value", "line"),
    [
        ("site", "http://dts.podtrac.com/redirect.mp3/", "clgtv.yaml:5: defaults.analytics"),
        ("site", "https://dts.podtrac.com/redirect.mp3", "clgtv.yaml:5: defaults.analytics"),
        ("show", "op4", f"{SHOW}:2: analytics"),
        ("show", "https://chtbl.com/track/?id=1/", f"{SHOW}:2: analytics"),
    ],
)
def test_a_malformed_prefix_is_refused_at_its_line(run, project: Path, where: str, value: str, line: str) -> None:
    set_site(project, value) if where == "site" else set_show(project, value)
    result = run(project, "check")
    assert result.exit_code == 1
    assert (
        f'{line}: expected op3, none or an https:// prefix ending in "/", like https://dts.podtrac.com/redirect.mp3/, '
        f"got '{value}'"
    ) in result.output


@pytest.mark.parametrize(
    ("where", "line"), [("site", "clgtv.yaml:5: defaults.analytics"), ("show", f"{SHOW}:2: analytics")]
)
def test_a_prefix_service_in_front_of_an_http_site_is_refused_at_its_line(
    run, project: Path, where: str, line: str
) -> None:
    site = project / "clgtv.yaml"
    site.write_text(site.read_text().replace(BASE, "http://podcasts.test/"))
    set_site(project, PODTRAC) if where == "site" else set_show(project, PODTRAC)
    result = run(project, "publish")
    assert result.exit_code == 1
    assert (
        f"{line}: a prefix service sends apps to the recordings over https, and base_url is "
        "http://podcasts.test/: give an https:// base_url, or use op3"
    ) in result.output
    assert not (project / "public").exists()
    given = site if where == "site" else project / SHOW
    given.write_text(given.read_text().replace(PODTRAC, "op3"))  # OP3 keeps the scheme
    assert run(project, "check").exit_code == 0


def test_turning_the_prefix_on_off_or_to_another_service_is_warned(run, project: Path) -> None:
    def warnings(*args: str) -> list[str]:
        result = run(project, "publish", *args)
        assert result.exit_code == 0, result.output
        return [line for line in result.output.splitlines() if "analytics" in line]

    def change(was: str, now: str) -> str:
        return (
            f"warning: {SHOW}: analytics: the feed's enclosure URLs change from {was} to {now}; some podcast apps "
            "will download every episode again"
        )

    assert warnings() == []  # the first publish: nothing was published before
    set_site(project, "op3")
    assert warnings("--dry-run") == [change("direct addresses", "OP3")]
    assert warnings() == [change("direct addresses", "OP3")]
    assert warnings() == []
    set_site(project, "https://op3.dev/e/")  # OP3's address as its site gives it is OP3, its guid added
    assert warnings() == []
    set_site(project, PODTRAC)
    assert warnings() == [change("OP3", PODTRAC)]
    set_show(project, "none")
    assert warnings() == [change(PODTRAC, "direct addresses")]
    assert warnings() == []


def test_the_prefix_of_a_published_address() -> None:
    direct = "https://podcasts.test/site/"
    assert prefix_of(enclosure_url(direct, OP3, GUID), direct, None) == OP3
    assert prefix_of(enclosure_url(direct, PODTRAC, GUID), direct, None) == PODTRAC
    assert prefix_of(enclosure_url(direct, PODTRAC, GUID), "https://elsewhere.test/", PODTRAC) == PODTRAC
    assert prefix_of(direct, direct, OP3) == DIRECT
    assert prefix_of("http://podcasts.test/site/", direct, None) == DIRECT
    assert prefix_of(direct, "https://elsewhere.test/", None) is None  # moved: not to be told
    assert prefix_of("https://www.podcasts.test/site/", direct, None) is None  # a new host name, not a prefix
    assert (
        enclosure_url("http://podcasts.test/a.mp3", OP3, GUID)
        == f"https://op3.dev/e,pg={GUID}/http://podcasts.test/a.mp3"
    )
    assert enclosure_url("https://podcasts.test/a.mp3", OP3, None) == "https://op3.dev/e/podcasts.test/a.mp3"
