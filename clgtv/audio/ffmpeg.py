"""The one wrapper around the ffmpeg binary: argv builders (pure) and streaming runners.

Audio flows between ffmpeg and Python as raw float32 PCM over pipes, a chunk at a time,
so memory stays flat however long the recording.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from clgtv.errors import ClgtvError, MediaError
from clgtv.files import not_a_file

FFMPEG_ENV = "CLGTV_FFMPEG"
CHUNK_SECONDS = 2.0
BACKGROUND_NICENESS = 10
MONITOR_CHUNK = 65536  # frames
MONITOR_QUEUE_S = 12.0
HEARD_FRAMES = 8192  # the monitor's first frames, kept to check its alignment against the file
SAMPLE = np.dtype("<f4")
MIN_VERSION = (7, 1)  # the threaded pipeline clgtv is run and tested with; older releases are refused
# ffmpeg's threads hand audio on a packet or frame at a time: a PCM WAV read in packets of this many bytes,
# and frames of this many samples passed on, cost the decoders less CPU than ffmpeg's own sizes (the same
# samples); larger ones only fill ffmpeg's queues when the reader waits
PACKET_BYTES = 1 << 18
FRAME_SAMPLES = 16384
WAVE_PCM, WAVE_FLOAT, WAVE_EXTENSIBLE = 0x0001, 0x0003, 0xFFFE


@functools.cache
def ffmpeg_path() -> str:
    """$CLGTV_FFMPEG, else ffmpeg on PATH if it is 7.1 or later, else the binary shipped by imageio-ffmpeg."""
    if configured := os.environ.get(FFMPEG_ENV):
        return _checked(configured, f"{FFMPEG_ENV}={configured}")
    if (found := shutil.which("ffmpeg")) and _recent(found):
        return found
    try:
        import imageio_ffmpeg

        shipped = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise ClgtvError(
            f"ffmpeg not found: set {FFMPEG_ENV}, put ffmpeg 7.1+ on PATH or pip install imageio-ffmpeg"
        ) from exc
    return _checked(shipped, "imageio-ffmpeg's ffmpeg (pip install -U imageio-ffmpeg)")


def _checked(binary: str, name: str) -> str:
    if not _recent(binary):
        raise ClgtvError(f"{name}: ffmpeg {'.'.join(map(str, MIN_VERSION))} or later needed")
    return binary


def _recent(binary: str) -> bool:
    """Whether `binary` is ffmpeg MIN_VERSION or later; a git build (no release number) counts as recent."""
    try:
        banner = subprocess.run([binary, "-version"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return False
    if not banner.startswith("ffmpeg version"):
        return False
    release = re.match(r"ffmpeg version n?(\d+)\.(\d+)", banner)
    return not release or (int(release.group(1)), int(release.group(2))) >= MIN_VERSION


@dataclass(frozen=True)
class Probe:
    sample_rate: int
    channels: int
    duration: float | None  # as ffmpeg gives it: where the container says nothing, estimated from the bit rate
    stated: float | None  # the audio's length as the container states it; None: it states none
    cut: str | None  # where a file that shows its own end was cut off ("where the stream ends before its last page")


# ffmpeg's names for channel layouts that do not count their channels in the name ("5.1", "7.1.4" do)
LAYOUTS = {
    "mono": 1, "stereo": 2, "downmix": 2, "binaural": 2, "quad": 4, "hexagonal": 6, "octagonal": 8, "cube": 8,
    "hexadecagonal": 16,
}  # fmt: skip
MIN_RATE, MAX_RATE = 8000, 768000
WavData = tuple[int | None, int]  # a WAV's data chunk: the size its header gives (None: never written), bytes held


def probe(path: Path) -> Probe:
    """Sample rate, channels and duration of the first audio stream (ffmpeg's banner)."""
    wav = _readable(path)
    result = subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-nostdin", *_input(path)],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    banner = result.stderr  # anchored at line starts: a tag's value cannot pass for a stream or a duration
    stream = re.search(r"^\s*Stream #\d+:\d+.*?: Audio: .*?(\d+) Hz, ([^,\n]+)", banner, re.M)
    if not stream:
        raise MediaError(path, _failure(banner, default="no audio track found"))
    rate = int(stream.group(1))
    if not MIN_RATE <= rate <= MAX_RATE:
        raise MediaError(path, f"sample rate {rate} Hz; expected {MIN_RATE} to {MAX_RATE} Hz")
    duration = _duration(banner)
    channels = _count_channels(path, stream.group(2).strip())
    return Probe(rate, channels, duration, _stated(wav, banner, duration), _cut_where(path, banner))


def _duration(banner: str) -> float | None:
    found = re.search(r"^\s*Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", banner, re.M)
    if not found:
        return None
    hours, minutes, seconds = found.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _stated(wav: WavData | None, banner: str, duration: float | None) -> float | None:
    """The audio's length as the container states it: none where ffmpeg estimates it from the bit rate,
    or where a video track may outlast the audio. For a WAV ffmpeg gives the length of what the file
    holds, so one cut short would look whole: the length its header claims is worked out here."""
    if re.search(r"^Input #0, wav,", banner, re.M) and (claimed := _wav_claimed(wav)):
        return duration * claimed if duration else None
    if "Estimating duration from bitrate" in banner or re.search(
        r"^\s*Stream #.*: Video: (?!.*\(attached pic\))", banner, re.M
    ):
        return None
    return duration


WAV_LIMIT = 1 << 32  # a RIFF WAV's sizes are 32-bit: a longer recording needs RF64 or W64
WRAPPED = (
    "holds over 4 GiB of audio, more than a WAV's header can count, so only part of it would be read; "
    "export it as RF64, W64 or FLAC"
)


def _wav_data(path: Path) -> WavData | None:
    """A RIFF WAV's data chunk: the size its header gives (None when never written) and the bytes the file
    holds from there; None for any other file. MediaError when the file holds more than its sizes count."""
    with path.open("rb") as wav:
        head = wav.read(12)
        if head[8:] != b"WAVE":
            return None
        for tag, size in _chunks(wav):
            if tag == b"data":
                held = path.stat().st_size - wav.tell()
                unknown = size in (0, 0xFFFFFFFF)  # a header never finished: it claims nothing
                if head[:4] == b"RIFF" and not unknown and held >= WAV_LIMIT:  # RF64 and BW64 count in ds64
                    raise MediaError(path, WRAPPED)
                return (None if unknown else size), held
    return None


def _wav_claimed(data: WavData | None) -> float | None:
    """How much more audio a WAV's header claims than the file holds (a ratio), if it claims more."""
    if data is None or data[0] is None:
        return None
    size, held = data
    return size / held if 0 < held < size else None


def _chunks(wav: IO[bytes]) -> Iterator[tuple[bytes, int]]:
    """A RIFF file's chunks from where `wav` stands, a header's worth: (tag, size), with the file at the
    chunk's data (read or not, the next chunk is found by the size)."""
    for _ in range(64):  # a header has a few chunks before the audio
        header = wav.read(8)
        if len(header) < 8:
            return
        start, size = wav.tell(), int.from_bytes(header[4:], "little")
        yield header[:4], size
        wav.seek(start + size + size % 2)


OGG_PAGE_MAX = 65307
OGG_END = 0x04  # a page's header type flag: the stream's last page


def _ogg_ended(path: Path) -> bool:
    """Whether the last Ogg page of the file is a stream's last: one cut short stops at any other page."""
    with path.open("rb") as ogg:
        ogg.seek(max(path.stat().st_size - OGG_PAGE_MAX, 0))
        tail = ogg.read()
    start = tail.rfind(b"OggS\x00")
    return start >= 0 and len(tail) > start + 5 and bool(tail[start + 5] & OGG_END)


OGG_BEGIN = 0x02  # a page's header type flag: the stream's first page
CHAINED = "holds {} recordings one after another (a chained Ogg), and only the first would be read; export it as one"


def _ogg_chains(path: Path) -> int:
    """How many streams an Ogg file holds one after another: a first page after another stream's pages
    starts the next (ffmpeg reads only the first). Page headers only, a seek apiece."""
    chains, begun, at, size = 0, False, 0, path.stat().st_size
    with path.open("rb") as ogg:
        while at + 27 <= size:
            ogg.seek(at)
            header = ogg.read(27)
            if header[:4] != b"OggS":
                break  # not a page: what the decode makes of it is its own check
            starts = bool(header[5] & OGG_BEGIN)
            chains += starts and not begun
            begun = starts
            table = ogg.read(header[26])
            at += 27 + len(table) + sum(table)
    return chains


def _cut_where(path: Path, banner: str) -> str | None:
    """Where a file whose structure shows its own end stops short of it: an Ogg stream before its last
    page, an MP4 or MOV inside a box (its index first, the media data cut)."""
    if re.search(r"^Input #0, ogg,", banner, re.M):
        if (chains := _ogg_chains(path)) > 1:
            raise MediaError(path, CHAINED.format(chains))
        if not _ogg_ended(path):
            return "where the stream ends before its last page"
    if re.search(r"^Input #0, mov,", banner, re.M) and _box_cut(path):
        return "where the file ends inside its media data"
    return None


def _box_cut(path: Path) -> bool:
    """Whether an MP4's top-level boxes run past the end of the file."""
    size, at = path.stat().st_size, 0
    with path.open("rb") as mp4:
        while at + 8 <= size:
            mp4.seek(at)
            header = mp4.read(16)
            length = int.from_bytes(header[:4], "big")
            if length == 1:  # a 64-bit size follows the type
                length = int.from_bytes(header[8:16], "big")
            if length < 8:  # 0: the box runs to the end of the file; less: no box, for ffmpeg to judge
                return False
            at += length
    return at > size


def _count_channels(path: Path, layout: str) -> int:
    """Channels in one of ffmpeg's layout names: "stereo", "5.1(side)", "7.1.4", "6 channels", "FL+FR+LFE"."""
    name = layout.split("(")[0].strip()
    if name in LAYOUTS:
        return LAYOUTS[name]
    if re.fullmatch(r"\d+(\.\d+)+", name):
        return sum(int(part) for part in name.split("."))
    if counted := re.fullmatch(r"(\d+) channels", name):
        return int(counted.group(1))
    if re.fullmatch(r"[A-Z0-9]+(\+[A-Z0-9]+)+", name):
        return name.count("+") + 1
    raise MediaError(path, f"its channel layout {layout!r} is not one ffmpeg can mix down; {MIX_DOWN}")


Window = tuple[float, float | None]  # start and duration in seconds; no duration: to the end


def decode_argv(
    path: Path,
    sample_rate: int,
    channels: int,
    window: Window | None = None,
    wav: bool = False,
    frames: int = FRAME_SAMPLES,
) -> list[str]:
    """argv that decodes the first audio track of any file ffmpeg reads to float32 PCM on stdout.

    `window` decodes only that stretch. `wav`: the file is a PCM WAV (`is_pcm_wav`), read in long packets.
    `frames`: the samples per frame ffmpeg's filters pass on; 0, as the decoder makes them."""
    argv = [ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error"]
    if window:
        if window[0]:  # seeking to 0 is not a no-op: MP4's AAC then decodes from another state
            argv += ["-ss", f"{window[0]:.3f}"]
        if window[1] is not None:
            argv += ["-t", f"{window[1]:.3f}"]
    if wav:  # the WAV demuxer's own option: another demuxer would refuse it, hence is_pcm_wav's care
        argv += ["-f", "wav", "-max_size", str(PACKET_BYTES)]
    argv += _input(path)
    argv += ["-map", "0:a:0", "-vn", "-sn", "-dn"]
    return [*argv, *_pcm_out_argv(sample_rate, channels, frames)]


def _pcm_out_argv(sample_rate: int, channels: int, frames: int = FRAME_SAMPLES) -> list[str]:
    """Float32 PCM on stdout, in frames of `frames` samples (`asetnsamples` joins them and pads nothing: the
    same samples)."""
    argv = ["-ac", str(channels), "-ar", str(sample_rate)]
    if frames:
        argv += ["-af", f"asetnsamples=n={frames}:p=0"]
    return [*argv, "-f", "f32le", "-c:a", "pcm_f32le", "pipe:1"]


def is_pcm_wav(path: Path) -> bool:
    """A PCM or float WAV that ffmpeg reads with its WAV demuxer, told as ffmpeg tells it: a RIFF WAVE
    header, or an RF64 or BW64 one with its ds64 chunk; not a voice recorder's ACT file, which starts
    with a WAV header of its own. Compressed WAVs (ADPCM, GSM) are left to ffmpeg's own packets: their
    decoders drop the rest of a packet at a damaged block."""
    try:
        with path.open("rb") as file:
            head = file.read(512)
            kind = head[:4]
            if len(head) <= 32 or head[8:12] != b"WAVE" or kind not in (b"RIFF", b"RF64", b"BW64"):
                return False
            if (kind == b"RIFF" and _act(head)) or (kind != b"RIFF" and head[12:16] != b"ds64"):
                return False
            file.seek(12)
            return _pcm_format(file)
    except OSError:
        return False  # ffmpeg will say what is wrong


def _pcm_format(wav: IO[bytes]) -> bool:
    """Whether the format chunk, found among the first chunks before the audio, says PCM or float."""
    for tag, size in _chunks(wav):
        if tag == b"data":
            return False
        if tag == b"fmt ":
            chunk = wav.read(min(size, 40))
            code = int.from_bytes(chunk[:2], "little")
            if code == WAVE_EXTENSIBLE and len(chunk) >= 26:
                code = int.from_bytes(chunk[24:26], "little")  # the subformat GUID's first two bytes
            return code in (WAVE_PCM, WAVE_FLOAT)
    return False


def _act(head: bytes) -> bool:
    """ffmpeg's ACT probe: a 16-byte format chunk, and zeros around a 0x84 at byte 256."""
    if len(head) < 512 or int.from_bytes(head[16:20], "little") != 16:
        return False
    return not any(head[44:256]) and head[256] == 0x84 and not any(head[264:512])


@dataclass(frozen=True)
class Format:
    """How ffmpeg encodes one of layout.AUDIO_FORMATS."""

    codec: str
    muxer: str
    options: str


FORMATS = {
    "mp3": Format("libmp3lame", "mp3", "id3v2_version=0:write_id3v1=0"),
    "m4a": Format("aac", "ipod", "movflags=+faststart"),
}


@dataclass(frozen=True)
class Encoding:
    format: str = "mp3"
    bitrate: int = 128
    sample_rate: int = 44100
    channels: int = 2


def encode_argv(out: Path, encoding: Encoding, monitor: bool = False) -> list[str]:
    """argv that encodes float32 PCM from stdin with no tags (mutagen writes them).

    With `monitor`, a loopback decoder in the same ffmpeg decodes the encoded packets as they are made,
    codec delay skipped, and float32 PCM of them goes to stdout."""
    fmt = FORMATS[encoding.format]
    argv = [ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    argv += ["-f", "f32le", "-ar", str(encoding.sample_rate), "-ac", str(encoding.channels), "-i", "pipe:0"]
    argv += ["-map", "0:a", "-c:a", fmt.codec, "-b:a", f"{encoding.bitrate}k", "-map_metadata", "-1"]
    argv += [*_options_argv(fmt.options), "-f", fmt.muxer, _file(out)]
    if monitor:
        argv += ["-dec", "0:0", "-filter_complex", "[dec:0]anull[heard]", "-map", "[heard]"]
        argv += _pcm_out_argv(encoding.sample_rate, encoding.channels, frames=0)
    return argv


# the containers a recording may come in, by ffmpeg's demuxer names: never a playlist (HLS, DASH), a list
# of files (ffconcat), an image sequence or a filter graph, which read other files by name, wherever they are
DEMUXERS = (
    "wav,w64,flac,mp3,aac,loas,ac3,eac3,dts,truehd,mov,matroska,ogg,aiff,caf,iff,dsf,wsd,wv,ape,tta,tak,mpc,mpc8,"
    "shn,au,voc,sox,amr,asf,rm,mpegts,mpeg,mxf,gxf,lxf,dv,avi,flv,nut"
)
NOT_TAKEN = (
    "not a recording clgtv reads: a playlist or list of files (HLS, DASH, ffconcat), or a container it does not "
    "take; export it as WAV, FLAC, MP3 or M4A"
)


def _input(path: Path) -> list[str]:
    """ffmpeg's options to read `path` alone: through its file protocol, in a container of DEMUXERS."""
    return ["-protocol_whitelist", "file", "-format_whitelist", DEMUXERS, "-i", _file(path)]


def _file(path: Path) -> str:
    """`path` for ffmpeg's argv: through its file protocol and absolute, so that no name is taken for
    another protocol (`show:2/x.mp3`) or an option (`-d/x.mp3`)."""
    return f"file:{path.absolute()}"


def _options_argv(options: str) -> list[str]:
    argv = []
    for option in filter(None, options.split(":")):
        key, value = option.split("=", 1)
        argv += [f"-{key}", value]
    return argv


def decode(
    path: Path,
    sample_rate: int,
    channels: int,
    chunk_seconds: float = CHUNK_SECONDS,
    window: Window | None = None,
    background: bool = False,
    verify: Probe | None = None,
) -> Iterator[np.ndarray]:
    """Yield float32 chunks shaped (frames, channels); raise MediaError if ffmpeg fails.

    `background`: the decoder runs beside an encoder and yields the CPU to it. `verify`: the file's
    probe; decode errors, or a length well short of the one it states, are damage (MediaError)."""
    _readable(path)
    assert not (verify and window), "only a whole file is verified"
    chunk_bytes = int(sample_rate * chunk_seconds) * SAMPLE.itemsize * channels
    with tempfile.TemporaryFile() as log:
        argv = decode_argv(path, sample_rate, channels, window, wav=is_pcm_wav(path))
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log)
        if background:
            _yield_to_encoder(process)
        assert process.stdout is not None
        total = 0
        try:
            for chunk in _pcm_chunks(process.stdout, channels, chunk_bytes):
                if not (chunk.max(initial=0.0) <= MAX_SAMPLE and chunk.min(initial=0.0) >= -MAX_SAMPLE):  # NaN too
                    start = (window[0] if window else 0.0) + total / sample_rate
                    raise MediaError(path, _unplayable(chunk, start, sample_rate))
                total += len(chunk)
                yield chunk
        finally:
            process.stdout.close()
            code = process.wait()
        errors = _read_log(log)
    if verify and total:
        _check_damage(path, errors, total / sample_rate, verify)
    if code != 0:
        raise MediaError(path, _failure(errors))
    if total == 0:
        raise MediaError(path, "contains no audio samples")


MAX_SAMPLE = 1000.0  # +60 dBFS: a float recording's samples stay within a few times full scale; past this, garbage


def _unplayable(chunk: np.ndarray, start: float, sample_rate: int) -> str:
    """The damage in a decoded chunk with samples that are not numbers or far out of range, from where."""
    frame = int(np.flatnonzero(~(np.abs(chunk) <= MAX_SAMPLE).all(axis=1))[0])
    at = clock(start + frame / sample_rate)
    return f"damaged: unplayable samples (not numbers, or far out of range) from {at}; {EXPORT_AGAIN}"


# A recording is damaged when ffmpeg reports errors before its last second (a file cut short often
# ends in a broken packet: its length tells), or when it decodes to well short of its stated length.
END_S = 1.0
SHORT_S = 1.0
SHORT_FRACTION = 0.02
EXPORT_AGAIN = "export the recording again"
MIX_DOWN = "export it in mono or stereo (or a standard layout such as 5.1)"


def _check_damage(path: Path, log: str, decoded: float, probe: Probe) -> None:
    """Raise MediaError if a decode of the whole file that gave `decoded` seconds and `log` found it damaged."""
    if reasons := _errors(log):
        at = _first_error_at(path, probe.sample_rate)
        if at is None or at < decoded - END_S:
            where = "" if at is None else f" from {clock(at)}"
            raise MediaError(path, f"damaged: decode errors{where} (ffmpeg: {reasons[0]}); {EXPORT_AGAIN}")
    stated = probe.stated
    if stated is not None and stated - decoded > max(SHORT_S, SHORT_FRACTION * stated):
        cut = f"decoding stops at {clock(decoded)} of {clock(stated)} (the file may be cut short)"
        raise MediaError(path, f"damaged: {cut}; {EXPORT_AGAIN}")
    if probe.cut:
        raise MediaError(
            path,
            f"damaged: decoding stops at {clock(decoded)}, {probe.cut} (the file may be cut short); {EXPORT_AGAIN}",
        )


def _errors(log: str) -> list[str]:
    """ffmpeg's error lines, without the "[component @ 0x...]" prefixes, printable and short."""
    reasons = []
    for line in log.splitlines():
        reason = re.sub(r"^(\s*\[[^\]]*\]\s*)+", "", line).strip()
        if reason and not reason.startswith("Last message repeated"):
            reasons.append(re.sub(r"[^ -~]", "?", reason)[:120])
    return reasons


def _first_error_at(path: Path, sample_rate: int) -> float | None:
    """Seconds decoded before the first error that stops ffmpeg's -xerror; None if none stops it.

    A second decode, only of a file the first found errors in, and only to that point."""
    # the first decode's packets (where a short last one is an error), and every sample before the error
    argv = decode_argv(path, sample_rate, 1, wav=is_pcm_wav(path), frames=0)
    argv.insert(argv.index("-i"), "-xerror")
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    with process.stdout as pcm:
        size = sum(len(piece) for piece in iter(lambda: pcm.read(1 << 20), b""))
    return size // SAMPLE.itemsize / sample_rate if process.wait() != 0 else None


def clock(seconds: float) -> str:
    """H:MM:SS.s"""
    minutes, tenths = divmod(round(seconds * 10), 600)
    return f"{minutes // 60}:{minutes % 60:02d}:{tenths / 10:04.1f}"


def _pcm_chunks(stream: IO[bytes], channels: int, chunk_bytes: int) -> Iterator[np.ndarray]:
    """float32 PCM from a pipe, `chunk_bytes` at a time, shaped (frames, channels)."""
    _widen_pipe(stream)  # lets ffmpeg decode the next chunk while this one is worked on
    frame_bytes = SAMPLE.itemsize * channels
    while size := _read_into(stream, buffer := bytearray(chunk_bytes)):
        yield np.frombuffer(buffer, dtype=SAMPLE, count=size // frame_bytes * channels).reshape(-1, channels)


def _read_into(stream: IO[bytes], buffer: bytearray) -> int:
    """Fill `buffer` from the stream (short only at its end); the number of bytes read."""
    view, filled = memoryview(buffer), 0
    while filled < len(buffer) and (count := stream.readinto(view[filled:])):
        filled += count
    return filled


class Encoder:
    """A running ffmpeg encoder fed float32 chunks; `close()` waits and raises MediaError on failure.

    Given a `monitor`, the encoded packets are also decoded as they are made, by a loopback decoder in
    the same ffmpeg, and each decoded chunk is handed to `monitor` on a thread, padding trimmed: frame
    n there is input frame n. The finished file is measured without a second pass over it;
    `heard_exactly` says afterwards whether the monitor's first frames are the finished file's own
    (the codec delay was skipped as a player skips it)."""

    def __init__(self, out: Path, encoding: Encoding, monitor: Callable[[np.ndarray], None] | None = None):
        self.out = out
        self.written = 0  # frames, counted before they reach the pipe
        self.heard_exactly = False
        self._encoding = encoding
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        stdout = subprocess.PIPE if monitor else subprocess.DEVNULL
        argv = encode_argv(out, encoding, monitor=monitor is not None)
        self._process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=stdout, stderr=self._log)
        _widen_pipe(self._process.stdin)
        self._monitor: _Monitor | None = None
        try:
            if monitor:
                self._monitor = _Monitor(out, self._process, encoding, monitor, lambda: self.written)
        except BaseException:
            self.abort()
            raise

    def __enter__(self) -> Encoder:
        return self

    def __exit__(self, kind: type | None, *_: object) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def write(self, chunk: np.ndarray) -> None:
        if not len(chunk):
            return
        assert self._process.stdin is not None
        self.written += len(chunk)
        try:
            self._process.stdin.write(memoryview(np.ascontiguousarray(chunk, dtype=SAMPLE)).cast("B"))
        except BrokenPipeError:
            self._end(early=True)  # ffmpeg quit on its own: say why, from its log

    def close(self) -> None:
        self._end(early=False)
        if self._monitor:
            rate, channels = self._encoding.sample_rate, self._encoding.channels
            heard = self._monitor.heard
            with contextlib.closing(decode(self.out, rate, channels, window=(0.0, len(heard) / rate + 0.1))) as start:
                self.heard_exactly = np.array_equal(next(start, heard[:0])[: len(heard)], heard)

    def _end(self, early: bool) -> None:
        if self._process.stdin and not self._process.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self._process.stdin.close()
        code = self._process.wait()
        log = _read_log(self._log)
        self._log.close()
        if monitor := self._monitor:
            monitor.finish()
            if error := monitor.error:  # it stopped the encoder
                raise error if isinstance(error, MediaError) else MediaError(self.out, f"cannot measure: {error}")
        if code != 0 or early:
            raise MediaError(self.out, _failure(log, default="the encoder stopped early" if early else "ffmpeg failed"))
        if monitor and monitor.fed != self.written:
            raise MediaError(self.out, f"the encoder's output decoded short ({monitor.fed} of {self.written} frames)")

    def abort(self) -> None:
        self._process.kill()
        self._process.wait()
        if self._monitor:
            self._monitor.finish()
        self._log.close()


class _Monitor:
    """The threads that hand what an encoder's loopback decoder gives on its stdout to a callback.

    One thread only empties the pipe into a queue and another runs the callback: a pipe holds three
    seconds of PCM, and an encoder whose decoded output is not read stops encoding."""

    def __init__(
        self,
        out: Path,
        process: subprocess.Popen,
        encoding: Encoding,
        callback: Callable[[np.ndarray], None],
        written: Callable[[], int],
    ):
        self._out = out
        self._process = process
        self._channels = encoding.channels
        self._callback = callback
        self._written = written
        # at most MONITOR_QUEUE_S of decoded audio waits for the callback
        chunks = max(1, round(MONITOR_QUEUE_S * encoding.sample_rate / MONITOR_CHUNK))
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=chunks)
        self.heard = np.zeros((0, self._channels), dtype=SAMPLE)  # the first HEARD_FRAMES handed on
        self.fed = 0
        self.error: BaseException | None = None
        self._threads = [
            threading.Thread(target=self._read, name="encoder-monitor-read", daemon=True),
            threading.Thread(target=self._measure, name="encoder-monitor", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _read(self) -> None:
        decoded = self._process.stdout
        assert decoded is not None
        try:
            for chunk in _pcm_chunks(decoded, self._channels, MONITOR_CHUNK * SAMPLE.itemsize * self._channels):
                self._queue.put(chunk)
        except BaseException as exc:  # handed to the caller by the Encoder
            self._fail(MediaError(self._out, f"cannot read the encoder's decoded output: {exc}"))
        finally:
            decoded.close()
            self._queue.put(None)

    def _measure(self) -> None:
        yield_thread_to_encoder()
        while (chunk := self._queue.get()) is not None:
            if self.error:
                continue  # the encoder was stopped: drop what it made before
            # input frame n reaches the encoder before its decoded frame n exists: past that is padding
            chunk = chunk[: max(self._written() - self.fed, 0)]
            if len(self.heard) < HEARD_FRAMES:
                self.heard = np.concatenate([self.heard, chunk[: HEARD_FRAMES - len(self.heard)]])
            self.fed += len(chunk)
            try:
                self._callback(chunk)
            except BaseException as exc:  # handed to the caller by the Encoder
                self._fail(exc)

    def _fail(self, error: BaseException) -> None:
        """Keep the first error, and stop the encoder: nothing it makes from now on will be measured."""
        self.error = self.error or error
        self._process.kill()

    def finish(self) -> None:
        """Wait for the threads, once the encoder has ended; then `error` says what went wrong, if anything did."""
        for thread in self._threads:
            thread.join()


def write_chapters(path: Path, out: Path, chapters: Sequence[tuple[float, float, str]]) -> None:
    """Copy an M4A's audio to `out` with chapters (start, end, title) added; mutagen cannot write them."""
    _require_file(path)
    lines = [";FFMETADATA1"]
    for start, end, title in chapters:
        escaped = re.sub(r"([=;#\\\n])", r"\\\1", title)
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={round(start * 1000)}", f"END={round(end * 1000)}"]
        lines.append(f"title={escaped}")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as metadata:
        metadata.write("\n".join(lines) + "\n")
    try:
        argv = [ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *_input(path)]
        # no -map_metadata -1 here: it drops the chapters' titles too
        argv += ["-f", "ffmetadata", "-i", metadata.name, "-map", "0:a", "-map_chapters", "1"]
        argv += ["-c", "copy", "-movflags", "+faststart", "-f", "ipod", _file(out)]
        result = subprocess.run(argv, capture_output=True, text=True, errors="replace", check=False)
    finally:
        os.unlink(metadata.name)
    if result.returncode != 0:
        raise MediaError(path, _failure(result.stderr, default="cannot add chapters"))


def ebur128(path: Path) -> dict[str, float]:
    """I, LRA and TP by ffmpeg's own ebur128 filter: the independent meter tests and benchmarks use."""
    _require_file(path)
    argv = [ffmpeg_path(), "-hide_banner", "-nostats", *_input(path), "-af", "ebur128=peak=true", "-f", "null", "-"]
    result = subprocess.run(argv, capture_output=True, text=True, errors="replace", check=False)
    if result.returncode != 0 or "Summary:" not in result.stderr:
        raise MediaError(path, _failure(result.stderr))
    summary = result.stderr[result.stderr.rindex("Summary:") :]
    number = r"(-?[\d.]+|-inf)"
    return {
        "I": float(re.search(rf"I:\s+{number} LUFS", summary).group(1)),
        "LRA": float(re.search(rf"LRA:\s+{number} LU", summary).group(1)),
        "TP": float(re.search(rf"Peak:\s+{number} dBFS", summary).group(1)),
    }


def _widen_pipe(pipe: IO[bytes] | None) -> None:
    """Ask Linux for a 1 MiB pipe (default 64 KiB), so whole chunks fit and neither side waits on the
    other chunk by chunk; elsewhere, carry on."""
    with contextlib.suppress(AttributeError, OSError):
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)


def yield_thread_to_encoder() -> None:
    """The calling thread at background niceness, so that an encoder's threads preempt it (on Linux,
    where each thread has its own; elsewhere, nothing). What it starts from then on inherits it, and
    nothing undoes it: a thread that starts encoders must not call this."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)


def _yield_to_encoder(process: subprocess.Popen) -> None:
    """Decoders are cheap and the encoder is the bottleneck: let the scheduler favour the encoder."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, process.pid, BACKGROUND_NICENESS)


def _read_log(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode("utf-8", "replace")


# ffmpeg's phrasing -> what a producer should read
FAILURES = (
    ("Format not on whitelist", NOT_TAKEN),
    ("Input channel layout", f"its channel layout is not one ffmpeg can mix down; {MIX_DOWN}"),
    ("matches no streams", "no audio track found"),
    ("moov atom not found", f"damaged: its MP4 index (moov atom) is missing (it may be cut short); {EXPORT_AGAIN}"),
    ("Invalid data found when processing input", "not a recording ffmpeg can read (corrupt or not audio)"),
    ("could not find codec parameters", "not a recording ffmpeg can read (corrupt or not audio)"),
    ("Permission denied", "permission denied"),
    ("No such file or directory", "file not found"),
)


def _failure(log: str, default: str = "ffmpeg failed") -> str:
    for needle, message in FAILURES:
        if needle in log:
            return message
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    if "At least one output file must be specified" in log and lines:
        return default
    return f"{default}: {lines[-1]}" if lines else default


def _readable(path: Path) -> WavData | None:
    """MediaError unless `path` is a file ffmpeg may be given: checked before it is, as ffmpeg may read
    all of a WAV too long for its sizes, 8 bytes at a time. Returns `_wav_data`'s answer."""
    _require_file(path)
    try:
        return _wav_data(path)
    except OSError as exc:
        raise MediaError(path, _failure(str(exc), default="cannot be read")) from exc


def _require_file(path: Path) -> None:
    if why := not_a_file(path):
        raise MediaError(path, why)
