"""The one wrapper around the ffmpeg binary: argv builders (pure) and streaming runners.

Audio flows between ffmpeg and Python as raw float32 PCM over pipes, a chunk at a time,
so memory stays flat however long the recording.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from clgtv.errors import ClgtvError, MediaError

FFMPEG_ENV = "CLGTV_FFMPEG"
CHUNK_SECONDS = 2.0
BACKGROUND_NICENESS = 10
SAMPLE = np.dtype("<f4")


@functools.cache
def ffmpeg_path() -> str:
    """$CLGTV_FFMPEG, else ffmpeg on PATH, else the binary shipped by imageio-ffmpeg."""
    if configured := os.environ.get(FFMPEG_ENV):
        return configured
    if found := shutil.which("ffmpeg"):
        return found
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise ClgtvError(
            f"ffmpeg not found: set {FFMPEG_ENV}, put ffmpeg on PATH or pip install imageio-ffmpeg"
        ) from exc


@dataclass(frozen=True)
class Probe:
    sample_rate: int
    channels: int
    duration: float | None


# ffmpeg's channel layout names -> channel count
LAYOUTS = {"mono": 1, "stereo": 2, "2.1": 3, "3.0": 3, "quad": 4, "4.0": 4, "5.0": 5, "5.1": 6, "6.1": 7, "7.1": 8}


def probe(path: Path) -> Probe:
    """Sample rate, channels and duration of the first audio stream (ffmpeg's banner)."""
    _require_file(path)
    result = subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    stream = re.search(r"Stream #\d+:\d+.*?: Audio: .*?(\d+) Hz, ([^,\n]+)", result.stderr)
    if not stream:
        raise MediaError(path, _failure(result.stderr, default="no audio track found"))
    layout = stream.group(2).strip()
    channels = LAYOUTS.get(layout.split("(")[0]) or _count_channels(layout)
    duration = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", result.stderr)
    seconds = None
    if duration:
        h, m, sec = duration.groups()
        seconds = int(h) * 3600 + int(m) * 60 + float(sec)
    return Probe(int(stream.group(1)), channels, seconds)


def _count_channels(layout: str) -> int:
    match = re.match(r"(\d+) channels", layout)
    if not match:
        raise MediaError(Path("?"), f"unknown channel layout {layout!r}")
    return int(match.group(1))


def decode_argv(path: Path, sample_rate: int, channels: int, window: tuple[float, float] | None = None) -> list[str]:
    """argv that decodes the first audio track of any file ffmpeg reads to float32 PCM on stdout.

    `window` (start, duration) in seconds decodes only that stretch."""
    argv = [ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error"]
    if window:
        argv += ["-ss", f"{window[0]:.3f}", "-t", f"{window[1]:.3f}"]
    argv += ["-i", str(path)]
    argv += ["-map", "0:a:0", "-vn", "-sn", "-dn"]
    return [*argv, "-ac", str(channels), "-ar", str(sample_rate), "-f", "f32le", "-c:a", "pcm_f32le", "pipe:1"]


@dataclass(frozen=True)
class Format:
    codec: str
    muxer: str
    stream_muxer: str  # the same encoded audio as a stream a decoder can read from a pipe
    suffix: str
    mime_type: str
    options: str = ""


FORMATS = {
    "mp3": Format("libmp3lame", "mp3", "mp3", ".mp3", "audio/mpeg", "id3v2_version=0:write_id3v1=0"),
    "m4a": Format("aac", "ipod", "adts", ".m4a", "audio/x-m4a", "movflags=+faststart"),
}


@dataclass(frozen=True)
class Encoding:
    format: str = "mp3"
    bitrate: int = 128
    sample_rate: int = 44100
    channels: int = 2


def encode_argv(out: Path, encoding: Encoding, monitor: bool = False) -> list[str]:
    """argv that encodes float32 PCM from stdin with no tags (mutagen writes them).

    With `monitor`, ffmpeg's tee muxer also writes the encoded stream to stdout, so the
    result can be decoded and measured while it is being made."""
    fmt = FORMATS[encoding.format]
    argv = [ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    argv += ["-f", "f32le", "-ar", str(encoding.sample_rate), "-ac", str(encoding.channels), "-i", "pipe:0"]
    argv += ["-map", "0:a", "-c:a", fmt.codec, "-b:a", f"{encoding.bitrate}k", "-map_metadata", "-1"]
    file_options = f"f={fmt.muxer}" + (f":{fmt.options}" if fmt.options else "")
    if monitor:
        return [*argv, "-f", "tee", f"[{file_options}]{_tee_escape(out)}|[f={fmt.stream_muxer}]pipe\\:1"]
    return [*argv, *_options_argv(fmt.options), "-f", fmt.muxer, str(out)]


def _options_argv(options: str) -> list[str]:
    argv = []
    for option in filter(None, options.split(":")):
        key, value = option.split("=", 1)
        argv += [f"-{key}", value]
    return argv


def _tee_escape(path: Path) -> str:
    return "".join("\\" + c if c in "|[]:=\\" else c for c in str(path))


def decode(
    path: Path,
    sample_rate: int,
    channels: int,
    chunk_seconds: float = CHUNK_SECONDS,
    window: tuple[float, float] | None = None,
    background: bool = False,
) -> Iterator[np.ndarray]:
    """Yield float32 chunks shaped (frames, channels); raise MediaError if ffmpeg fails.

    `background`: the decoder runs beside an encoder and yields the CPU to it."""
    _require_file(path)
    chunk_bytes = int(sample_rate * chunk_seconds) * SAMPLE.itemsize * channels
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(decode_argv(path, sample_rate, channels, window), stdout=subprocess.PIPE, stderr=log)
        if background:
            _yield_to_encoder(process)
        assert process.stdout is not None
        total = 0
        try:
            for chunk in _pcm_chunks(process.stdout, channels, chunk_bytes):
                total += chunk.size
                yield chunk
        finally:
            process.stdout.close()
            code = process.wait()
        if code != 0:
            raise MediaError(path, _failure(_read_log(log)))
        if total == 0:
            raise MediaError(path, "contains no audio samples")


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

    Given a `monitor`, the encoded result is decoded again as it is made (a second ffmpeg reading
    the encoder's tee'd stream) and each decoded chunk is handed to `monitor` on a thread: the
    finished file is measured without a second pass over it."""

    def __init__(self, out: Path, encoding: Encoding, monitor: Callable[[np.ndarray], None] | None = None):
        self.out = out
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        stdout = subprocess.PIPE if monitor else subprocess.DEVNULL
        argv = encode_argv(out, encoding, monitor=monitor is not None)
        self._process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=stdout, stderr=self._log)
        _widen_pipe(self._process.stdin)
        self._monitor: _Monitor | None = None
        if monitor:
            self._monitor = _Monitor(self._process.stdout, encoding, monitor, out)

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
        try:
            self._process.stdin.write(memoryview(np.ascontiguousarray(chunk, dtype=SAMPLE)).cast("B"))
        except BrokenPipeError:
            self.abort()
            raise MediaError(self.out, "the encoder stopped early") from None

    def close(self) -> None:
        if self._process.stdin and not self._process.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self._process.stdin.close()
        code = self._process.wait()
        log = _read_log(self._log)
        self._log.close()
        if self._monitor:
            self._monitor.finish()
        if code != 0:
            raise MediaError(self.out, _failure(log))

    def abort(self) -> None:
        self._process.kill()
        self._process.wait()
        self._log.close()
        if self._monitor:
            self._monitor.abort()


class _Monitor:
    """Decodes an encoder's stdout and feeds the PCM to a callback on a background thread."""

    def __init__(self, encoded: IO[bytes], encoding: Encoding, callback: Callable[[np.ndarray], None], out: Path):
        self._out = out
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        _widen_pipe(encoded)  # a minute of 128 kbps MP3: the encoder need not wait for the monitor
        argv = decode_argv(Path("pipe:0"), encoding.sample_rate, encoding.channels)
        self._decoder = subprocess.Popen(argv, stdin=encoded, stdout=subprocess.PIPE, stderr=self._log)
        _yield_to_encoder(self._decoder)
        encoded.close()  # the decoder holds it now
        self._channels = encoding.channels
        self._callback = callback
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="encoder-monitor", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with contextlib.suppress(AttributeError, OSError):  # Linux: a thread has its own niceness
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)
        assert self._decoder.stdout is not None
        try:
            for chunk in _pcm_chunks(self._decoder.stdout, self._channels, 65536 * SAMPLE.itemsize * self._channels):
                self._callback(chunk)
        except BaseException as exc:  # handed to the caller in finish()
            self._error = exc
            self._decoder.kill()

    def finish(self) -> None:
        self._thread.join()
        code = self._decoder.wait()
        log = _read_log(self._log)
        self._log.close()
        if self._error:
            raise self._error
        if code != 0:
            raise MediaError(self._out, f"cannot decode the encoded result: {_failure(log)}")

    def abort(self) -> None:
        self._decoder.kill()
        self._thread.join()
        self._decoder.wait()
        self._log.close()


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
        argv = [ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(path)]
        # no -map_metadata -1 here: it drops the chapters' titles too
        argv += ["-f", "ffmetadata", "-i", metadata.name, "-map", "0:a", "-map_chapters", "1"]
        argv += ["-c", "copy", "-movflags", "+faststart", "-f", "ipod", str(out)]
        result = subprocess.run(argv, capture_output=True, text=True, errors="replace", check=False)
    finally:
        os.unlink(metadata.name)
    if result.returncode != 0:
        raise MediaError(path, _failure(result.stderr, default="cannot add chapters"))


def ebur128(path: Path) -> dict[str, float]:
    """I, LRA and TP by ffmpeg's own ebur128 filter: the independent meter tests and benchmarks use."""
    _require_file(path)
    argv = [ffmpeg_path(), "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"]
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


def _yield_to_encoder(process: subprocess.Popen) -> None:
    """Decoders are cheap and the encoder is the bottleneck: let the scheduler favour the encoder."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, process.pid, BACKGROUND_NICENESS)


def _read_log(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode("utf-8", "replace")


# ffmpeg's phrasing -> what a producer should read
FAILURES = (
    ("matches no streams", "no audio track found"),
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


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise MediaError(path, "file not found")
