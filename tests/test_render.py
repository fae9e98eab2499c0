"""Rendering a long MP3 in spans side by side (issue 3's wall time): the joined file against one
encoder's, the LAME tag against ffmpeg's own, and the splice rules. Real audio, real ffmpeg."""

from __future__ import annotations

import itertools
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, ebur128, ffmpeg, ffmpeg_path
from mutagen.mp3 import MP3

from clgtv.audio import mp3
from clgtv.audio import render as render_module
from clgtv.audio.ffmpeg import decode
from clgtv.audio.leveller import GainPlan, plan_gain
from clgtv.audio.master import analyse, load_clips, master
from clgtv.audio.meter import LoudnessMeter, measure
from clgtv.audio.render import MIN_SPAN_S, SETTLE_S, Job, Span, _check_hand_over, _Rendered, plan_spans, render
from clgtv.errors import MediaError
from clgtv.settings import AudioSettings

RATE = 44100
SECONDS = 250  # two spans need 2 x MIN_SPAN_S of programme
EVERY_FRAME = range(1000)  # keep every frame of a short stream


@pytest.fixture(scope="module")
def long_panel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """250 s of the sample speech in 20 s turns at 0, -10 and -24 dB, over room noise."""
    speech = np.concatenate(list(decode(sorted((REPO / "episodes").glob("*/*.opus"))[0], RATE, 1)))[:, 0]
    speech = np.tile(speech, SECONDS * RATE // len(speech) + 1)[: SECONDS * RATE]
    levels = np.repeat(10 ** (np.array([0, -10, -24]) / 20), 20 * RATE)
    speech = speech * np.resize(levels, len(speech)) * 0.3
    noise = np.random.default_rng(3).standard_normal(len(speech)) * 10 ** (-58 / 20)
    path = tmp_path_factory.mktemp("long") / "panel.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(speech + noise, -1, 1) * 32767).astype("<i2").tobytes())
    return path


@pytest.fixture(scope="module")
def renders(long_panel: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One render of the programme, with intro and outro, by one encoder and by two side by side."""
    folder = tmp_path_factory.mktemp("renders")
    intro, outro = folder / "intro.wav", folder / "outro.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=2.3:r=44100", str(intro))
    ffmpeg("-f", "lavfi", "-i", "sine=f=660:d=3:r=44100", str(outro))
    settings = AudioSettings(intro=intro, outro=outro, crossfade=0.5)
    analysis = analyse(long_panel, settings)
    plan = plan_gain(analysis.energy, analysis.frames, settings.loudness_target)
    job = Job(long_panel, settings, plan, -1.5, load_clips(settings), None)
    out: dict = {"job": job}
    for spans in (1, 2):
        path = folder / f"{spans}.mp3"
        out[spans] = (path, *render(job, path, parallel=spans))
    return out


def pcm(path: Path, rate: int = RATE, channels: int = 2, window: tuple[float, float] | None = None) -> np.ndarray:
    """What a player hears: ffmpeg's decode, which honours the LAME tag's delay and padding."""
    return np.concatenate(list(decode(path, rate, channels, window=window)))


def decodes_cleanly(path: Path) -> bool:
    """ffmpeg decodes the whole file without a word: no broken frame or bit reservoir anywhere."""
    check = subprocess.run([ffmpeg_path(), "-v", "error", "-i", str(path), "-f", "null", "-"], capture_output=True)
    return check.returncode == 0 and check.stderr == b""


def test_two_spans_join_into_one_clean_file_as_long_as_one_encoders(renders: dict) -> None:
    one, two = renders[1][0], renders[2][0]
    assert decodes_cleanly(two)
    assert len(pcm(two)) == len(pcm(one))  # gapless: same delay and padding, to the sample
    assert MP3(two).info.length == pytest.approx(MP3(one).info.length, abs=0.001)  # the Xing frame count
    assert not list(two.parent.glob(f".{two.name}*"))  # no span files left behind


def test_joined_file_is_one_encoders_up_to_the_seam_and_in_step_after_it(renders: dict) -> None:
    one, two = pcm(renders[1][0]), pcm(renders[2][0])
    differs = np.flatnonzero(np.abs(one - two).max(axis=1) > 0)
    middle = len(one) // 2
    # the first span's own frames, bit for bit, until it hands over about a second before the middle
    assert middle - 3 * RATE < differs[0] < middle + 3 * RATE
    # after the seam: the same audio in the same place, encoded afresh (coding noise only)
    after = slice(differs[0], differs[0] + 10 * RATE)
    lags = {lag: float(np.dot(one[after, 0], np.roll(two[:, 0], -lag)[after])) for lag in range(-3, 4)}
    assert max(lags, key=lags.get) == 0
    noise = np.mean((one[differs[0] :] - two[differs[0] :]) ** 2)
    assert 10 * np.log10(np.mean(one[differs[0] :] ** 2) / noise) > 20


def test_the_spans_meters_read_what_the_joined_file_measures(renders: dict) -> None:
    path, limiting, after = renders[2]
    measured = measure(path)
    assert after.integrated == pytest.approx(measured.integrated, abs=0.02)
    assert after.range == pytest.approx(measured.range, abs=0.1)
    assert after.true_peak == pytest.approx(measured.true_peak, abs=0.05)
    assert after.duration == pytest.approx(measured.duration, abs=1e-6)
    assert (limiting, after.integrated) == pytest.approx((renders[1][1], renders[1][2].integrated), abs=0.02)


@pytest.mark.parametrize(("channels", "bitrate", "rate"), [(2, 128, 44100), (1, 64, 48000)], ids=["stereo", "mono"])
def test_master_renders_a_long_mp3_in_spans_on_target(
    long_panel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, channels: int, bitrate: int, rate: int
) -> None:
    splices: list[int] = []
    find = mp3.splice_frame
    monkeypatch.setattr(mp3, "splice_frame", lambda *args: splices.append(find(*args)) or splices[-1])  # a spy
    out = tmp_path / "out.mp3"
    settings = AudioSettings(channels=channels, bitrate=bitrate, sample_rate=rate)
    report = master(long_panel, out, settings, parallel=2)
    assert len(splices) == report.renders  # joined from two spans, every render
    assert decodes_cleanly(out)
    measured = ebur128(out)
    assert measured["I"] == pytest.approx(settings.loudness_target, abs=0.5)
    assert measured["TP"] <= -1.0
    assert report.after.integrated == pytest.approx(measured["I"], abs=0.2)
    assert len(pcm(out, rate, channels)) == round(report.after.duration * rate)


def test_without_a_splice_frame_one_encoder_renders_it_all(
    renders: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_frame(before: mp3.Stream, after: mp3.Stream, earliest: int, latest: int) -> int:
        raise mp3.SpliceError("no frame")  # stands in for encodings that never line up

    monkeypatch.setattr(mp3, "splice_frame", no_frame)
    path = tmp_path / "out.mp3"
    render(renders["job"], path, parallel=2)
    assert path.read_bytes() == renders[1][0].read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp3"]


def test_spans_whose_audio_is_out_of_step_are_not_joined(long_panel: Path) -> None:
    # a source that cannot seek exactly (some files without an index) would give the second span its
    # audio a little early or late: the hand-over check sends such a render to one encoder
    speech = pcm(long_panel, window=(20.0, 1.0))
    window = (0, len(speech) - 1)

    def rendered(heard: np.ndarray) -> _Rendered:
        return _Rendered(0.0, LoudnessMeter(RATE, 2), 0, {window: heard})

    rounding = np.float32(1e-6) * np.sign(speech[1:])
    _check_hand_over(long_panel, rendered(speech[1:]), rendered(speech[1:] + rounding))
    with pytest.raises(mp3.SpliceError, match="differs"):
        _check_hand_over(long_panel, rendered(speech[1:]), rendered(speech[:-1]))  # one frame late


def test_a_failing_span_stops_the_other_and_leaves_no_file(
    long_panel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = render_module._render_span

    def second_fails(job: Job, span: Span, out: Path, share: object) -> object:
        if not span.first:  # stands in for a decoder or encoder dying half-way
            raise MediaError(job.source, "the decoder stopped half-way")
        return real(job, span, out, share)

    monkeypatch.setattr(render_module, "_render_span", second_fails)
    with pytest.raises(MediaError, match="half-way") as failure:
        master(long_panel, tmp_path / "out.mp3", AudioSettings(), parallel=2)
    assert failure.value.path == long_panel
    assert list(tmp_path.iterdir()) == []  # no output, no span, no partial file


@pytest.mark.parametrize("channels", [1, 2])
def test_gapless_tag_is_written_as_ffmpeg_writes_it(tmp_path: Path, channels: int) -> None:
    path = tmp_path / "tone.mp3"
    ffmpeg("-f", "lavfi", "-i", "sine=f=500:d=3.3:r=44100", "-ac", str(channels), "-id3v2_version", "0", str(path))
    original = path.read_bytes()
    tag = original.index(b"Info")
    cleared = bytearray(original)
    cleared[tag + 141 : tag + 144] = bytes(3)  # delay and padding
    cleared[tag + 154 : tag + 156] = bytes(2)  # the tag's CRC
    path.write_bytes(cleared)
    mp3.set_gapless(path, round(3.3 * 44100))
    assert path.read_bytes() == original


def encode_frames(path: Path, start_frame: int, seconds: float) -> Path:
    """Frames only, the sine from frame `start_frame` of the common grid on."""
    source = f"sine=f=300:r=44100,atrim=start_sample={start_frame * mp3.FRAME_SAMPLES}:duration={seconds}"
    frames_only = ("-write_xing", "0", "-id3v2_version", "0")
    ffmpeg("-f", "lavfi", "-i", source, "-c:a", "libmp3lame", "-b:a", "128k", *frames_only, str(path))
    return path


def test_streams_that_do_not_overlap_cannot_be_joined(tmp_path: Path) -> None:
    before = mp3.Stream.scan(encode_frames(tmp_path / "a.mp3", 0, 2), 0, EVERY_FRAME)
    after = mp3.Stream.scan(encode_frames(tmp_path / "b.mp3", 100, 2), 100, EVERY_FRAME)
    assert max(before.kept) < 100
    with pytest.raises(mp3.SpliceError):
        mp3.splice_frame(before, after, 0, 200)


def test_a_splice_needs_room_for_the_next_streams_reservoir(tmp_path: Path) -> None:
    before = mp3.Stream.scan(encode_frames(tmp_path / "a.mp3", 0, 4), 0, EVERY_FRAME)
    after = mp3.Stream.scan(encode_frames(tmp_path / "b.mp3", 40, 4), 40, EVERY_FRAME)
    index = mp3.splice_frame(before, after, 50, 150)
    assert before.at(index).data_begin >= after.at(index).data_begin
    assert not before.at(index - 1).switching and not after.at(index).switching
    joined = tmp_path / "joined.mp3"
    joined.write_bytes(b"".join(mp3.joined([before, after], [index])))
    whole = mp3.Stream.scan(joined, 0, EVERY_FRAME)
    assert len(whole.kept) == after.first + len(after.kept)  # before's frames up to the splice, then after's
    assert whole.at(index).data_begin == after.at(index).data_begin
    assert decodes_cleanly(joined)


def test_spans_cover_the_programme_on_the_frame_and_decoder_grids() -> None:
    segments = 6000  # ten minutes
    plan = GainPlan(np.zeros(segments), first=25, stop=segments - 30, speech_gate=-50.0)
    lead = 2 * RATE
    spans = plan_spans(plan, RATE, lead, 3)
    assert [s.first for s in spans] == [True, False, False] and [s.last for s in spans] == [False, False, True]
    assert spans[0].measure[0] == 0 and spans[-1].measure[1] is None
    for before, after in itertools.pairwise(spans):
        assert before.measure[1] == after.measure[0]  # every output frame measured once
        assert after.encode[0] % mp3.FRAME_SAMPLES == 0
        assert after.decode[0] % (RATE // 10) == 0
        # the next encoder has settled before it owns anything, and this one runs on past that
        assert after.encode[0] - after.base >= SETTLE_S * RATE
        assert after.encode[0] + SETTLE_S * RATE <= after.measure[0] < before.encode[1] - SETTLE_S * RATE
    assert plan_spans(plan, RATE, lead, 1)[0].measure is None
    assert MIN_SPAN_S * 2 <= SECONDS
