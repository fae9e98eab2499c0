"""Hostile text in every field and transcript: each output carries no markup a reader could render as a tag,
never a character XML refuses, and exactly what the host wrote otherwise (or a typed error at its line)."""

from __future__ import annotations

import io
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import podcastparser
import pytest
from conftest import SHOW_YAML, cli_ok, episode_text, make_project
from lxml import etree
from lxml import html as lxml_html

from clgtv.lint import NO_TRANSCRIPT
from clgtv.notes import markdown

EPISODE = "episodes/test-show/2026-10-01-test.md"
SHOW = "episodes/test-show/show.yaml"
PAGE = "build/site/test-show/test/"
FEED = "build/site/test-show/feed.xml"
BASE = "https://podcasts.test/"
WJ = "\u2060"  # the word joiner that follows a "<" where a tag could open
NS = {
    "podcast": "https://podcastindex.org/namespace/1.0",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
}
CONTENT = f"{{{NS['content']}}}encoded"
PODCAST = f"{{{NS['podcast']}}}"
URL_ATTRIBUTES = {"url", "href", "img"}
# what markdown-it's "js-default" renderer may write; anything else in an HTML field is injected
HTML_TAGS = {"p", "a", "ul", "ol", "li", "em", "strong", "code", "pre", "br", "blockquote", "hr", "img", "s"}
HTML_TAGS |= {"h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"}
NOTHING = "problem(s) found; nothing was published."
CONTROL = "delete it (it is often pasted in by accident)"


# --- helpers -------------------------------------------------------------------------------------


class Markup(HTMLParser):
    """Every tag, comment, declaration or processing instruction an HTML parser finds in a string."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.found.append((f"/{tag}", {}))

    def handle_comment(self, data: str) -> None:
        self.found.append(("!--", {}))

    def handle_decl(self, decl: str) -> None:
        self.found.append(("!", {}))

    def unknown_decl(self, data: str) -> None:
        self.found.append(("![", {}))

    def handle_pi(self, data: str) -> None:
        self.found.append(("?", {}))


def markup(text: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Markup()
    parser.feed(text)
    parser.close()
    return parser.found


def assert_plain(text: str) -> None:
    """A plain-text field: an HTML parser finds nothing but text in it."""
    assert markup(text) == [], repr(text)


def assert_safe_html(text: str) -> None:
    """An HTML field: markdown-it's tags only, no event handlers, no script URLs."""
    for tag, attrs in markup(text):
        assert tag.lstrip("/") in HTML_TAGS, (tag, text)
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("href", "src"):
            assert not (attrs.get(name) or "").strip().lower().startswith(("javascript:", "vbscript:")), attrs


def reader_texts(xml: bytes) -> tuple[list[str], list[str]]:
    """(plain-text fields, HTML fields) of a feed as lxml, feedparser and podcastparser give them."""
    plain, rich = [], []
    for element in etree.fromstring(xml).iter():
        if isinstance(element.tag, str):
            (rich if element.tag == CONTENT else plain).append(element.text or "")
            plain += [value for name, value in element.attrib.items() if name not in URL_ATTRIBUTES]
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.bozo_exception
    plain += [parsed.feed.get(key, "") for key in ("title", "subtitle", "rights", "author")]
    for entry in parsed.entries:
        plain += [entry.title, entry.get("summary", "")]
        rich += [content.value for content in entry.get("content", [])]
    gpodder = podcastparser.parse(BASE + "test-show/feed.xml", io.BytesIO(xml))
    plain += [gpodder.get("title", ""), gpodder.get("description", "")]
    for episode in gpodder["episodes"]:
        plain += [episode["title"], episode["description"]]
        rich.append(episode.get("description_html", ""))
    return plain, rich


def assert_safe_feed(xml: bytes) -> None:
    plain, rich = reader_texts(xml)
    for text in plain:
        assert_plain(text)
    for text in rich:
        assert_safe_html(text)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project built once (its audio processed and cached); each test works on a copy."""
    root = make_project(tmp_path_factory.mktemp("text") / "project")
    (root / "clgtv.yaml").write_text((root / "clgtv.yaml").read_text().replace("http://", "https://"))
    cli_ok(root, "build")
    return root


@pytest.fixture
def project(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    shutil.copytree(built, root, symlinks=True)
    monkeypatch.chdir(root)  # paths in messages are relative to where the host runs clgtv
    monkeypatch.delenv("CLGTV_BASE_URL", raising=False)
    return root


def write_episode(project: Path, extra: str = "", notes: str = "Show notes for the test.", **fields: object) -> None:
    head, body = episode_text(**fields).split("\n---\n", 1)
    (project / EPISODE).write_text(f"{head}\n{extra}---\n{body.replace('Show notes for the test.', notes)}")


def build(run, project: Path, allowed: frozenset[str] = frozenset()) -> tuple[etree._Element, lxml_html.HtmlElement]:
    """Check and build (both must succeed); the feed's one item, and the episode page."""
    for command in ("check", "build"):
        result = run(project, command)
        assert result.exit_code == 0, result.output
        # the warnings allowed: no transcript (the test programme turns transcription off), and `allowed`
        warnings = {line for line in result.output.splitlines() if "warning" in line}
        assert warnings <= {f"warning: {EPISODE}:4: transcript: {NO_TRANSCRIPT}", *allowed}, result.output
    xml = (project / FEED).read_bytes()
    assert_safe_feed(xml)
    page = lxml_html.fromstring((project / PAGE / "index.html").read_bytes())
    return etree.fromstring(xml).find("channel/item"), page


def problems(run, project: Path) -> list[str]:
    """The problems of a check that must fail (exit 1); build must fail the same way, publishing nothing."""
    check = run(project, "check")
    assert check.exit_code == 1, check.output
    *found, last = check.output.splitlines()
    assert last.endswith(NOTHING)
    rebuilt = run(project, "build")
    assert rebuilt.exit_code == 1 and rebuilt.output == check.output
    return found


def text_of(node: etree._Element, path: str) -> str:
    (found,) = node.xpath(path, namespaces=NS)
    return str(found)


def meta_description(page: lxml_html.HtmlElement) -> str:
    (content,) = page.xpath("//meta[@name='description']/@content")
    return content


def transcript(project: Path, name: str, data: bytes, **fields: object) -> None:
    (project / "episodes/test-show" / name).write_bytes(data)
    write_episode(project, transcript=name, **fields)


def outputs(project: Path) -> tuple[str, str, list[str]]:
    """The published WebVTT and SRT, and the page's transcript paragraphs as text."""
    page = lxml_html.fromstring((project / PAGE / "index.html").read_bytes())
    paragraphs = [p.text_content() for p in page.xpath("//div[@class='transcript']/p")]
    return (project / PAGE / "transcript.vtt").read_text(), (project / PAGE / "transcript.srt").read_text(), paragraphs


# --- injection into every field ------------------------------------------------------------------


def test_a_script_in_the_summary_reaches_no_reader_as_a_tag(run, project: Path) -> None:
    write_episode(project, summary="'Hi <script>alert(1)</script> & <b>bold</b> 1 < 2'")
    item, page = build(run, project)
    expected = f"Hi <{WJ}script>alert(1)<{WJ}/script> & <{WJ}b>bold<{WJ}/b> 1 < 2"
    assert text_of(item, "description/text()") == expected
    xml = (project / FEED).read_bytes()
    assert b"&lt;\xe2\x81\xa0script&gt;" in xml  # the XML layer escapes, and the word joiner survives it
    assert feedparser.parse(xml).entries[0].summary == expected
    assert podcastparser.parse(BASE, io.BytesIO(xml))["episodes"][0]["description"] == expected
    assert meta_description(page) == expected
    assert_plain(meta_description(page))


def test_html_and_js_in_the_title(run, project: Path) -> None:
    title = """<img src=x onerror=alert(1)>"Quotes" & 'apostrophes' ]]> <!-- -->"""
    write_episode(project, title=json.dumps(title))
    item, page = build(run, project)
    shown = f"""<{WJ}img src=x onerror=alert(1)>"Quotes" & 'apostrophes' ]]> <{WJ}!-- -->"""
    assert text_of(item, "title/text()") == text_of(item, "itunes:title/text()") == shown
    assert page.xpath("//h1")[0].text_content() == title  # the page escapes it: shown exactly as written
    source = (project / PAGE / "index.html").read_text()
    escaped = "&lt;img src=x onerror=alert(1)&gt;&#34;Quotes&#34; &amp; &#39;apostrophes&#39; ]]&gt; &lt;!-- --&gt;"
    assert escaped in source
    assert not page.xpath("//img[@onerror]")


def test_notes_with_raw_html_script_links_and_a_cdata_breaker(run, project: Path) -> None:
    notes = (
        "Code ]]> and <![CDATA[ x ]]>\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) [ok](https://example.org/?a=1&b=2)"
    )
    write_episode(project, notes=notes)
    item, page = build(run, project)
    assert text_of(item, "content:encoded/text()") == (
        "<p>Code ]]&gt; and &lt;![CDATA[ x ]]&gt;</p>\n<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
        "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"
        '<p>[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) <a href="https://example.org/?a=1&amp;b=2">ok</a></p>\n'
    )
    assert text_of(item, "description/text()") == (
        f"Code ]]> and <{WJ}![CDATA[ x ]]> <{WJ}script>alert(1)<{WJ}/script> <{WJ}img src=x onerror=alert(1)> "
        "[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) ok"
    )
    notes_section = page.xpath("//section[@class='notes']")[0]
    assert [a.get("href") for a in notes_section.iter("a")] == ["https://example.org/?a=1&b=2"]
    assert not page.xpath(f"{INLINE_CODE} | //*[@onerror]")
    assert_inert_json_ld(page)


# an inline script that runs; the page's one inline script is JSON-LD, data (clgtv.sharing.script_json)
INLINE_CODE = "//script[not(@src)][not(@type='application/ld+json')]"


def assert_inert_json_ld(page) -> dict:
    """The page's JSON-LD block: one, with nothing an HTML parser could take for markup, and valid JSON."""
    (script,) = page.xpath("//script[@type='application/ld+json']")
    assert not {"<", ">", "&"} & set(script.text) and len(script) == 0
    return json.loads(script.text)


def test_notes_without_text_leave_the_description_blank_not_html(run, project: Path) -> None:
    write_episode(project, notes="> \n\n---\n\n![](https://example.org/a.png)")
    check = run(project, "check")
    assert (check.exit_code, check.output) == (
        0,
        f"warning: {EPISODE}:1: summary: the episode has no <description>; add a summary or show notes\n"
        f"warning: {EPISODE}:4: transcript: {NO_TRANSCRIPT}\n"
        "ok: 1 programmes, 1 episodes\n",
    )
    assert run(project, "build").exit_code == 0
    item = etree.parse(str(project / FEED)).find("channel/item")
    assert item.findtext("description") == " "  # feedgen would have put the notes' HTML there
    assert text_of(item, "content:encoded/text()") == (
        '<blockquote></blockquote>\n<hr>\n<p><img src="https://example.org/a.png" alt=""></p>\n'
    )
    assert_safe_feed((project / FEED).read_bytes())


def test_people_name_and_role_with_markup(run, project: Path) -> None:
    people = (
        "people:\n"
        '  - name: "<b onmouseover=alert(1)>Ann</b> & Co"\n'
        '    role: "</role><script>x</script>"\n'
        "    href: 'https://example.org/?a=1&b=2'\n"
    )
    write_episode(project, extra=people)
    unknown = (
        f"warning: {EPISODE}:8: people: '</role><script>x</script>' is not a role in the Podcast Taxonomy, so podcast "
        "apps may not show it; on a panel, use host, co-host, guest host or guest (the README lists the rest)"
    )
    item, page = build(run, project, frozenset({unknown}))
    (person,) = item.findall(f"{PODCAST}person")
    assert person.text == f"<{WJ}b onmouseover=alert(1)>Ann<{WJ}/b> & Co"
    assert person.get("role") == f"<{WJ}/role><{WJ}script>x<{WJ}/script>"
    assert person.get("href") == "https://example.org/?a=1&b=2"  # one attribute, escaped
    (link,) = page.xpath("//ul[@class='people']//a")
    assert (link.text_content(), link.get("href")) == ("<b onmouseover=alert(1)>Ann</b> & Co", person.get("href"))
    assert page.xpath("//ul[@class='people']//span[@class='role']")[0].text_content() == "</role><script>x</script>"
    assert not page.xpath(f"{INLINE_CODE} | //*[@onmouseover]")
    data = assert_inert_json_ld(page)
    assert [(p["name"], p["jobTitle"]) for p in data["creator"]] == [(person.text, person.get("role"))]


def test_chapter_titles_in_chapters_json_and_the_page(run, project: Path) -> None:
    chapters = (
        "chapters:\n"
        '  - start: "0:00:00"\n    title: "</script><script>alert(\'x\')</script>"\n'
        '  - start: "0:00:02"\n    title: "a<b & c>d 🎙️"\n    url: https://example.org/?q=%3Ci%3E&x=1\n'
    )
    write_episode(project, extra=chapters)
    _, page = build(run, project)
    assert json.loads((project / PAGE / "chapters.json").read_text()) == {
        "version": "1.2.0",
        "chapters": [
            {"startTime": 0.0, "title": f"<{WJ}/script><{WJ}script>alert('x')<{WJ}/script>"},
            {"startTime": 2.0, "title": f"a<{WJ}b & c>d 🎙️", "url": "https://example.org/?q=%3Ci%3E&x=1"},
        ],
    }
    spans = [span.text_content() for span in page.xpath("//ol[@class='chapters']//span[@dir='auto']")]
    assert spans == ["</script><script>alert('x')</script>", "a<b & c>d 🎙️"]
    assert page.xpath("//ol[@class='chapters']//a/@href") == ["https://example.org/?q=%3Ci%3E&x=1"]


def test_show_fields_funding_location_and_copyright(run, project: Path) -> None:
    (project / SHOW).write_text(
        SHOW_YAML.replace("title: Test Programme", 'title: "Test <i>Programme</i>"')
        .replace("description: A programme for tests.", 'description: "A <em>programme</em> for tests"')
        .replace("author: CLGdotTV", 'author: "CLG<script>x</script>"')
        + 'copyright: "© 2026 <a href=x>CLG</a>"\n'
        + 'funding:\n  - url: https://example.org/give\n    text: "Give <blink>now</blink>"\n'
        + 'location:\n  name: "Rochdale <svg onload=alert(1)>"\n'
    )
    write_episode(project)
    item, page = build(run, project)
    channel = item.getparent()
    expected = {
        "title/text()": f"Test <{WJ}i>Programme<{WJ}/i>",
        "description/text()": f"A <{WJ}em>programme<{WJ}/em> for tests",
        "itunes:title/text()": f"Test <{WJ}i>Programme<{WJ}/i>",
        "image/title/text()": f"Test <{WJ}i>Programme<{WJ}/i>",
        "itunes:author/text()": f"CLG<{WJ}script>x<{WJ}/script>",
        "copyright/text()": f"© 2026 <{WJ}a href=x>CLG<{WJ}/a>",
        "podcast:funding/text()": f"Give <{WJ}blink>now<{WJ}/blink>",
        "podcast:location/text()": f"Rochdale <{WJ}svg onload=alert(1)>",
    }
    assert {path: text_of(channel, path) for path in expected} == expected
    assert page.xpath("//footer")[0].text_content().strip() == "© 2026 <a href=x>CLG</a>"
    show_page = lxml_html.fromstring((project / "build/site/test-show/index.html").read_bytes())
    assert meta_description(show_page) == f"A <{WJ}em>programme<{WJ}/em> for tests"
    assert show_page.xpath("//p[@class='lead']")[0].text_content() == "A <em>programme</em> for tests"
    assert page.xpath("//nav/a")[0].text_content() == "Test <i>Programme</i>"
    assert not page.xpath("//blink | //svg | //footer//a")


def test_entity_bombs_and_a_doctype_stay_text(run, project: Path) -> None:
    bomb = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]> &lol2; &amp; &#0; &#x202E;'
    write_episode(project, summary=json.dumps(bomb))
    item, _ = build(run, project)
    root = etree.parse(str(project / FEED))
    assert root.docinfo.doctype == "" and not list(root.iter(etree.Entity))
    assert text_of(item, "description/text()") == bomb.replace("<!", f"<{WJ}!")  # references kept as written


def test_a_title_of_255_characters_of_tags_still_builds(run, project: Path) -> None:
    write_episode(project, title=json.dumps("<b>" * 85))
    item, page = build(run, project)  # Apple's 255 characters count what a listener sees, not the word joiners
    assert text_of(item, "title/text()") == f"<{WJ}b>" * 85
    assert page.xpath("//h1")[0].text_content() == "<b>" * 85


def test_bidi_override_zero_width_and_emoji_kept_exactly(run, project: Path) -> None:
    title = "Evil\u202egnp.exe\u202c \u2067שלום \u202bend\u2069 \u200bzero\u200dwidth \ufeff 👩🏽‍💻🇬🇧 e\u0301"
    write_episode(project, title=json.dumps(title, ensure_ascii=False))
    item, page = build(run, project)
    assert text_of(item, "title/text()") == title
    assert page.xpath("//h1")[0].text_content() == title
    assert page.xpath("//h1/@dir") == ["auto"]


@pytest.mark.parametrize(
    ("title", "found"),
    [
        ("Evil\u202egnp.exe", "right-to-left override U+202E at character 5"),
        ("\u2067שלום\u202c and after", "right-to-left isolate U+2067 at character 1"),  # ended by the wrong kind
        ("a \u202bb \u2066c\u2069", "right-to-left embedding U+202B at character 3"),
        ("\u202ba \u2067b \u202dc\u2069", "right-to-left embedding U+202B at character 1"),  # the isolate ends its own
    ],
)
def test_a_direction_control_that_nothing_ends_is_refused(run, project: Path, title: str, found: str) -> None:
    """It would turn around whatever an app or page shows after the title: ' · CLGdotTV' in the tab."""
    write_episode(project, title=json.dumps(title, ensure_ascii=False))
    assert problems(run, project) == [
        f"{EPISODE}:2: title: contains the {found}, and nothing ends it: apps would show the text after it "
        "the wrong way round; delete it (right-to-left words need no such character)"
    ]


def test_a_summary_at_the_limit_in_multibyte_text_fits_apples_4000_bytes(run, project: Path) -> None:
    write_episode(project, summary=json.dumps("ü<b " * 999 + "ü<bb"))  # 4,000 characters
    item, _ = build(run, project)
    description = text_of(item, "description/text()")
    assert description == " ".join([f"ü<{WJ}b"] * 499) + "…"  # cut at a word, never half a character
    assert len(description.encode()) == 3994
    write_episode(project, summary=json.dumps("ü<b " * 1000 + "x"))
    assert problems(run, project) == [f"{EPISODE}:8: summary: is 4001 characters; at most 4000 allowed"]


def test_script_urls_are_refused_at_their_lines(run, project: Path) -> None:
    extra = (
        "people:\n  - name: Ann\n    href: javascript:alert(1)\n    img: 'data:image/svg+xml,<svg onload=x>'\n"
        'chapters:\n  - start: "0:00:00"\n    title: One\n    url: "JaVaScRiPt:alert(1)"\n'
    )
    write_episode(project, extra=extra)
    (project / SHOW).write_text(SHOW_YAML + "funding:\n  - url: vbscript:msgbox(1)\n    text: Give\n")
    web = "expected a web address starting with https:// or http://, got"
    assert problems(run, project) == [
        f"{EPISODE}:10: people[1].href: {web} 'javascript:alert(1)'",
        f"{EPISODE}:11: people[1].img: {web} 'data:image/svg+xml,<svg onload=x>'",
        f"{EPISODE}:15: chapters[1].url: {web} 'JaVaScRiPt:alert(1)'",
        f"{SHOW}:17: funding[1].url: {web} 'vbscript:msgbox(1)'",
    ]
    assert not (project / "build/site.new").exists()
    assert b"javascript" not in (project / FEED).read_bytes()  # the last good build is untouched


# --- transcripts ---------------------------------------------------------------------------------


def test_a_webvtt_with_script_cues_and_voice_tags_with_markup(run, project: Path) -> None:
    vtt = (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:01.000\n<v &lt;b&gt;Bob&lt;/b&gt; &amp; Ann>&lt;script&gt;alert(1)&lt;/script&gt;\n\n"
        "00:00:01.000 --> 00:00:02.000\n"
        "<c.x><script>raw</script></c> <b onclick=x>bold</b> 1 &lt; 2 &#1;&#x0C;&#x81;\n\n"
        "00:00:02.000 --> 00:00:03.000\n<v.loud Tom &amp; Jerry>--&gt; 00:00:09.000 &amp;lol;\n"
    )
    transcript(project, "hostile.vtt", vtt.encode())
    build(run, project)
    assert outputs(project) == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:01.000\n<v &lt;b&gt;Bob&lt;/b&gt; &amp; Ann>&lt;script&gt;alert(1)&lt;/script&gt;\n\n"
        "00:00:01.000 --> 00:00:02.000\nraw bold 1 &lt; 2\n\n"
        "00:00:02.000 --> 00:00:03.000\n<v Tom &amp; Jerry>--&gt; 00:00:09.000 &amp;lol;\n",
        f"1\n00:00:00,000 --> 00:00:01,000\n<{WJ}b>Bob<{WJ}/b> & Ann: <{WJ}script>alert(1)<{WJ}/script>\n\n"
        "2\n00:00:01,000 --> 00:00:02,000\nraw bold 1 < 2\n\n"
        f"3\n00:00:02,000 --> 00:00:03,000\nTom & Jerry: --{WJ}> 00:00:09.000 &lol;\n",
        [
            "0:00:00 <b>Bob</b> & Ann: <script>alert(1)</script>",
            "0:00:01 raw bold 1 < 2",
            "0:00:02 Tom & Jerry: --> 00:00:09.000 &lol;",
        ],
    )
    vtt_out, srt_out, _ = outputs(project)
    assert_plain(srt_out)
    assert [tag for tag, _ in markup(vtt_out)] == ["v", "v"]  # voice tags only, as WebVTT wants


def test_an_srt_with_html_tags_and_arrows_in_its_text(run, project: Path) -> None:
    srt = (
        "1\r\n00:00:00,000 --> 00:00:01,500\r\n<font color=red><b>Loud</b></font> <i onmouseover=x>it</i>\r\n\r\n"
        "2\r\n00:00:01,500 --> 00:00:03,000\r\nsee 00:00:05,000 --> 00:00:06,000 here\r\n-> and --> & <!-- x\r\n"
    )
    transcript(project, "hostile.srt", srt.encode())
    build(run, project)
    vtt, out, paragraphs = outputs(project)
    assert out == (
        "1\n00:00:00,000 --> 00:00:01,500\nLoud it\n\n"
        f"2\n00:00:01,500 --> 00:00:03,000\nsee 00:00:05,000 --{WJ}> 00:00:06,000 here\n-> and --{WJ}> & <{WJ}!-- x\n"
    )
    assert out.count("-->") == 2 and vtt.count("-->") == 2  # only the timing lines
    assert vtt == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nLoud it\n\n"
        "00:00:01.500 --> 00:00:03.000\nsee 00:00:05,000 --&gt; 00:00:06,000 here\n-&gt; and --&gt; &amp; &lt;!-- x\n"
    )
    assert paragraphs[1] == "0:00:01 see 00:00:05,000 --> 00:00:06,000 here\n-> and --> & <!-- x"


def test_a_speaker_ending_in_a_dash_writes_no_arrow(run, project: Path) -> None:
    transcript(project, "dash.vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\n<v Jean-->Bonjour\n")
    build(run, project)
    assert outputs(project) == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v Jean-- >Bonjour\n",
        "1\n00:00:00,000 --> 00:00:01,000\nJean--: Bonjour\n",
        ["0:00:00 Jean--: Bonjour"],
    )


def test_a_transcript_with_nul_bytes_control_characters_and_a_bom(run, project: Path) -> None:
    data = b"\xef\xbb\xbfWEBVTT\n\n00:00:00.000 --> 00:00:01.000\nnul\x00 bell\x07 esc\x1b[31m \xef\xbf\xbf\n\x00\n\n"
    data += b"00:00:01.000 --> 00:00:02.000\rlone\rcarriage returns\n"
    transcript(project, "nul.vtt", data)
    build(run, project)
    assert outputs(project)[:2] == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nnul bell esc[31m\n\n"
        "00:00:01.000 --> 00:00:02.000\nlone\ncarriage returns\n",
        "1\n00:00:00,000 --> 00:00:01,000\nnul bell esc[31m\n\n"
        "2\n00:00:01,000 --> 00:00:02,000\nlone\ncarriage returns\n",
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "latin1.vtt",
            "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nCafé\n".encode("latin-1"),
            "is not UTF-8 text (byte 0xE9 at offset 41); save it as UTF-8",
        ),
        (
            "utf16.srt",
            "1\n00:00:00,000 --> 00:00:01,000\nHi\n".encode("utf-16"),
            "is not UTF-8 text (byte 0xFF at offset 0); save it as UTF-8",
        ),
        (
            "digits.srt",  # hours of 5,000 digits once made int() refuse the number: a traceback
            b"1\n" + b"9" * 5000 + b":00:00,000 --> 00:00:01,000\nHi\n",
            "no cues found; expected WebVTT or SRT timings like 00:00:01.000 --> 00:00:04.000",
        ),
    ],
)
def test_an_unreadable_transcript_names_the_file(run, project: Path, name: str, data: bytes, message: str) -> None:
    transcript(project, name, data)
    check = run(project, "check")
    assert (check.exit_code, check.output) == (1, f"{EPISODE}:8: transcript: {message}\n1 {NOTHING}\n")
    built = run(project, "build")
    assert (built.exit_code, built.output) == (1, f"error: episodes/test-show/{name}: {message}\n")
    assert b"<item>" in (project / FEED).read_bytes()  # the last good build is untouched


def test_markdown_drops_what_xml_cannot_carry() -> None:
    assert markdown("bell\x07 nul\x00 \ufffe\uffff C1\x85 `code\x1b`") == "<p>bell nul  C1 <code>code</code></p>\n"


CUE = "00:00:01.000 --> 00:00:02.000\nOne.\n\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (f"{CUE}an afterthought\n2\n00:00:03.000 --> 00:00:04.000\nx\n", "line 4: 'an afterthought' comes before the"
         " cue's timing line; put a blank line between them"),
        (f"1\n{CUE}second paragraph of cue one\n", "line 5: 'second paragraph of cue one' has no timing line, so it"
         " belongs to no cue (a blank line ends a cue): join it to the cue above, or give it a timing line like"
         " 00:00:01.000 --> 00:00:04.000"),
        (f"{CUE}00:00:07,5 --> 00:00:08,000\nshort\n", "line 4: '00:00:07,5 --> 00:00:08,000' has no timing line,"
         " so it belongs to no cue (a blank line ends a cue): join it to the cue above, or give it a timing line"
         " like 00:00:01.000 --> 00:00:04.000"),
        (f"WEBVTT\n\n{CUE}00:00:99.000 --> 00:01:00.000\nx\n", "line 6: 00:00:99.000 --> 00:01:00.000 is no time:"
         " minutes and seconds run to 59"),
        (f"{CUE}00:00:05.000 --> 00:00:02.000\nx\n", "line 4: the cue ends (00:00:02.000) before it starts"
         " (00:00:05.000)"),
        (f"00:00:20.000 --> 00:00:25.000\nlate\n\n{CUE}", "line 4: the cue starts before the one above it"
         " (00:00:20.000); put the cues in order of time"),
        (f"{CUE}00:00:03.000 --> 00:00:04.000\none\n00:00:05.000 --> 00:00:06.000\ntwo\n", "line 4: a second"
         " timing line inside one cue; put a blank line before it"),
        (f"{CUE}00:00:03.000 --> 00:00:04.000\n<v Ann>first\n<v Bob>second\n", "line 4: two voices in one cue"
         " (<v …> twice); give each speaker a cue of their own"),
    ],
    ids=["text-before-a-timing", "untimed-paragraph", "short-milliseconds", "99-seconds", "ends-before-it-starts",
         "out-of-order",
         "two-cues-one-block", "two-voices"],
)  # fmt: skip
def test_what_a_host_wrote_in_a_transcript_is_never_dropped_silently(
    run, project: Path, text: str, problem: str
) -> None:
    transcript(project, "t.srt", text.encode())
    check = run(project, "check")
    assert (check.exit_code, check.output) == (1, f"{EPISODE}:8: transcript: {problem}\n1 {NOTHING}\n")
    built = run(project, "build")
    assert (built.exit_code, built.output) == (1, f"error: episodes/test-show/t.srt: {problem}\n")


def test_a_less_than_sign_and_a_note_with_times_in_it_are_read_as_the_host_meant(run, project: Path) -> None:
    note = "NOTE copied from the old file:\n00:00:30.000 --> 00:00:31.000\nold note line\n\n"
    transcript(
        project, "t.vtt", f"WEBVTT\n\n{note}00:00:01.000 --> 00:00:04.000\nIf x < 5 and y > 3 then stop\n".encode()
    )
    build(run, project)
    vtt, srt, page = outputs(project)
    assert vtt == "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nIf x &lt; 5 and y &gt; 3 then stop\n"
    assert srt == "1\n00:00:01,000 --> 00:00:04,000\nIf x < 5 and y > 3 then stop\n"
    assert page == ["0:00:01 If x < 5 and y > 3 then stop"]
