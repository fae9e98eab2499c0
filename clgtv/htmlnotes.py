"""Show notes from other platforms: their HTML (or plain text) as the Markdown clgtv's notes are written in.

Kept: paragraphs, line breaks, links (http, https and mailto only), bold, italic, strikethrough,
inline code and code blocks, headings, quotes, lists (nested, numbered from their `start`), images
with a web address, rules; a table becomes one line per row. Dropped with their content: scripts,
styles, frames, forms, embedded media. Any other tag is dropped and its text kept. All text is
escaped, so markdown-it (clgtv.notes) shows it as the feed had it: a `*` stays a star, and a `<b>`
written as text stays text.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from dataclasses import dataclass

import lxml.html
from lxml import etree

from clgtv.feed import legal

# an HTML fragment is data: no network, no DTD, libxml2's size and depth limits kept
_PARSER = lxml.html.HTMLParser(
    no_network=True, huge_tree=False, remove_comments=True, remove_pis=True, recover=True, default_doctype=False
)
_DROP = "script style iframe frame frameset object embed form noscript template head title svg math audio video"
DROP = frozenset(f"{_DROP} button select textarea input canvas".split(" "))
_BLOCK = "p div section article header footer main aside nav figure figcaption address center details summary"
BLOCK = frozenset(f"{_BLOCK} dl dt dd body html".split(" "))
HEADINGS = {f"h{n}": max(2, n) for n in range(1, 7)}  # the page's own title is the only h1
STRUCTURE = BLOCK | set(HEADINGS) | {"ul", "ol", "li", "blockquote", "pre", "hr", "table", "tr"}
EMPHASIS = {"strong": "**", "b": "**", "em": "*", "i": "*", "del": "~~", "s": "~~", "strike": "~~"}
LINK_SCHEMES = ("http://", "https://", "mailto:")
BREAK = "\x00"  # a hard line break while inline text is assembled (NUL never survives legal())
MAX_DEPTH = 250
MARK = "\ufdd0"  # a line break in a tree (lxml refuses NUL); a noncharacter, taken out of the text first

_ESCAPED = re.compile(r"([\\`*_\[\]<>#|~&])")
_LINE_START = re.compile(r"^(?:(?P<mark>[-+=])|(?P<digits>\d{1,9})(?P<dot>[.)]))", re.M)
_HTML = re.compile(r"<[A-Za-z!/]|&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")
_SPACE = re.compile(r"[ \t\n\r\f]+")
_EDGES = re.compile(r"(?P<lead>[\s\x00]*)(?P<core>.*?)(?P<trail>[\s\x00]*)", re.S)  # Unicode spaces too


@dataclass(frozen=True)
class Block:
    text: str
    kind: str = "paragraph"  # or "list"


def to_markdown(source: str) -> str:
    """Show notes from a feed (HTML, or plain text with blank lines between paragraphs) as Markdown."""
    source = legal(source).strip()
    if not source:
        return ""
    if not _HTML.search(source):
        return _plain(source)
    try:
        root = lxml.html.fragment_fromstring(source, create_parent="div", parser=_PARSER)
        if _too_deep(root):
            raise ValueError("nested deeper than libxml2 keeps")
        blocks = _blocks(root)
    except (etree.ParserError, ValueError, RecursionError):  # nothing parseable, or nested past any sense
        return _plain(html.unescape(re.sub(r"<[^>]*>", " ", source)))
    return _join(blocks).strip()


def _too_deep(root) -> bool:
    """libxml2 drops what lies deeper than 255 elements (text included): such notes are read as text."""
    return any(sum(1 for _ in leaf.iterancestors()) >= MAX_DEPTH for leaf in root.iter() if not len(leaf))


def to_text(source: str) -> str:
    """A description from a feed (HTML or plain text) as plain text: one line per paragraph, item or break."""
    source = legal(source).replace(MARK, "").strip()
    if not _HTML.search(source):
        return source
    try:
        root = lxml.html.fragment_fromstring(source, create_parent="div", parser=_PARSER)
    except (etree.ParserError, ValueError):
        return source
    if _too_deep(root):
        return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", source)).split())
    for element in [e for e in root.iter() if _tag(e) in DROP]:
        element.drop_tree()  # its tail, the text after it, stays
    for element in root.iter():
        if _tag(element) in STRUCTURE or _tag(element) == "br":
            element.text, element.tail = MARK + (element.text or ""), MARK + (element.tail or "")
    lines = (line.strip() for line in _SPACE.sub(" ", "".join(root.itertext())).split(MARK))
    return "\n".join(line for line in lines if line)


def _plain(text: str) -> str:
    paragraphs = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = ([_escape(line.strip()) for line in p.split("\n") if line.strip()] for p in paragraphs)
    return "\n\n".join(_line_starts("\\\n".join(found)) for found in lines if found)


def _escape(text: str) -> str:
    escaped = _ESCAPED.sub(r"\\\1", text)
    return escaped[:-1] + "\\!" if escaped.endswith("!") else escaped  # "!" then a link would be an image


def _line_starts(text: str) -> str:
    """A line that starts like a list item or a heading underline is escaped to stay text."""
    return _LINE_START.sub(lambda m: f"\\{m['mark']}" if m["mark"] else f"{m['digits']}\\{m['dot']}", text)


def _tag(element) -> str:
    return element.tag.lower() if isinstance(element.tag, str) else ""


def _blocks(element) -> list[Block]:
    """An element's content as blocks: runs of inline content become paragraphs."""
    blocks: list[Block] = []
    run: list[str] = []

    def flush() -> None:
        if text := _squash("".join(run)):
            blocks.append(Block(text))
        run.clear()

    if element.text:
        run.append(_escape(element.text))
    for child in element:
        tag = _tag(child)
        if tag in STRUCTURE:
            flush()
            blocks.extend(_block(child, tag))
        else:
            run.append(_inline(child, ()))  # which drops scripts and the like
        if child.tail:
            run.append(_escape(child.tail))
    flush()
    return blocks


def _block(element, tag: str) -> list[Block]:
    if tag in HEADINGS:
        text = _squash(_inline(element, ())).replace("\\\n", " ")
        return [Block("#" * HEADINGS[tag] + " " + text)] if text else []
    if tag in ("ul", "ol"):
        return [Block(text, "list")] if (text := _list(element, tag == "ol")) else []
    if tag == "blockquote":
        inner = _join(_blocks(element))
        return [Block("\n".join(f"> {line}".rstrip() for line in inner.split("\n")))] if inner else []
    if tag == "pre":
        return [Block(_fenced("".join(element.itertext())))] if "".join(element.itertext()).strip() else []
    if tag == "hr":
        return [Block("***")]
    if tag == "table":
        rows = [_row(row) for row in element.iter("tr")]
        return [Block("\\\n".join(row for row in rows if row))] if any(rows) else []
    if tag == "tr":
        return [Block(row)] if (row := _row(element)) else []
    return _blocks(element)  # a paragraph, a div, a list item outside a list


def _row(row) -> str:
    cells = (_squash(_inline(cell, ())).replace("\\\n", " ") for cell in row if _tag(cell) in ("td", "th"))
    return " \\| ".join(cell for cell in cells if cell)


def _list(element, ordered: bool) -> str:
    number = int(start) if ordered and (start := element.get("start", "1")).isdigit() and len(start) < 9 else 1
    items: list[list[Block]] = []
    for child in element:
        tag = _tag(child)
        if tag in ("ul", "ol") and items:  # a list directly inside a list belongs to the item before it
            items[-1].extend(_block(child, tag))
        elif tag and tag not in DROP:
            items.append(_blocks(child))
    rendered = []
    for offset, blocks in enumerate(items):
        marker = f"{number + offset}." if ordered else "-"
        body = _join(blocks, tight=True)
        indent = " " * (len(marker) + 1)
        rendered.append(f"{marker} " + body.replace("\n", "\n" + indent).replace("\n" + indent + "\n", "\n\n"))
    loose = any("\n\n" in item for item in rendered)
    return ("\n\n" if loose else "\n").join(item.rstrip() for item in rendered)


def _join(blocks: list[Block], tight: bool = False) -> str:
    """Blocks one after another; in a list item, a nested list follows its text on the next line."""
    out = ""
    for index, block in enumerate(blocks):
        if index:
            out += "\n" if tight and block.kind == "list" else "\n\n"
        out += block.text
    return out


def _inline(element, open_marks: tuple[str, ...]) -> str:
    """An inline element (and everything in it) as inline Markdown; blocks inside it are flattened."""
    tag = _tag(element)
    if tag in DROP or not tag:
        return ""
    if tag == "br":
        return BREAK
    if tag == "img":
        return _image(element)
    if tag == "code":
        return _code("".join(element.itertext()))
    mark = EMPHASIS.get(tag)
    marks = (*open_marks, mark) if mark and mark not in open_marks else open_marks
    parts = [_escape(element.text)] if element.text else []
    for child in element:
        child_tag = _tag(child)
        parts.append(f" {_inline(child, marks)} " if child_tag in STRUCTURE else _inline(child, marks))
        if child.tail:
            parts.append(_escape(child.tail))
    inner = "".join(parts)
    if tag == "a":
        return _link(inner, element.get("href", ""))
    if mark and mark not in open_marks:
        return _wrapped(inner, mark)
    return inner


def _wrapped(inner: str, mark: str) -> str:
    """`**text**`, with spaces and breaks outside the marks (`** text**` would not be bold)."""
    found = _EDGES.fullmatch(inner)
    if not found or not found["core"]:
        return inner
    return f"{found['lead']}{mark}{found['core']}{mark}{found['trail']}"


def _link(inner: str, href: str) -> str:
    href = legal(href).strip()
    if not href.lower().startswith(LINK_SCHEMES):
        return inner
    text = inner if inner.replace(BREAK, "").strip() else _escape(href)
    return f"[{text}]({_destination(href)})"


def _destination(href: str) -> str:
    """A link's address as a Markdown destination: what would end or escape it percent-encoded."""
    return re.sub(r"[\\()<>\s]", lambda found: urllib.parse.quote(found[0]), href)


def _image(element) -> str:
    alt = _escape(_SPACE.sub(" ", legal(element.get("alt", ""))).strip())
    src = legal(element.get("src", "")).strip()
    if src.lower().startswith(("http://", "https://")):
        return f"![{alt}]({_destination(src)})"
    return alt


def _code(text: str) -> str:
    text = _SPACE.sub(" ", text)
    if not text.strip():
        return text
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _fenced(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text.strip(chr(10))}\n{fence}"


def _squash(text: str) -> str:
    """Inline Markdown with HTML's whitespace rule (runs become one space) and hard breaks for <br>."""
    text = _SPACE.sub(" ", text)
    lines = [line.strip() for line in text.split(BREAK)]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return _line_starts("\\\n".join(line for line in lines if line))
