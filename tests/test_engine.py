"""The audio engine (issue 3): standard meter test signals, the leveller on a synthetic panel,
every kind of input, clips, reports and the cache. Real audio through the real ffmpeg."""

from __future__ import annotations

import json
import math
import re
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, ffmpeg, make_tone
from mutagen.mp3 import MP3

from clgtv.audio.ffmpeg import decode, ebur128
from clgtv.audio.master import master
from clgtv.audio.meter import LoudnessMeter, measure
from clgtv.settings import AudioSettings

RATE = 48000


def tone(level_db: float, seconds: float, freq: float = 1000.0, channels: int = 2) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    wave_ = (10 ** (level_db / 20) * np.sin(2 * math.pi * freq * t)).astype(np.float32)
    return np.repeat(wave_[:, None], channels, axis=1)


def read(samples: np.ndarray, rate: int = RATE):
    meter = LoudnessMeter(rate, samples.shape[1])
    for start in range(0, len(samples), 48000):
        meter.feed(samples[start : start + 48000])
    return meter.result()


@pytest.mark.parametrize(
    ("levels", "expected"),
    [((-20, -30), 10), ((-20, -15), 5), ((-40, -20), 20), ((-50, -35, -20, -35, -50), 15)],
    ids=["tech3342-1", "tech3342-2", "tech3342-3", "tech3342-4"],
)
def test_loudness_range_meets_tech_3342(levels: tuple[float, ...], expected: float) -> None:
    signal = np.concatenate([tone(level, 20) for level in levels])
    assert read(signal).range == pytest.approx(expected, abs=1.0)


@pytest.mark.parametrize(
    ("freq", "phase", "true_peak"),
    [(RATE / 4, math.pi / 4, 0.0), (RATE / 6, math.pi / 6, 0.0), (RATE / 8, math.pi / 8, 0.0)],
    ids=["fs/4", "fs/6", "fs/8"],
)
def test_true_peak_meets_tech_3341_tolerance(freq: float, phase: float, true_peak: float) -> None:
    # a 0 dBFS sine sampled off its crests: the sample peak reads low, the true peak must not
    t = np.arange(RATE * 2) / RATE
    signal = np.sin(2 * math.pi * freq * t + phase).astype(np.float32)[:, None] * 0.999
    result = read(signal)
    assert true_peak - 0.4 <= result.true_peak <= true_peak + 0.2


def test_meter_on_a_gated_sequence() -> None:
    # Tech 3341 case 5-style: 20 s -26, 20.1 s -20, 20 s -26 dBFS reads -23.0 +/- 0.1 LUFS
    signal = np.concatenate([tone(-26, 20), tone(-20, 20.1), tone(-26, 20)])
    assert read(signal).integrated == pytest.approx(-23.0, abs=0.1)


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(samples.shape[1])
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


@pytest.fixture(scope="module")
def panel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """75 s of panel: real speech by a host (0 dB), a guest (-10 dB) and the audience (-24 dB),
    with 4 s of room noise alone in the middle."""
    speech = []
    for path in sorted((REPO / "episodes").glob("*/*.opus")):
        samples = np.concatenate(list(decode(path, RATE, 1)))[:, 0]
        speech.append(samples / np.sqrt(np.mean(samples**2)) * 0.1)
    turns = [(0, 0), (-10, 1), (-24, 0), (0, 1), (None, 0), (-24, 1), (-10, 0)]
    parts = []
    for level, source in turns:
        if level is None:
            parts.append(np.zeros(4 * RATE, dtype=np.float32))
            continue
        parts.append(speech[source][: 10 * RATE] * 10 ** (level / 20))
        parts.append(np.zeros(int(0.6 * RATE), dtype=np.float32))
    mono = np.concatenate(parts)
    noise = np.random.default_rng(5).standard_normal(len(mono)).astype(np.float32) * 10 ** (-60 / 20)
    path = tmp_path_factory.mktemp("panel") / "panel.wav"
    return write_wav(path, np.repeat((mono + noise)[:, None], 2, axis=1))


def rms_db(samples: np.ndarray) -> float:
    return 10 * math.log10(float(np.mean(samples.astype(np.float64) ** 2)))


def test_leveller_evens_out_speakers_without_pumping_the_room(panel: Path, tmp_path: Path) -> None:
    levelled = master(panel, tmp_path / "levelled.mp3", AudioSettings(trim_silence=False))
    plain = master(panel, tmp_path / "plain.mp3", AudioSettings(trim_silence=False, leveller=False))
    assert levelled.before.range > 14
    for path in (tmp_path / "levelled.mp3", tmp_path / "plain.mp3"):
        measured = ebur128(path)
        assert measured["I"] == pytest.approx(-16.0, abs=0.5)
        assert measured["TP"] <= -1.0
    assert levelled.renders == 1
    # unlevelled, the 24 dB between host and audience leaves the host's peaks to the limiter, whose loss the
    # calibration (the codec's, on the loudest 20 s) does not predict: it may take a second render
    assert plain.renders <= 2
    assert ebur128(tmp_path / "levelled.mp3")["LRA"] <= 8.0
    assert ebur128(tmp_path / "plain.mp3")["LRA"] > 14
    low, high = levelled.gain_range_db
    assert high - low > 15  # the audience got far more gain than the host

    def pause(path: Path) -> np.ndarray:  # the 4 s of room noise alone, away from its edges
        audio = np.concatenate(list(decode(path, 44100, 2)))
        start = int((3 * 10.6 + 1.0) * 44100)
        return audio[start : start + 2 * 44100]

    # in the pause the leveller gives the room no more gain than plain normalisation does
    assert rms_db(pause(tmp_path / "levelled.mp3")) <= rms_db(pause(tmp_path / "plain.mp3")) + 1.0


def test_silence_is_trimmed_from_both_ends(tmp_path: Path) -> None:
    speech = make_tone(tmp_path / "speech.wav", seconds=4, level_db=-20)
    padded = tmp_path / "padded.wav"
    ffmpeg("-i", str(speech), "-af", "adelay=3000:all=1,apad=pad_dur=3", str(padded))
    report = master(padded, tmp_path / "out.mp3", AudioSettings())
    assert report.trimmed_s[0] == pytest.approx(2.5, abs=0.3)
    assert report.trimmed_s[1] == pytest.approx(2.5, abs=0.5)
    assert measure(tmp_path / "out.mp3").duration == pytest.approx(5.0, abs=0.6)


def test_nothing_is_reported_trimmed_from_a_recording_that_ends_mid_segment(tmp_path: Path) -> None:
    """1.465 s: its last 65 ms make no whole 100 ms segment, and the render keeps them all the same."""
    speech = make_tone(tmp_path / "speech.wav", seconds=1.465, level_db=-20)
    report = master(speech, tmp_path / "out.mp3", AudioSettings())
    assert report.trimmed_s == (0.0, 0.0)
    assert measure(tmp_path / "out.mp3").duration == pytest.approx(1.465, abs=0.01)


def test_near_silent_recording_is_not_amplified_into_noise(tmp_path: Path) -> None:
    hiss = tmp_path / "hiss.wav"
    ffmpeg("-f", "lavfi", "-i", "anoisesrc=d=5:c=white:a=0.0005:r=44100:seed=7", str(hiss))
    report = master(hiss, tmp_path / "out.mp3", AudioSettings())
    assert report.warnings and "near-silent recording" in report.warnings[0]
    assert report.after.integrated <= report.before.integrated + 0.5  # left alone, not raised to -16


@pytest.mark.parametrize(
    ("name", "args", "channels"),
    [
        ("mono.wav", ("-ac", "1"), 1),
        ("surround.wav", ("-af", "aformat=channel_layouts=5.1"), 2),
        ("phone.wav", ("-ar", "8000", "-ac", "1"), 2),
        ("deep.wav", ("-c:a", "pcm_s24le"), 2),
        ("float.wav", ("-c:a", "pcm_f32le"), 2),
        ("speech.flac", (), 2),
    ],
)
def test_inputs_of_every_kind_reach_the_target(tmp_path: Path, name: str, args: tuple[str, ...], channels: int) -> None:
    source = make_tone(tmp_path / name, seconds=5, level_db=-25, extra=args)
    settings = AudioSettings(channels=channels)
    master(source, tmp_path / "out.mp3", settings)
    measured = ebur128(tmp_path / "out.mp3")
    assert measured["I"] == pytest.approx(settings.loudness_target, abs=0.5)
    assert measured["TP"] <= -1.0
    assert settings.loudness_target == (-16.0 if channels == 2 else -19.0)


def test_m4a_output(tmp_path: Path) -> None:
    source = make_tone(tmp_path / "in.wav", seconds=5, level_db=-25)
    master(source, tmp_path / "out.m4a", AudioSettings(format="m4a", bitrate=96))
    assert (tmp_path / "out.m4a").read_bytes()[4:8] == b"ftyp"
    assert ebur128(tmp_path / "out.m4a")["I"] == pytest.approx(-16.0, abs=0.5)


def test_intro_and_outro_are_joined_at_the_right_length(tmp_path: Path) -> None:
    programme = make_tone(tmp_path / "programme.wav", seconds=6, level_db=-25)
    intro, outro = tmp_path / "intro.wav", tmp_path / "outro.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=2:r=44100", str(intro))
    ffmpeg("-f", "lavfi", "-i", "sine=f=660:d=3:r=44100", str(outro))
    settings = AudioSettings(intro=intro, outro=outro, crossfade=0.5, trim_silence=False)
    master(programme, tmp_path / "out.wav.mp3", settings)
    # 2 s + 6 s + 3 s, less two 0.5 s overlaps; MP3 adds under 0.1 s of padding
    assert measure(tmp_path / "out.wav.mp3").duration == pytest.approx(10.0, abs=0.1)
    audio = np.concatenate(list(decode(tmp_path / "out.wav.mp3", 44100, 1)))[:, 0]
    spectrum_at = lambda start: np.abs(np.fft.rfft(audio[int(start * 44100) : int((start + 0.5) * 44100)]))  # noqa: E731
    assert np.argmax(spectrum_at(0.5)) == pytest.approx(440 / 2, abs=2)  # 0.5 s windows: 2 Hz bins
    assert np.argmax(spectrum_at(9.0)) == pytest.approx(660 / 2, abs=2)


def test_a_long_intro_and_outro_reach_the_limiter_a_chunk_at_a_time(tmp_path: Path, monkeypatch) -> None:
    """Its working arrays grow with what it is given: a whole 30-minute intro at once took 24 GB."""
    from clgtv.audio.ffmpeg import CHUNK_SECONDS
    from clgtv.audio.limiter import Limiter

    given: list[int] = []
    process = Limiter.process
    monkeypatch.setattr(Limiter, "process", lambda self, samples: given.append(len(samples)) or process(self, samples))
    programme = make_tone(tmp_path / "programme.wav", seconds=3, level_db=-25)
    clip = tmp_path / "clip.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=9:r=44100", str(clip))
    master(programme, tmp_path / "out.mp3", AudioSettings(intro=clip, outro=clip, trim_silence=False))
    assert sum(given) >= 2 * 9 * 44100 and max(given) <= CHUNK_SECONDS * 44100


def test_build_keeps_reports_and_reprocesses_only_with_cause(project: Path, run) -> None:
    first = run(project, "build", "-j", "2")
    assert first.exit_code == 0, first.output
    assert "(1 recordings processed)" in first.output
    (report,) = (project / "build/cache/audio").glob("*.json")
    data = json.loads(report.read_text())
    assert data["engine"] and data["output"]["integrated_lufs"] == pytest.approx(-16.0, abs=0.5)
    shown = re.search(r" -> (-?\d+\.\d) LUFS", first.output)  # the CLI shows the report
    assert shown and float(shown[1]) == pytest.approx(data["output"]["integrated_lufs"], abs=0.051), first.output
    assert "(0 recordings processed)" in run(project, "build").output
    show = project / "episodes/test-show/show.yaml"
    show.write_text(show.read_text().replace("target_lufs: -16", "target_lufs: -18"))
    again = run(project, "build")
    assert "(1 recordings processed)" in again.output
    assert ebur128(next((project / "build/site/test-show/media").glob("*.mp3")))["I"] == pytest.approx(-18, abs=0.5)


def test_episode_processing_overrides_the_show(project: Path, run) -> None:
    episode = project / "episodes/test-show/2026-10-01-test.md"
    text = episode.read_text().replace("guid:", "processing:\n  channels: 1\n  bitrate: 96\nguid:")
    episode.write_text(text)
    result = run(project, "build")
    assert result.exit_code == 0, result.output
    media = next((project / "build/site/test-show/media").glob("*.mp3"))
    info = MP3(media).info
    assert (info.channels, info.bitrate) == (1, 96000)
    assert ebur128(media)["I"] == pytest.approx(-16.0, abs=0.5)  # the show's explicit target still holds


def test_m4a_episodes_are_published_with_mp4_tags_and_chapters(project: Path, run) -> None:
    from mutagen.mp4 import MP4

    from clgtv.audio.ffmpeg import ffmpeg_path

    episode = project / "episodes/test-show/2026-10-01-test.md"
    chapters = 'chapters:\n  - start: "0:00:00"\n    title: Opening\n  - start: "0:00:02"\n    title: "Q&A"\n'
    episode.write_text(episode.read_text().replace("guid:", f"processing:\n  format: m4a\n{chapters}guid:"))
    result = run(project, "publish")
    assert result.exit_code == 0, result.output
    (media,) = (project / "public/test-show/media").glob("*")
    assert media.suffix == ".m4a" and media.read_bytes()[4:8] == b"ftyp"
    tags = MP4(media)
    assert tags["\xa9nam"] == ["A test episode"] and tags["pcst"] is True
    assert tags["egid"] == ["5b3f2a4e-9a1c-4d53-8b57-1d0f5cfb8a01"] and tags["covr"]
    listed = subprocess.run(
        [ffmpeg_path(), "-v", "error", "-i", str(media), "-f", "ffmetadata", "-"], capture_output=True, text=True
    ).stdout
    assert listed.count("[CHAPTER]") == 2 and "title=Opening" in listed and "title=Q&A" in listed
    feed = (project / "public/test-show/feed.xml").read_text()
    assert 'type="audio/x-m4a"' in feed and f'length="{media.stat().st_size}"' in feed
    assert ebur128(media)["I"] == pytest.approx(-16.0, abs=0.5)
