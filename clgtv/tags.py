"""Tags on the published files: ID3 for MP3, iTunes atoms for M4A, both written from one table of
fields (`FIELDS`, which the README's tag table shows). Every mutagen call goes through `_mutagen`, which
turns whatever mutagen raises on a damaged file into a TagError with the file's path first."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import mutagen
from mutagen import MutagenError
from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, PCST, TIT2, WFED, WXXX, CTOCFlags, Encoding, Frame, Frames
from mutagen.mp4 import MP4, MP4Cover

from clgtv.audio.ffmpeg import write_chapters
from clgtv.errors import ClgtvError, TagError
from clgtv.files import replacing


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
    podcast: bool = True  # PCST


@dataclass(frozen=True)
class TagField:
    what: str  # what the tag is
    id3: tuple[str, ...]  # its ID3v2 frames
    mp4: tuple[str, ...]  # its iTunes atoms
    source: str  # the TagSet attribute that holds its value
    note: str  # what it holds, for the README


FIELDS = (
    TagField("title", ("TIT2",), ("\xa9nam",), "title", "the episode's `title`"),
    TagField("artist", ("TPE1",), ("\xa9ART",), "artist", "the programme's `author`"),
    TagField("album", ("TALB",), ("\xa9alb",), "album", "the programme's `title`"),
    TagField("genre", ("TCON",), ("\xa9gen",), "genre", "`Podcast`"),
    TagField("date", ("TDRC",), ("\xa9day",), "date", "the episode's `date` (`YYYY-MM-DD`)"),
    TagField("comment", ("COMM",), ("\xa9cmt",), "comment", "the episode's `summary`"),
    TagField(
        "description",
        ("TDES",),
        ("desc", "ldes"),
        "description",
        "the show notes as plain text (else `summary`); `desc` holds its first 255 characters",
    ),
    TagField("feed", ("WFED",), ("purl",), "feed_url", "the programme's feed URL"),
    TagField("guid", ("TGID",), ("egid",), "guid", "the episode's `guid`"),
    TagField("podcast", ("PCST",), ("pcst",), "podcast", "the podcast flag Apple's players read"),
    TagField("track", ("TRCK",), ("trkn",), "track", "the episode's `episode` number"),
    TagField("disc", ("TPOS",), ("disk",), "season", "the episode's `season`"),
    TagField("cover", ("APIC",), ("covr",), "cover", "the programme's artwork as a 600-pixel JPEG"),
    TagField(
        "chapters",
        ("CTOC", "CHAP"),
        (),
        "chapters",
        "the chapters in time order, each with its title and its `url` (`WXXX`) if it has one; "
        "an M4A gets MP4 chapters from ffmpeg instead, without URLs",
    ),
)

ID3_VERSIONS = (3, 4)
MP4_SHORT = {"desc": 255}  # atoms that hold at most this many characters


@contextlib.contextmanager
def _mutagen(path: Path, doing: str) -> Iterator[None]:
    """The one funnel around mutagen: on damaged files it raises its own errors and, from deeper down,
    OSError, ValueError, struct.error, EOFError, IndexError, KeyError and OverflowError."""
    try:
        yield
    except (MutagenError, OSError, ValueError, struct.error, EOFError, IndexError, KeyError, OverflowError) as exc:
        raise TagError(path, f"cannot {doing} ({exc or type(exc).__name__})") from exc


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
    for field in FIELDS:
        if value := getattr(tags, field.source):
            for frame in _ID3_FRAMES.get(field.id3[0], _text_frame)(field.id3[0], value, text):
                id3.add(frame)
    with _mutagen(path, "write ID3 tags"):
        id3.save(path, v2_version=version, v1=0)
    if len(tags.chapters) > 1:
        _chapters_in_time_order(path)


def _text_frame(frame_id: str, value: object, text: Encoding) -> list[Frame]:
    return [Frames[frame_id](encoding=text, text=_text(value))]


def _text(value: object) -> str:
    return value.strftime("%Y-%m-%d") if isinstance(value, dt.datetime) else str(value)


def _chapter_frames(_: str, chapters: tuple[ChapterMark, ...], text: Encoding) -> list[Frame]:
    ids = [f"chp{index}" for index in range(len(chapters))]
    flags = CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    frames: list[Frame] = [CTOC(element_id="toc", flags=flags, child_element_ids=ids, sub_frames=[])]
    for element_id, chapter in zip(ids, chapters, strict=True):
        sub_frames = [TIT2(encoding=text, text=chapter.title)]
        if chapter.url:
            sub_frames.append(WXXX(encoding=text, desc="", url=chapter.url))
        start, end = round(chapter.start * 1000), round(chapter.end * 1000)
        frames.append(CHAP(element_id=element_id, start_time=start, end_time=end, sub_frames=sub_frames))
    return frames


# the frames that are not plain text frames, by their first frame id in FIELDS
_ID3_FRAMES: dict[str, Callable[[str, object, Encoding], list[Frame]]] = {
    "COMM": lambda _, value, text: [COMM(encoding=text, lang="eng", desc="", text=value)],
    "APIC": lambda _, value, text: [APIC(encoding=text, mime="image/jpeg", type=3, desc="Cover", data=value)],
    "PCST": lambda _, value, text: [PCST(value=1)],
    "WFED": lambda _, value, text: [WFED(url=value)],
    "CTOC": _chapter_frames,
}


def _write_mp4(path: Path, tags: TagSet) -> None:
    if tags.chapters:
        _write_mp4_chapters(path, tags.chapters)
    atoms = {
        atom: _atom(atom, value) for field in FIELDS if (value := getattr(tags, field.source)) for atom in field.mp4
    }
    with _mutagen(path, "write MP4 tags"):
        mp4 = MP4(path)
        mp4.delete()
        mp4.update(atoms)
        mp4.save()


def _write_mp4_chapters(path: Path, chapters: tuple[ChapterMark, ...]) -> None:
    """ffmpeg copies the file with the chapters added; the copy replaces it."""
    with _mutagen(path, "write chapters"), replacing(path, suffix=".m4a") as chaptered:
        try:
            write_chapters(path, chaptered, [(c.start, c.end, c.title) for c in chapters])
        except ClgtvError as exc:
            raise TagError(path, f"cannot write chapters ({exc})") from exc


def _atom(atom: str, value: object) -> object:
    if atom in ("trkn", "disk"):
        return [(value, 0)]
    if atom == "covr":
        return [MP4Cover(value, imageformat=MP4Cover.FORMAT_JPEG)]
    if atom == "pcst":
        return True
    return [_text(value)[: MP4_SHORT.get(atom)]]


def read_tags(path: Path) -> ID3:
    with _mutagen(path, "read ID3 tags"):
        return ID3(path)


def media_duration(path: Path) -> float:
    """Playing time in seconds, from the stream (the MP3's Xing header, the M4A's movie header)."""
    with _mutagen(path, "read the audio stream"):
        media = mutagen.File(path)
    if media is None:
        raise TagError(path, "not an MP3 or M4A file")
    return float(media.info.length)


def _chapters_in_time_order(path: Path) -> None:
    """Put the CHAP frames in time order inside the tag, in place (same size).

    mutagen writes frames of equal rank by size, and many readers (ffmpeg among them) list chapters
    in file order, ignoring the CTOC table. A tag this walker cannot read whole (unsynchronisation, an
    extended header, sizes that are not syncsafe or overrun the tag, a frame cut short) is left alone.
    """
    with path.open("r+b") as handle:
        header = handle.read(10)
        if len(header) < 10 or header[:3] != b"ID3" or header[5] & 0xC0 or not _is_syncsafe(header[6:10]):
            return
        size = _syncsafe(header[6:10])
        if size > os.fstat(handle.fileno()).st_size - 10:
            return
        frames = _frames(handle.read(size), header[3])
        chapters = [f for f in frames or () if f[:4] == b"CHAP"]
        if frames is None or any(_chapter_start(f) is None for f in chapters):
            return
        ordered = iter(sorted(chapters, key=_chapter_start))
        handle.seek(10)
        handle.write(b"".join(next(ordered) if f[:4] == b"CHAP" else f for f in frames))


def _frames(body: bytes, version: int) -> list[bytes] | None:
    """The tag's frames up to its padding, or None when a size is not what the version allows or a frame
    overruns the tag."""
    frames, position = [], 0
    while position + 10 <= len(body) and body[position : position + 4].strip(b"\0"):
        size_bytes = body[position + 4 : position + 8]
        if version == 4 and not _is_syncsafe(size_bytes):
            return None
        size = _syncsafe(size_bytes) if version == 4 else int.from_bytes(size_bytes, "big")
        if position + 10 + size > len(body):
            return None
        frames.append(body[position : position + 10 + size])
        position += 10 + size
    return frames


def _chapter_start(frame: bytes) -> int | None:
    """A CHAP frame's start time in milliseconds (after its null-terminated element id)."""
    end_of_id = frame.find(b"\0", 10)
    start = frame[end_of_id + 1 : end_of_id + 5]
    return int.from_bytes(start, "big") if end_of_id >= 0 and len(start) == 4 else None


def _is_syncsafe(data: bytes) -> bool:
    return all(byte < 0x80 for byte in data)


def _syncsafe(data: bytes) -> int:
    return sum((byte & 0x7F) << (7 * index) for index, byte in enumerate(reversed(data)))
