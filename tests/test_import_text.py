"""`clgtv import` and hostile text: whatever a feed holds, the files written load back as the same values,
and show notes in HTML come out as Markdown that shows the same text."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from lxml import etree

from clgtv import schema as s
from clgtv.episodes import read_episode
from clgtv.htmlnotes import to_markdown, to_text
from clgtv.importer import _chapters, _Reader, dump_yaml, read_feed
from clgtv.notes import markdown, plain_text
from clgtv.settings import load_show, load_site
from tests.conftest import SITE_YAML, make_artwork

# every character XML 1.0 can carry (a feed cannot hold the others), surrogates excluded
xml_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff").filter(
        lambda c: c in "\t\n\r" or ord(c) >= 0x20
    ),
    max_size=60,
)
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"


@pytest.fixture(scope="module")
def show_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("text")
    (root / "clgtv.yaml").write_text(SITE_YAML)
    folder = root / "episodes" / "moved"
    folder.mkdir(parents=True)
    make_artwork(folder / "artwork.jpg")
    (folder / "2026-03-02-x.mp3").write_bytes(b"")
    return folder


PSC = "http://podlove.org/simple-chapters"


def feed(title: str, person: str, role: str, guid: str, author: str) -> bytes:
    rss = etree.Element("rss", version="2.0", nsmap={"itunes": ITUNES, "podcast": PODCAST, "psc": PSC})
    channel = etree.SubElement(rss, "channel")
    etree.SubElement(channel, "title").text = title
    etree.SubElement(channel, "description").text = title
    etree.SubElement(channel, f"{{{ITUNES}}}author").text = author
    owner = etree.SubElement(channel, f"{{{ITUNES}}}owner")
    etree.SubElement(owner, f"{{{ITUNES}}}name").text = person
    etree.SubElement(owner, f"{{{ITUNES}}}email").text = "a@b.example"
    etree.SubElement(channel, f"{{{ITUNES}}}category", text="Government")
    etree.SubElement(channel, f"{{{PODCAST}}}person", role=role).text = person
    item = etree.SubElement(channel, "item")
    etree.SubElement(item, "title").text = title
    etree.SubElement(item, "guid").text = guid
    etree.SubElement(item, "pubDate").text = "Mon, 02 Mar 2026 10:00:00 +0000"
    etree.SubElement(item, "enclosure", url="https://cdn.example/a.mp3", type="audio/mpeg")
    etree.SubElement(item, f"{{{PODCAST}}}person", role=role).text = person
    etree.SubElement(item, "description").text = f"<p>{author}</p>{title}"  # HTML, and text that may look like it
    chapters = etree.SubElement(item, f"{{{PSC}}}chapters")
    etree.SubElement(chapters, f"{{{PSC}}}chapter", start="00:00:00", title=title)
    return etree.tostring(rss, xml_declaration=True, encoding="utf-8")


@given(title=xml_text, person=xml_text, role=xml_text, guid=xml_text, author=xml_text)
@example(title="<A", person="", role="", guid="", author="")  # hypothesis found it: HTML showing nothing
@example(title="Evil\u202egnp", person="\u2067Ann", role="host\u202b", guid="g", author="\u202eX")  # left open
def test_every_value_a_feed_holds_loads_back_the_same(
    show_dir: Path, title: str, person: str, role: str, guid: str, author: str
) -> None:
    said: list[str] = []
    reader = _Reader("feed.xml", log=said.append)
    try:
        channel = read_feed(feed(title, person, role, guid, author), reader, "https://old.example/feed.xml")
    except Exception as exc:  # only the typed refusal may come out
        assert "has no episodes that can be imported" in str(exc), exc
        return
    problems: list = []
    site = load_site(show_dir.parents[1], problems)
    item = channel.items[0]
    values = {**item.front, "audio": "2026-03-02-x.mp3", "chapters": _chapters(item, reader, "")}
    path = show_dir / "2026-03-02-x.md"
    path.write_text(f"---\n{dump_yaml(values)}---\n\n{item.notes}\n", encoding="utf-8")
    episode = read_episode(path, site, problems)
    assert not problems, [str(p) for p in problems]
    assert episode.title == item.front["title"] and episode.guid == item.front["guid"]
    assert [(p.name, p.role) for p in episode.people] == [(p["name"], p["role"]) for p in item.front["people"] or []]
    assert episode.notes == item.notes
    assert [c.title for c in episode.chapters] == [c["title"] for c in values["chapters"] or []]
    (show_dir / "show.yaml").write_text(dump_yaml({**channel.front, "artwork": "artwork.jpg"}), encoding="utf-8")
    show = load_show(show_dir, site, problems)
    if not channel.front["description"]:  # HTML that shows nothing ("<A" is a tag cut off): the host writes one
        assert "warning: feed.xml: no description in the feed; fill in description in show.yaml" in said
        assert [(p.field, p.message) for p in problems] == [("description", "required field is missing")]
        return
    assert not problems, [str(p) for p in problems]
    assert (show.title, show.author, show.owner.name) == (
        channel.front["title"],
        channel.front["author"],
        channel.front["owner"]["name"],
    )
    assert show.description == channel.front["description"]


def shown(markdown_text: str) -> str:
    return " ".join(plain_text(markdown(markdown_text)).split())


def same(text: str) -> str:
    return " ".join(s.ILLEGAL.sub("", text).split())


@given(text=xml_text)
def test_text_in_html_notes_is_shown_as_written(text: str) -> None:
    escaped = html.escape(text)
    for fragment, expected in (
        (f"<p>{escaped}</p>", text),
        (f"<p>a <b>{escaped}</b> z</p>", f"a {text} z"),
        (f"<p>a <i>{escaped}</i> z</p>", f"a {text} z"),
        (f'<p><a href="https://x.example/">{escaped}</a></p>', text if same(text) else "https://x.example/"),
        (f"<ul><li>{escaped}</li></ul>", text),
        (f"<blockquote>{escaped}</blockquote>", text),
    ):
        assert shown(to_markdown(fragment)) == same(expected), fragment


@given(text=xml_text)
def test_plain_text_notes_are_shown_as_written(text: str) -> None:
    if "<" in text or "&" in text:  # read as HTML, as a feed's readers would
        return
    assert shown(to_markdown(text)) == same(text)


def test_html_structures_become_markdown() -> None:
    cases = {
        "<p>One</p><p>Two<br/>lines</p>": "One\n\nTwo\\\nlines",
        "<p><strong>bold</strong>, <em>it</em>, <s>old</s>, <code>x()</code></p>": "**bold**, *it*, ~~old~~, `x()`",
        "<p><b> spaced </b>out</p>": "**spaced** out",
        '<p><a href="https://a.example/x y(1)">link</a> <a href="javascript:alert(1)">js</a></p>': (
            "[link](https://a.example/x%20y%281%29) js"
        ),
        '<p><a href="mailto:a@b.example">mail</a> <a href="/relative">rel</a></p>': "[mail](mailto:a@b.example) rel",
        "<ol start='4'><li>four</li><li>five<ul><li>sub</li></ul></li></ol>": "4. four\n5. five\n   - sub",
        "<blockquote><p>said</p></blockquote><hr><h1>Big</h1><h3>Small</h3>": "> said\n\n***\n\n## Big\n\n### Small",
        "<pre>a ``` b\n  c</pre>": "````\na ``` b\n  c\n````",
        "<p>1. not a list, # not a heading, [not](a link), <not a tag> &amp;</p>": (
            "1\\. not a list, \\# not a heading, \\[not\\](a link), \\&"
        ),
        "<p>Wow!</p><p>Hey!<a href='https://a.example/'>x</a></p>": "Wow\\!\n\nHey\\![x](https://a.example/)",
        "<script>alert(1)</script><style>p{}</style><iframe src='x'>f</iframe><p>kept</p>": "kept",
        "<p>a<script>alert(1)</script>b<iframe>c</iframe><b>d<style>e</style></b></p>": "ab**d**",
        "<ul><li>a</li><script>b</script></ul>": "- a",
        "<table><tr><th>a</th><td>b</td></tr><tr><td>c|d</td></tr></table>": "a \\| b\\\nc\\|d",
        "<p><img src='https://a.example/i.png' alt='pic'> <img src='data:x' alt='no'></p>": (
            "![pic](https://a.example/i.png) no"
        ),
        "- dash\n+ plus\n\n=== equals": "\\- dash\\\n\\+ plus\n\n\\=== equals",
    }
    for source, expected in cases.items():
        assert to_markdown(source) == expected, source


def test_html_rendered_from_the_markdown_keeps_structure() -> None:
    rendered = markdown(
        to_markdown('<p>A <a href="https://a.example/">b</a></p><ul><li>c</li></ul><ol><li>d</li></ol>')
    )
    assert rendered == (
        '<p>A <a href="https://a.example/">b</a></p>\n<ul>\n<li>c</li>\n</ul>\n<ol>\n<li>d</li>\n</ol>\n'
    )


def test_nesting_past_any_stack_still_gives_text() -> None:
    deep = "<div>" * 5000 + "deep" + "</div>" * 5000
    assert "deep" in to_markdown(deep)
    assert to_text(deep) == "deep"


def test_descriptions_become_plain_text() -> None:
    assert to_text("<p>Public libraries, <em>reinvented</em>.</p><p>Two<br>lines</p><script>x</script>") == (
        "Public libraries, reinvented.\nTwo\nlines"
    )


def test_a_direction_control_that_nothing_ends_is_dropped_and_said() -> None:
    said: list[str] = []
    channel = read_feed(
        feed("Evil\u202egnp", "Ann", "host", "g-1", "CLGdotTV"), _Reader("feed.xml", log=said.append), "https://x/"
    )
    assert channel.front["title"] == channel.items[0].front["title"] == "Evilgnp"
    dropped = "title: a direction control that nothing ends (it turns round what follows), dropped"
    assert f"warning: feed.xml: {dropped}" in said
