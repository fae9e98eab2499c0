"""Transcripts: WebVTT or SRT in; WebVTT, SRT and the Podcasting 2.0 JSON transcript out; cues for the episode page.

Any bytes give cues or a FileError naming the file: UTF-8 only (a BOM is fine); characters XML cannot
carry are dropped (see clgtv.feed). WebVTT output escapes `&`, `<` and `>`; SRT, which has no escapes
but is shown with its tags by many players, gets the plain-text rule, and `-->` is broken so that no cue
text reads as a timing line. The JSON transcript is plain text too: the plain-text rule applies.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from clgtv.errors import FileError, host_decoded, not_utf8
from clgtv.feed import WORD_JOINER, legal, plain

TIMING = re.compile(  # at the start of a line; hours bounded, so a line of digits never becomes a huge number
    r"^[ \t]*(?:(?P<h>\d{1,9}):)?(?P<m>\d{1,2}):(?P<s>\d{2})[.,](?P<ms>\d{3})[ \t]*-->[ \t]*"
    r"(?:(?P<h2>\d{1,9}):)?(?P<m2>\d{1,2}):(?P<s2>\d{2})[.,](?P<ms2>\d{3})",
    re.MULTILINE,
)
BLANK = re.compile(r"\n\s*\n")
VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^<>\n]+)>")
# a tag, as an HTML parser reads one: "<" then a letter or "/"; never the "<" of "if x < 5 and y > 3"
TAG = re.compile(r"</?[A-Za-z][^<>\n]*>|<\d+:\d{2}(?::\d{2})?\.\d{3}>")
NO_CUES = "no cues found; expected WebVTT or SRT timings like 00:00:01.000 --> 00:00:04.000"
SKIPPED = ("WEBVTT", "NOTE", "STYLE", "REGION")  # a WebVTT file's header and its blocks that are no cue


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    speaker: str | None
    text: str  # plain text, tags removed


class _Unreadable(ValueError):
    """A block a host wrote that is no cue: the message says what, and what to do."""


def read_cues(path: Path) -> list[Cue]:
    """Parse a .vtt or .srt file; raise FileError if it holds no cues."""
    return parse_cues(read_bytes(path), path)


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FileError(path, f"cannot read transcript ({exc.__class__.__name__})") from exc


def parse_cues(data: bytes, path: Path) -> list[Cue]:
    """The cues of a transcript file's bytes (`path` names it in errors): every block a cue, in order
    of time, or a FileError naming the line of the first that is not (nothing a host wrote is dropped)."""
    try:
        text = legal(host_decoded(data))
    except UnicodeDecodeError as exc:
        raise FileError(path, not_utf8(data, exc)[1]) from exc
    if not TIMING.search(text):
        raise FileError(path, NO_CUES)
    cues: list[Cue] = []
    for line, block in _blocks(text):
        try:
            if (cue := _cue(block)) is None:
                continue
            if cues and cue.start < cues[-1].start:
                raise _Unreadable(
                    f"the cue starts before the one above it ({stamp(cues[-1].start)}); put the cues in order of time"
                )
        except _Unreadable as exc:
            raise FileError(path, f"line {line}: {exc}") from None
        cues.append(cue)
    if not cues:
        raise FileError(path, NO_CUES)
    return cues


def _blocks(text: str) -> list[tuple[int, str]]:
    """The blank-line-separated blocks of a file, each with the line it starts on."""
    blocks, start, line = [], 0, 1
    for gap in [*BLANK.finditer(text), None]:
        end = gap.start() if gap else len(text)
        if block := text[start:end].strip("\n"):
            blocks.append((line, block))
        following = gap.end() if gap else end
        line += text.count("\n", start, following)  # counted as it goes: from the top each time was quadratic
        start = following
    return blocks


def _cue(block: str) -> Cue | None:
    """One block: an optional identifier line, the timing line, then the text; None for the header and
    the blocks WebVTT keeps for itself; _Unreadable for text that belongs to no cue."""
    if block.lstrip().startswith(SKIPPED):
        return None
    match = TIMING.search(block)
    if match is None:
        if re.fullmatch(r"\s*\d+\s*", block):
            return None  # an SRT number left on its own
        raise _Unreadable(
            f"{_quoted(block)} has no timing line, so it belongs to no cue (a blank line ends a cue): join it to "
            "the cue above, or give it a timing line like 00:00:01.000 --> 00:00:04.000"
        )
    if block[: match.start()].count("\n") > 1:
        raise _Unreadable(f"{_quoted(block)} comes before the cue's timing line; put a blank line between them")
    h, m, s, ms, h2, m2, s2, ms2 = map(int, match.groups("0"))
    if max(m, s, m2, s2) > 59:
        raise _Unreadable(f"{match[0].strip()} is no time: minutes and seconds run to 59")
    end_of_line = block.find("\n", match.end())
    body = block[end_of_line:].strip() if end_of_line >= 0 else ""
    if TIMING.search(body):
        raise _Unreadable("a second timing line inside one cue; put a blank line before it")
    if len(VOICE.findall(body)) > 1:
        raise _Unreadable("two voices in one cue (<v …> twice); give each speaker a cue of their own")
    voice = VOICE.match(body) if body.startswith("<v") else None
    text = TAG.sub("", body) if "<" in body else body
    start, end = (((h * 60 + m) * 60 + s) * 1000 + ms) / 1000, (((h2 * 60 + m2) * 60 + s2) * 1000 + ms2) / 1000
    if end < start:
        raise _Unreadable(f"the cue ends ({stamp(end)}) before it starts ({stamp(start)})")
    return Cue(start, end, _unescape(voice[1]) if voice else None, _unescape(text))


def _quoted(block: str) -> str:
    first = block.strip().split("\n", 1)[0]
    return repr(first if len(first) <= 40 else first[:39] + "…")


def _unescape(text: str) -> str:
    """Character references decoded (a reference to a control character is dropped), ends stripped."""
    return legal(html.unescape(text)).strip() if "&" in text else text.strip()


def stamp(value: float) -> str:
    """WebVTT time, HH:MM:SS.mmm (rounded to the millisecond first, so 59.9996 s is 00:01:00.000)."""
    ms = round(value * 1000)
    # %-formatting: faster than the f-string here (bench/README.md), and this runs twice per cue
    return "%02d:%02d:%02d.%03d" % (ms // 3_600_000, ms // 60_000 % 60, ms // 1000 % 60, ms % 1000)  # noqa: UP031


def vtt_and_srt(cues: list[Cue]) -> tuple[str, str]:
    """The cues as WebVTT, with speakers as voice tags, and as SubRip: numbered cues, comma decimals, and
    (SRT having no voice tags) the speaker's name leading the text."""
    vtt, srt = ["WEBVTT\n"], []
    for number, cue in enumerate(cues, start=1):
        timing = f"{stamp(cue.start)} --> {stamp(cue.end)}"
        # a speaker ending in "-" gets a space (WebVTT strips it): "<v A-->" would hold a "-->"
        voice = f"<v {_escape(cue.speaker)}{' ' * cue.speaker.endswith('-')}>" if cue.speaker else ""
        vtt.append(f"{timing}\n{voice}{_escape(cue.text)}\n")
        speaker = f"{_srt(cue.speaker)}: " if cue.speaker else ""
        srt.append(f"{number}\n{timing.replace('.', ',')}\n{speaker}{_srt(cue.text)}\n")
    return "\n".join(vtt), "\n".join(srt)


def json_transcript(cues: list[Cue]) -> str:
    """The cues as a Podcasting 2.0 JSON transcript (version 1.0.0): one segment per cue, times in seconds."""
    segments = []
    for cue in cues:
        segment: dict = {"startTime": round(cue.start, 3), "endTime": round(cue.end, 3), "body": plain(cue.text)}
        if cue.speaker:
            segment["speaker"] = plain(cue.speaker)
        segments.append(segment)
    lines = ",\n".join(json.dumps(segment, ensure_ascii=False) for segment in segments)  # a segment a line
    return f'{{"version": "1.0.0", "segments": [\n{lines}\n]}}\n'


def _srt(text: str) -> str:
    return plain(text).replace("-->", "--" + WORD_JOINER + ">")


def _escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text
