"""Podcasting 2.0 tags from show.yaml and episode files: trailer, txt, podroll, updateFrequency, image, season
name, episode display, chapter img and licence slugs. Each is checked by XPath, read back by feedparser (and by
podcastparser where it reads it), refused by `check` at its line when wrong, and linted in the rendered feed."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import feedparser
import podcastparser
import pytest
from conftest import SHOW_YAML, episode_text, make_artwork
from lxml import etree
from test_feed import BASE, OLD_PODCAST_NS, make_rich, one, preview

from clgtv import lint
from clgtv.feed import PODCAST_NS, render_feed
from clgtv.licenses import LICENSES, license_message, suggestion
from clgtv.release import FeedImage
from clgtv.site import chapters_json

NS = lint.NS
SHOW = "episodes/test-show/show.yaml"
EPISODE = "episodes/test-show/2026-10-01-test.md"
TRAILER = "episodes/test-show/2026-09-24-trailer.md"
TRAILER_GUID = "7f1e0c52-3b8d-4a8e-9d61-2c4b9e0a7d15"
PODCASTING_20_GUID = "917393e3-1b1e-5cef-ace4-edaa54e1f810"  # the namespace's own example feed
TAGS_SHOW = """\
artwork_alt: The words CLGdotTV Podcast in white on teal
seasons:
  - number: 1
    name: "Social care & health"
  - number: 2
    name: Councils and the co-operative economy
update_frequency:
  text: Four times a year
  rrule: FREQ=MONTHLY;INTERVAL=3
  dtstart: 2026-01-22T10:00:00+00:00
podroll:
  - feed_guid: 917393e3-1b1e-5cef-ace4-edaa54e1f810
    feed_url: https://feeds.podcastindex.org/pc20.xml
    title: Podcasting 2.0
apple_podcasts_verify: "05124"
txt:
  - text: S6lpp-7ZCn8-dZfGc-OoyaG
    purpose: verify
"""
TRAILER_EXTRA = """\
image_alt: A microphone in front of a studio audience
episode_display: Coming soon
chapters:
  - start: "0:00:00"
    title: What is coming
    img: https://www.clgdottv.example/chapters/coming.jpg
    url: https://www.clgdottv.example/
  - start: "0:00:02"
    title: How to join in
"""


def make_tagged(root: Path) -> Path:
    """The rich project, with every field of these tags set and a trailer for season 2."""
    make_rich(root)
    show = root / "episodes/test-show"
    (show / "show.yaml").write_text((show / "show.yaml").read_text() + TAGS_SHOW)
    make_artwork(show / "trailer-art.jpg", 1600, 1600)
    front = episode_text(
        title='"Season 2: councils and the co-operative economy"',
        date="2026-09-24T09:30:00+01:00",
        season=2,
        episode=1,
        type="trailer",
        image="trailer-art.jpg",
        guid=TRAILER_GUID,
    )
    head, body = front.split("\n---\n", 1)
    (show / "2026-09-24-trailer.md").write_text(f"{head}\n{TRAILER_EXTRA}---\n{body}")
    return root


@pytest.fixture
def tagged(project: Path) -> Path:
    return make_tagged(project)


@pytest.fixture(autouse=True)
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)  # paths in messages are relative to where the host runs clgtv


def feed_xml(root: Path) -> bytes:
    (edition,) = preview(root)
    return render_feed(edition)


def channel_of(root: Path) -> etree._Element:
    return etree.fromstring(feed_xml(root)).find("channel")


def trailer_item(channel: etree._Element) -> etree._Element:
    (found,) = channel.xpath(f"item[guid='{TRAILER_GUID}']")
    return found


# --- the tags, by XPath -------------------------------------------------------------------


def test_channel_tags_by_xpath(tagged: Path) -> None:
    channel = channel_of(tagged)
    (trailer,) = channel.findall("podcast:trailer", NS)
    media = one(trailer_item(channel), "enclosure/@url")
    assert trailer.text == "Season 2: councils and the co-operative economy"
    assert dict(trailer.attrib) == {
        "url": media,
        "pubdate": "Thu, 24 Sep 2026 09:30:00 +0100",
        "length": one(trailer_item(channel), "enclosure/@length"),
        "type": "audio/mpeg",
        "season": "2",
    }
    assert [(t.get("purpose"), t.text) for t in channel.findall("podcast:txt", NS)] == [
        ("applepodcastsverify", "05124"),
        ("verify", "S6lpp-7ZCn8-dZfGc-OoyaG"),
    ]
    (podroll,) = channel.findall("podcast:podroll", NS)
    assert [dict(r.attrib) for r in podroll] == [
        {
            "feedGuid": PODCASTING_20_GUID,
            "feedUrl": "https://feeds.podcastindex.org/pc20.xml",
            "title": "Podcasting 2.0",
        }
    ]
    assert podroll[0].tag == f"{{{PODCAST_NS}}}remoteItem"
    (frequency,) = channel.findall("podcast:updateFrequency", NS)
    assert (frequency.text, dict(frequency.attrib)) == (
        "Four times a year",
        {"complete": "true", "rrule": "FREQ=MONTHLY;INTERVAL=3", "dtstart": "2026-01-22T10:00:00.000Z"},
    )  # complete: the rich programme says `complete: true`
    (image,) = channel.findall("podcast:image", NS)
    assert dict(image.attrib) == {
        "href": one(channel, "itunes:image/@href"),
        "width": "1400",
        "height": "1400",
        "aspect-ratio": "1/1",
        "type": "image/jpeg",
        "purpose": "artwork",
        "alt": "The words CLGdotTV Podcast in white on teal",
    }


def test_item_tags_by_xpath(tagged: Path) -> None:
    channel = channel_of(tagged)
    trailer = trailer_item(channel)
    assert one(trailer, "podcast:season/text()") == "2"
    assert one(trailer, "podcast:season/@name") == "Councils and the co-operative economy"
    assert one(trailer, "podcast:episode/text()") == "1"
    assert one(trailer, "podcast:episode/@display") == "Coming soon"
    assert one(trailer, "itunes:episodeType/text()") == "trailer"
    (image,) = trailer.findall("podcast:image", NS)
    assert dict(image.attrib) == {
        "href": one(trailer, "itunes:image/@href"),
        "width": "1600",
        "height": "1600",
        "aspect-ratio": "1/1",
        "type": "image/jpeg",
        "purpose": "artwork",
        "alt": "A microphone in front of a studio audience",
    }
    # the season's name is declared once, in show.yaml, and every episode of the season carries it
    names = channel.xpath("item[podcast:season='1']/podcast:season/@name", namespaces=NS)
    assert names == ["Social care & health", "Social care & health"]
    plain = channel.xpath("item[guid='5b3f2a4e-9a1c-4d53-8b57-1d0f5cfb8a01']")[0]
    assert not plain.xpath("podcast:episode/@display | podcast:image", namespaces=NS)  # none of its own


def test_a_programme_without_these_fields_has_none_of_these_tags(project: Path) -> None:
    channel = channel_of(project)
    tags = "podcast:trailer | podcast:txt | podcast:podroll | podcast:updateFrequency | item/podcast:image"
    assert channel.xpath(tags, namespaces=NS) == []
    assert one(channel, "podcast:image/@purpose") == "artwork"  # the artwork always has one
    assert channel.xpath("podcast:image/@alt", namespaces=NS) == []
    assert channel.xpath("item/podcast:season/@name", namespaces=NS) == []


def test_the_newest_trailer_comes_first(tagged: Path) -> None:
    later = Path(tagged / TRAILER).read_text().replace("2026-09-24T09:30", "2026-09-25T09:30")
    later = later.replace(TRAILER_GUID, "0c3d9b1e-2f4a-4e5b-8c6d-7e8f9a0b1c2d").replace("image", "#image")
    (tagged / "episodes/test-show/2026-09-25-second-trailer.md").write_text(later.replace("episode: 1", "episode: 2"))
    pubdates = channel_of(tagged).xpath("podcast:trailer/@pubdate", namespaces=NS)
    assert pubdates == ["Fri, 25 Sep 2026 09:30:00 +0100", "Thu, 24 Sep 2026 09:30:00 +0100"]


def test_chapter_img_in_chapters_json(tagged: Path) -> None:
    (edition,) = preview(tagged)
    release = next(r for r in edition.releases if r.episode.guid == TRAILER_GUID)
    chapters = json.loads(chapters_json(release))["chapters"]
    assert chapters == [
        {
            "startTime": 0.0,
            "title": "What is coming",
            "img": "https://www.clgdottv.example/chapters/coming.jpg",
            "url": "https://www.clgdottv.example/",
        },
        {"startTime": 2.0, "title": "How to join in"},
    ]


def test_another_stage_adds_a_social_image(tagged: Path) -> None:
    """The pages' social image goes into the feed as one more FeedImage, with purpose social."""
    from dataclasses import replace

    (edition,) = preview(tagged)
    social = FeedImage("test-show/hostile/social.png", 1200, 630, "Hostile episode, on teal", "social")
    releases = tuple(replace(r, feed_images=(*r.feed_images, social)) for r in edition.releases[:1])
    root = etree.fromstring(render_feed(replace(edition, releases=releases)))
    image = root.xpath("channel/item/podcast:image[@purpose='social']", namespaces=NS)[0]
    assert dict(image.attrib) == {
        "href": BASE + "test-show/hostile/social.png",
        "width": "1200",
        "height": "630",
        "aspect-ratio": "40/21",
        "type": "image/png",
        "purpose": "social",
        "alt": "Hostile episode, on teal",
    }


# --- read back by the parsers -------------------------------------------------------------


def test_feedparser_reads_them_back(tagged: Path) -> None:
    parsed = feedparser.parse(feed_xml(tagged))
    assert not parsed.bozo, parsed.bozo_exception
    feed = parsed.feed
    assert feed.podcast_trailer["season"] == "2" and feed.podcast_trailer["type"] == "audio/mpeg"
    assert feed.podcast_trailer["pubdate"] == "Thu, 24 Sep 2026 09:30:00 +0100"
    assert feed.podcast_updatefrequency == {
        "complete": "true",
        "rrule": "FREQ=MONTHLY;INTERVAL=3",
        "dtstart": "2026-01-22T10:00:00.000Z",
    }
    assert feed.podcast_remoteitem["feedguid"] == PODCASTING_20_GUID
    assert feed.podcast_txt == {"purpose": "verify"}  # feedparser keeps the last of repeated tags, and no text
    assert feed.podcast_image["purpose"] == "artwork" and feed.podcast_image["width"] == "1400"
    assert feed.podcast_image["alt"] == "The words CLGdotTV Podcast in white on teal"
    trailer = next(e for e in parsed.entries if e.id == TRAILER_GUID)
    assert trailer.podcast_season == {"name": "Councils and the co-operative economy"}
    assert trailer.podcast_episode == {"display": "Coming soon"}
    assert trailer.podcast_image["width"] == "1600"
    assert trailer.itunes_episodetype == "trailer"


def test_podcastparser_reads_them_back_where_it_reads_them(tagged: Path) -> None:
    """podcastparser reads none of these podcast:* tags; it reads their iTunes counterparts, and the
    podcast:* tags it knows (under the namespace's old URI) still come through beside them."""
    renamed = feed_xml(tagged).replace(PODCAST_NS.encode(), OLD_PODCAST_NS.encode())
    parsed = podcastparser.parse(BASE + "test-show/feed.xml", io.BytesIO(renamed))
    trailer = next(e for e in parsed["episodes"] if e["guid"] == TRAILER_GUID)
    assert (trailer["type"], trailer["season"], trailer["number"]) == ("trailer", 2, 1)
    assert trailer["episode_art_url"] == one(trailer_item(channel_of(tagged)), "podcast:image/@href")
    assert parsed["cover_url"] == one(channel_of(tagged), "podcast:image/@href")
    assert parsed["funding_url"] == "https://example.org/support"
    hostile = next(e for e in parsed["episodes"] if e["guid"] != TRAILER_GUID and e.get("transcript_url"))
    assert hostile["transcript_url"].endswith("transcript.vtt")  # WebVTT, the last of its transcripts


# --- check: each field refused at its line -------------------------------------------------------


def check_lines(run, project: Path) -> list[str]:
    result = run(project, "check")
    assert result.exit_code == 1, result.output
    return result.output.splitlines()


def show_with(project: Path, extra: str) -> None:
    (project / SHOW).write_text(SHOW_YAML + extra)


SHOW_LINE = SHOW_YAML.count("\n") + 1  # the first line after the test programme's own fields


@pytest.mark.parametrize(
    ("extra", "line", "expected"),
    [
        (
            "license: CC BY-NC 4.0\n",
            0,
            "license: 'CC BY-NC 4.0' is not a licence slug from the Podcasting 2.0 list (ARR, CC-BY-4.0, "
            "CC-BY-NC-4.0, CC-BY-NC-ND-4.0, POD-V4V-1.0); did you mean 'CC-BY-NC-4.0'? Otherwise give "
            "license_url, the address of the licence's full text, for any other licence",
        ),
        ("seasons:\n  - number: 1\n    name: A\n  - number: 1\n    name: B\n", 0, "seasons: season 1 is named twice"),
        ("seasons:\n  - number: 0\n    name: A\n", 1, "seasons[1].number: expected a whole number from 1 to 65535"),
        ("seasons:\n  - number: 1\n    name: " + "x" * 129 + "\n", 2, "seasons[1].name: is 129 characters"),
        (
            "update_frequency:\n  text: Weekly\n  rrule: FREQ=FORTNIGHTLY\n",
            2,
            "update_frequency.rrule: expected an iCalendar recurrence rule like FREQ=WEEKLY or "
            "FREQ=MONTHLY;INTERVAL=3; FREQ=FORTNIGHTLY is not a value FREQ takes",
        ),
        (
            "update_frequency:\n  text: Weekly\n  rrule: FREQ=WEEKLY;BYDAY=MON\n",
            2,
            "update_frequency.rrule: expected an iCalendar recurrence rule like FREQ=WEEKLY or "
            "FREQ=MONTHLY;INTERVAL=3; BYDAY=MON is not a value BYDAY takes",
        ),
        ("update_frequency:\n  text: Weekly\n  rrule: INTERVAL=2\n", 2, "FREQ is missing"),
        ("update_frequency:\n  text: Weekly\n  rrule: FREQ=WEEKLY;EVERY=2\n", 2, "'EVERY=2' is not a rule part"),
        (
            "update_frequency:\n  text: Ten weeks\n  rrule: FREQ=WEEKLY;COUNT=10\n",
            2,
            "update_frequency.dtstart: a rule with COUNT needs dtstart, the date it counts from",
        ),
        ("update_frequency:\n  rrule: FREQ=WEEKLY\n", 1, "update_frequency.text: required field is missing"),
        (
            "podroll:\n  - feed_guid: pc20\n",
            1,
            "podroll[1].feed_guid: expected a podcast:guid, a UUID like 917393e3-1b1e-5cef-ace4-edaa54e1f810, "
            "got 'pc20'",
        ),
        ("podroll:\n  - feed_url: https://example.org/feed.xml\n", 1, "podroll[1].feed_guid: required field"),
        ("txt:\n  - purpose: verify\n", 1, "txt[1].text: required field is missing"),
        ("txt:\n  - text: abc\n    purpose: " + "p" * 129 + "\n", 2, "txt[1].purpose: is 129 characters"),
        ("apple_podcasts_verify: [5124]\n", 0, "apple_podcasts_verify: expected text, got a list"),
        ("artwork_alt: [a]\n", 0, "artwork_alt: expected text, got a list"),
    ],
)
def test_show_fields_refused_at_their_line(run, project: Path, extra: str, line: int, expected: str) -> None:
    show_with(project, extra)
    lines = check_lines(run, project)
    assert any(m.startswith(f"{SHOW}:{SHOW_LINE + line}: ") and expected in m for m in lines), lines


@pytest.mark.parametrize(
    ("fields", "line", "expected"),
    [
        ({"license": "CC BY 4.0"}, 8, "license: 'CC BY 4.0' is not a licence slug"),
        ({"license": "CC BY 4.0", "status": "draft"}, 8, "license: 'CC BY 4.0' is not a licence slug"),  # unlinted
        ({"license": '"cc by nc nd 4.0"'}, 8, "did you mean 'CC-BY-NC-ND-4.0'?"),
        ({"episode_display": "Day 5", "episode": None}, 7, "episode_display: it is shown instead of the episode"),
        ({"episode_display": "x" * 33}, 8, "episode_display: is 33 characters; at most 32 allowed"),
        ({"image_alt": "A teal square"}, 8, "image_alt: it describes the episode's own artwork; give image too"),
        ({"chapters": '[{start: "0:00:00", title: A, img: pic.jpg}]'}, 8, "chapters[1].img: expected a web address"),
    ],
)
def test_episode_fields_refused_at_their_line(run, project: Path, fields: dict, line: int, expected: str) -> None:
    (project / EPISODE).write_text(episode_text(**fields))
    lines = check_lines(run, project)
    assert any(m.startswith(f"{EPISODE}:{line}: ") and expected in m for m in lines), lines


@pytest.mark.parametrize(
    "fields",
    [
        {"license": "CC-BY-NC-4.0"},
        {"license": "cc-by-4.0"},  # the namespace asks for lower case, and writes its slugs in capitals
        {"license": '"© Connected Local Government"', "license_url": "https://www.clgdottv.example/licence"},
        {"episode_display": '"No 3, morning"'},
    ],
)
def test_fields_that_pass(run, project: Path, fields: dict) -> None:
    (project / EPISODE).write_text(episode_text(**fields))
    result = run(project, "check")
    assert result.exit_code == 0, result.output


def test_the_tagged_project_passes_check(run, tagged: Path) -> None:
    result = run(tagged, "check")
    assert result.exit_code == 0, result.output


def test_a_token_with_a_leading_zero_stays_as_written(project: Path) -> None:
    show_with(project, "apple_podcasts_verify: 05124\n")  # YAML would read 05124 as the number 5124
    assert one(channel_of(project), "podcast:txt[@purpose='applepodcastsverify']/text()") == "05124"


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("CC BY-NC 4.0", "CC-BY-NC-4.0"),
        ("CC BY 4.0", "CC-BY-4.0"),
        ("(CC BY-NC-ND 4.0)", "CC-BY-NC-ND-4.0"),
        ("cc_by_nc_4.0", "CC-BY-NC-4.0"),
        ("CC-BY-NC-4", "CC-BY-NC-4.0"),
        ("All rights reserved", None),
        ("CC BY-SA 4.0", None),  # not on the list: a URL is needed, not a near miss
    ],
)
def test_licence_suggestions(name: str, meant: str | None) -> None:
    assert suggestion(name) == meant
    assert (f"did you mean '{meant}'?" in license_message(name)) == (meant is not None)


def test_the_licence_list_is_the_namespaces() -> None:
    assert list(LICENSES) == ["ARR", "CC-BY-4.0", "CC-BY-NC-4.0", "CC-BY-NC-ND-4.0", "POD-V4V-1.0"]
    assert all(link.startswith("https://") for link in LICENSES.values())


# --- the lint, on the rendered feed ------------------------------------------------------------


def mutate(xml: bytes, change: Callable[[etree._Element], None]) -> bytes:
    root = etree.fromstring(xml)
    change(root)
    return etree.tostring(root)


def at(path: str) -> Callable[[etree._Element], etree._Element]:
    return lambda root: root.xpath(path, namespaces=NS)[0]


def set_attr(path: str, name: str, value: str | None) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        node = at(path)(root)
        if value is None:
            del node.attrib[name]
        else:
            node.set(name, value)

    return change


def set_text(path: str, value: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        at(path)(root).text = value

    return change


def copy_last(path: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        node = at(path)(root)
        node.getparent().append(etree.fromstring(etree.tostring(node)))

    return change


def move_last(path: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        node = at(path)(root)
        node.getparent().append(node)

    return change


def clear(path: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        for child in list(at(path)(root)):
            at(path)(root).remove(child)

    return change


TRAILER_ITEM = f"channel/item[guid='{TRAILER_GUID}']"
HOSTILE_ITEM = "channel/item[guid='2a0b7c34-3e51-4f7a-9c0e-6a9d1f0e5b77']"


@pytest.mark.parametrize(
    ("change", "level", "guid", "field", "message"),
    [
        (
            set_attr("channel/podcast:trailer", "pubdate", None),
            "error",
            TRAILER_GUID,
            "type",
            "needs a url and a pubdate",
        ),
        (
            set_attr("channel/podcast:trailer", "pubdate", "2026-09-24"),
            "error",
            TRAILER_GUID,
            "date",
            "<podcast:trailer pubdate> '2026-09-24' is not an RFC 2822 date",
        ),
        (set_text("channel/podcast:trailer", "t" * 129), "warning", TRAILER_GUID, "title", "over 128 characters"),
        (set_text("channel/podcast:trailer", ""), "error", TRAILER_GUID, "title", "<podcast:trailer> has no title"),
        (
            copy_last("channel/podcast:txt[@purpose='applepodcastsverify']"),
            "error",
            None,
            "apple_podcasts_verify",
            'two <podcast:txt purpose="applepodcastsverify">',
        ),
        (set_text("channel/podcast:txt[@purpose='verify']", ""), "error", None, "txt", "<podcast:txt> is empty"),
        (set_text("channel/podcast:txt[@purpose='verify']", "t" * 4001), "warning", None, "txt", "over 4000"),
        (clear("channel/podcast:podroll"), "error", None, "podroll", "holds no <podcast:remoteItem>"),
        (copy_last("channel/podcast:podroll"), "error", None, "podroll", "more than one <podcast:podroll>"),
        (
            set_attr("channel/podcast:podroll/podcast:remoteItem", "feedGuid", None),
            "error",
            None,
            "podroll",
            "<podcast:remoteItem> needs a feedGuid",
        ),
        (
            lambda root: at("channel/podcast:podroll/podcast:remoteItem")(root).set(
                "feedGuid", at("channel/podcast:guid")(root).text
            ),
            "warning",
            None,
            "podroll",
            "recommends this programme itself",
        ),
        (set_text("channel/podcast:updateFrequency", ""), "error", None, "update_frequency", "has no text"),
        (
            set_attr("channel/podcast:updateFrequency", "dtstart", None),
            None,
            None,
            None,
            None,
        ),  # dtstart is optional without a COUNT
        (
            lambda root: (
                set_attr("channel/podcast:updateFrequency", "rrule", "FREQ=WEEKLY;COUNT=3")(root),
                set_attr("channel/podcast:updateFrequency", "dtstart", None)(root),
            ),
            "error",
            None,
            "update_frequency.dtstart",
            "with a COUNT in its rrule needs a dtstart",
        ),
        (set_attr("channel/podcast:image", "width", "wide"), "error", None, "artwork", "<podcast:image width> is"),
        (set_attr("channel/podcast:image", "aspect-ratio", "1:1"), "error", None, "artwork", "expected a ratio"),
        (set_attr(f"{TRAILER_ITEM}/podcast:image", "href", "art.jpg"), "error", TRAILER_GUID, "image", "not a web"),
        (set_attr(f"{TRAILER_ITEM}/podcast:image", "height", "0"), "error", TRAILER_GUID, "image", "pixels above 0"),
        (
            set_attr(f"{TRAILER_ITEM}/podcast:episode", "display", "d" * 33),
            "warning",
            TRAILER_GUID,
            "episode_display",
            "<podcast:episode display> is over 32 characters",
        ),
        (
            set_attr(f"{TRAILER_ITEM}/podcast:season", "name", "n" * 129),
            "warning",
            TRAILER_GUID,
            "season",
            "<podcast:season name> is over 128 characters",
        ),
        (
            set_attr("channel/podcast:license", "url", None),
            None,
            None,
            None,
            None,
        ),  # CC-BY-4.0 is a slug: its URL is optional
        (
            lambda root: (
                set_text("channel/podcast:license", "CC BY 4.0")(root),
                set_attr("channel/podcast:license", "url", None)(root),
            ),
            "error",
            None,
            "license",
            "'CC BY 4.0' is not a licence slug from the Podcasting 2.0 list",
        ),
        (
            move_last(f"{HOSTILE_ITEM}/podcast:transcript[@type='application/x-subrip']"),
            "error",
            "2a0b7c34-3e51-4f7a-9c0e-6a9d1f0e5b77",
            "transcript",
            "the last <podcast:transcript> is application/x-subrip, not WebVTT",
        ),
    ],
)
def test_the_lint_catches(tagged: Path, change, level, guid, field, message) -> None:
    xml = feed_xml(tagged)
    before = lint.lint_feed(xml)
    assert [f for f in before if f.level == "error"] == []
    findings = [f for f in lint.lint_feed(mutate(xml, change)) if f not in before]
    if level is None:
        assert findings == []
    else:
        assert [(f.level, f.guid, f.field) for f in findings] == [(level, guid, field)], findings
        assert message in findings[0].message


def test_the_lint_checks_podcast_image_sizes_against_the_files(tagged: Path, tmp_path: Path) -> None:
    xml = feed_xml(tagged)
    url = etree.fromstring(xml).xpath(f"{TRAILER_ITEM}/podcast:image/@href", namespaces=NS)[0]
    files = {url: make_artwork(tmp_path / "image-1.jpg", 1500, 1500)}
    findings = [f for f in lint.lint_feed(xml, files.get) if f.level == "error"]
    assert [(f.guid, f.field, f.message) for f in findings] == [
        (TRAILER_GUID, "image", "<podcast:image> says 1600x1600 pixels; image-1.jpg is 1500x1500")
    ]
