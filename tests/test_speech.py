"""Knowing what is speech, on real speech (Allison Smith's Asterisk prompts): a loud host and a quiet speaker
20 dB down, applause after the quiet speaker, a music sting first, room noise under it all. Only the voices
are levelled: the applause, the sting and the pauses keep their places relative to the host."""

from __future__ import annotations

import math
import subprocess
import sys
import threading
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from speech import prompts

from clgtv.audio.ffmpeg import decode, ffmpeg_path
from clgtv.audio.leveller import plan_gain
from clgtv.audio.master import MasterReport, analyse, master
from clgtv.audio.meter import LoudnessMeter, integrated_loudness, lufs
from clgtv.audio.speech import RATE as MODEL_RATE
from clgtv.audio.speech import Resampler, SpeechDetector, voiced
from clgtv.errors import MediaError
from clgtv.settings import AudioSettings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from corpus import applause, sting  # the bench's applause and sting, made from a seed

RATE = 48000
NOISE_DBFS = -62.0
QUIET_DB = -20.0  # the quiet speaker, against the host
PAUSE_S = 2.0
SETTLED_S = (0.35, 0.15)  # a pause measured from this long after its start to this long before its end


@dataclass(frozen=True)
class Stretch:
    kind: str  # "host", "quiet", "pause", "applause" or "sting"
    start: float
    end: float


def voice(path: Path) -> np.ndarray:
    argv = [ffmpeg_path(), "-v", "error", "-f", "g722", "-i", str(path), "-ar", str(RATE), "-ac", "1", "-f", "f32le"]
    samples = np.frombuffer(subprocess.run([*argv, "-"], capture_output=True, check=True).stdout, "<f4")
    return samples * (0.07 / np.sqrt(np.mean(samples**2)))


def panel() -> tuple[np.ndarray, list[Stretch]]:
    """Sting, host, quiet speaker, applause, host, quiet speaker, host; a pause between each."""
    rng = np.random.default_rng(15)
    found = prompts()
    gap = np.zeros(round(0.3 * RATE))

    def turn(first: int, level_db: float) -> np.ndarray:
        return np.concatenate([part for p in found[first : first + 4] for part in (voice(p.path), gap)]) * 10 ** (
            level_db / 20
        )

    order = [
        ("sting", sting(rng).mean(axis=1)),
        ("host", turn(0, 0.0)),
        ("quiet", turn(4, QUIET_DB)),
        ("applause", applause(rng).mean(axis=1)),
        ("host", turn(8, 0.0)),
        ("quiet", turn(12, QUIET_DB)),
        ("host", turn(16, 0.0)),
    ]
    parts, stretches, at = [], [], 0.0
    for kind, samples in order:
        for name, part in ((kind, samples), ("pause", np.zeros(round(PAUSE_S * RATE)))):
            parts.append(part)
            stretches.append(Stretch(name, at, at + len(part) / RATE))
            at += len(part) / RATE
    return np.concatenate(parts), stretches


def write(path: Path, samples: np.ndarray) -> Path:
    noise = np.random.default_rng(7).standard_normal(len(samples)) * 10 ** (NOISE_DBFS / 20)
    pcm = np.clip(samples + noise, -1, 1)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.repeat(pcm[:, None], 2, axis=1) * 32767).round().astype("<i2").tobytes())
    return path


class Heard:
    """A recording's 100 ms K-weighted energies, and the loudness of each kind of stretch in it."""

    def __init__(self, path: Path, stretches: list[Stretch], shift: float = 0.0):
        meter = LoudnessMeter(RATE, 1)
        for chunk in decode(path, RATE, 1):
            meter.feed(chunk)
        self.energy, self.frames = meter.segments()
        self.stretches, self.shift = stretches, shift

    def segments(self, kind: str, margins: tuple[float, float] = (0.0, 0.0), after: str = "") -> np.ndarray:
        chosen = []
        for before, stretch in zip([None, *self.stretches], self.stretches, strict=False):
            if stretch.kind == kind and (not after or (before and before.kind == after)):
                first = math.ceil((stretch.start + margins[0] - self.shift) * 10)
                stop = math.floor((stretch.end - margins[1] - self.shift) * 10)
                chosen.append(np.arange(max(first, 0), min(stop, len(self.energy))))
        return np.concatenate(chosen)

    def loudness(self, kind: str) -> float:
        index = self.segments(kind)
        return integrated_loudness(self.energy[index], self.frames[index])

    def pauses_after(self, kind: str) -> float:
        """The settled middle of the pauses after `kind`, LU (mean power: nothing gated out)."""
        index = self.segments("pause", SETTLED_S, after=kind)
        return float(lufs(np.sum(self.energy[index]) / np.sum(self.frames[index])))

    def against_host(self, kind: str) -> float:
        return self.loudness(kind) - self.loudness("host")


@pytest.fixture(scope="module")
def mastered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[MasterReport, Heard]]:
    """The panel as it came in, and mastered with speech detection and without."""
    folder = tmp_path_factory.mktemp("speech")
    samples, stretches = panel()
    source = write(folder / "panel.wav", samples)
    results: dict[str, tuple[MasterReport, Heard]] = {"input": (None, Heard(source, stretches))}  # type: ignore[dict-item]
    for name in ("auto", "off"):
        # the noise gate off: its re-made plan would move the levels these tests hold the voice detector to
        report = master(source, folder / f"{name}.mp3", AudioSettings(speech_detection=name, noise="off"))
        results[name] = (report, Heard(folder / f"{name}.mp3", stretches, report.trimmed_s[0]))
    return results


def test_applause_after_a_quiet_speaker_is_not_raised(mastered) -> None:
    came_in = mastered["input"][1].against_host("applause")
    assert mastered["auto"][1].against_host("applause") <= came_in + 0.5, came_in


def test_a_sting_keeps_its_place_relative_to_the_speech(mastered) -> None:
    came_in = mastered["input"][1].against_host("sting")
    assert mastered["auto"][1].against_host("sting") == pytest.approx(came_in, abs=1.5)


def test_pauses_next_to_a_quiet_speaker_are_not_lifted_with_it(mastered) -> None:
    heard, out = mastered["input"][1], mastered["auto"][1]
    came_in = heard.pauses_after("quiet") - heard.loudness("host")
    assert out.pauses_after("quiet") - out.loudness("host") <= came_in + 1.0, came_in


def test_the_speakers_are_still_levelled(mastered) -> None:
    heard = mastered["auto"][1]
    assert abs(heard.against_host("quiet")) <= 2.0
    assert mastered["input"][1].against_host("quiet") < -15  # they came in 20 dB apart


def test_the_report_says_how_much_was_speech(mastered) -> None:
    report, heard = mastered["auto"]
    found = report.as_dict()["speech"]
    spoken = sum(s.end - s.start for s in heard.stretches if s.kind in ("host", "quiet"))
    other = sum(s.end - s.start for s in heard.stretches if s.kind in ("sting", "applause"))
    assert found["setting"] == "auto"
    assert 0.9 * spoken <= found["speech_s"] <= spoken + 2.0
    assert found["non_speech_s"] >= other
    assert found["non_speech_gain_db"] <= 0.0
    assert report.renders == 1


def test_off_levels_all_sound_as_before(mastered) -> None:
    """Without the detector the leveller takes applause for a quiet voice and lifts the pauses with it."""
    report, off = mastered["off"]
    heard = mastered["input"][1]
    assert report.as_dict()["speech"] == {"setting": "off"}
    assert off.against_host("applause") > heard.against_host("applause") + 3.0
    assert off.pauses_after("quiet") - off.loudness("host") > heard.pauses_after("quiet") - heard.loudness("host") + 5


def detected(samples: np.ndarray) -> np.ndarray:
    detector = SpeechDetector(RATE)
    for start in range(0, len(samples), 2 * RATE):
        detector.feed(samples[start : start + 2 * RATE, None])
    return detector.finish(len(samples) * 10 // RATE)


def test_the_detector_hears_voices_not_applause_or_music() -> None:
    samples, stretches = panel()
    noise = np.random.default_rng(7).standard_normal(len(samples)) * 10 ** (NOISE_DBFS / 20)
    probability = detected((samples + noise).astype(np.float32))
    found = voiced(probability)

    def share(kind: str) -> float:
        index = np.concatenate(
            [np.arange(math.ceil(s.start * 10), math.floor(s.end * 10)) for s in stretches if s.kind == kind]
        )
        return float(np.mean(found[index]))

    assert share("host") >= 0.95 and share("quiet") >= 0.9
    assert share("applause") == 0.0 and share("sting") == 0.0
    assert np.array_equal(probability, detected((samples + noise).astype(np.float32)))  # deterministic


def test_applause_that_closes_the_recording_is_held_to_its_end(tmp_path: Path) -> None:
    """No speech follows it, so its gain does not climb back towards the last speaker's."""
    samples, _ = panel()
    clapping = applause(np.random.default_rng(3)).mean(axis=1)
    analysis = analyse(write(tmp_path / "closing.wav", np.concatenate([samples, clapping])), AudioSettings())
    plan = plan_gain(analysis.energy, analysis.frames, -16.0, voice=voiced(analysis.speech))
    held = plan.gain_db[-round(len(clapping) / RATE * 10) + 10 :]  # from 1 s into the applause to its end
    assert np.ptp(held) < 0.01, held


@pytest.mark.parametrize("rate", [48000, 44100, 22050, 16000])
def test_the_detector_hears_a_box_filter_interpolated_whatever_the_chunks(rate: int) -> None:
    """Streamed in uneven chunks (some shorter than the filter), the resampler gives exactly what one call
    gives, and that is the box filter one output sample wide, interpolated linearly, to float32's precision."""
    rng = np.random.default_rng(rate)
    samples = rng.standard_normal(rate * 3).astype(np.float32)
    whole = Resampler(rate)(samples)
    resample = Resampler(rate)
    cuts = [0, 1, 3, 6, 10, *np.sort(rng.integers(10, len(samples), 12))]  # chunks of 0, 1, 2, 3 and 4 first
    parts = np.split(samples, cuts)
    assert np.array_equal(np.concatenate([resample(part) for part in parts]), whole)
    width = max(1, round(rate / MODEL_RATE))
    smooth = np.convolve(samples.astype(np.float64), np.ones(width) / width, "valid")
    wanted = np.arange(len(whole)) * rate / MODEL_RATE - (width - 1) / 2
    reference = np.interp(wanted, np.arange(len(smooth)), smooth)
    assert len(whole) == math.ceil((len(smooth) - 1 + (width - 1) / 2) * MODEL_RATE / rate)
    assert np.max(np.abs(whole - reference)) < 1e-5


def test_a_failure_in_the_models_thread_reaches_the_caller_and_stops_the_thread() -> None:
    """An inference that fails (a stand-in session: a real one cannot be made to fail on cue) is raised
    where the pass waits for the model, and the model's thread does not outlive it."""

    class Failing:
        def run(self, *args: object) -> None:
            raise RuntimeError("inference failed")

    detector = SpeechDetector(RATE)
    detector._session = Failing()
    samples = np.random.default_rng(2).standard_normal((10 * RATE, 1)).astype(np.float32) * 0.01
    with pytest.raises(RuntimeError, match="inference failed"):
        for start in range(0, len(samples), 2 * RATE):
            detector.feed(samples[start : start + 2 * RATE])
        detector.finish(100)
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("speech")]


def test_a_recording_found_damaged_while_measured_leaves_no_model_thread(tmp_path: Path) -> None:
    """Real speech cut off part-way (the header still promises the whole): the measuring pass refuses it,
    and stops the voice detector's thread on the way out."""
    samples, _ = panel()
    whole = write(tmp_path / "whole.wav", samples).read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(MediaError, match=r"cut\.wav"):
        analyse(cut, AudioSettings())
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("speech")]
