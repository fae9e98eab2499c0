"""ID3 tags on the published MP3s. Every mutagen call lives here and fails as TagError."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TPE1,
    TPOS,
    TRCK,
    WXXX,
    CTOCFlags,
    Encoding,
)
from mutagen.mp3 import MP3

from clgtv.errors import TagError


@dataclass(frozen=True)
class ChapterMark:
    start: float
    end: float
    title: str
    url: str | None = None


@dataclass(frozen=True)
class TagSet:
    title: str
    artist: str
    album: str
    date: dt.datetime
    comment: str = ""
    track: int | None = None
    season: int | None = None
    cover: bytes | None = None
    chapters: tuple[ChapterMark, ...] = ()
    genre: str = "Podcast"


def write_tags(path: Path, tags: TagSet, version: int = 3) -> None:
    """Replace all ID3 tags of `path` with `tags` (ID3v2.3 by default, UTF-16 text)."""
    id3 = ID3()
    text = Encoding.UTF16 if version == 3 else Encoding.UTF8
    id3.add(TIT2(encoding=text, text=tags.title))
    id3.add(TPE1(encoding=text, text=tags.artist))
    id3.add(TALB(encoding=text, text=tags.album))
    id3.add(TCON(encoding=text, text=tags.genre))
    id3.add(TDRC(encoding=text, text=tags.date.strftime("%Y-%m-%d")))
    if tags.comment:
        id3.add(COMM(encoding=text, lang="eng", desc="", text=tags.comment))
    if tags.track:
        id3.add(TRCK(encoding=text, text=str(tags.track)))
    if tags.season:
        id3.add(TPOS(encoding=text, text=str(tags.season)))
    if tags.cover:
        id3.add(APIC(encoding=text, mime="image/jpeg", type=3, desc="Cover", data=tags.cover))
    _add_chapters(id3, tags.chapters, text)
    try:
        id3.save(path, v2_version=version, v1=0)
    except (MutagenError, OSError) as exc:
        raise TagError(path, f"cannot write ID3 tags ({exc})") from exc


def _add_chapters(id3: ID3, chapters: tuple[ChapterMark, ...], text: Encoding) -> None:
    if not chapters:
        return
    ids = [f"chp{index}" for index in range(len(chapters))]
    id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids, sub_frames=[]))
    for element_id, chapter in zip(ids, chapters, strict=True):
        frames = [TIT2(encoding=text, text=chapter.title)]
        if chapter.url:
            frames.append(WXXX(encoding=text, desc="", url=chapter.url))
        id3.add(
            CHAP(
                element_id=element_id,
                start_time=round(chapter.start * 1000),
                end_time=round(chapter.end * 1000),
                sub_frames=frames,
            )
        )


def read_tags(path: Path) -> ID3:
    try:
        return ID3(path)
    except (MutagenError, OSError) as exc:
        raise TagError(path, f"cannot read ID3 tags ({exc})") from exc


def mp3_duration(path: Path) -> float:
    """Playing time in seconds, from the MP3 stream (Xing header when present)."""
    try:
        return float(MP3(path).info.length)
    except (MutagenError, OSError) as exc:
        raise TagError(path, f"cannot read MP3 stream ({exc})") from exc
