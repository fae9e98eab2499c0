"""ID3 tags every player shows: written by clgtv.tags, read back by mutagen and by ffmpeg."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from conftest import ffmpeg
from mutagen.id3 import ID3, Encoding
from PIL import Image

from clgtv.audio.ffmpeg import ffmpeg_path
from clgtv.errors import TagError
from clgtv.tags import ChapterMark, TagSet, read_tags, write_tags

TITLE = "Tom & Jerry 🎙️ مرحبا"
CHAPTERS = (
    ChapterMark(0.0, 1.0, "Welcome", None),
    ChapterMark(1.0, 2.25, "Ayşe on <data> & care", "https://example.org/ayse"),
    ChapterMark(2.25, 3.0, "שלום, goodbye", "https://example.org/bye"),
)


@pytest.fixture(scope="module")
def mp3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tags") / "tone.mp3"
    ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=3", "-c:a", "libmp3lame", "-b:a", "64k", str(path))
    return path


def cover() -> bytes:
    from io import BytesIO

    out = BytesIO()
    Image.new("RGB", (60, 60), "teal").save(out, "JPEG")
    return out.getvalue()


def tag_set() -> TagSet:
    return TagSet(
        title=TITLE,
        artist="CLGdotTV",
        album="Test Programme",
        date=dt.datetime(2026, 10, 1, 10, tzinfo=dt.UTC),
        comment="A summary",
        track=7,
        season=2,
        cover=cover(),
        chapters=CHAPTERS,
        description="The show notes as plain text, with émoji 🎧.",
        feed_url="https://podcasts.example.org/test-show/feed.xml",
        guid="5b3f2a4e-9a1c-4d53-8b57-1d0f5cfb8a01",
    )


def tagged(mp3: Path, tmp_path: Path, version: int) -> Path:
    path = tmp_path / f"v{version}.mp3"
    path.write_bytes(mp3.read_bytes())
    write_tags(path, tag_set(), version)
    return path


def ffmpeg_chapters(path: Path) -> list[tuple[int, int, str]]:
    """Chapters as ffmpeg's demuxer lists them, in file order (from the CHAP frames; ffmpeg ignores
    CTOC and moves every time 25 ms earlier, by the encoder delay): (start ms, end ms, title)."""
    out = subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-nostdin", "-i", str(path), "-f", "ffmetadata", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    chapters = []
    for block in out.split("[CHAPTER]")[1:]:
        fields = dict(line.split("=", 1) for line in block.strip().splitlines() if "=" in line)
        assert fields["TIMEBASE"] == "1/1000"
        chapters.append((int(fields["START"]), int(fields["END"]), fields["title"]))
    return chapters


@pytest.mark.parametrize(("version", "encoding"), [(3, Encoding.UTF16), (4, Encoding.UTF8)])
def test_round_trip(mp3: Path, tmp_path: Path, version: int, encoding: Encoding) -> None:
    tags = read_tags(tagged(mp3, tmp_path, version))
    assert tags.version[:2] == (2, version)
    texts = {frame: str(tags[frame]) for frame in ("TIT2", "TPE1", "TALB", "TCON", "TRCK", "TPOS", "TDES", "TGID")}
    assert texts == {
        "TIT2": TITLE,
        "TPE1": "CLGdotTV",
        "TALB": "Test Programme",
        "TCON": "Podcast",
        "TRCK": "7",
        "TPOS": "2",
        "TDES": "The show notes as plain text, with émoji 🎧.",
        "TGID": "5b3f2a4e-9a1c-4d53-8b57-1d0f5cfb8a01",
    }
    assert tags["TIT2"].encoding == encoding
    assert str(tags["TDRC"]) == "2026-10-01"
    assert tags.getall("COMM")[0].text == ["A summary"]
    assert tags["PCST"].value == 1
    assert tags["WFED"].url == "https://podcasts.example.org/test-show/feed.xml"
    (picture,) = tags.getall("APIC")
    assert (picture.type, picture.mime, picture.data) == (3, "image/jpeg", cover())
    (toc,) = tags.getall("CTOC")
    chapters = [tags[f"CHAP:{element}"] for element in toc.child_element_ids]
    assert [(c.start_time, c.end_time, str(c.sub_frames["TIT2"])) for c in chapters] == [
        (0, 1000, "Welcome"),
        (1000, 2250, "Ayşe on <data> & care"),
        (2250, 3000, "שלום, goodbye"),
    ]
    assert [c.sub_frames.getall("WXXX")[0].url if c.sub_frames.getall("WXXX") else None for c in chapters] == [
        None,
        "https://example.org/ayse",
        "https://example.org/bye",
    ]


@pytest.mark.parametrize("version", [3, 4])
def test_ffmpeg_lists_the_chapters_in_order(mp3: Path, tmp_path: Path, version: int) -> None:
    listed = ffmpeg_chapters(tagged(mp3, tmp_path, version))
    assert [title for _, _, title in listed] == [c.title for c in CHAPTERS]
    for (start, end, _), chapter in zip(listed, CHAPTERS, strict=True):
        assert abs(start - chapter.start * 1000) <= 50 and abs(end - chapter.end * 1000) <= 50
    assert read_tags(tmp_path / f"v{version}.mp3").getall("CHAP")  # the reordered tag still parses


def test_rewriting_replaces_every_tag(mp3: Path, tmp_path: Path) -> None:
    path = tagged(mp3, tmp_path, 3)
    write_tags(path, TagSet("Other", "Someone", "Album", dt.datetime(2027, 1, 1, tzinfo=dt.UTC)), 3)
    tags = ID3(path)
    assert str(tags["TIT2"]) == "Other"
    assert not tags.getall("CHAP") and not tags.getall("APIC") and not tags.getall("TGID")
    assert ffmpeg_chapters(path) == []


def test_errors_name_the_file_first(tmp_path: Path) -> None:
    missing = tmp_path / "gone" / "missing.mp3"
    with pytest.raises(TagError, match=r"missing\.mp3: cannot write ID3 tags"):
        write_tags(missing, tag_set())
    with pytest.raises(TagError, match=r"missing\.mp3: cannot read ID3 tags"):
        read_tags(missing)
    with pytest.raises(TagError, match=r"x\.mp3: cannot write ID3v2\.2; expected 3 or 4"):
        write_tags(tmp_path / "x.mp3", tag_set(), 2)


def test_build_writes_the_podcast_frames_and_the_chosen_version(project: Path, run) -> None:
    show = project / "episodes/test-show/show.yaml"
    show.write_text(show.read_text() + "id3_version: 4\n")
    result = run(project, "build")
    assert result.exit_code == 0, result.output
    (media,) = (project / "build/site/test-show/media").glob("*.mp3")
    tags = ID3(media)
    assert tags.version[:2] == (2, 4)
    assert tags["WFED"].url == "http://podcasts.test/test-show/feed.xml"
    assert str(tags["TGID"]) == "5b3f2a4e-9a1c-4d53-8b57-1d0f5cfb8a01"
    assert str(tags["TDES"]) == "Show notes for the test."
    assert tags["PCST"].value == 1
