"""The feed lint: Apple's and the Podcasting 2.0 namespace's rules, in `check` (no audio) and in `build`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import episode_text, make_artwork
from lxml import etree
from test_feed import preview

from clgtv import lint
from clgtv.errors import ContentError
from clgtv.feed import render_feed

NS = lint.NS
SHOW = "episodes/test-show/show.yaml"
EPISODE = "episodes/test-show/2026-10-01-test.md"


@pytest.fixture(autouse=True)
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)  # paths in messages are relative to where the host runs clgtv


def feed(project: Path) -> etree._Element:
    (edition,) = preview(project)
    return etree.fromstring(render_feed(edition))


def set_text(path: str, value: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        root.xpath(path, namespaces=NS)[0].text = value

    return change


def set_attr(path: str, name: str, value: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        root.xpath(path, namespaces=NS)[0].set(name, value)

    return change


def remove(path: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        for node in root.xpath(path, namespaces=NS):
            node.getparent().remove(node)

    return change


def add(path: str, tag: str, value: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        prefix, name = tag.split(":")
        etree.SubElement(root.xpath(path, namespaces=NS)[0], f"{{{NS[prefix]}}}{name}").text = value

    return change


def test_a_valid_feed_has_no_errors(project: Path) -> None:
    findings = lint.lint_feed(etree.tostring(feed(project)))
    assert [f for f in findings if f.level == "error"] == []
    # http://podcasts.test/, and no transcript (the test programme turns transcription off)
    assert [(f.level, f.field) for f in findings] == [("warning", "base_url"), ("warning", "transcript")]


@pytest.mark.parametrize(
    ("change", "level", "field", "message"),
    [
        (remove("channel/itunes:image"), "error", "artwork", "the feed has no <itunes:image href>"),
        (remove("channel/itunes:owner"), "error", "owner", "the feed has no <itunes:owner> with an <itunes:email>"),
        (remove("channel/language"), "error", "language", "the feed has no <language>"),
        (set_text("channel/description", "é" * 2001), "error", "description", "is 4002 bytes; Apple allows 4000"),
        (set_text("channel/podcast:guid", "not-a-uuid"), "error", "feed", "<podcast:guid> 'not-a-uuid' is not a UUID"),
        (remove("channel/atom:link"), "error", "base_url", 'the feed has no <atom:link rel="self">'),
        (remove("channel/item/guid"), "error", "guid", "the episode has no <guid>"),
        (remove("channel/item/enclosure"), "error", "audio", "the episode has no <enclosure url>"),
        (set_attr("channel/item/enclosure", "type", "audio/x-m4a"), "error", "audio", "expected audio/mpeg"),
        (set_attr("channel/item/enclosure", "length", "big"), "error", "audio", "expected the size in bytes"),
        (set_text("channel/item/title", " "), "error", "title", "the episode has no <title>"),
        (set_text("channel/item/description", " "), "warning", "summary", "the episode has no <description>"),
        (remove("channel/item"), "warning", "feed", "no episodes yet"),
        (add("channel/item", "podcast:soundbite", "x"), "error", "soundbites", "needs startTime and duration"),
        (add("channel/item", "podcast:license", ""), "error", "license", "<podcast:license> is empty"),
    ],
)
def test_rules(project: Path, change, level: str, field: str, message: str) -> None:
    root = feed(project)
    change(root)
    findings = lint.lint_feed(etree.tostring(root))
    assert any(f.level == level and f.field == field and message in f.message for f in findings), findings


def test_artwork_is_checked_through_the_url(project: Path, tmp_path: Path) -> None:
    root = feed(project)
    url = root.xpath("channel/itunes:image/@href", namespaces=NS)[0]
    wide = make_artwork(tmp_path / "wide.jpg", 1600, 1400)
    findings = lint.lint_feed(etree.tostring(root), {url: wide}.get)
    assert [f.message for f in findings if f.level == "error"] == [
        "artwork wide.jpg is 1600x1400 pixels; it must be square",
        "<podcast:image> says 1400x1400 pixels; wide.jpg is 1600x1400",  # its podcast:image, checked too
    ]
    fake = tmp_path / "fake.png"
    fake.write_bytes(make_artwork(tmp_path / "real.jpg").read_bytes())
    findings = lint.lint_feed(etree.tostring(root), {url: fake}.get)
    assert "artwork fake.png is a JPEG image; its name must end in .jpg" in [f.message for f in findings]


def test_two_items_with_one_guid(project: Path) -> None:
    root = feed(project)
    channel = root.find("channel")
    channel.append(etree.fromstring(etree.tostring(channel.find("item"))))
    messages = [f.message for f in lint.lint_feed(etree.tostring(root)) if f.level == "error"]
    assert "guid 5b3f2a4e-9a1c-4d53-8b57-1d0f5cfb8a01 is used by two episodes" in messages


def test_check_prints_warnings_and_passes(run, project: Path) -> None:
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    url = "http://podcasts.test/test-show/feed.xml"
    assert f"warning: clgtv.yaml:2: base_url: the feed's URL {url} is not https://" in result.output


@pytest.mark.parametrize("command", ["check", "build"])  # build lints the built feed: still the host's file name
def test_transparent_artwork_is_warned_at_its_line_and_opaque_is_not(run, project: Path, command: str) -> None:
    from PIL import Image

    show = project / SHOW
    show.write_text(show.read_text() + "artwork: artwork.png\n")
    line = len(show.read_text().splitlines())
    art = project / "episodes/test-show/artwork.png"
    for mode, colour, transparent in (("RGBA", (0, 128, 128, 0), True), ("RGB", "teal", False)):
        Image.new(mode, (1400, 1400), colour).save(art)
        result = run(project, command)
        assert result.exit_code == 0, result.output
        warned = [entry for entry in result.output.splitlines() if "alpha channel" in entry]
        assert warned == (
            [f"warning: {SHOW}:{line}: artwork: artwork artwork.png has an alpha channel (transparency); Apple asks "
             "for artwork without one: export it as a JPEG, or as a PNG without transparency"]
            if transparent else []
        )  # fmt: skip


def test_a_jpeg_named_jpeg_is_published_as_jpg(run, project: Path) -> None:
    show = project / SHOW
    show.write_text(show.read_text() + "artwork: artwork.jpeg\n")
    make_artwork(project / "episodes/test-show/artwork.jpeg")
    result = run(project, "publish")
    assert result.exit_code == 0, result.output
    root = etree.parse(project / "public/test-show/feed.xml").getroot()
    (href,) = root.xpath("channel/itunes:image/@href", namespaces=NS)
    assert href.endswith(".jpg") and root.findtext("channel/image/url") == href
    assert (project / "public" / href.removeprefix("http://podcasts.test/")).read_bytes() == (
        project / "episodes/test-show/artwork.jpeg"
    ).read_bytes()


def test_a_role_outside_the_cast_carries_its_group_and_one_outside_the_taxonomy_is_warned(run, project: Path) -> None:
    people = [("Vicky Sargent", "host"), ("Sam Reed", "Producer"), ("Jo Lee", "editor"), ("Pat Kaur", "panellist")]
    listed = "".join(f"\n  - name: {name}\n    role: {role}" for name, role in people)
    (project / EPISODE).write_text(episode_text(people=listed))
    persons = feed(project).xpath("channel/item/podcast:person", namespaces=NS)
    assert [(p.text, p.get("role"), p.get("group")) for p in persons] == [
        ("Vicky Sargent", "host", None),  # the cast, which the namespace assumes
        ("Sam Reed", "Producer", "creative direction"),
        ("Jo Lee", "editor", "writing"),  # in two groups: the taxonomy's first
        ("Pat Kaur", "panellist", None),
    ]
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    assert [line for line in result.output.splitlines() if "Taxonomy" in line] == [
        f"warning: {EPISODE}:8: people: 'panellist' is not a role in the Podcast Taxonomy, so podcast apps may not "
        "show it; on a panel, use host, co-host, guest host or guest (the README lists the rest)"
    ]


def test_a_title_in_curly_quotes_is_warned(run, project: Path) -> None:
    (project / EPISODE).write_text(episode_text(title="“Data in social care”"))
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    assert (
        f"warning: {EPISODE}:2: title: the title is in curly quotes, which the feed keeps as part of it; if they were "
        'to quote it for YAML, type straight ones (")' in result.output
    )
    (project / EPISODE).write_text(episode_text(title='"“Data” in social care"'))  # a quotation inside it: fine
    assert "curly quotes" not in run(project, "check").output


def test_check_reads_transcripts(run, project: Path) -> None:
    (project / "episodes/test-show/empty.vtt").write_text("WEBVTT\n\nno cues here\n")
    (project / EPISODE).write_text(episode_text(transcript="empty.vtt"))
    result = run(project, "check")
    assert result.exit_code == 1, result.output
    assert f"{EPISODE}:8: transcript: no cues found" in result.output


def test_build_lints_media_facts_and_blocks_publish(run, project: Path) -> None:
    """A soundbite past the end passes `check` (no audio there) but stops `publish` before anything goes out."""
    text = episode_text().replace("---\n\n", 'soundbites:\n  - start: "0:00:10"\n    duration: 20\n---\n\n', 1)
    (project / EPISODE).write_text(text)
    assert run(project, "check").exit_code == 0
    result = run(project, "publish")
    assert result.exit_code == 1, result.output
    assert f"{EPISODE}:8: soundbites: a soundbite at 0:00:10 for 20 s runs past the end of the episode (0:00:04)" in (
        result.output
    )
    assert not (project / "public").exists()


def test_a_chapter_after_the_end_stops_publish_at_its_line(run, project: Path) -> None:
    chapters = '[{start: "0:00:00", title: Welcome}, {start: "0:05:34", title: Questions}]'
    (project / EPISODE).write_text(episode_text(chapters=chapters))
    assert run(project, "check").exit_code == 0  # the audio's length is known once it is processed
    result = run(project, "publish")
    assert result.exit_code == 1, result.output
    assert (
        f"{EPISODE}:8: chapters: the chapter 'Questions' starts at 0:05:34, after the end of the episode (0:00:04)"
        in result.output
    )
    assert not (project / "public").exists()
    (project / EPISODE).write_text(episode_text(chapters=chapters.replace("0:05:34", "0:00:03")))
    assert run(project, "publish").exit_code == 0


def test_a_transcript_that_runs_on_after_the_episode_is_warned(run, project: Path) -> None:
    vtt = "WEBVTT\n\n00:00:00.500 --> 00:00:03.000\nWelcome.\n\n00:01:00.000 --> 00:01:04.000\nAnd later.\n"
    (project / "episodes/test-show/other.vtt").write_text(vtt)
    (project / EPISODE).write_text(episode_text(transcript="other.vtt"))
    result = run(project, "publish")
    assert result.exit_code == 0, result.output
    assert (
        f"warning: {EPISODE}:8: transcript: the transcript's last cue starts at 0:01:00, after the end of the episode "
        "(0:00:04); is it this episode's?" in result.output
    )
    (project / "episodes/test-show/other.vtt").write_text(vtt.replace("00:01:0", "00:00:0"))
    assert "is it this episode's?" not in run(project, "publish").output


def test_build_catches_a_wrong_enclosure_length(run, project: Path) -> None:
    assert run(project, "build").exit_code == 0
    site = project / "build/site"
    (edition,) = preview(project)  # the guids map problems to files
    (media,) = (site / "test-show/media").glob("*.mp3")
    size = media.stat().st_size
    media.write_bytes(media.read_bytes() + b"\0" * 10)
    with pytest.raises(ContentError) as caught:
        lint.check_built((edition,), site, print)
    (problem,) = caught.value.problems
    assert (str(problem.path), problem.field) == (str(project / EPISODE), "audio")
    assert problem.message == f"<enclosure length> is {size} bytes but {media.name} has {size + 10}"


def test_a_transcript_two_episodes_name_is_warned_at_the_second(run, project: Path) -> None:
    show = project / "episodes/test-show"
    (show / "t.vtt").write_text("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello.\n")
    (project / EPISODE).write_text(episode_text(transcript="t.vtt"))
    other = show / "2026-10-08-again.md"  # copied from the first, its transcript line kept
    guid = "6c0e0c5e-7f38-4a8e-9d1b-2f6d0c3b9a11"
    other.write_text(episode_text(date="2026-10-08T10:00:00+01:00", episode=2, guid=guid, transcript="t.vtt"))
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    warned = [line for line in result.output.splitlines() if "is also the transcript" in line]
    assert warned == [
        f"warning: episodes/test-show/2026-10-08-again.md:8: transcript: t.vtt is also the transcript of {EPISODE}; "
        "is it this episode's?"
    ]
