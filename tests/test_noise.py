"""Room noise on real speech (Allison Smith's Asterisk prompts) with noise added: measured, turned down in
the pauses without costing intelligibility, reported; a quiet room left exactly as it was."""

from __future__ import annotations

import math
import wave
from pathlib import Path

import numpy as np
import pytest
from test_hum import RATE, SETTLED_S, intelligibility, speech_with_pauses

from clgtv.audio.ffmpeg import decode
from clgtv.audio.master import MasterReport, master
from clgtv.audio.noise import Gate, NoiseMeter
from clgtv.settings import AudioSettings

NOISY_DBFS = -50.0  # the pauses 27 dB under the speech: the chain's levelling would leave them about 21 dB under
QUIET_DBFS = -62.0  # about 35 dB under once levelled: nothing to do


def write(path: Path, voice: np.ndarray, noise_dbfs: float) -> Path:
    noise = np.random.default_rng(11).standard_normal(len(voice)) * 10 ** (noise_dbfs / 20)
    pcm = np.clip(voice + noise, -1, 1)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.repeat(pcm[:, None], 2, axis=1) * 32767).round().astype("<i2").tobytes())
    return path


def pauses_db(path: Path, pauses: list[tuple[float, float]], shift: float) -> float:
    """The settled pauses' mean power in dBFS, from the file as a listener decodes it."""
    rate = 44100
    audio = np.concatenate(list(decode(path, rate, 1)))[:, 0].astype(np.float64)
    parts = []
    for start, end in pauses:
        low, high = round((start - shift + SETTLED_S[0]) * rate), round((end - shift - SETTLED_S[1]) * rate)
        if 0 <= low < high <= len(audio):
            parts.append(audio[low:high])
    return 10 * math.log10(np.mean(np.concatenate(parts) ** 2))


@pytest.fixture(scope="module")
def speech() -> tuple[np.ndarray, list[tuple[float, float]]]:
    return speech_with_pauses()


@pytest.fixture(scope="module")
def noisy(speech, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, MasterReport]]:
    """The noisy recording mastered with noise auto and off: {"input"/"auto"/"off": (path, report)}."""
    folder = tmp_path_factory.mktemp("noise")
    source = write(folder / "noisy.wav", speech[0], NOISY_DBFS)
    made = {"input": (source, None)}
    for setting in ("auto", "off"):
        out = folder / f"{setting}.mp3"
        made[setting] = (out, master(source, out, AudioSettings(noise=setting)))
    return made


def test_room_noise_comes_out_of_the_pauses(speech, noisy) -> None:
    _, pauses = speech
    (auto, on), (off, report_off) = noisy["auto"], noisy["off"]
    lower = pauses_db(off, pauses, report_off.trimmed_s[0]) - pauses_db(auto, pauses, on.trimmed_s[0])
    assert lower >= 8.0, lower
    assert on.renders == 1  # the plan knew what the gate would take
    assert on.after.integrated == pytest.approx(-16.0, abs=0.5)


def test_the_gate_costs_the_speech_no_intelligibility(speech, noisy) -> None:
    """STOI against the speech alone: with the gate as without it (the rest of the chain, MP3 and the
    high-pass, costs this recording about 0.002 against the noisy input, with or without the gate)."""
    voice, _ = speech
    (source, _), (auto, on), (off, report_off) = noisy["input"], noisy["auto"], noisy["off"]
    gated = intelligibility(auto, voice, on.trimmed_s[0])
    ungated = intelligibility(off, voice, report_off.trimmed_s[0])
    assert gated >= ungated - 0.001, (gated, ungated)
    assert gated >= intelligibility(source, voice, 0.0) - 0.003


def test_the_report_says_what_was_measured_and_done(noisy) -> None:
    noise = noisy["auto"][1].as_dict()["noise"]
    assert noise["setting"] == "auto"
    assert noise["floor_dbfs"] == pytest.approx(NOISY_DBFS, abs=2.0)
    assert 15.0 <= noise["pauses_below_programme_db"] <= 25.0  # as the plan leaves them, before the gate
    assert noise["strength_db"] == pytest.approx(35.0 - noise["pauses_below_programme_db"], abs=0.1)
    assert 8.0 <= noise["reduction_db"] <= noise["strength_db"] + 0.5  # heard in the pauses
    assert noisy["off"][1].as_dict()["noise"] == {"setting": "off"}


def test_a_quiet_room_is_left_alone(speech, tmp_path: Path) -> None:
    source = write(tmp_path / "quiet.wav", speech[0], QUIET_DBFS)
    report = master(source, tmp_path / "auto.mp3", AudioSettings())
    master(source, tmp_path / "off.mp3", AudioSettings(noise="off"))
    noise = report.as_dict()["noise"]
    assert noise["strength_db"] == 0 and noise["reduction_db"] is None
    assert noise["floor_dbfs"] == pytest.approx(QUIET_DBFS, abs=2.0)
    assert (tmp_path / "auto.mp3").read_bytes() == (tmp_path / "off.mp3").read_bytes()


def test_a_strength_given_is_used_even_in_a_quiet_room(speech, tmp_path: Path) -> None:
    source = write(tmp_path / "quiet.wav", speech[0], QUIET_DBFS)
    report = master(source, tmp_path / "forced.mp3", AudioSettings(noise="6"))
    noise = report.as_dict()["noise"]
    assert noise["setting"] == "6" and noise["strength_db"] == 6.0
    assert 4.0 <= noise["reduction_db"] <= 6.5


def test_the_gate_at_no_strength_gives_back_its_input_in_step(speech) -> None:
    """Whatever the chunks, the gate's output is its input's length, frame for frame in step with it."""
    voice = speech[0][: RATE * 8]
    rng = np.random.default_rng(3)
    stereo = np.stack([voice, voice * 0.5], axis=1).astype(np.float32) + rng.normal(0, 1e-3, (len(voice), 2))
    stereo = stereo.astype(np.float32)
    meter = NoiseMeter(RATE)
    meter.feed(stereo)
    floor = meter.finish()
    assert floor is not None
    gate = Gate(floor, 0.0, RATE, 2)
    cuts = np.sort(rng.integers(0, len(stereo), 9))
    out = np.concatenate([*(gate(part) for part in np.split(stereo, cuts)), gate.flush()])
    assert out.shape == stereo.shape
    assert np.max(np.abs(out - stereo)) < 1e-6


def test_the_master_command_takes_noise(tmp_path: Path, speech, run) -> None:
    source = write(tmp_path / "noisy.wav", speech[0][: RATE * 6], NOISY_DBFS)
    result = run(tmp_path, "master", "--noise", "loud", str(source), str(tmp_path / "out.mp3"))
    assert result.exit_code == 1
    assert "--noise: expected auto, off, or a strength in dB from 0 to 24; got 'loud'" in result.output


def test_hum_notched_before_the_gate_is_not_counted_as_noise() -> None:
    """The noise's spectrum less the hum's lines: the gate compares with the noise the notches leave."""
    t = np.arange(RATE * 10) / RATE
    room = np.random.default_rng(5).standard_normal(len(t)) * 10 ** (-60 / 20)
    line = 10 ** (-45 / 20) * np.sin(2 * math.pi * 100.03 * t)
    measured = []
    for audio in (room, room + line):
        meter = NoiseMeter(RATE)
        meter.feed(audio[:, None].astype(np.float32))
        measured.append(meter.finish())
    alone, with_line = measured
    cleaned = with_line.without_lines([(100.03, 10 ** (-45 / 10) / 2)])
    near = np.abs(alone.frequencies - 100.03) < 100
    far = np.abs(alone.frequencies - 100.03) > 400
    assert np.all(10 * np.log10(with_line.density[near] / alone.density[near]) > 10)  # the line stands out
    # and is gone, to what a level known within a few tenths of a dB allows (its power 35 dB over the noise)
    assert 10 * math.log10(with_line.density[near].sum() / cleaned.density[near].sum()) >= 15
    assert np.array_equal(cleaned.density[far], with_line.density[far])


def test_the_gate_hears_stereo_noise_as_it_was_measured() -> None:
    """Room noise that differs between the channels (two mics) is measured on their mix, and judged so."""
    noise = (np.random.default_rng(9).standard_normal((RATE * 6, 2)) * 10 ** (-50 / 20)).astype(np.float32)
    meter = NoiseMeter(RATE)
    meter.feed(noise)
    floor = meter.finish()
    assert floor is not None
    gate = Gate(floor, 12.0, RATE, 2)
    out = np.concatenate([gate(noise[: RATE * 3]), gate(noise[RATE * 3 :]), gate.flush()])
    assert 10 * math.log10(np.mean(noise.astype(np.float64) ** 2) / np.mean(out.astype(np.float64) ** 2)) >= 9.0
    assert gate.reduction_db is not None and gate.reduction_db >= 9.0
