"""Tags on the published files: ID3 for MP3, iTunes atoms for M4A. Every mutagen call lives here
and fails as TagError with the file's path first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import mutagen
from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    PCST,
    TALB,
    TCON,
    TDES,
    TDRC,
    TGID,
    TIT2,
    TPE1,
    TPOS,
    TRCK,
    WFED,
    WXXX,
    CTOCFlags,
    Encoding,
)
from mutagen.mp4 import MP4, MP4Cover

from clgtv.audio.ffmpeg import write_chapters
from clgtv.errors import ClgtvError, TagError


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
    description: str = ""  # TDES, the episode's description (Apple's podcast frame)
    feed_url: str = ""  # WFED
    guid: str = ""  # TGID


ID3_VERSIONS = (3, 4)


def write_tags(path: Path, tags: TagSet, version: int = 3) -> None:
    """Replace all tags of `path` with `tags`: MP3 gets ID3 (v2.3 with UTF-16 text by default, or v2.4
    with UTF-8), M4A gets iTunes atoms and chapters."""
    if path.suffix.lower() == ".m4a":
        _write_mp4(path, tags)
        return
    if version not in ID3_VERSIONS:
        raise TagError(path, f"cannot write ID3v2.{version}; expected 3 or 4")
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
    _add_podcast_frames(id3, tags, text)
    _add_chapters(id3, tags.chapters, text)
    try:
        id3.save(path, v2_version=version, v1=0)
        if len(tags.chapters) > 1:
            _chapters_in_time_order(path)
    except (MutagenError, OSError) as exc:
        raise TagError(path, f"cannot write ID3 tags ({exc})") from exc


def _chapters_in_time_order(path: Path) -> None:
    """Put the CHAP frames in time order inside the tag, in place (same size).

    mutagen writes frames of equal rank by size, and many readers (ffmpeg among them) list chapters
    in file order, ignoring the CTOC table. Tags with unsynchronisation or an extended header
    (mutagen writes neither) are left alone.
    """
    with path.open("r+b") as handle:
        header = handle.read(10)
        if header[:3] != b"ID3" or header[5] & 0xC0:
            return
        body = handle.read(_syncsafe(header[6:10]))
        frames, position = [], 0
        while position + 10 <= len(body) and body[position : position + 4].strip(b"\0"):
            size_bytes = body[position + 4 : position + 8]
            size = _syncsafe(size_bytes) if header[3] == 4 else int.from_bytes(size_bytes, "big")
            frames.append(body[position : position + 10 + size])
            position += 10 + size
        chapters = iter(sorted((f for f in frames if f[:4] == b"CHAP"), key=_chapter_start))
        ordered = b"".join(next(chapters) if f[:4] == b"CHAP" else f for f in frames)
        handle.seek(10)
        handle.write(ordered)


def _chapter_start(frame: bytes) -> int:
    end_of_id = frame.index(b"\0", 10)
    return int.from_bytes(frame[end_of_id + 1 : end_of_id + 5], "big")


def _syncsafe(data: bytes) -> int:
    return sum((byte & 0x7F) << (7 * index) for index, byte in enumerate(reversed(data)))


def _add_podcast_frames(id3: ID3, tags: TagSet, text: Encoding) -> None:
    """The frames Apple's players use to recognise a podcast episode: PCST, WFED, TGID, TDES."""
    id3.add(PCST(value=1))
    if tags.feed_url:
        id3.add(WFED(url=tags.feed_url))
    if tags.guid:
        id3.add(TGID(encoding=text, text=tags.guid))
    if tags.description:
        id3.add(TDES(encoding=text, text=tags.description))


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


def _write_mp4(path: Path, tags: TagSet) -> None:
    if tags.chapters:
        chaptered = path.with_name(f".{path.name}.chapters.m4a")
        try:
            write_chapters(path, chaptered, [(c.start, c.end, c.title) for c in tags.chapters])
            chaptered.replace(path)
        except ClgtvError as exc:
            chaptered.unlink(missing_ok=True)
            raise TagError(path, f"cannot write chapters ({exc})") from exc
    try:
        mp4 = MP4(path)
        mp4.delete()
        values = {
            "\xa9nam": tags.title,
            "\xa9ART": tags.artist,
            "\xa9alb": tags.album,
            "\xa9gen": tags.genre,
            "\xa9day": tags.date.strftime("%Y-%m-%d"),
            "\xa9cmt": tags.comment,
            "desc": tags.description[:255],
            "ldes": tags.description,
            "purl": tags.feed_url,
            "egid": tags.guid,
        }
        mp4.update({key: [value] for key, value in values.items() if value})
        mp4["pcst"] = True
        if tags.track:
            mp4["trkn"] = [(tags.track, 0)]
        if tags.season:
            mp4["disk"] = [(tags.season, 0)]
        if tags.cover:
            mp4["covr"] = [MP4Cover(tags.cover, imageformat=MP4Cover.FORMAT_JPEG)]
        mp4.save()
    except (MutagenError, OSError) as exc:
        raise TagError(path, f"cannot write MP4 tags ({exc})") from exc


def read_tags(path: Path) -> ID3:
    try:
        return ID3(path)
    except (MutagenError, OSError) as exc:
        raise TagError(path, f"cannot read ID3 tags ({exc})") from exc


def media_duration(path: Path) -> float:
    """Playing time in seconds, from the stream (the MP3's Xing header, the M4A's movie header)."""
    try:
        media = mutagen.File(path)
        if media is None:
            raise TagError(path, "not an MP3 or M4A file")
        return float(media.info.length)
    except (MutagenError, OSError) as exc:
        raise TagError(path, f"cannot read the audio stream ({exc})") from exc
