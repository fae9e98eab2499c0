"""Property tests: arbitrary text in any text field, and arbitrary bytes as a transcript, never give a
traceback. Either `check` and `build` succeed, and the feed and pages are well-formed, carry the text
escaped and no markup of its own, or both fail with the field's `PATH:LINE: field: message`, exit 1.

One project is built once (its audio processed and cached: the cache key does not depend on the
text); each example rewrites only the text files it needs and runs `check` and `build` in-process."""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SHOW_YAML, SITE_YAML, cli_ok, episode_text, make_project
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html
from markupsafe import escape
from test_safety_text import NS, assert_plain, assert_safe_feed, assert_safe_html, markup

from clgtv.cli import cli
from clgtv.site import under_heading

EPISODE = "episodes/test-show/2026-10-01-test.md"
SHOW = "episodes/test-show/show.yaml"
SITE = "clgtv.yaml"
TRANSCRIPT = "episodes/test-show/t.vtt"
EPISODE_PAGE = "build/site/test-show/test/index.html"
SHOW_PAGE = "build/site/test-show/index.html"
HOME_PAGE = "build/site/index.html"
FEED = "build/site/test-show/feed.xml"
EMBED_PAGE = "build/site/test-show/test/embed/index.html"
OEMBED = "build/site/test-show/test/oembed.json"
NOTHING = "problem(s) found; nothing was published."
NOTES_LINE = 10  # episode_text: "---", six fields, "---", a blank line, then the notes
BOUNDED = settings(max_examples=20, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

# --- what the contract says each outcome is (written here, independently of clgtv's code) -------------

ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")  # XML's illegal, DEL and C1


def refusal(value: str, limit: int) -> str | None:
    """The message a text field of at most `limit` characters gives for `value`, None when it is kept."""
    kept = value.strip()
    if found := ILLEGAL.search(kept):
        return (
            f"contains the control character U+{ord(found[0]):04X} at character {found.start() + 1}; "
            "delete it (it is often pasted in by accident)"
        )
    if not kept:
        return "is empty; expected text"
    if (left := left_open(kept)) is not None:
        return (
            f"contains the {unicodedata.name(kept[left]).lower()} U+{ord(kept[left]):04X} at character {left + 1}, "
            "and nothing ends it: apps would show the text after it the wrong way round; delete it "
            "(right-to-left words need no such character)"
        )
    if len(kept) > limit:
        return f"is {len(kept)} characters; at most {limit} allowed"
    return None


def left_open(text: str) -> int | None:
    """Where the first direction control that nothing ends is (UAX #9): embeddings and overrides end at
    U+202C, the innermost first, if it is one; isolates at U+2069, with what was opened inside them."""
    stack: list[int] = []
    for at, c in enumerate(text):
        if c in "\u202a\u202b\u202d\u202e\u2066\u2067\u2068":
            stack.append(at)
        elif c == "\u202c" and stack and text[stack[-1]] < "\u2066":
            stack.pop()
        elif c == "\u2069":
            while any(text[i] >= "\u2066" for i in stack):
                if text[stack.pop()] >= "\u2066":
                    break
    return stack[0] if stack else None


def plain(text: str) -> str:
    """A plain-text output: a word joiner after each "<" that an HTML parser would read as a tag."""
    return re.sub(r"<(?=[A-Za-z/!?])", "<\u2060", text)


def quoted(value: str) -> str:
    """`value` as a YAML double-quoted scalar: printable characters as they are, the rest escaped."""

    def one(c: str) -> str:
        raw = (" " <= c <= "~" and c not in '"\\') or (
            c >= "\xa0" and c not in "\u2028\u2029\ufeff\ufffe\uffff" and not "\ud800" <= c <= "\udfff"
        )
        return c if raw else f"\\U{ord(c):08X}"

    return '"' + "".join(map(one, value)) + '"'


# --- text: arbitrary, and built from hostile pieces --------------------------------------------------

PIECES = [
    "<script>", "</p>", "<!--", "-->", "<?", "<!DOCTYPE x>", "<b onclick=x>", "]]>", "<![CDATA[", "&", "&amp;",
    "&lol;", "&#0;", '"', "'", "<", ">", " ", "\n", "\t", "\r", "é", "🎙️", "\u202e", "\u202c",
    "\u2067", "\u2069", "\u200b", "\x00", "\x07",
    "\x1f", "\x85", "\ufffe", "javascript:", "`", "*", "# ", "- ", "[a](javascript:x)", "<http://x>", "\\",
]  # fmt: skip
TEXT = st.one_of(
    st.text(),
    st.lists(st.sampled_from(PIECES), max_size=30).map("".join),
    st.tuples(st.sampled_from(["é", "<b", "x ", "🎙️", " "]), st.integers(1, 2100)).map(lambda t: t[0] * t[1]),
)


# --- the project and one run -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("properties") / "project")
    (root / SITE).write_text(SITE_YAML.replace("http://", "https://"))
    cli_ok(root, "build")
    return root


@pytest.fixture(scope="module", autouse=True)
def environment() -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("CLGTV_BASE_URL", raising=False)
        yield


def invoke(root: Path, *args: str):
    with contextlib.chdir(root):  # paths in messages are relative to where the host runs clgtv
        return CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)


def reset(root: Path, episode: str | None = None, show: str = SHOW_YAML, site: str | None = None) -> None:
    (root / EPISODE).write_text(episode or episode_text())
    (root / SHOW).write_text(show)
    (root / SITE).write_text(site or SITE_YAML.replace("http://", "https://"))
    (root / TRANSCRIPT).unlink(missing_ok=True)


def outcome(root: Path) -> str | None:
    """None when check and build succeed; else the one problem both report (exit 1, nothing else)."""
    check = invoke(root, "check")
    build = invoke(root, "build")
    lines = [line for line in check.output.splitlines() if not line.startswith("warning: ")]
    if check.exit_code == 0:
        assert lines == ["ok: 1 programmes, 1 episodes"], check.output
        assert build.exit_code == 0, build.output
        return None
    assert check.exit_code == build.exit_code == 1, (check.output, build.output)
    assert lines[-1] == f"1 {NOTHING}" and build.output == check.output, (check.output, build.output)
    return lines[0]


# --- every text field --------------------------------------------------------------------------------


def page(root: Path, name: str) -> str:
    source = (root / name).read_bytes().decode()  # not read_text(): that would turn a "\r" into "\n"
    markup(source)  # html.parser reads it through
    return source


def tags(source: str) -> list[str]:
    return [tag for tag, _ in markup(source)]


@dataclass(frozen=True)
class TextField:
    file: str
    line: int
    name: str
    limit: int
    write: Callable[[Path, str], None]  # put a YAML scalar in the field
    feed: str | None  # XPath of its text in the feed
    page: str | None  # a page that shows it (escaped)


def episode_field(key: str) -> Callable[[Path, str], None]:
    def write(root: Path, scalar: str) -> None:
        reset(root, episode_text(**{key: scalar}))

    return write


def episode_block(template: str) -> Callable[[Path, str], None]:
    """Front matter lines (`template` with the scalar in it) added after the standard fields."""

    def write(root: Path, scalar: str) -> None:
        head, body = episode_text().split("\n---\n", 1)
        reset(root, f"{head}\n{template.format(scalar)}---\n{body}")

    return write


def show_field(key: str, written: str | None = None) -> Callable[[Path, str], None]:
    """A field of show.yaml: the line `key: written` replaced, or (not written there) added at the end."""

    def write(root: Path, scalar: str) -> None:
        line = f"{key}: {scalar}"
        reset(root, show=SHOW_YAML.replace(f"{key}: {written}", line) if written else f"{SHOW_YAML}{line}\n")

    return write


def site_title(root: Path, scalar: str) -> None:
    reset(root, site=SITE_YAML.replace("http://", "https://").replace("title: Test site", f"title: {scalar}"))


CHAPTER = 'chapters:\n  - start: "0:00:00"\n    title: {}\n'
FIELDS = {
    "episode title": TextField(EPISODE, 2, "title", 255, episode_field("title"), "channel/item/title", EPISODE_PAGE),
    "summary": TextField(EPISODE, 8, "summary", 4000, episode_field("summary"), "channel/item/description", SHOW_PAGE),
    "person": TextField(
        EPISODE, 9, "people[1].name", 128, episode_block("people:\n  - name: {}\n"),
        "channel/item/podcast:person", EPISODE_PAGE,
    ),
    "chapter": TextField(
        EPISODE, 10, "chapters[1].title", 255, episode_block(CHAPTER), None, EPISODE_PAGE
    ),
    "show title": TextField(SHOW, 1, "title", 255, show_field("title", "Test Programme"), "channel/title", SHOW_PAGE),
    "show description": TextField(
        SHOW, 2, "description", 4000, show_field("description", "A programme for tests."), "channel/description",
        HOME_PAGE,
    ),
    "author": TextField(SHOW, 3, "author", 255, show_field("author", "CLGdotTV"), "channel/itunes:author", None),
    "copyright": TextField(SHOW, 16, "copyright", 255, show_field("copyright"), "channel/copyright", EPISODE_PAGE),
    "site title": TextField(SITE, 1, "title", 255, site_title, None, HOME_PAGE),
}  # fmt: skip


@pytest.fixture(scope="module")
def benign(project: Path) -> dict[str, dict[str, list[str]]]:
    """Each field's pages' tags with a harmless value: hostile text must not add or remove one."""
    found = {}
    for key, field in FIELDS.items():
        field.write(project, '"x"')
        assert outcome(project) is None
        found[key] = {name: tags(page(project, name)) for name in (EPISODE_PAGE, SHOW_PAGE, HOME_PAGE, EMBED_PAGE)}
    return found


@pytest.mark.parametrize("key", FIELDS)
@BOUNDED
@given(value=TEXT)
def test_any_text_in_any_field(project: Path, benign: dict, key: str, value: str) -> None:
    field = FIELDS[key]
    field.write(project, quoted(value))
    result = outcome(project)
    message = refusal(value, field.limit)
    event("refused" if message else "kept")
    if message is not None:
        assert result == f"{field.file}:{field.line}: {field.name}: {message}"
        return
    assert result is None
    kept = value.strip()
    xml = (project / FEED).read_bytes()
    assert_safe_feed(xml)
    if field.feed:
        (text,) = etree.fromstring(xml).xpath(f"{field.feed}/text()", namespaces=NS)
        if field.name in ("summary", "description") and len(plain(kept).encode()) > 4000:
            assert len(text.encode()) <= 4000 and text.endswith("…")
        else:
            assert text == plain(kept)
    for name, expected in benign[key].items():
        assert tags(page(project, name)) == expected, name  # the text added no tag, removed none
    if field.page:
        assert str(escape(kept)) in page(project, field.page)
    assert_shared(project, key, kept)
    if key == "chapter":
        chapters = json.loads((project / "build/site/test-show/test/chapters.json").read_text())
        assert chapters["chapters"][0]["title"] == plain(kept)


# where each field's text appears in the pages' JSON-LD, link-preview tags and the oEmbed document
SHARED: dict[str, Callable[[dict], list[str]]] = {
    "episode title": lambda d: [d["episode"]["name"], d["episode_meta"]["og:title"], d["oembed"]["title"]],
    "summary": lambda d: [d["episode"]["description"]],
    "person": lambda d: [person["name"] for person in d["episode"]["actor"]],
    "show title": lambda d: [d["series"]["name"], d["episode"]["partOfSeries"]["name"], d["series_meta"]["og:title"]],
    "show description": lambda d: [d["series"]["description"]],
    "author": lambda d: [d["series"]["author"]["name"], d["oembed"]["author_name"]],
    "copyright": lambda d: [d["series"]["copyrightNotice"]],
    "site title": lambda d: [d["oembed"]["provider_name"], d["series_meta"]["og:site_name"]],
}


def strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return [value] if isinstance(value, str) else []


def assert_shared(root: Path, key: str, kept: str) -> None:
    """Every link-preview tag, JSON-LD string and oEmbed field is plain text; the JSON-LD could not end
    its script element; and the field's text is there exactly as plain-text fields carry it."""
    found: dict[str, dict] = {}
    for name, page_name in (("episode", EPISODE_PAGE), ("series", SHOW_PAGE), ("home", HOME_PAGE)):
        doc = lxml_html.fromstring((root / page_name).read_bytes())
        tags = {t.get("property") or t.get("name"): t.get("content") for t in doc.xpath("//head/meta[@content]")}
        found[f"{name}_meta"] = tags
        for content in tags.values():
            assert_plain(content)
        for script in doc.xpath("//script[@type='application/ld+json']"):
            assert not set("<>&") & set(script.text), script.text
            found[name] = json.loads(script.text)
            for text in strings(found[name]):
                assert_plain(text)
    found["oembed"] = json.loads((root / OEMBED).read_bytes())
    assert [tag for tag, _ in markup(found["oembed"]["html"])] == ["iframe", "/iframe"]
    for name, text in found["oembed"].items():
        if name != "html":
            assert_plain(str(text))
    if key in SHARED:
        assert SHARED[key](found) and set(SHARED[key](found)) == {plain(kept)}, SHARED[key](found)


# --- the show notes: free Markdown ---------------------------------------------------------------------


def notes_refusal(notes: str) -> str | None:
    """Show notes are refused at the first line holding a character XML cannot carry."""
    for number, line in enumerate(notes.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=NOTES_LINE):
        if found := ILLEGAL.search(line):
            return (
                f"{EPISODE}:{number}: notes: contains the control character U+{ord(found[0]):04X} at character "
                f"{found.start() + 1}; delete it (it is often pasted in by accident)"
            )
    return None


@BOUNDED
@given(notes=TEXT)
def test_any_show_notes(project: Path, notes: str) -> None:
    reset(project, episode_text().replace("Show notes for the test.", notes))
    result = outcome(project)
    message = notes_refusal(notes)
    event("refused" if message else "kept")
    if message is not None:
        assert result == message
        return
    assert result is None
    xml = (project / FEED).read_bytes()
    assert_safe_feed(xml)
    channel = etree.fromstring(xml).find("channel")
    notes_html = channel.findtext("item/content:encoded", namespaces=NS) or ""
    assert_safe_html(notes_html)
    assert under_heading(notes_html) in page(project, EPISODE_PAGE)  # the same safe HTML, under "Show notes"
    assert_plain(channel.findtext("item/description") or "")


# --- transcripts: any bytes ------------------------------------------------------------------------------


def transcript_outcome(root: Path, data: bytes) -> None:
    reset(root, episode_text(transcript="t.vtt"))
    (root / TRANSCRIPT).write_bytes(data)
    check = invoke(root, "check")
    build = invoke(root, "build")
    event("refused" if check.exit_code else "kept")
    if check.exit_code:
        (problem, last) = check.output.splitlines()
        assert problem.startswith(f"{EPISODE}:8: transcript: ") and last == f"1 {NOTHING}", check.output
        message = problem.removeprefix(f"{EPISODE}:8: transcript: ")
        assert (build.exit_code, build.output) == (1, f"error: {TRANSCRIPT}: {message}\n")
        return
    assert build.exit_code == 0, build.output
    folder = root / "build/site/test-show/test"
    vtt, srt = (folder / "transcript.vtt").read_text(), (folder / "transcript.srt").read_text()
    cues = len(re.findall(r"^\d+\n[\d:,]+ --> [\d:,]+$", srt, re.MULTILINE))
    assert vtt.count("-->") == srt.count("-->") == cues  # no cue text reads as a timing line
    assert_plain(srt)
    assert {tag for tag, _ in markup(vtt)} <= {"v"}  # voice tags only
    assert not ILLEGAL.search(vtt + srt)
    paragraphs = etree.HTML((folder / "index.html").read_bytes()).xpath("//div[@class='transcript']/p")
    assert len(paragraphs) == cues


TIMED = b"WEBVTT\n\n00:00.000 --> 00:01.000\n"


@BOUNDED
@given(data=st.one_of(st.binary(max_size=2048), st.binary(max_size=64).map(TIMED.__add__)))
def test_any_bytes_as_a_transcript(project: Path, data: bytes) -> None:
    transcript_outcome(project, data)


CUE = st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.booleans(), TEXT)


@BOUNDED
@given(cues=st.lists(CUE, min_size=1, max_size=5), bom=st.booleans(), crlf=st.booleans())
def test_any_text_in_transcript_cues(project: Path, cues: list, bom: bool, crlf: bool) -> None:
    def stamp(ms: int) -> str:
        return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"

    blocks = [f"{stamp(a)} --> {stamp(b)}\n{'<v ' + text + '>' if voice else ''}{text}" for a, b, voice, text in cues]
    text = "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"
    data = ("\ufeff" if bom else "") + (text.replace("\n", "\r\n") if crlf else text)
    transcript_outcome(project, data.encode())
