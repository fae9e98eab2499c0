"""Mains hum on real speech (Allison Smith's Asterisk prompts) with hum added: found, subtracted, measured,
and a recording without hum left exactly as it was."""

from __future__ import annotations

import math
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from speech import prompts

from clgtv.audio.ffmpeg import decode, ffmpeg_path
from clgtv.audio.hum import Canceller, Harmonic, Hum
from clgtv.audio.master import MasterReport, master
from clgtv.settings import AudioSettings

RATE = 48000
PAUSE_S = 1.2
PROMPTS = 8
NOISE_DBFS = -62.0
SETTLED_S = (0.35, 0.15)  # a pause measured from this long after its start to this long before its end


def speech_with_pauses() -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Eight prompts at -23 dBFS RMS, PAUSE_S of silence before each and after the last; the pauses' times."""
    gap = np.zeros(round(PAUSE_S * RATE), dtype=np.float32)
    parts, pauses, at = [], [], 0.0
    for each in prompts()[:PROMPTS]:
        argv = [ffmpeg_path(), "-v", "error", "-f", "g722", "-i", str(each.path), "-ar", str(RATE), "-ac", "1"]
        pcm = subprocess.run([*argv, "-f", "f32le", "-"], capture_output=True, check=True).stdout
        voice = np.frombuffer(pcm, "<f4")
        parts += [gap, voice * (0.07 / np.sqrt(np.mean(voice**2)))]
        pauses.append((at, at + PAUSE_S))
        at += PAUSE_S + len(voice) / RATE
    pauses.append((at, at + PAUSE_S))
    return np.concatenate([*parts, gap]), pauses


@pytest.fixture(scope="module")
def speech() -> tuple[np.ndarray, list[tuple[float, float]]]:
    return speech_with_pauses()


def mains(length: int, fundamental: float, level_db: float = -50.0, harmonics: int = 6) -> np.ndarray:
    """Hum: the fundamental at `level_db` peak, each harmonic 3 dB below the one before."""
    t = np.arange(length) / RATE
    return sum(
        10 ** ((level_db - 3 * (k - 1)) / 20) * np.sin(2 * math.pi * k * fundamental * t + k)
        for k in range(1, harmonics + 1)
    )


def write(path: Path, voice: np.ndarray, hum: np.ndarray | float = 0.0) -> Path:
    noise = np.random.default_rng(7).standard_normal(len(voice)) * 10 ** (NOISE_DBFS / 20)
    pcm = np.clip(voice + hum + noise, -1, 1)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.repeat(pcm[:, None], 2, axis=1) * 32767).round().astype("<i2").tobytes())
    return path


def hum_in_pauses(path: Path, report: MasterReport, pauses: list[tuple[float, float]], fundamental: float) -> float:
    """The power of the hum's harmonics in the output's pauses, in dB: a least-squares fit of a sine at each
    harmonic over each settled pause, independent of the engine's own measurement."""
    rate = 44100
    audio = np.concatenate(list(decode(path, rate, 1)))[:, 0].astype(np.float64)
    shift = report.trimmed_s[0]
    power = 0.0
    for start, end in pauses:
        low, high = round((start - shift + SETTLED_S[0]) * rate), round((end - shift - SETTLED_S[1]) * rate)
        if low < 0 or high > len(audio):
            continue
        t = np.arange(low, high) / rate
        for k in range(1, 7):
            basis = np.stack([np.sin(2 * math.pi * k * fundamental * t), np.cos(2 * math.pi * k * fundamental * t)], 1)
            fit, *_ = np.linalg.lstsq(basis, audio[low:high], rcond=None)
            power += float(np.sum(fit**2)) / 2
    return 10 * math.log10(power)


def removed(tmp_path: Path, source: Path, pauses: list, fundamental: float) -> tuple[MasterReport, MasterReport, float]:
    """Master with hum auto and off (into on.mp3 and off.mp3): both reports, and how much lower the hum is
    in the pauses with it on."""
    on = master(source, tmp_path / "on.mp3", AudioSettings())
    off = master(source, tmp_path / "off.mp3", AudioSettings(hum="off"))
    assert off.as_dict()["hum"] == {"setting": "off"}
    before = hum_in_pauses(tmp_path / "off.mp3", off, pauses, fundamental)
    return on, off, before - hum_in_pauses(tmp_path / "on.mp3", on, pauses, fundamental)


def intelligibility(path: Path, voice: np.ndarray, shift: float) -> float:
    """STOI of a processed recording against the speech alone."""
    from pystoi import stoi

    rate = 10000
    heard = np.concatenate(list(decode(path, rate, 1)))[:, 0]
    clean = np.interp(np.arange(round(len(voice) * rate / RATE)) / rate, np.arange(len(voice)) / RATE, voice)
    clean = clean[round(shift * rate) :][: len(heard)]
    return float(stoi(clean, heard[: len(clean)], rate))


def test_50_hz_hum_and_its_harmonics_come_out_of_the_pauses(speech, tmp_path: Path) -> None:
    voice, pauses = speech
    source = write(tmp_path / "hum.wav", voice, mains(len(voice), 50.0))
    report, off_report, reduction = removed(tmp_path, source, pauses, 50.0)
    assert reduction >= 20.0
    hum = report.as_dict()["hum"]
    assert hum["found"] and hum["frequency_hz"] == pytest.approx(50.0, abs=0.05)
    assert [h["number"] for h in hum["harmonics"]] == [1, 2, 3, 4, 5, 6]
    assert hum["reduction_db"] >= 20.0  # what the engine heard agrees
    assert report.renders == 1  # the plan knew what taking the hum out would take
    # the hum is subtracted, not notched: this voice's harmonics cross the hum's near 200 Hz, and notches
    # there (even 1 Hz wide) cost 0.02 STOI; taking out the hum alone leaves the speech as intelligible
    on, off = (  # each aligned by its own trim
        intelligibility(tmp_path / f"{name}.mp3", voice, made.trimmed_s[0])
        for name, made in (("on", report), ("off", off_report))
    )
    assert on >= off - 0.002, (on, off)


def test_60_hz_hum_is_found_at_60(speech, tmp_path: Path) -> None:
    voice, pauses = speech
    source = write(tmp_path / "hum.wav", voice, mains(len(voice), 60.0, level_db=-55.0))
    report, _, reduction = removed(tmp_path, source, pauses, 60.0)
    assert report.hum is not None and report.hum.fundamental == pytest.approx(60.0, abs=0.05)
    assert reduction >= 20.0


def test_hum_off_the_nominal_frequency_is_followed(speech, tmp_path: Path) -> None:
    voice, pauses = speech
    source = write(tmp_path / "hum.wav", voice, mains(len(voice), 49.8))
    report, _, reduction = removed(tmp_path, source, pauses, 49.8)
    assert report.hum is not None and report.hum.fundamental == pytest.approx(49.8, abs=0.05)
    assert reduction >= 20.0


def test_a_recording_without_hum_is_left_alone(speech, tmp_path: Path) -> None:
    voice, _ = speech
    source = write(tmp_path / "clean.wav", voice)
    report = master(source, tmp_path / "auto.mp3", AudioSettings())
    master(source, tmp_path / "off.mp3", AudioSettings(hum="off"))
    assert report.hum is None
    assert report.as_dict()["hum"] == {"setting": "auto", "found": False}
    assert (tmp_path / "auto.mp3").read_bytes() == (tmp_path / "off.mp3").read_bytes()


def test_the_hum_is_followed_as_the_mains_wanders(speech, tmp_path: Path) -> None:
    voice, pauses = speech
    t = np.arange(len(voice)) / RATE
    wander = 0.08 * (2 * t / t[-1] - 1)  # 49.92 Hz to 50.08 Hz, steadily
    phase = 2 * math.pi * np.cumsum(50.0 + wander) / RATE
    hum = sum(10 ** ((-50.0 - 3 * (k - 1)) / 20) * np.sin(k * phase + k) for k in range(1, 7))
    report, _, reduction = removed(tmp_path, write(tmp_path / "hum.wav", voice, hum), pauses, 50.0)
    assert report.hum is not None
    followed = report.as_dict()["hum"]["frequency_range_hz"]
    assert followed[0] < 49.98 and followed[1] > 50.02
    assert reduction >= 20.0


def test_the_canceller_streams_whatever_the_chunks(speech) -> None:
    """The subtraction looks seconds ahead and behind: fed in any chunks, it gives the same audio, as long."""
    voice, _ = speech
    audio = np.repeat((voice + mains(len(voice), 50.0))[:, None], 2, axis=1).astype(np.float32)
    harmonics = tuple(Harmonic(k, 50.0 * k, 30.0, -53.0 - 3 * k) for k in range(1, 7))
    hum = Hum(50.0, harmonics, ((0.0, 49.99), (30.0, 50.01)))

    def cancelled(size: int) -> np.ndarray:
        canceller = Canceller(hum, RATE, 2)
        parts = [canceller.feed(audio[at : at + size]) for at in range(0, len(audio), size)]
        return np.concatenate([*parts, canceller.finish()])

    whole = cancelled(len(audio))
    assert whole.shape == audio.shape
    for size in (9000, 48000 * 7 + 11):
        np.testing.assert_allclose(cancelled(size), whole, rtol=0, atol=1e-7)
