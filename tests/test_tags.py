"""ID3 tags every player shows: written by clgtv.tags, read back by mutagen and by ffmpeg."""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ffmpeg
from mutagen.id3 import ID3, Encoding
from mutagen.mp4 import MP4
from PIL import Image

from clgtv.audio.ffmpeg import ffmpeg_path
from clgtv.build import Cache, _tagged
from clgtv.errors import TagError
from clgtv.tags import FIELDS, ChapterMark, TagSet, _chapters_in_time_order, media_duration, read_tags, write_tags

REPO = Path(__file__).resolve().parent.parent

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


@pytest.fixture(scope="module")
def m4a(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tags") / "tone.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=3", "-c:a", "aac", "-b:a", "64k", "-f", "ipod", str(path))
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


def ffmetadata_chapters(path: Path) -> list[dict[str, str]]:
    """Each chapter's fields as ffmpeg's demuxer lists them, in file order."""
    out = subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-nostdin", "-i", str(path), "-f", "ffmetadata", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [
        dict(line.split("=", 1) for line in block.strip().splitlines() if "=" in line)
        for block in out.split("[CHAPTER]")[1:]
    ]


def ffmpeg_chapters(path: Path) -> list[tuple[int, int, str]]:
    """An MP3's chapters as ffmpeg lists them, in file order (from the CHAP frames; ffmpeg ignores
    CTOC and moves every time 25 ms earlier, by the encoder delay): (start ms, end ms, title)."""
    chapters = []
    for fields in ffmetadata_chapters(path):
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


def test_every_field_of_the_table_is_written_in_both_formats(mp3: Path, m4a: Path, tmp_path: Path) -> None:
    tags = ID3(tagged(mp3, tmp_path, 3))
    assert {field.what: [bool(tags.getall(frame)) for frame in field.id3] for field in FIELDS} == {
        field.what: [True] * len(field.id3) for field in FIELDS
    }
    path = tmp_path / "tagged.m4a"
    path.write_bytes(m4a.read_bytes())
    write_tags(path, replace(tag_set(), description="Long notes. " * 30))
    atoms = MP4(path).tags
    assert {atom: atoms[atom] for field in FIELDS for atom in field.mp4} == {
        "\xa9nam": [TITLE],
        "\xa9ART": ["CLGdotTV"],
        "\xa9alb": ["Test Programme"],
        "\xa9gen": ["Podcast"],
        "\xa9day": ["2026-10-01"],
        "\xa9cmt": ["A summary"],
        "desc": [("Long notes. " * 30)[:255]],  # Apple's short description
        "ldes": ["Long notes. " * 30],
        "purl": ["https://podcasts.example.org/test-show/feed.xml"],
        "egid": ["5b3f2a4e-9a1c-4d53-8b57-1d0f5cfb8a01"],
        "pcst": True,
        "trkn": [(7, 0)],
        "disk": [(2, 0)],
        "covr": [cover()],
    }
    assert [fields["title"] for fields in ffmetadata_chapters(path)] == [c.title for c in CHAPTERS]


def markdown_table() -> str:
    def code(names: tuple[str, ...]) -> str:
        return ", ".join(f"`{name}`" for name in names) or "-"

    rows = [f"| {f.what} | {code(f.id3)} | {code(f.mp4)} | {f.note} |" for f in FIELDS]
    return "\n".join(["| tag | ID3 frame | MP4 atom | holds |", "|---|---|---|---|", *rows])


def test_the_readme_tag_table_is_the_field_table() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("\n#### ID3 tags\n", 1)[1].split("\n#### ", 1)[0]
    tables = [block.strip() for block in section.split("\n\n") if block.lstrip().startswith("|")]
    assert tables == [markdown_table()]


def test_damaged_files_fail_as_tag_errors_naming_the_file(mp3: Path, m4a: Path, tmp_path: Path) -> None:
    """Whatever mutagen raises on a damaged file (a ValueError here, for an atom claiming more bytes than
    the file holds) comes out as a TagError naming the file."""
    plain = replace(tag_set(), chapters=())  # chapters would have ffmpeg rewrite the file first
    damaged = tmp_path / "damaged.m4a"
    damaged.write_bytes(m4a.read_bytes())
    write_tags(damaged, plain)
    data = bytearray(damaged.read_bytes())
    free = data.rindex(b"free") - 4  # the padding after the tags: its size now overruns the file
    data[free] = 0x84
    damaged.write_bytes(bytes(data))
    with pytest.raises(TagError, match=r"damaged\.m4a: cannot write MP4 tags"):
        write_tags(damaged, plain)
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(m4a.read_bytes()[:200])
    with pytest.raises(TagError, match=r"cut\.m4a: cannot write MP4 tags"):
        write_tags(cut, plain)
    noise = tmp_path / "noise.mp3"
    noise.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(TagError, match=r"noise\.mp3: cannot read the audio stream"):
        media_duration(noise)
    with pytest.raises(TagError, match=r"noise\.mp3: cannot read ID3 tags"):
        read_tags(noise)


def test_a_failed_tagging_leaves_no_partial_file(m4a: Path, tmp_path: Path) -> None:
    """mutagen refuses an M4A track number beyond 16 bits as it saves: the half-made copy is removed."""
    cache = Cache(tmp_path / "cache")
    with pytest.raises(TagError, match=r"\.partial\.m4a: cannot write MP4 tags"):
        _tagged(cache, m4a, replace(tag_set(), track=70000), 3)
    assert list((cache.root / "tagged").iterdir()) == []


def syncsafe(size: int) -> bytes:
    return bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))


def id3_tag(*frames: bytes, version: int = 3) -> bytes:
    body = b"".join(frames)
    return b"ID3" + bytes((version, 0, 0)) + syncsafe(len(body)) + body


def frame(frame_id: bytes, data: bytes, version: int = 3) -> bytes:
    size = syncsafe(len(data)) if version == 4 else len(data).to_bytes(4, "big")
    return frame_id + size + b"\0\0" + data


def chap(element_id: bytes, start: int, version: int = 3) -> bytes:
    return frame(b"CHAP", element_id + b"\0" + start.to_bytes(4, "big") + bytes(12), version)


@pytest.mark.parametrize(
    "tag",
    [
        pytest.param(b"ID3\x03\x00\x00\x7f\x7f\x7f\x7f" + chap(b"b", 2000) + chap(b"a", 1000), id="claims-256-mb"),
        pytest.param(
            b"ID3\x03\x00\x00\x80\x00\x00\x40" + chap(b"b", 2000) + chap(b"a", 1000), id="a-size-byte-with-its-high-bit"
        ),
        pytest.param(id3_tag(chap(b"b", 2000), b"CHAP\x00\x01\x00\x00\0\0b\0"), id="the-last-frame-cut-short"),
        pytest.param(
            id3_tag(chap(b"b", 2000), chap(b"a", 1000), b"TIT2\x00\x00\x01\x00\0\0\x03T"), id="another-cut-short"
        ),
        pytest.param(id3_tag(chap(b"b", 2000), frame(b"CHAP", b"no-terminator")), id="an-element-id-with-no-end"),
        pytest.param(id3_tag(chap(b"b", 2000), frame(b"CHAP", b"a\0\x01")), id="a-start-time-cut-short"),
        pytest.param(
            id3_tag(chap(b"b", 2000, 4), b"CHAP\x00\x00\x00\x90\0\0" + bytes(16), version=4),
            id="frame-size-not-syncsafe",
        ),
        pytest.param(b"ID3\x03", id="a-header-cut-short"),
    ],
)
def test_the_chapter_walker_leaves_hostile_tags_alone(tmp_path: Path, tag: bytes) -> None:
    path = tmp_path / "hostile.mp3"
    path.write_bytes(tag)
    _chapters_in_time_order(path)
    assert path.read_bytes() == tag


@pytest.mark.parametrize("version", [3, 4])
def test_the_chapter_walker_orders_a_tag_it_reads_whole(tmp_path: Path, version: int) -> None:
    path = tmp_path / "made.mp3"
    first, second = chap(b"a", 1000, version), chap(b"b", 2000, version)
    title = frame(b"TIT2", b"\x03T", version)
    path.write_bytes(id3_tag(second, title, first, version=version) + bytes(64))
    _chapters_in_time_order(path)
    assert path.read_bytes() == id3_tag(first, title, second, version=version) + bytes(64)
