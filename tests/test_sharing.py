"""Pages that share and get found: link-preview tags, JSON-LD, oEmbed, the sitemap, robots.txt and the
social image, read back from what was published by real parsers (lxml, json, Pillow)."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree, html
from PIL import Image
from test_feed import FEED_TITLE, HOSTILE_TITLE, preview
from test_pages import publish_rich
from test_safety_text import markup

from clgtv import social
from clgtv.feed import PODCAST_NS, render_feed
from clgtv.layout import is_immutable
from clgtv.licenses import LICENSES
from clgtv.settings import Person
from clgtv.sharing import episode_ld, iso_duration, script_json
from clgtv.site import environment
from clgtv.storage.plan import stage

SAMPLE = "clgdottv-podcast/localgov-digital-co-op/"
HOSTILE = "test-show/hostile/"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def rich_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return publish_rich(tmp_path_factory.mktemp("sharing") / "project")


def parse(path: Path) -> html.HtmlElement:
    return html.fromstring(path.read_bytes())


def meta(doc: html.HtmlElement) -> dict[str, str]:
    """Every <meta property|name=... content=...>, each name once."""
    found: dict[str, str] = {}
    for tag in doc.xpath("//head/meta[@content]"):
        name = tag.get("property") or tag.get("name")
        assert name not in found, name
        found[name] = tag.get("content")
    return found


def json_ld(doc: html.HtmlElement) -> dict:
    (script,) = doc.xpath("//script[@type='application/ld+json']")
    return json.loads(script.text)


def local(public: Path, url: str, base: str) -> Path:
    assert url.startswith(base), url
    return public / urlsplit(url).path.lstrip("/")


def test_episode_page_carries_open_graph_and_a_player_card(published: Path) -> None:
    public = published / "public"
    doc = parse(public / SAMPLE / "index.html")
    tags = meta(doc)
    page = "http://localhost:8000/" + SAMPLE
    assert doc.xpath("//link[@rel='canonical']/@href") == [page]
    assert tags["og:url"] == page and tags["og:type"] == "article"
    assert tags["og:title"] == tags["twitter:title"] == "LocalGov Digital becomes a co-operative"
    assert tags["og:description"].startswith("LocalGov Digital, the volunteer network")
    assert tags["og:image"] == tags["twitter:image"] and "/social-" in tags["og:image"]
    assert (tags["og:image:width"], tags["og:image:height"], tags["og:image:type"]) == ("1200", "630", "image/png")
    assert local(public, tags["og:image"], "http://localhost:8000/").is_file()
    assert tags["og:audio:type"] == "audio/mpeg" and local(public, tags["og:audio"], "http://localhost:8000/").is_file()
    assert tags["twitter:card"] == "player"
    assert tags["twitter:player"] == page + "embed/index.html"
    assert (tags["twitter:player:width"], tags["twitter:player:height"]) == ("640", "200")
    assert tags["twitter:player:stream"] == tags["og:audio"]
    assert local(public, tags["twitter:player"], "http://localhost:8000/").is_file()


def test_home_and_programme_pages_carry_their_own_cards(published: Path) -> None:
    public = published / "public"
    home = parse(public / "index.html")
    assert home.xpath("//link[@rel='canonical']/@href") == ["http://localhost:8000/"]
    tags = meta(home)
    assert tags["og:type"] == "website" and tags["twitter:card"] == "summary" and "og:audio" not in tags
    assert "/artwork-" in tags["og:image"] and not home.xpath("//script[@type='application/ld+json']")
    show = parse(public / "clgdottv-podcast/index.html")
    tags = meta(show)
    assert tags["og:url"] == "http://localhost:8000/clgdottv-podcast/" and tags["og:title"] == "CLGdotTV Podcast"
    assert tags["og:image"].endswith(".jpg") and local(public, tags["og:image"], "http://localhost:8000/").is_file()
    assert not show.xpath("//link[@type='application/json+oembed']")


def test_programme_json_ld_is_a_podcast_series(published: Path) -> None:
    data = json_ld(parse(published / "public/clgdottv-podcast/index.html"))
    assert data["@context"] == "https://schema.org" and data["@type"] == "PodcastSeries"
    assert data["url"] == data["@id"] == "http://localhost:8000/clgdottv-podcast/"
    assert data["name"] == "CLGdotTV Podcast" and data["description"]
    assert data["webFeed"] == "http://localhost:8000/clgdottv-podcast/feed.xml"
    assert data["image"].endswith(".jpg") and data["author"] == {"@type": "Organization", "name": "CLGdotTV"}
    assert data["license"] == LICENSES["CC-BY-NC-4.0"]  # show.yaml gives the slug; schema.org wants the address


def test_episode_json_ld_is_a_podcast_episode(published: Path) -> None:
    public = published / "public"
    data = json_ld(parse(public / SAMPLE / "index.html"))
    feed = etree.parse(str(public / "clgdottv-podcast/feed.xml"))
    (item,) = feed.xpath("//item[link='http://localhost:8000/" + SAMPLE + "']")
    seconds = int(item.findtext("{http://www.itunes.com/dtds/podcast-1.0.dtd}duration"))
    assert data["@type"] == "PodcastEpisode" and data["url"] == "http://localhost:8000/" + SAMPLE
    assert data["name"] == "LocalGov Digital becomes a co-operative"
    assert data["datePublished"] == "2026-11-06T10:00:00+00:00" and data["duration"] == iso_duration(seconds)
    media = data["associatedMedia"]
    assert media["@type"] == "AudioObject" and media["encodingFormat"] == "audio/mpeg"
    assert media["contentUrl"] == item.find("enclosure").get("url") and media["duration"] == data["duration"]
    assert media["caption"]["contentUrl"] == "http://localhost:8000/" + SAMPLE + "transcript.vtt"
    assert media["caption"]["encodingFormat"] == "text/vtt"
    series = data["partOfSeries"]
    assert series["@type"] == "PodcastSeries" and series["url"] == "http://localhost:8000/clgdottv-podcast/"
    assert data["partOfSeason"] == {"@type": "PodcastSeason", "seasonNumber": 1} and data["episodeNumber"] == 2
    assert {p["name"] for p in data["actor"]} and all(p["@type"] == "Person" for p in data["actor"])
    assert "/social-" in data["image"]
    assert data["license"] == LICENSES["CC-BY-NC-4.0"]  # the programme's, as in the feed


def test_json_ld_people_are_the_feeds_people(project: Path) -> None:
    """The podcast:person list, split as schema.org does: who is heard (actor), who made it (creator)."""
    people = (
        Person("Ann Host", "host", "https://example.org/ann", "https://example.org/ann.jpg"),
        Person("Bo Maker", "producer"),
        Person("Cy Guest", "Guest"),
    )
    (edition,) = preview(project)
    release = replace(edition.releases[0], episode=replace(edition.releases[0].episode, people=people))
    data = episode_ld(edition, release)
    assert [p["name"] for p in data["actor"]] == ["Ann Host", "Cy Guest"]
    assert [p["name"] for p in data["creator"]] == ["Bo Maker"]
    found = {(p["name"], p["jobTitle"], p.get("url"), p.get("image")) for p in data["actor"] + data["creator"]}
    feed = etree.fromstring(render_feed(replace(edition, releases=(release,))))
    persons = feed.xpath("channel/item/p:person", namespaces={"p": PODCAST_NS})
    assert found == {(p.text, p.get("role"), p.get("href"), p.get("img")) for p in persons}
    assert all(p["@type"] == "Person" for p in data["actor"] + data["creator"])


def test_iso_durations() -> None:
    assert [iso_duration(s) for s in (0, 40.4, 61, 3600, 3723.6)] == ["PT0S", "PT40S", "PT1M1S", "PT1H0S", "PT1H2M4S"]


def test_hostile_text_cannot_close_the_json_ld_script(rich_site: Path) -> None:
    page = rich_site / HOSTILE / "index.html"
    doc = parse(page)
    data = json_ld(doc)
    assert data["name"] == FEED_TITLE  # the title as plain-text fields carry it
    assert data["license"] == "https://creativecommons.org/publicdomain/zero/1.0/"  # the episode's own
    roles = {p["name"]: p["jobTitle"] for p in data.get("actor", []) + data.get("creator", [])}
    assert roles.get("Ayşe <\u2060Guest> & Co")
    tags = meta(doc)
    assert tags["og:title"] == FEED_TITLE and HOSTILE_TITLE in tags["og:image:alt"].replace("\u2060", "")
    (script,) = doc.xpath("//script[@type='application/ld+json']")
    assert not {"<", ">", "&"} & set(script.text)  # nothing an HTML parser could take for markup
    closing = {"name": "</script><script>alert(1)</script><!--", "b": "\u2028&amp;"}
    text = script_json(closing)
    assert "<" not in text and json.loads(text) == closing
    assert markup(f"<script>{text}</script>") == [("script", {}), ("/script", {})]


def test_oembed_document_describes_the_player(published: Path, rich_site: Path) -> None:
    public = published / "public"
    doc = parse(public / SAMPLE / "index.html")
    (link,) = doc.xpath("//link[@rel='alternate'][@type='application/json+oembed']")
    found = json.loads(local(public, link.get("href"), "http://localhost:8000/").read_bytes())
    assert found["version"] == "1.0" and found["type"] == "rich"
    assert found["title"] == link.get("title") == "LocalGov Digital becomes a co-operative"
    assert (found["width"], found["height"]) == (640, 200)
    assert found["provider_name"] == "CLGdotTV" and found["provider_url"] == "http://localhost:8000/"
    assert found["thumbnail_url"] == meta(doc)["og:image"] and found["thumbnail_width"] == 1200
    (frame,) = html.fragments_fromstring(found["html"])
    assert frame.tag == "iframe" and frame.get("src") == "http://localhost:8000/" + SAMPLE + "embed/index.html"
    assert (frame.get("width"), frame.get("height")) == ("640", "200") and frame.get("title")
    hostile = json.loads((rich_site / HOSTILE / "oembed.json").read_bytes())
    assert hostile["title"] == FEED_TITLE
    assert [tag for tag, _ in markup(hostile["html"])] == ["iframe", "/iframe"]  # the title added no tag


def test_embed_page_is_small_and_links_back(published: Path) -> None:
    public = published / "public"
    page = public / SAMPLE / "embed/index.html"
    doc = parse(page)
    assert doc.get("lang") == "en-GB" and doc.xpath("//meta[@name='robots']/@content") == ["noindex"]
    assert doc.xpath("//link[@rel='canonical']/@href") == ["http://localhost:8000/" + SAMPLE]
    (audio,) = doc.xpath("//audio")
    assert (page.parent / audio.get("src")).resolve().is_file()
    assert doc.xpath(f"//*[@id='{audio.get('aria-labelledby')}']/text()") == ["LocalGov Digital becomes a co-operative"]
    links = {a.text_content(): a.get("href") for a in doc.xpath("//a[@target='_blank']")}
    assert links["Episode page (opens in a new tab)"] == "http://localhost:8000/" + SAMPLE
    assert links["Transcript (opens in a new tab)"].endswith(SAMPLE + "index.html#transcript-heading")
    assert not doc.xpath("//script") and len(page.read_bytes()) < 4000
    for sheet in doc.xpath("//link[@rel='stylesheet']/@href"):
        assert "://" not in sheet and (page.parent / sheet).resolve().is_file()  # from the target, no CDN


def written_pages(public: Path) -> set[str]:
    """Every page written, as its canonical URL, but the embeds (pages for iframes, marked noindex)."""
    found = set()
    for path in public.rglob("index.html"):
        folder = path.parent.relative_to(public).as_posix()
        if path.parent.name != "embed":
            found.add("http://localhost:8000/" + ("" if folder == "." else folder + "/"))
    return found


def test_sitemap_lists_every_page_with_when_it_changed(published: Path) -> None:
    public = published / "public"
    sitemap = etree.parse(str(public / "sitemap.xml"))
    urls = sitemap.xpath("//s:url/s:loc/text()", namespaces=SITEMAP_NS)
    assert len(urls) == len(set(urls)) and set(urls) == written_pages(public)
    dates = dict(zip(urls, sitemap.xpath("//s:url/s:lastmod/text()", namespaces=SITEMAP_NS), strict=True))
    assert dates["http://localhost:8000/" + SAMPLE] == "2026-11-06T10:00:00+00:00"
    assert dates["http://localhost:8000/clgdottv-podcast/"] == dates["http://localhost:8000/"]
    for url in urls:
        assert parse(local(public, url, "http://localhost:8000/") / "index.html").xpath(
            "//link[@rel='canonical']/@href"
        ) == [url]


def test_robots_points_at_the_sitemap(published: Path) -> None:
    robots = (published / "public/robots.txt").read_text().splitlines()
    assert "User-agent: *" in robots and "Sitemap: http://localhost:8000/sitemap.xml" in robots


def test_each_file_is_published_after_what_it_names() -> None:
    keys = ["s/e/social-0123456789.png", "s/e/oembed.json", "s/e/embed/index.html", "s/e/index.html"]
    keys += ["sitemap.xml", "robots.txt", "s/e/transcript.json"]
    stages = {key: stage(key) for key in keys}
    assert stages["s/e/social-0123456789.png"] == stages["s/e/transcript.json"] == 0
    assert stages["s/e/oembed.json"] == stages["s/e/embed/index.html"] == stages["s/e/index.html"] == 1
    assert stages["sitemap.xml"] == stages["robots.txt"] == 2
    assert is_immutable("s/e/social-0123456789.png") and not is_immutable("s/e/oembed.json")


def cover(colour: str = "#803060") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 600), colour).save(out, "JPEG")
    return out.getvalue()


def test_social_image_size_and_its_inputs(tmp_path: Path) -> None:
    made = social.social_image(tmp_path, cover(), "A title", "The programme")
    with Image.open(made) as image:
        assert image.size == (1200, 630) and image.format == "PNG"
    assert social.social_image(tmp_path, cover(), "A title", "The programme") == made  # cached
    others = [
        social.social_image(tmp_path, cover(), "Another title", "The programme"),
        social.social_image(tmp_path, cover(), "A title", "Another programme"),
        social.social_image(tmp_path, cover("#305080"), "A title", "The programme"),
    ]
    assert len({made.read_bytes(), *(p.read_bytes() for p in others)}) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({made.name, *(p.name for p in others)})


def test_a_cached_image_is_the_image_drawn_again(tmp_path: Path) -> None:
    made = social.social_image(tmp_path, cover(), "A title", "The programme")
    drawn = social.draw_image(cover(), "A title", "The programme")
    with Image.open(made) as image:
        assert image.tobytes() == drawn.tobytes()


def test_long_titles_are_wrapped_and_shortened() -> None:
    from PIL import ImageFont

    font = ImageFont.load_default(size=social.TITLE_SIZE)
    long = " ".join(["Consultation"] * 40) + " " + "x" * 200
    rows = social.wrap(long, font, social.TEXT_WIDTH, social.TITLE_LINES)
    assert len(rows) == social.TITLE_LINES and rows[-1].endswith("…")
    assert all(font.getlength(row) <= social.TEXT_WIDTH for row in rows)
    word = social.wrap("x" * 120, font, social.TEXT_WIDTH, 9)
    assert len(word) > 1 and "".join(word) == "x" * 120 and all(font.getlength(r) <= social.TEXT_WIDTH for r in word)
    assert social.wrap("Short", font, social.TEXT_WIDTH, 2) == ["Short"]


def test_the_feed_carries_the_social_image(published: Path) -> None:
    public = published / "public"
    feed = etree.parse(str(public / "clgdottv-podcast/feed.xml"))
    ns = {"podcast": "https://podcastindex.org/namespace/1.0"}
    (item,) = feed.xpath("//item[link='http://localhost:8000/" + SAMPLE + "']")
    (image,) = item.xpath("podcast:image[@purpose='social']", namespaces=ns)
    assert (image.get("width"), image.get("height"), image.get("type")) == ("1200", "630", "image/png")
    assert image.get("aspect-ratio") == "40/21"
    tags = meta(parse(public / SAMPLE / "index.html"))
    assert image.get("href") == tags["og:image"] and image.get("alt") == tags["og:image:alt"]
    assert image.get("alt") == "LocalGov Digital becomes a co-operative, from CLGdotTV Podcast"
    with Image.open(local(public, image.get("href"), "http://localhost:8000/")) as png:
        assert png.size == (1200, 630)


def test_a_carriage_return_reaches_a_link_preview_as_itself() -> None:
    """An HTML parser reads a bare CR in an attribute as LF; the feed keeps it (as &#13;), so previews do."""
    env = environment(Path(__file__).parent.parent / "templates")
    text = env.from_string('<meta content="{{ title | plain }}">').render(title="0\r\n0 <b> \"&'")
    (tag,) = html.fromstring(text).xpath("//meta")
    assert tag.get("content") == "0\r\n0 <\u2060b> \"&'"
