"""Feeds as podcast apps read them: every tag checked by XPath on the XML, and by feedparser and podcastparser."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import feedparser
import podcastparser
import pytest
from conftest import SHOW_YAML, episode_text, make_artwork
from lxml import etree
from mutagen.mp3 import MP3

from clgtv import content, lint
from clgtv.feed import PODCAST_NS, fit_bytes, podcast_guid, render_feed
from clgtv.release import Edition, assemble
from clgtv.textcache import NO_CACHE, TextCache

NS = lint.NS | {"content": "http://purl.org/rss/1.0/modules/content/"}
BASE = "http://podcasts.test/"
HOSTILE_TITLE = """Tom & Jerry <b>"quoted"</b> 'single' 🎙️ مرحبا بكم שלום"""
# as plain-text fields carry it: a word joiner (U+2060) after each "<" that would open a tag
FEED_TITLE = """Tom & Jerry <\u2060b>"quoted"<\u2060/b> 'single' 🎙️ مرحبا بكم שלום"""
HOSTILE_NOTES = """\
Notes with & < > " ' and 🎧, then Arabic: مرحبا بكم في البرنامج.

<script>window.pwned = true</script>
<img src="x" onerror="window.pwned = true">

[a bad link](javascript:window.pwned=true) and [a good one](https://example.org/?a=1&b=2).
"""
RICH_SHOW = """\
new_feed_url: https://podcasts.example.org/test-show/feed.xml
block: true
complete: true
license: CC-BY-4.0
license_url: https://creativecommons.org/licenses/by/4.0/
medium: podcast
location:
  name: Manchester, England
  geo: "geo:53.4808,-2.2426"
  osm: R146656
  country: gb
apple_podcasts_url: https://podcasts.apple.com/gb/podcast/test/id123
spotify_url: https://open.spotify.com/show/abc
id3_version: 4
people:
  - name: Vicky Sargent
    role: host
funding:
  - url: https://example.org/support
    text: Support us
"""
SRT = """\
1
00:00:00,000 --> 00:00:01,500
First words & more

2
00:00:01,500 --> 00:00:03,000
<i>Second</i> line
"""
HOSTILE_GUID = "2a0b7c34-3e51-4f7a-9c0e-6a9d1f0e5b77"


def hostile_episode() -> str:
    title = "'" + HOSTILE_TITLE.replace("'", "''") + "'"
    front = episode_text(
        title=title,
        date="2026-10-08T10:00:00+01:00",
        episode=2,
        type="bonus",
        explicit="true",
        summary="'Summary & <summary> 🎙️ שלום'",
        guid=HOSTILE_GUID,
        transcript="2026-10-08-hostile.srt",
        image="episode-art.png",
        license="CC0-1.0",
        license_url="https://creativecommons.org/publicdomain/zero/1.0/",
    )
    extra = """\
people:
  - name: "Ayşe <Guest> & Co"
    role: guest
    href: https://example.org/ayse
chapters:
  - start: "0:00:00"
    title: "Intro & <welcome>"
  - start: "0:00:02"
    title: Part two
    url: https://example.org/part-two
soundbites:
  - start: "0:00:01"
    duration: 2.5
    title: The best bit
location:
  name: Rochdale
  rel: creator
"""
    head, body = front.split("\n---\n", 1)
    return f"{head}\n{extra}---\n{body.replace('Show notes for the test.', HOSTILE_NOTES)}"


def make_rich(root: Path) -> Path:
    """Turn the `project` fixture into one that sets every optional feed field, with a hostile episode."""
    show = root / "episodes/test-show"
    (show / "show.yaml").write_text(SHOW_YAML + RICH_SHOW)
    make_artwork(show / "episode-art.png", 1400, 1400)
    (show / "2026-10-08-hostile.srt").write_text(SRT)
    (show / "2026-10-08-hostile.md").write_text(hostile_episode())
    return root


@pytest.fixture
def rich(project: Path) -> Path:
    return make_rich(project)


def preview(root: Path, jobs: int | None = None, cache: TextCache = NO_CACHE) -> tuple[Edition, ...]:
    """Every programme as `clgtv check` lints it: scheduled episodes included, placeholder media facts."""
    loaded = content.load(root)
    return tuple(assemble(loaded.site, p, p.due(lint.FAR_FUTURE), jobs, cache) for p in loaded.programmes)


def preview_feed(root: Path) -> etree._Element:
    (edition,) = preview(root)
    return etree.fromstring(render_feed(edition))


def one(node: etree._Element, path: str) -> str:
    (found,) = node.xpath(path, namespaces=NS)
    return str(found)


def item(channel: etree._Element, guid: str) -> etree._Element:
    (found,) = channel.xpath(f"item[guid='{guid}']")
    return found


def test_channel_tags(rich: Path) -> None:
    channel = preview_feed(rich).find("channel")
    feed_url = BASE + "test-show/feed.xml"
    artwork = one(channel, "itunes:image/@href")
    assert artwork.startswith(BASE + "test-show/artwork-") and artwork.endswith(".jpg")
    assert one(channel, "image/url/text()") == artwork
    expected = {
        "title/text()": "Test Programme",
        "itunes:title/text()": "Test Programme",
        "language/text()": "en-GB",
        "itunes:author/text()": "CLGdotTV",
        "itunes:owner/itunes:name/text()": "Vicky Sargent",
        "itunes:owner/itunes:email/text()": "podcasts@clgdottv.example",
        "itunes:explicit/text()": "false",
        "itunes:type/text()": "episodic",
        "itunes:new-feed-url/text()": "https://podcasts.example.org/test-show/feed.xml",
        "itunes:block/text()": "Yes",
        "itunes:complete/text()": "Yes",
        "atom:link[@rel='self']/@href": feed_url,
        "podcast:guid/text()": str(uuid.uuid5(uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), feed_url[7:])),
        "podcast:locked/text()": "no",
        "podcast:locked/@owner": "podcasts@clgdottv.example",
        "podcast:medium/text()": "podcast",
        "podcast:license/text()": "CC-BY-4.0",
        "podcast:license/@url": "https://creativecommons.org/licenses/by/4.0/",
        "podcast:location/text()": "Manchester, England",
        "podcast:location/@geo": "geo:53.4808,-2.2426",
        "podcast:location/@osm": "R146656",
        "podcast:location/@country": "gb",
        "podcast:location/@rel": "subject",
        "podcast:funding/@url": "https://example.org/support",
        "podcast:funding/text()": "Support us",
        "podcast:person[@role='host']/text()": "Vicky Sargent",
    }
    assert {path: one(channel, path) for path in expected} == expected
    categories = [(c.get("text"), [s.get("text") for s in c]) for c in channel.findall("itunes:category", NS)]
    assert categories == [("Government", []), ("Business", ["Non-Profit"])]


def test_item_tags(rich: Path) -> None:
    channel = preview_feed(rich).find("channel")
    bonus = item(channel, HOSTILE_GUID)
    page = BASE + "test-show/hostile/"
    expected = {
        "title/text()": FEED_TITLE,
        "itunes:title/text()": FEED_TITLE,
        "link/text()": page,
        "guid/@isPermaLink": "false",
        "description/text()": "Summary & <\u2060summary> 🎙️ שלום",
        "itunes:episode/text()": "2",
        "itunes:season/text()": "1",
        "itunes:episodeType/text()": "bonus",
        "itunes:explicit/text()": "true",
        "podcast:episode/text()": "2",
        "podcast:season/text()": "1",
        "podcast:chapters/@url": page + "chapters.json",
        "podcast:chapters/@type": "application/json+chapters",
        "podcast:transcript[@type='text/vtt']/@url": page + "transcript.vtt",
        "podcast:transcript[@type='application/x-subrip']/@url": page + "transcript.srt",
        "podcast:transcript[@type='application/json']/@url": page + "transcript.json",
        "podcast:soundbite/@startTime": "1.0",
        "podcast:soundbite/@duration": "2.5",
        "podcast:soundbite/text()": "The best bit",
        "podcast:location/text()": "Rochdale",
        "podcast:location/@rel": "creator",
        "podcast:license/text()": "CC0-1.0",
        "podcast:person/text()": "Ayşe <\u2060Guest> & Co",
        "podcast:person/@href": "https://example.org/ayse",
        "enclosure/@type": "audio/mpeg",
    }
    assert {path: one(bonus, path) for path in expected} == expected
    image = one(bonus, "itunes:image/@href")
    assert image.startswith(page + "image-") and image.endswith(".png")
    notes = one(bonus, "content:encoded/text()")
    assert "&lt;script&gt;" in notes and "<script" not in notes
    assert 'href="javascript:' not in notes and 'href="https://example.org/?a=1&amp;b=2"' in notes
    plain = item(channel, "5b3f2a4e-9a1c-4d53-8b57-1d0f5cfb8a01")
    assert one(plain, "itunes:image/@href") == one(channel, "itunes:image/@href")  # falls back to the show's
    assert one(plain, "itunes:episodeType/text()") == "full"
    assert not plain.xpath("itunes:explicit | podcast:soundbite | podcast:transcript", namespaces=NS)


def test_items_newest_first_and_oldest_first_when_serial(rich: Path) -> None:
    guids = preview_feed(rich).xpath("channel/item/guid/text()")
    assert guids == [HOSTILE_GUID, "5b3f2a4e-9a1c-4d53-8b57-1d0f5cfb8a01"]
    show = rich / "episodes/test-show/show.yaml"
    show.write_text(show.read_text() + "type: serial\n")
    channel = preview_feed(rich).find("channel")
    assert channel.xpath("item/guid/text()") == guids[::-1]
    assert one(channel, "itunes:type/text()") == "serial"


def test_hostile_text_survives_feedparser_and_podcastparser(rich: Path) -> None:
    xml = etree.tostring(preview_feed(rich), xml_declaration=True, encoding="UTF-8")
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.entries[0].title == FEED_TITLE
    assert parsed.entries[0].itunes_episodetype == "bonus"
    via_gpodder = podcastparser.parse(BASE + "test-show/feed.xml", io.BytesIO(xml))
    assert via_gpodder["episodes"][0]["title"] == FEED_TITLE
    assert via_gpodder["episodes"][0]["guid"] == HOSTILE_GUID
    assert "&lt;script&gt;" in via_gpodder["episodes"][0]["description_html"]
    assert via_gpodder["episodes"][0]["number"] == 2
    # podcastparser 0.6 maps podcast:* only under the namespace's old GitHub URI, not the canonical one
    # we use (as the spec says), so gPodder reads no transcript or chapters link from any canonical feed
    assert "transcript_url" not in via_gpodder["episodes"][0]


OLD_PODCAST_NS = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"


def test_transcripts_in_every_format_webvtt_last_as_captions(rich: Path) -> None:
    root = preview_feed(rich)
    tags = item(root.find("channel"), HOSTILE_GUID).findall("podcast:transcript", NS)
    page = BASE + "test-show/hostile/"
    assert [dict(tag.attrib) for tag in tags] == [
        {"url": page + "transcript.json", "type": "application/json", "language": "en-GB"},
        {"url": page + "transcript.srt", "type": "application/x-subrip", "language": "en-GB"},
        {"url": page + "transcript.vtt", "type": "text/vtt", "language": "en-GB", "rel": "captions"},
    ]
    # readers that keep one of repeated tags keep the last: WebVTT, in feedparser and in podcastparser
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    parsed = feedparser.parse(xml)
    assert parsed.entries[0].podcast_transcript == {**tags[-1].attrib}
    # podcastparser knows podcast:* only under the namespace's old GitHub URI: give it the feed in that
    renamed = xml.replace(PODCAST_NS.encode(), OLD_PODCAST_NS.encode())
    via_gpodder = podcastparser.parse(BASE + "test-show/feed.xml", io.BytesIO(renamed))
    assert via_gpodder["episodes"][0]["transcript_url"] == page + "transcript.vtt"


def spoken_in(root: Path, language: str) -> Path:
    """The rich project's hostile episode, with a transcript, spoken in `language` in an `en-GB` programme."""
    path = root / "episodes/test-show/2026-10-08-hostile.md"
    path.write_text(path.read_text().replace("people:\n", f"transcription:\n  language: {language}\npeople:\n", 1))
    return root


@pytest.mark.parametrize(
    ("spoken", "marked"),
    [("cy", "cy"), ("en", "en-GB"), ("jv", "jv")],  # Whisper's code for Javanese, jw, is no language tag
)
def test_a_transcript_in_the_language_spoken_says_so(rich: Path, spoken: str, marked: str) -> None:
    root = etree.fromstring(render_feed(preview(spoken_in(rich, spoken))[0]))
    (item,) = [i for i in root.xpath("channel/item") if i.xpath("podcast:transcript", namespaces=NS)]
    assert item.xpath("podcast:transcript/@language", namespaces=NS) == [marked] * 3
    assert root.xpath("channel/language/text()") == ["en-GB"]  # the programme's own


def test_descriptions_fit_in_4000_bytes(project: Path) -> None:
    notes = "Café " * 1200  # 6,000 bytes, no summary: the description comes from the notes
    path = project / "episodes/test-show/2026-10-01-test.md"
    path.write_text(episode_text().replace("Show notes for the test.", notes))
    channel = preview_feed(project).find("channel")
    description = one(channel, "item/description/text()")
    assert len(description.encode()) <= 4000
    assert description.endswith("Café…")
    assert one(channel, "item/content:encoded/text()").count("Café") == 1200  # the notes stay whole


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 4000, "short"),
        ("one two three", 11, "one two…"),
        ("one two three", 10, "one two…"),
        ("one two", 7, "one two"),
        ("abcdefghij", 8, "abcde…"),  # no space at all: cut inside the word
        ("é" * 10, 9, "ééé…"),  # never half a character
        ("🎙️ " * 5, 20, "🎙️ 🎙️…"),
    ],
)
def test_fit_bytes(text: str, limit: int, expected: str) -> None:
    result = fit_bytes(text, limit)
    assert result == expected
    assert len(result.encode()) <= limit


def test_podcast_guid_follows_the_spec() -> None:
    # the example in the namespace's guid document
    assert podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert podcast_guid("http://podcasts.test/show/feed.xml/") == podcast_guid("podcasts.test/show/feed.xml")


def test_published_samples_pass_the_lint_with_media(published: Path) -> None:
    public = published / "public"
    for feed_path in sorted(public.glob("*/feed.xml")):
        findings = lint.lint_feed(feed_path.read_bytes(), lambda url: public / url.removeprefix(BASE_SAMPLES))
        assert [f for f in findings if f.level == "error"] == []
        assert {f.field for f in findings} <= {"base_url"}  # only: localhost is not https


BASE_SAMPLES = "http://localhost:8000/"


def test_published_items_by_xpath(published: Path) -> None:
    public = published / "public"
    for feed_path in sorted(public.glob("*/feed.xml")):
        channel = etree.parse(str(feed_path)).getroot().find("channel")
        assert channel.xpath("item")
        for node in channel.xpath("item"):
            media = public / one(node, "enclosure/@url").removeprefix(BASE_SAMPLES)
            assert one(node, "itunes:duration/text()") == str(round(MP3(media).info.length))
            assert one(node, "enclosure/@length") == str(media.stat().st_size)
            for kind, suffix in (("text/vtt", "vtt"), ("application/x-subrip", "srt"), ("application/json", "json")):
                url = one(node, f"podcast:transcript[@type='{kind}']/@url")
                assert url.endswith(f"transcript.{suffix}") and (public / url.removeprefix(BASE_SAMPLES)).is_file()
            assert (public / one(node, "itunes:image/@href").removeprefix(BASE_SAMPLES)).is_file()
            assert len(one(node, "description/text()").encode()) <= 4000
            assert one(node, "content:encoded/text()").startswith("<p>")
