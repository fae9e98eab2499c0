"""Transcripts: WebVTT or SRT in, WebVTT and SRT out, cues for the episode page."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from clgtv.errors import FileError

TIMING = re.compile(
    r"(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{3})\s*-->\s*(?P<end>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{3})(?P<settings>.*)"
)
VOICE = re.compile(r"^<v(?:\.[\w.-]+)?\s+([^>]+)>")
TAG = re.compile(r"</?[^>]+>")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    speaker: str | None
    text: str  # plain text, tags removed


def seconds(stamp: str) -> float:
    """00:01:02.500, 01:02,500 (SRT) -> seconds."""
    *whole, rest = stamp.replace(",", ".").split(":")
    hours, minutes = (int(whole[0]), int(whole[1])) if len(whole) == 2 else (0, int(whole[0]))
    return hours * 3600 + minutes * 60 + float(rest)


def read_cues(path: Path) -> list[Cue]:
    """Parse a .vtt or .srt file; raise FileError if it holds no cues."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileError(path, f"cannot read transcript ({exc.__class__.__name__})") from exc
    cues = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [line for line in block.strip().split("\n") if line.strip()]
        timing_at = next((i for i, line in enumerate(lines) if TIMING.search(line)), None)
        if timing_at is None:
            continue
        match = TIMING.search(lines[timing_at])
        body = "\n".join(lines[timing_at + 1 :])
        voice = VOICE.match(body)
        plain = html.unescape(TAG.sub("", body)).strip()
        cues.append(Cue(seconds(match["start"]), seconds(match["end"]), voice[1].strip() if voice else None, plain))
    if not cues:
        raise FileError(path, "no cues found; expected WebVTT or SRT timings like 00:00:01.000 --> 00:00:04.000")
    return cues


def stamp(value: float) -> str:
    """WebVTT time, HH:MM:SS.mmm (rounded to the millisecond first, so 59.9996 s is 00:01:00.000)."""
    hours, rest = divmod(round(value * 1000), 3_600_000)
    minutes, millis = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{millis // 1000:02d}.{millis % 1000:03d}"


def to_vtt(cues: list[Cue]) -> str:
    """WebVTT with speakers kept as voice tags."""
    out = ["WEBVTT", ""]
    for cue in cues:
        body = _escape(cue.text)
        if cue.speaker:
            body = f"<v {_escape(cue.speaker)}>{body}"
        out += [f"{stamp(cue.start)} --> {stamp(cue.end)}", body, ""]
    return "\n".join(out)


def srt_stamp(value: float) -> str:
    return stamp(value).replace(".", ",")


def to_srt(cues: list[Cue]) -> str:
    """SubRip: numbered cues, comma decimals; SRT has no voice tags, so a speaker leads the text."""
    out = []
    for number, cue in enumerate(cues, start=1):
        body = f"{cue.speaker}: {cue.text}" if cue.speaker else cue.text
        out += [str(number), f"{srt_stamp(cue.start)} --> {srt_stamp(cue.end)}", body, ""]
    return "\n".join(out)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
