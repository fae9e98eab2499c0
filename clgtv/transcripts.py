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
VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
TAG = re.compile(r"</?[^>]+>")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    speaker: str | None
    text: str  # plain text, tags removed


def read_cues(path: Path) -> list[Cue]:
    """Parse a .vtt or .srt file; raise FileError if it holds no cues."""
    return parse_cues(read_bytes(path), path)


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FileError(path, f"cannot read transcript ({exc.__class__.__name__})") from exc


def parse_cues(data: bytes, path: Path) -> list[Cue]:
    """The cues of a transcript file's bytes (`path` names it in errors)."""
    try:
        text = legal(host_decoded(data))
    except UnicodeDecodeError as exc:
        raise FileError(path, not_utf8(data, exc)[1]) from exc
    cues = [cue for block in BLANK.split(text) if (cue := _cue(block))]
    if not cues:
        raise FileError(path, "no cues found; expected WebVTT or SRT timings like 00:00:01.000 --> 00:00:04.000")
    return cues


def _cue(block: str) -> Cue | None:
    """One block: an optional identifier line, the timing line, then the text."""
    match = TIMING.search(block)
    if match is None:
        return None
    h, m, s, ms, h2, m2, s2, ms2 = map(int, match.groups("0"))
    end_of_line = block.find("\n", match.end())
    body = block[end_of_line:].strip() if end_of_line >= 0 else ""
    voice = VOICE.match(body) if body.startswith("<v") else None
    text = TAG.sub("", body) if "<" in body else body
    start, end = (((h * 60 + m) * 60 + s) * 1000 + ms) / 1000, (((h2 * 60 + m2) * 60 + s2) * 1000 + ms2) / 1000
    return Cue(start, end, _unescape(voice[1]) if voice else None, _unescape(text))


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
