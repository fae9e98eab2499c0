"""Just enough of the MPEG-1 Layer III bitstream to join encodings of one programme made side by side.

Encoders started on the same 1152-sample frame grid, on overlapping stretches of the same audio,
produce frames that line up one for one, so the whole is the first stream's frames up to a splice
frame, then the next stream's. One thing crosses a frame boundary: the bit reservoir. A frame's
main data may begin up to 511 bytes before its header, in space the frames before it left unused.
A splice frame is therefore one whose reservoir (in its own stream) fits in the space the first
stream left free there; those bytes are copied across. It must also use long blocks on both sides
of the seam, so that the decoder's overlapping windows match.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

FRAME_SAMPLES = 1152
RATES = (44100, 48000, 32000)  # MPEG-1; lower rates are MPEG-2 frames, which are not joined
ENCODER_DELAY = 576  # what libmp3lame's LAME tag records ...
DECODER_SKIP = ENCODER_DELAY + 529  # ... and what a decoder drops from the start for it
MAX_RESERVOIR = 511  # bytes: main_data_begin has 9 bits
BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0)  # 0: free or bad
GRANULE_BITS = 59  # side information per granule and channel
MAX_HEAD = 38  # header, CRC and stereo side information
READ_SIZE = 1 << 20
TAG_CRC_SPAN = 190  # bytes of the header frame under the LAME tag's own CRC


class SpliceError(ValueError):
    """Streams that cannot be joined: no frame where they line up, or not the frames expected."""


@dataclass(frozen=True)
class Frame:
    offset: int  # of the header, in its stream
    size: int
    data_start: int  # where the frame's own main-data slot begins (after header, CRC and side info)
    data_begin: int  # bytes of its main data stored before its header (main_data_begin)
    switching: bool  # a granule uses short, start or stop windows


def frame_bytes(bitrate: int, rate: int, padding: int = 0) -> int:
    """Bytes in an MPEG-1 Layer III frame at `bitrate` kbps and `rate` Hz."""
    return 144000 * bitrate // rate + padding


def _size(header: int, offset: int) -> int:
    """Bytes in the frame with this header (at byte `offset` of its stream)."""
    if header >> 21 != 0x7FF or (header >> 19) & 3 != 3 or (header >> 17) & 3 != 1:
        raise SpliceError(f"no MPEG-1 Layer III frame at byte {offset}")
    bitrate, rate = BITRATES[(header >> 12) & 15], (header >> 10) & 3
    if not bitrate or rate == 3:
        raise SpliceError(f"free-format or reserved frame at byte {offset}")
    return frame_bytes(bitrate, RATES[rate], (header >> 9) & 1)


def _frame(data: bytes, at: int, offset: int) -> Frame:
    """The frame whose header is at `data[at:]`, which is byte `offset` of its stream."""
    header = int.from_bytes(data[at : at + 4], "big")
    size = _size(header, offset)
    channels = 1 if (header >> 6) & 3 == 3 else 2
    side = 4 + (0 if (header >> 16) & 1 else 2)
    side_bytes = 17 if channels == 1 else 32
    bits = int.from_bytes(data[at + side : at + side + side_bytes], "big")
    total = side_bytes * 8
    position = 9 + (5 if channels == 1 else 3) + 4 * channels  # main_data_begin, private bits, scfsi
    switching = False
    for _ in range(2 * channels):
        switching |= bool(bits >> (total - position - 34) & 1)  # after part2_3_length .. scalefac_compress
        position += GRANULE_BITS
    return Frame(offset, size, offset + side + side_bytes, bits >> (total - 9), switching)


@dataclass(frozen=True)
class Stream:
    """A file of MPEG-1 Layer III frames (no tags, no Xing frame) whose frame 0 is frame `first` of the
    common grid. Only the frames in `kept` (grid indices) are parsed and remembered: a seam needs a
    few, and an hour holds 138,000."""

    path: Path
    first: int
    kept: dict[int, Frame]

    @classmethod
    def scan(cls, path: Path, first: int, keep: Collection[int]) -> Stream:
        """Walk the frame headers as far as the last frame to keep (or the end of the file)."""
        kept = {}
        last = max(keep, default=first - 1)
        index, offset = first, 0
        with path.open("rb") as file:
            data, base = b"", 0  # data holds the file from byte `base`
            while index <= last:
                if offset + MAX_HEAD > base + len(data):
                    file.seek(offset)
                    data, base = file.read(READ_SIZE), offset
                if offset + 4 > base + len(data):
                    break
                if index in keep:
                    kept[index] = _frame(data, offset - base, offset)
                    offset += kept[index].size
                else:
                    offset += _size(int.from_bytes(data[offset - base : offset - base + 4], "big"), offset)
                index += 1
        return cls(path, first, kept)

    def at(self, index: int) -> Frame | None:
        return self.kept.get(index)

    def read(self, start: int, stop: int) -> bytes:
        with self.path.open("rb") as file:
            file.seek(start)
            return file.read(stop - start)

    def reservoir(self, index: int, count: int) -> list[tuple[int, int]]:
        """Byte ranges, in order, of the last `count` main-data bytes before frame `index`."""
        ranges: list[tuple[int, int]] = []
        while count > 0:
            index -= 1
            frame = self.at(index)
            if frame is None:
                raise SpliceError(f"frame {index + 1}'s bit reservoir reaches back before the frames scanned")
            end = frame.offset + frame.size
            start = max(frame.data_start, end - count)
            ranges.insert(0, (start, end))
            count -= end - start
        return ranges


def splice_frame(before: Stream, after: Stream, earliest: int, latest: int) -> int:
    """The first frame in [earliest, latest) of the common grid where `after` can take over from `before`."""
    for index in range(max(earliest, after.first + 1), latest):
        ours, current, theirs = before.at(index - 1), before.at(index), after.at(index)
        if ours is None or current is None or theirs is None:
            continue
        if current.data_begin >= theirs.data_begin and not ours.switching and not theirs.switching:
            return index
    raise SpliceError(f"no frame between {earliest} and {latest} where the two encodings can be joined")


def joined(streams: Sequence[Stream], splices: Sequence[int]) -> Iterator[bytes]:
    """The bytes of one stream: streams[0] up to splices[0], streams[1] from there up to splices[1], ...

    Every seam is worked out before the first byte comes: a stream that cannot be joined raises
    SpliceError here, not half-way through the copy."""
    pieces: list[tuple[Path, int, int | None] | bytes] = []
    start = 0
    for (current, following), index in zip(itertools.pairwise(streams), splices, strict=True):
        frame, theirs = current.at(index), following.at(index)
        assert frame is not None and theirs is not None
        patch = current.reservoir(index, theirs.data_begin)
        patch_start = patch[0][0] if patch else frame.offset
        reservoir = b"".join(following.read(a, b) for a, b in following.reservoir(index, theirs.data_begin))
        pieces += [(current.path, start, patch_start), _patched(current, patch_start, frame.offset, patch, reservoir)]
        start = theirs.offset
    pieces.append((streams[-1].path, start, None))
    for piece in pieces:
        if isinstance(piece, bytes):
            yield piece
        else:
            yield from _copy(*piece)


def _copy(path: Path, start: int, stop: int | None) -> Iterator[bytes]:
    with path.open("rb") as file:
        file.seek(start)
        left = math.inf if stop is None else stop - start
        while left > 0 and (block := file.read(int(min(READ_SIZE, left)))):
            left -= len(block)
            yield block


def _patched(current: Stream, start: int, stop: int, patch: list[tuple[int, int]], reservoir: bytes) -> bytes:
    """current's bytes [start, stop), its free reservoir space (the ranges in `patch`) holding
    `reservoir`, which the following stream's first frame expects there."""
    out = bytearray(current.read(start, stop))
    used = 0
    for a, b in patch:
        out[a - start : b - start] = reservoir[used : used + b - a]
        used += b - a
    return bytes(out)


def set_gapless(path: Path, samples: int) -> None:
    """Record in the LAME tag of `path`'s header frame (as ffmpeg writes it) the encoder delay and the
    padding that make decoders play exactly `samples` frames."""
    with path.open("r+b") as file:
        head = bytearray(file.read(READ_SIZE // 256))
        frame = _frame(bytes(head), 0, 0)
        tag = _tag_offset(head, frame)
        audio_frames = int.from_bytes(head[tag + 8 : tag + 12], "big")
        padding = audio_frames * FRAME_SAMPLES - samples - ENCODER_DELAY
        if not 0 <= padding < 1 << 12:
            raise ValueError(f"{path}: {samples} samples do not fit {audio_frames} frames")
        head[tag + 141 : tag + 144] = (ENCODER_DELAY << 12 | padding).to_bytes(3, "big")
        head[tag + 154 : tag + 156] = b"\0\0"
        # over 190 bytes even when the frame is shorter (a low bitrate's), zeros beyond it, as ffmpeg does
        covered = head[: frame.size].ljust(TAG_CRC_SPAN, b"\0")[:TAG_CRC_SPAN]
        head[tag + 154 : tag + 156] = _crc16(covered).to_bytes(2, "big")
        file.seek(0)
        file.write(head[: tag + 156])


def _tag_offset(data: bytearray, head: Frame) -> int:
    marker = data[head.data_start : head.data_start + 4]
    if marker not in (b"Info", b"Xing"):
        raise ValueError("no Xing/Info header frame")
    return head.data_start


def _crc16(data: bytes | bytearray) -> int:
    """CRC-16/ARC (reflected 0x8005), the LAME tag's checksum."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc
