"""The render as a whole: one encoder, the same bytes on any machine; intros that keep their peaks.
Real audio, real ffmpeg, the real command line."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, ebur128, ffmpeg, ffmpeg_path

from clgtv.audio import ffmpeg as engine
from clgtv.audio.clips import load_clip
from clgtv.audio.ffmpeg import BACKGROUND_NICENESS, Encoder, Encoding, decode
from clgtv.audio.master import master
from clgtv.audio.meter import LoudnessMeter
from clgtv.audio.render import in_background
from clgtv.errors import MediaError
from clgtv.settings import AudioSettings

RATE = 44100
SPEECH = sorted((REPO / "episodes").glob("*/*.opus"))[0]
# `clgtv` on a machine with only the CPUs it may run on: ffmpeg and BLAS see the affinity mask, and
# Python's os.cpu_count() (which does not, before 3.13) is made to agree
ON_THE_CPUS_ALLOWED = (
    "import os, sys; os.cpu_count = lambda: len(os.sched_getaffinity(0)); from clgtv.cli import cli; cli(sys.argv[1:])"
)


def clgtv(*args: str, cpus: set[int] | None = None) -> subprocess.CompletedProcess:
    pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
    argv = [sys.executable, "-c", ON_THE_CPUS_ALLOWED, *args]
    return subprocess.run(argv, capture_output=True, text=True, preexec_fn=pin, check=False)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs a machine with two CPUs or more")
def test_output_bytes_do_not_depend_on_the_cpu_count(tmp_path: Path) -> None:
    intro = tmp_path / "intro.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=2:r=44100", str(intro))
    outputs = []
    for cpus in ({0}, None):
        out = tmp_path / f"{'one' if cpus else 'all'}.mp3"
        done = clgtv("master", str(SPEECH), str(out), "--intro", str(intro), cpus=cpus)
        assert done.returncode == 0, done.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def write_float_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    """A float WAV: the clip as generated, nothing clipped on the way to disk."""
    argv = [ffmpeg_path(), "-v", "error", "-y", "-f", "f32le", "-ar", str(rate), "-ac", str(samples.shape[1])]
    argv += ["-i", "pipe:0", "-c:a", "pcm_f32le", str(path)]
    subprocess.run(argv, input=samples.astype("<f4").tobytes(), check=True)
    return path


@pytest.fixture
def peaky_intro(tmp_path: Path) -> Path:
    """Three seconds of quiet room noise (-40 dBFS) with three 2 ms clicks reaching -1 dBFS: quiet on
    average, so brought up to the programme's loudness its clicks go far over full scale."""
    rng = np.random.default_rng(12)
    clip = rng.standard_normal((3 * RATE, 2)) * 10 ** (-40 / 20)
    burst = np.sin(2 * np.pi * 3000 * np.arange(88) / RATE) * np.hanning(88) * 10 ** (-1 / 20)
    for start in np.array([0.4, 1.3, 2.2]) * RATE:
        clip[int(start) : int(start) + 88] += burst[:, None]
    return write_float_wav(tmp_path / "intro.wav", clip)


def test_a_quiet_peaky_clip_is_brought_up_in_float_not_clipped(peaky_intro: Path) -> None:
    decoded = np.concatenate(list(decode(peaky_intro, RATE, 2)))
    meter = LoudnessMeter(RATE, 2)
    meter.feed(decoded)
    gain = 10 ** ((-16.0 - meter.result().integrated) / 20)
    clip = load_clip(peaky_intro, RATE, 2, -16.0)
    assert np.abs(clip).max() > 3.0  # far over full scale: the limiter's to take down, not clipped here
    inside = slice(RATE // 10, -RATE // 10)  # clear of the edge fades
    assert np.allclose(clip[inside], decoded[inside] * gain, rtol=1e-6, atol=1e-9)  # one gain, same shape


def test_the_limiter_takes_a_peaky_intro_under_the_ceiling(peaky_intro: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mp3"
    settings = AudioSettings(intro=peaky_intro, crossfade=0.5)
    report = master(SPEECH, out, settings)
    assert report.limiting_db > 10  # the clicks, far over, were limited
    assert ebur128(out)["TP"] <= settings.true_peak + 0.1  # ffmpeg's meter reads to a tenth
    intro = np.concatenate(list(decode(out, RATE, 2, window=(0.0, 2.5))))
    assert np.abs(intro).max() < 10 ** (settings.true_peak / 20)
    level = np.abs(intro).max(axis=1)
    flat = (level[1:] > 0.5) & (np.abs(np.diff(level)) < 1e-6)  # a clipped run is flat at its top
    assert not flat.any()


def speech(seconds: float, channels: int) -> np.ndarray:
    """The sample speech, looped to `seconds`, with the given channels."""
    chunks = list(decode(SPEECH, RATE, channels))
    looped = np.concatenate(chunks * int(np.ceil(seconds * RATE / sum(map(len, chunks)))))
    return looped[: round(seconds * RATE)]


def file_loudness(path: Path, channels: int):
    meter = LoudnessMeter(RATE, channels)
    for chunk in decode(path, RATE, channels):
        meter.feed(chunk)
    return meter.result()


@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("fmt", ["mp3", "m4a"])
def test_the_monitor_hears_exactly_what_the_finished_file_decodes_to(fmt: str, channels: int, tmp_path: Path) -> None:
    """The encoder's loopback decoder skips the codec's delay as a player does, and its padding is
    trimmed: the monitor is handed the file's own decoded frames, every one, bit for bit."""
    audio = speech(13.7, channels)  # not a whole number of codec frames
    out = tmp_path / f"we|ird [name]: it's.{fmt}"
    heard: list[np.ndarray] = []
    with Encoder(out, Encoding(fmt, 96, RATE, channels), monitor=heard.append) as encoder:
        for start in range(0, len(audio), 30000):
            encoder.write(audio[start : start + 30000])
    assert encoder.heard_exactly
    assert np.array_equal(np.concatenate(heard), np.concatenate(list(decode(out, RATE, channels))))


def test_a_meter_that_fails_stops_the_encoder_at_once_with_an_error_naming_the_file(tmp_path: Path) -> None:
    second = speech(1.0, 2)
    out = tmp_path / "out.mp3"

    def broken(chunk: np.ndarray) -> None:
        raise ValueError("the meter broke")

    written = 0
    with pytest.raises(MediaError) as raised, Encoder(out, Encoding("mp3", 128, RATE, 2), monitor=broken) as encoder:
        for _ in range(600):  # ten minutes, a second at a time
            encoder.write(second)
            written += 1
    assert str(raised.value).startswith(f"{out}: ") and "the meter broke" in str(raised.value)
    assert written < 60  # stopped within a minute of audio of the first chunk heard, not at the end


def test_a_monitor_that_cannot_read_the_decoded_output_stops_the_encoder_with_an_error_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pipe that fails to read cannot be made to on purpose: the reader is made to fail after its first chunk."""
    out, second = tmp_path / "out.mp3", speech(1.0, 2)
    chunks = engine._pcm_chunks

    def failing(*args, **kwargs):
        yield next(chunks(*args, **kwargs))
        raise OSError("the pipe broke")

    monkeypatch.setattr(engine, "_pcm_chunks", failing)
    written = 0
    with pytest.raises(MediaError) as raised, Encoder(out, Encoding("mp3", 128, RATE, 2), monitor=lambda _: None) as e:
        for _ in range(600):  # ten minutes, a second at a time
            e.write(second)
            written += 1
    assert str(raised.value) == f"{out}: cannot read the encoder's decoded output: the pipe broke"
    assert written < 60  # the encoder was stopped, not left to encode what no one would measure


def test_a_monitor_that_hears_fewer_frames_than_were_encoded_is_an_error_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.mp3"
    encode_argv = engine.encode_argv

    def cut(*args, **kwargs) -> list[str]:
        return [arg.replace("anull", "atrim=end_sample=1000") for arg in encode_argv(*args, **kwargs)]

    monkeypatch.setattr(engine, "encode_argv", cut)
    with (
        pytest.raises(MediaError) as raised,
        Encoder(out, Encoding("mp3", 128, RATE, 2), monitor=lambda _: None) as encoder,
    ):
        encoder.write(speech(3.0, 2))
    assert str(raised.value) == f"{out}: the encoder's output decoded short (1000 of {3 * RATE} frames)"


def test_a_monitor_out_of_step_with_the_file_is_caught_and_the_file_measured_instead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ffmpeg whose loopback decoder kept a frame of the codec's delay: the monitor's loudness is
    not the file's, so the file is measured."""
    audio = speech(6.0, 2)
    out = tmp_path / "out.mp3"
    encode_argv = engine.encode_argv

    def late(*args, **kwargs) -> list[str]:
        return [arg.replace("anull", "adelay=delays=1S:all=1") for arg in encode_argv(*args, **kwargs)]

    monkeypatch.setattr(engine, "encode_argv", late)
    meter = LoudnessMeter(RATE, 2)
    with Encoder(out, Encoding("mp3", 128, RATE, 2), monitor=meter.feed) as encoder:
        encoder.write(audio)
    assert not encoder.heard_exactly
    source = write_float_wav(tmp_path / "in.wav", audio)
    report = master(source, tmp_path / "mastered.mp3", AudioSettings())
    assert report.after == file_loudness(tmp_path / "mastered.mp3", 2)  # measured: not the misaligned monitor's


def niceness() -> int:
    """The calling thread's niceness (Linux: each thread has its own)."""
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_the_chain_is_made_in_a_thread_of_its_own_at_background_niceness() -> None:
    made: list[tuple[int, int, int]] = []

    def items():
        for number in range(5):
            made.append((number, threading.get_native_id(), niceness()))
            yield number

    before = niceness()
    assert list(in_background(items())) == [0, 1, 2, 3, 4]
    assert [number for number, _, _ in made] == [0, 1, 2, 3, 4]
    assert {thread for _, thread, _ in made} != {threading.get_native_id()}
    assert all(nice >= max(BACKGROUND_NICENESS, before) for _, _, nice in made)
    assert niceness() == before  # the caller's own thread, which starts the encoders, is left as it was


def test_what_the_chain_raises_is_raised_in_the_caller_after_what_it_made() -> None:
    failure = MediaError(Path("in.wav"), "damaged")

    def items():
        yield 1
        yield 2
        raise failure

    got = []
    with pytest.raises(MediaError) as raised:
        for item in in_background(items()):
            got.append(item)
    assert got == [1, 2] and raised.value is failure


def test_a_caller_that_stops_stops_the_chain_and_closes_it() -> None:
    closed = threading.Event()

    def items():
        try:
            yield from range(1000)  # far more than the queue holds: the chain is waiting to hand on
        finally:
            closed.set()

    made = items()  # held here: only the chain's own close can close it
    with contextlib.closing(in_background(made, depth=2)) as chain:
        assert next(chain) == 0
    assert closed.is_set()
    assert "render-chain" not in {thread.name for thread in threading.enumerate()}


def test_the_encoder_keeps_the_callers_priority_and_the_render_decoder_yields_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started from a niced thread, the encoder would be niced too (a child inherits its thread's
    niceness, and nothing undoes it); the render's own decoder starts from the chain's thread."""
    started: list[tuple[list[str], int]] = []
    popen = subprocess.Popen

    def spying(argv, *args, **kwargs):
        started.append((list(argv), niceness()))
        return popen(argv, *args, **kwargs)

    source = write_float_wav(tmp_path / "in.wav", speech(8.0, 2))
    monkeypatch.setattr(subprocess, "Popen", spying)
    master(source, tmp_path / "out.mp3", AudioSettings())
    own = niceness()
    encoders = [nice for argv, nice in started if "libmp3lame" in argv and "[dec:0]anull[heard]" in argv]
    whole = [(argv, nice) for argv, nice in started if f"file:{source}" in argv and "pipe:1" in argv]
    decoders = [nice for argv, nice in whole if not {"-ss", "-t"} & set(argv)]  # not the calibration's window
    assert encoders and all(nice == own for nice in encoders)
    assert len(decoders) == 2  # the measuring pass's, from the caller; the render's, from the chain
    assert decoders[0] == own and decoders[1] >= max(BACKGROUND_NICENESS, own)
