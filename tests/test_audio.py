"""The audio chain on real audio through the real ffmpeg: meter, limiter, inputs, failures."""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, ebur128, ffmpeg, make_tone
from speech import joined_prompts

from clgtv.audio.ffmpeg import Encoder, Encoding, decode, decode_argv, ffmpeg_path, is_pcm_wav
from clgtv.audio.iir import Biquads, highpass
from clgtv.audio.limiter import Limiter, window_minimum
from clgtv.audio.master import master
from clgtv.audio.meter import LoudnessMeter, k_weighting, measure, mono
from clgtv.errors import ClgtvError, MediaError
from clgtv.settings import AudioSettings

SAMPLES = sorted(p for p in (REPO / "episodes").glob("*/*") if p.suffix in {".flac", ".opus", ".m4a"})


def sine(seconds: float, level_db: float, freq: float = 1000.0, rate: int = 48000, channels: int = 2) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    wave = 10 ** (level_db / 20) * np.sin(2 * math.pi * freq * t)
    return np.repeat(wave[:, None], channels, axis=1).astype(np.float32)


def meter(samples: np.ndarray, rate: int = 48000, chunk: int = 7919):
    loudness = LoudnessMeter(rate, samples.shape[1])
    for start in range(0, len(samples), chunk):  # an odd chunk size: results must not depend on it
        loudness.feed(samples[start : start + chunk])
    return loudness.result()


@pytest.mark.parametrize("rate", [44100, 48000, 22050, 11025])
def test_meter_reads_a_known_sine_at_any_rate(rate: int) -> None:
    # EBU Tech 3341 case 1: stereo 1 kHz at -23 dBFS reads -23.0 LUFS
    result = meter(sine(20, -23.0, rate=rate), rate)
    assert result.integrated == pytest.approx(-23.0, abs=0.1)
    assert result.duration == pytest.approx(20.0)


def test_meter_gates_silence_and_quiet_passages() -> None:
    # EBU Tech 3341 case 3-style: -36 / -23 / -36 dBFS; the relative gate drops the quiet parts
    parts = [sine(10, -36.0), sine(60, -23.0), sine(10, -36.0)]
    result = meter(np.concatenate(parts))
    assert result.integrated == pytest.approx(-23.0, abs=0.1)
    silent = meter(np.zeros((48000 * 5, 2), dtype=np.float32))
    assert silent.integrated == -math.inf and silent.true_peak == -math.inf


def test_the_channels_mix_is_numpys_mean_bit_for_bit() -> None:
    """The meters' quick mix gives exactly what `mean(axis=1)` gives, on real speech."""
    speech = np.concatenate(list(decode(SAMPLES[0], 48000, 2)))
    speech[:, 1] *= 0.3  # the channels differ
    assert mono(speech).dtype == np.float32
    assert np.array_equal(mono(speech), speech.mean(axis=1, dtype=np.float32))


def test_true_peak_sees_between_samples() -> None:
    # a 12 kHz sine at 48 kHz sampled 45 degrees off its peaks: samples read 3 dB low
    rate = 48000
    t = np.arange(rate) / rate
    wave = 0.5 * np.sin(2 * math.pi * 12000 * t + math.pi / 4)
    result = meter(wave[:, None].astype(np.float32))
    assert result.sample_peak == pytest.approx(-9.03, abs=0.05)
    assert -6.02 - 0.4 <= result.true_peak <= -6.02 + 0.2


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_meter_agrees_with_ffmpeg_ebur128_on_speech(sample: Path) -> None:
    ours = measure(sample)
    theirs = ebur128(sample)
    assert ours.integrated == pytest.approx(theirs["I"], abs=0.2)
    assert ours.true_peak == pytest.approx(theirs["TP"], abs=0.3)


def biquads_one_sample_at_a_time(sos: np.ndarray, signal: np.ndarray) -> np.ndarray:
    """The textbook recursion (direct form I), section after section, in float64: slow, and plainly right."""
    out = signal.astype(np.float64)
    for b0, b1, b2, _, a1, a2 in sos:
        x1 = x2 = y1 = y2 = 0.0
        filtered = np.empty_like(out)
        for n, x in enumerate(out):
            y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            x1, x2, y1, y2 = x, x1, y, y1
            filtered[n] = y
        out = filtered
    return out


@pytest.mark.parametrize("rate", [8000, 44100, 48000])
def test_block_iir_matches_the_recursion_across_any_chunking(rate: int) -> None:
    sos = k_weighting(rate)
    signal = np.random.default_rng(rate).standard_normal((3001, 2)).astype(np.float32) * 0.3
    expected = np.stack([biquads_one_sample_at_a_time(sos, signal[:, c]) for c in range(2)], axis=1)
    run = Biquads(sos, channels=2)
    cuts = [0, 1, 33, 64, 1000, 2999, 3001]  # a single sample, odd sizes, whole blocks
    got = np.concatenate([run(signal[a:b]) for a, b in itertools.pairwise(cuts)])
    assert np.abs(got - expected).max() < 1e-5 * np.abs(expected).max()  # float32's precision


@pytest.mark.parametrize("rate", [8000, 44100, 48000])
def test_rumble_highpass_cuts_below_its_cutoff_and_passes_speech(rate: int) -> None:
    run = Biquads(highpass(70.0, rate), channels=1)

    def gain_db(freq: float) -> float:
        out = run(sine(4, -20.0, freq, rate, channels=1))[rate:]  # past the filter's settling
        return 20 * math.log10(np.sqrt(np.mean(out**2)) / (10 ** (-20 / 20) / math.sqrt(2)))

    assert gain_db(70.0) == pytest.approx(-3.0, abs=0.1)  # Butterworth: -3 dB at the cutoff
    assert gain_db(30.0) < -14.0  # 12 dB an octave below it
    assert gain_db(1000.0) == pytest.approx(0.0, abs=0.05)


def test_window_minimum_is_the_minimum_of_every_window() -> None:
    values = np.random.default_rng(7).standard_normal(500)
    for size in (1, 2, 7, 221, 500):
        expected = [values[i : i + size].min() for i in range(len(values) - size + 1)]
        assert window_minimum(values, size).tolist() == expected
    assert len(window_minimum(values, 501)) == 0


def test_limiter_holds_the_ceiling_and_keeps_every_frame() -> None:
    rng = np.random.default_rng(7)
    audio = (rng.standard_normal((44100 * 6, 2)) * 0.05).astype(np.float32)
    audio[44100 * 2 : 44100 * 2 + 300] *= 20  # a burst 26 dB over the rest
    limiter = Limiter(-3.0, 44100, 2)
    out = np.concatenate([limiter.process(audio[i : i + 5000]) for i in range(0, len(audio), 5000)] + [limiter.flush()])
    assert out.shape == audio.shape
    assert meter(out, 44100).true_peak <= -3.0 + 0.05
    assert limiter.max_reduction_db > 10
    quiet = slice(44100 * 4, 44100 * 5)  # far from the burst the signal is untouched
    assert np.array_equal(out[quiet], audio[quiet])


def test_master_brings_a_quiet_recording_to_target(tmp_path: Path) -> None:
    source = make_tone(tmp_path / "quiet.wav", seconds=6, level_db=-30)
    report = master(source, tmp_path / "out.mp3", AudioSettings())
    measured = ebur128(tmp_path / "out.mp3")
    assert report.before.integrated < -35
    assert measured["I"] == pytest.approx(-16.0, abs=0.6)
    assert measured["TP"] <= -1.0


def test_two_runs_to_one_output_at_once_each_render_their_own_file(tmp_path: Path) -> None:
    """Rendering at the same moment into the same output, neither writes into the other's file: both
    finish, and the output is one whole recording on target."""
    source = SAMPLES[0]
    together = threading.Barrier(2, timeout=60)
    met: set[int] = set()

    def progress(stage: str, fraction: float) -> None:
        if stage == "rendering" and threading.get_ident() not in met:
            met.add(threading.get_ident())
            together.wait()  # both are rendering before either goes on

    settings = AudioSettings(hum="off", noise="off", speech_detection="off")
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(master, source, tmp_path / "out.mp3", settings, progress) for _ in range(2)]
        reports = [run.result() for run in runs]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp3"]
    assert measure(tmp_path / "out.mp3").duration == pytest.approx(reports[0].after.duration, abs=0.05)
    assert ebur128(tmp_path / "out.mp3")["I"] == pytest.approx(-16.0, abs=0.5)


def test_master_cuts_rumble_unless_switched_off(tmp_path: Path) -> None:
    speech = make_tone(tmp_path / "speech.wav", seconds=6, level_db=-20)
    source = tmp_path / "rumble.wav"
    hum = "sine=f=30:d=6:r=44100"
    ffmpeg(
        "-i",
        str(speech),
        "-f",
        "lavfi",
        "-i",
        hum,
        "-filter_complex",
        "[1]volume=0.1[h];[0][h]amix=normalize=0",
        str(source),
    )

    def hum_to_speech_db(settings: AudioSettings) -> float:
        out = tmp_path / f"out-{settings.highpass:g}.mp3"
        master(source, out, settings)
        samples = np.concatenate(list(decode(out, 44100, 1)))[:, 0]
        power = np.abs(np.fft.rfft(samples)) ** 2
        freqs = np.fft.rfftfreq(len(samples), 1 / 44100)
        band = power[(freqs > 25) & (freqs < 35)].sum() / power[(freqs > 200) & (freqs < 4000)].sum()
        return 10 * math.log10(band)

    # the noise gate off: a steady 30 Hz line is also what it would turn down in the pauses
    rumble = hum_to_speech_db(AudioSettings(noise="off"))
    assert rumble < hum_to_speech_db(AudioSettings(highpass=0, noise="off")) - 12


def test_master_takes_the_audio_track_of_a_video(tmp_path: Path) -> None:
    audio = make_tone(tmp_path / "track.wav", seconds=5, level_db=-30)
    video = tmp_path / "panel.mp4"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x90:rate=10:duration=5",
        "-i",
        str(audio),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        "-shortest",
        str(video),
    )
    master(video, tmp_path / "out.mp3", AudioSettings(channels=1, bitrate=96))
    measured = ebur128(tmp_path / "out.mp3")
    assert measured["I"] == pytest.approx(-19.0, abs=1.0) and measured["TP"] <= -1.0  # mono target
    assert measure(tmp_path / "out.mp3").duration == pytest.approx(5.0, abs=0.2)


def test_video_without_audio_is_a_clear_error(tmp_path: Path) -> None:
    video = tmp_path / "silent-film.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x90:rate=10:duration=1", "-c:v", "libx264", str(video))
    with pytest.raises(MediaError) as error:
        master(video, tmp_path / "out.mp3", AudioSettings())
    assert str(error.value).endswith("silent-film.mp4: no audio track found")


def spoken(tmp_path: Path, name: str, *options: str) -> Path:
    """Real speech, 12 s, written by ffmpeg with `options` (its channels apart: the left at full level, the
    right at half)."""
    if not (speech := tmp_path / "speech.wav").exists():
        joined_prompts(speech, 12.0)
    out = tmp_path / name
    ffmpeg("-i", str(speech), "-af", "pan=stereo|c0=c0|c1=0.5*c0", *options, str(out))
    return out


def test_a_pcm_wav_is_told_by_its_bytes_as_ffmpeg_tells_it(tmp_path: Path) -> None:
    """Long packets go only to what ffmpeg's WAV demuxer reads, and only for PCM or float: a compressed
    WAV's decoder drops the rest of a packet at a damaged block."""
    pcm = [spoken(tmp_path, "recorder.mp3", "-c:a", "pcm_s24le", "-f", "wav")]  # whatever its name
    pcm.append(spoken(tmp_path, "float.wav", "-c:a", "pcm_f32le"))
    pcm.append(spoken(tmp_path, "rf64.wav", "-c:a", "pcm_s16le", "-rf64", "always"))  # a file past 4 GB
    plain = spoken(tmp_path, "plain.wav", "-ac", "1", "-c:a", "pcm_s16le", "-bitexact")  # the 44-byte header
    pcm += [plain, tmp_path / "silent-start.wav"]
    pcm[-1].write_bytes(plain.read_bytes()[:44] + bytes(1024))  # a WAV that opens on silence is one
    act = tmp_path / "memo.wav"  # a voice recorder's ACT file opens with a WAV header: ffmpeg reads it as ACT
    act.write_bytes(plain.read_bytes()[:44] + bytes(212) + b"\x84" + bytes(255) + bytes(range(256)) * 8)
    assert "Input #0, wav" not in subprocess.run([ffmpeg_path(), "-i", str(act)], capture_output=True, text=True).stderr
    unready = tmp_path / "no-ds64.wav"  # an RF64 header without its ds64 chunk: ffmpeg does not take it for a WAV
    unready.write_bytes(pcm[2].read_bytes()[:12] + b"JUNK" + pcm[2].read_bytes()[16:])
    assert (
        "Input #0, wav"
        not in subprocess.run([ffmpeg_path(), "-i", str(unready)], capture_output=True, text=True).stderr
    )
    others = [
        act,
        unready,
        spoken(tmp_path, "ima.wav", "-c:a", "adpcm_ima_wav"),
        spoken(tmp_path, "export.wav", "-f", "mp3"),
    ]
    assert [is_pcm_wav(path) for path in pcm] == [True] * len(pcm)
    assert [is_pcm_wav(path) for path in [*others, tmp_path / "missing.wav"]] == [False] * 5


def test_long_packets_and_frames_change_no_sample(tmp_path: Path) -> None:
    """The decoder reads a PCM WAV in long packets and hands on long frames: every sample as ffmpeg gives
    it with its own packets and frames, at the file's rate or another, mixed down, or a stretch of it."""
    wav = spoken(tmp_path, "panel.wav", "-ar", "48000", "-c:a", "pcm_s24le")
    mp3 = spoken(tmp_path, "panel.mp3", "-ar", "44100")
    cases = [(wav, 48000, 2, None), (wav, 44100, 2, None), (wav, 16000, 1, None), (wav, 44100, 2, (1.234, 2.5))]
    cases += [(wav, 48000, 2, (9.0, None)), (mp3, 44100, 2, None), (mp3, 48000, 1, (2.0, 3.0))]
    for path, rate, channels, window in cases:
        plain = subprocess.run(decode_argv(path, rate, channels, window, frames=0), capture_output=True, check=True)
        expected = np.frombuffer(plain.stdout, dtype="<f4").reshape(-1, channels)
        ours = np.concatenate(list(decode(path, rate, channels, window=window)))
        assert len(ours) > rate and np.array_equal(ours, expected), (path.name, rate, channels, window)


def test_corrupt_file_is_a_typed_error_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + bytes(range(256)) * 20)
    with pytest.raises(MediaError) as error:
        master(broken, tmp_path / "out.mp3", AudioSettings())
    assert error.value.path == broken
    assert "broken.wav: not a recording ffmpeg can read (corrupt or not audio)" in str(error.value)
    assert not (tmp_path / "out.mp3").exists()


def test_pure_silence_is_refused_not_amplified(tmp_path: Path) -> None:
    silence = tmp_path / "silence.wav"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-t", "3", str(silence))
    with pytest.raises(MediaError, match=r"silence.wav: is silent \(no speech above -70 LUFS\)"):
        master(silence, tmp_path / "out.mp3", AudioSettings())
    assert not (tmp_path / "out.mp3").exists()


def test_loudness_command_json(tmp_path: Path, run) -> None:
    import json

    source = make_tone(tmp_path / "tone.wav", seconds=3, level_db=-25)
    result = run(tmp_path, "loudness", str(source), "--json")
    assert result.exit_code == 0, result.output
    values = json.loads(result.output)[str(source)]
    assert values["integrated_lufs"] == pytest.approx(ebur128(source)["I"], abs=0.2)
    assert values["duration_s"] == pytest.approx(3.0, abs=0.01)


def test_master_command_reports_before_and_after(tmp_path: Path, run) -> None:
    source = make_tone(tmp_path / "in.flac", seconds=4, level_db=-28)
    result = run(tmp_path, "master", str(source), str(tmp_path / "out.mp3"))
    assert result.exit_code == 0, result.output
    before, after = result.output.splitlines()[:2]
    assert before.startswith("before: I -") and after.startswith(" after: I -16.")


def test_an_ffmpeg_older_than_7_1_is_passed_over_on_path_and_refused_when_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "ffmpeg"
    old.write_text("#!/bin/sh\necho 'ffmpeg version 6.1.1-3ubuntu5 Copyright (c) 2000-2023 the FFmpeg developers'\n")
    old.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("CLGTV_FFMPEG", raising=False)
    ffmpeg_path.cache_clear()
    try:
        found = ffmpeg_path()
        assert found != str(old)
        assert subprocess.run([found, "-version"], capture_output=True, text=True).stdout.startswith("ffmpeg version")
        monkeypatch.setenv("CLGTV_FFMPEG", str(old))
        ffmpeg_path.cache_clear()
        with pytest.raises(ClgtvError, match=r"CLGTV_FFMPEG=.*7\.1 or later"):
            ffmpeg_path()
    finally:
        monkeypatch.undo()
        ffmpeg_path.cache_clear()


def test_an_encoder_that_cannot_start_says_why_naming_its_output(tmp_path: Path) -> None:
    out = tmp_path / "missing-folder" / "out.mp3"
    silence = np.zeros((44100, 2), dtype=np.float32)
    # ffmpeg's own reason, not "the encoder stopped early"
    with (
        pytest.raises(MediaError, match="file not found") as failure,
        Encoder(out, Encoding(), lambda _: None) as encoder,
    ):
        for _ in range(200):  # more than the pipe holds: ffmpeg has quit by then
            encoder.write(silence)
    assert failure.value.path == out
