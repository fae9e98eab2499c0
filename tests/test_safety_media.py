"""Damaged, hostile and odd media in every format clgtv reads: either the right output, or one clear
error that names the file and, for a damaged recording, where the damage starts. Never a traceback."""

from __future__ import annotations

import io
import os
import random
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest
from conftest import REPO, ebur128, episode_text, ffmpeg, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from clgtv.artwork import artwork_problems, cover_jpeg
from clgtv.audio import ffmpeg as ff
from clgtv.audio.leveller import speech_seconds
from clgtv.audio.master import NO_SPEECH, analyse, master
from clgtv.errors import FileError, MediaError, display_path
from clgtv.settings import AudioSettings

AGAIN = "export the recording again"
SPEECH = "volume='if(lt(mod(t,0.5),0.32),1,0.05)':eval=frame,highpass=f=120,lowpass=f=5000"
SHOW = "episodes/test-show"
AUDIO = f"{SHOW}/2026-10-01-test.wav"


def recording(path: Path, seconds: float = 6.0, rate: int = 44100, *extra: str) -> Path:
    """Speech-like bursts of seeded pink noise (the same bytes every run), encoded by `path`'s suffix."""
    source = f"anoisesrc=d={seconds}:c=pink:a=0.1:r={rate}:seed=7,{SPEECH}"
    ffmpeg("-f", "lavfi", "-i", source, "-ac", "1", *extra, str(path))
    return path


def cut(path: Path, size: int | float, name: str) -> Path:
    """The first `size` bytes of `path` (a float: that fraction of them) as a new file."""
    data = path.read_bytes()
    out = path.with_name(name)
    out.write_bytes(data[: int(len(data) * size) if isinstance(size, float) else size])
    return out


def garbled(path: Path, at: float, name: str, size: int = 2000) -> Path:
    """`path` with `size` random bytes written over it `at` that fraction of the way in."""
    data = bytearray(path.read_bytes())
    start = int(len(data) * at)
    data[start : start + size] = random.Random(7).randbytes(size)
    out = path.with_name(name)
    out.write_bytes(bytes(data))
    return out


def refusal(source: Path, tmp_path: Path) -> str:
    """master()'s error for `source`; nothing is written."""
    out = tmp_path / "refused.mp3"
    with pytest.raises(MediaError) as error:
        master(source, out, AudioSettings())
    assert error.value.path == source
    assert not out.exists() and not list(tmp_path.glob(".refused.mp3*"))
    return str(error.value)


def on_target(source: Path, tmp_path: Path, seconds: float, warnings: tuple[str, ...] = ()) -> None:
    """master() makes a -16 LUFS, -1 dBTP MP3 of `source`, `seconds` long, with these warnings."""
    out = tmp_path / "out.mp3"
    report = master(source, out, AudioSettings())
    measured = ebur128(out)
    assert measured["I"] == pytest.approx(-16.0, abs=0.6) and measured["TP"] <= -1.0
    assert ff.probe(out).duration == pytest.approx(seconds, abs=0.1)
    assert report.warnings == warnings


# -- damaged recordings --------------------------------------------------------------------------


def test_a_wav_cut_short_is_refused_naming_where_it_stops(tmp_path: Path) -> None:
    whole = recording(tmp_path / "whole.wav", 12.0)
    cut_short = cut(whole, 44 + 88200 * 47 // 10, "cut.wav")  # 4.7 s of 16-bit mono 44.1 kHz
    assert refusal(cut_short, tmp_path) == (
        f"{cut_short}: damaged: decoding stops at 0:00:04.7 of 0:00:12.0 (the file may be cut short); {AGAIN}"
    )


@pytest.mark.parametrize(
    ("suffix", "extra", "damage", "message"),
    [
        (".flac", (), lambda p: cut(p, 0.5, "cut.flac"), "decoding stops at 0:00:02.9 of 0:00:06.0"),
        (".mp3", (), lambda p: cut(p, 0.5, "cut.mp3"), "decoding stops at 0:00:03.0 of 0:00:06.0"),
        (
            ".m4a",
            ("-movflags", "+faststart"),
            lambda p: cut(p, 0.5, "cut.m4a"),
            "decoding stops at 0:00:02.9 of 0:00:06.0",
        ),
        (
            ".opus",
            (),
            lambda p: cut(p, 0.5, "cut.opus"),
            "decoding stops at 0:00:03.0, where the stream ends before its last page",
        ),
    ],
    ids=["flac-cut-mid-frame", "mp3-cut", "m4a-cut-after-its-index", "opus-cut"],
)
def test_a_recording_cut_short_is_refused(tmp_path: Path, suffix: str, extra: tuple, damage, message: str) -> None:
    damaged = damage(recording(tmp_path / f"whole{suffix}", 6.0, 44100, *extra))
    assert refusal(damaged, tmp_path) == f"{damaged}: damaged: {message} (the file may be cut short); {AGAIN}"


@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        (".mp3", "decode errors from 0:00:03.0 (ffmpeg: Header missing)"),
        (".flac", "decode errors from 0:00:02.9 (ffmpeg: invalid sync code)"),
        (".opus", "decode errors (ffmpeg: CRC mismatch!)"),  # Ogg skips the page: ffmpeg cannot say where
    ],
)
def test_garbage_in_the_middle_is_refused_naming_where_it_starts(tmp_path: Path, suffix: str, message: str) -> None:
    damaged = garbled(recording(tmp_path / f"whole{suffix}"), 0.5, f"garbled{suffix}")
    assert refusal(damaged, tmp_path) == f"{damaged}: damaged: {message}; {AGAIN}"


@pytest.mark.parametrize(
    ("value", "at", "count"),
    [
        (float("nan"), 1.0, 100),
        (1e7, 1.0, 2),  # two samples of +140 dBFS: the loudness they give would have set the gain
        (-1.1e28, 2.5, 1),  # eight random bytes, read as two float samples
        (float("inf"), 2.98, 1),  # in the last, partial 100 ms
    ],
)
def test_a_float_wav_with_samples_that_are_not_numbers_or_far_out_of_range_is_refused(
    tmp_path: Path, run, value: float, at: float, count: int
) -> None:
    wav = bytearray(recording(tmp_path / "whole.wav", 3.0, 44100, "-c:a", "pcm_f32le").read_bytes())
    start = wav.index(b"data") + 8 + round(44100 * at) * 4
    wav[start : start + 4 * count] = struct.pack("<f", value) * count
    damaged = tmp_path / "damaged.wav"
    damaged.write_bytes(bytes(wav))
    message = f"damaged: unplayable samples (not numbers, or far out of range) from {ff.clock(at)}; {AGAIN}"
    assert refusal(damaged, tmp_path) == f"{damaged}: {message}"
    fine = recording(tmp_path / "fine.wav", 3.0)
    for argv in (("loudness", str(damaged)), ("master", str(fine), str(tmp_path / "o.mp3"), "--intro", str(damaged))):
        result = run(tmp_path, *argv)
        assert (result.exit_code, result.output.splitlines()[-1]) == (1, f"error: {damaged}: {message}"), argv


@pytest.mark.parametrize("suffix", [".ogg", ".opus"])
def test_a_chained_ogg_is_refused_not_read_in_part(tmp_path: Path, suffix: str) -> None:
    """Two streams end to end, as a stream's recorder or `cat` makes them: ffmpeg stops after the first."""
    first, second = recording(tmp_path / f"a{suffix}", 3.0), recording(tmp_path / f"b{suffix}", 2.0)
    chained = tmp_path / f"chained{suffix}"
    chained.write_bytes(first.read_bytes() + second.read_bytes())
    assert refusal(chained, tmp_path) == f"{chained}: {ff.CHAINED.format(2)}"
    film = tmp_path / "film.ogv"  # a picture and a sound side by side, begun together: one recording
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=5:duration=3", "-i", str(first), "-c:v", "libtheora",
           "-c:a", "copy", str(film))  # fmt: skip
    on_target(film, tmp_path, 3.0)


def test_a_channel_layout_ffmpeg_cannot_mix_down_says_so(tmp_path: Path) -> None:
    odd = tmp_path / "odd.wav"  # two fronts and a top front left, as a spatial recorder might write
    layout = "[0][0][0]amerge=inputs=3,channelmap=map=0|1|2:channel_layout=FL+FR+TFL"
    ffmpeg("-f", "lavfi", "-i", "anoisesrc=d=3:a=0.1", "-filter_complex", layout, "-c:a", "pcm_s16le", str(odd))
    assert refusal(odd, tmp_path) == f"{odd}: its channel layout is not one ffmpeg can mix down; {ff.MIX_DOWN}"


def test_an_m4a_without_its_index_is_refused(tmp_path: Path) -> None:
    damaged = cut(recording(tmp_path / "whole.m4a"), 0.5, "no-moov.m4a")  # the moov atom comes last
    assert refusal(damaged, tmp_path) == (
        f"{damaged}: damaged: its MP4 index (moov atom) is missing (it may be cut short); {AGAIN}"
    )


def test_files_that_hold_no_recording_are_refused(tmp_path: Path) -> None:
    whole = recording(tmp_path / "whole.wav", 2.0)
    header_only = cut(whole, 44, "header-only.wav")
    notes = tmp_path / "notes.wav"
    notes.write_text("These are my notes, not a recording.\n" * 20)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    film = tmp_path / "silent-film.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=5:duration=1", "-c:v", "libx264", str(film))
    unreadable = "not a recording ffmpeg can read (corrupt or not audio)"
    assert refusal(header_only, tmp_path) == f"{header_only}: {unreadable}"
    assert refusal(notes, tmp_path) == f"{notes}: {unreadable}"
    assert refusal(empty, tmp_path) == f"{empty}: {unreadable}"
    assert refusal(film, tmp_path) == f"{film}: no audio track found"


def test_a_playlist_or_list_of_other_files_is_refused_whatever_its_name(project: Path, run, live: dict) -> None:
    """HLS, DASH and ffconcat open the files they name, wherever they are: a recording names none."""
    outside = project.parent / "outside"
    outside.mkdir()
    secret, film = recording(outside / "secret.mp3", 3.0), recording(outside / "secret.m4a", 3.0)
    dash = (
        '<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
        'profiles="urn:mpeg:dash:profile:isoff-on-demand:2011" mediaPresentationDuration="PT3S"><Period>'
        '<AdaptationSet mimeType="audio/mp4"><Representation id="a" bandwidth="64000" codecs="mp4a.40.2" '
        f'audioSamplingRate="44100"><BaseURL>file://{film}</BaseURL></Representation></AdaptationSet></Period></MPD>'
    )
    (project / SHOW / "inner.mp3").symlink_to(secret)
    for name, text in (
        ("rec.m3u8", f"#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:3.0,\n{secret}\n#EXT-X-ENDLIST\n"),
        ("2026-10-01-test.wav", "ffconcat version 1.0\nfile inner.mp3\n"),  # a link out, which check refuses
        ("dash.flac", dash),
    ):
        (project / SHOW / name).write_text(text)
        (project / SHOW / "2026-10-01-test.md").write_text(episode_text(audio=name))
        result = run(project, "publish")
        assert result.exit_code == 1, result.output
        assert f"error: {SHOW}/{name}: {ff.NOT_TAKEN}" in result.output.splitlines(), result.output
        assert snapshot(project / "public") == live


def test_recordings_too_short_too_slow_or_silent_are_refused(tmp_path: Path) -> None:
    blip = tmp_path / "blip.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=0.1:r=44100", str(blip))
    phone = recording(tmp_path / "phone.wav", 2.0, 4000)
    silence = tmp_path / "silence.wav"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-t", "3", str(silence))
    assert refusal(blip, tmp_path) == f"{blip}: is too short to be an episode (0.1 s); check the recording"
    assert refusal(phone, tmp_path) == f"{phone}: sample rate 4000 Hz; expected 8000 to 768000 Hz"
    assert refusal(silence, tmp_path) == f"{silence}: is silent (no speech above -70 LUFS); check the recording"


# -- odd but sound recordings are accepted ---------------------------------------------------------


def test_a_wav_whose_riff_size_lies_is_accepted_whole(tmp_path: Path) -> None:
    wav = bytearray(recording(tmp_path / "whole.wav", 3.0).read_bytes())
    wav[4:8] = struct.pack("<I", 36)  # the RIFF chunk claims to end after the header
    lying = tmp_path / "lying.wav"
    lying.write_bytes(bytes(wav))
    on_target(lying, tmp_path, 3.0)


def test_a_wav_too_long_for_its_sizes_is_refused_not_cut_short(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over 4 GiB (an hour of 8 tracks, say), a RIFF WAV's 32-bit sizes wrap: ffmpeg would read what
    the wrapped size says, a sliver, and no length check could tell. Refused before ffmpeg opens it, which
    walks such a file's holes for minutes."""
    wav = bytearray(recording(tmp_path / "whole.wav", 3.0).read_bytes())
    data = wav.index(b"data") + 8
    held = ff.WAV_LIMIT + len(wav) - data
    wav[4:8], wav[data - 4 : data] = (
        struct.pack("<I", (held + data - 8) % ff.WAV_LIMIT),
        struct.pack("<I", held % ff.WAV_LIMIT),
    )
    huge = tmp_path / "huge.wav"
    with huge.open("wb") as file:  # sparse: 4 GiB of holes costs no disk
        file.write(bytes(wav))
        file.seek(ff.WAV_LIMIT, io.SEEK_CUR)
        file.truncate()
    with monkeypatch.context() as patched:
        patched.setattr(ff.subprocess, "run", lambda *args, **kwargs: pytest.fail(f"ffmpeg ran: {args}"))
        assert refusal(huge, tmp_path) == f"{huge}: {ff.WRAPPED}"
    rf64 = bytearray(recording(tmp_path / "rf64.wav", 3.0, 44100, "-rf64", "always").read_bytes())
    sizes = rf64.index(b"ds64") + 8  # its 64-bit sizes: the 32-bit ones mean nothing, whatever they hold
    data = rf64.index(b"data") + 8
    whole = ff.WAV_LIMIT + len(rf64) - data
    rf64[sizes + 8 : sizes + 16] = struct.pack("<Q", whole)
    rf64[data - 4 : data] = struct.pack("<I", whole % ff.WAV_LIMIT)
    counted = tmp_path / "counted.wav"
    with counted.open("wb") as file:
        file.write(bytes(rf64))
        file.seek(ff.WAV_LIMIT, io.SEEK_CUR)
        file.truncate()
    assert ff.probe(counted).duration > 13 * 3600  # read whole, by its 64-bit size: 4 GiB of 16-bit mono


@pytest.mark.parametrize("tail", [b"", b"\x01"], ids=["whole-samples", "cut-mid-sample"])
def test_a_wav_streamed_with_no_sizes_is_accepted_whole(tmp_path: Path, tail: bytes) -> None:
    """As a recorder leaves it when it stops: its sizes never written, perhaps its last sample half-written
    (ffmpeg: "Invalid PCM packet"). Nothing says more was meant to follow."""
    source = f"anoisesrc=d=3.3:c=pink:a=0.1:r=44100:seed=7,{SPEECH}"
    argv = [ff.ffmpeg_path(), "-hide_banner", "-f", "lavfi", "-i", source, "-f", "wav", "pipe:1"]
    streamed = tmp_path / "streamed.wav"
    streamed.write_bytes(subprocess.run(argv, capture_output=True, check=True).stdout + tail)
    data = streamed.read_bytes().index(b"data")
    assert streamed.read_bytes()[data + 4 : data + 8] == b"\xff\xff\xff\xff"  # the audio's size: unknown
    on_target(streamed, tmp_path, 3.3)


@pytest.mark.parametrize(
    ("name", "rate", "extra"),
    [
        ("hires.wav", 384000, ("-c:a", "pcm_s24le")),
        ("eight-channels.wav", 48000, ("-ac", "8")),  # the last -ac wins
        ("tagged.flac", 44100, ("-metadata", "title=Duration: 99:00:00.00, Stream #0:0: Audio: flac, 8000 Hz, mono")),
    ],
)
def test_odd_but_sound_recordings_come_out_on_target(tmp_path: Path, name: str, rate: int, extra: tuple) -> None:
    on_target(recording(tmp_path / name, 3.0, rate, *extra), tmp_path, 3.0)


def test_an_mp3_whose_length_ffmpeg_only_estimates_is_not_taken_for_damaged(tmp_path: Path) -> None:
    vbr = tmp_path / "vbr-without-xing.mp3"  # 2 s of silence, then loud: the first frames' bit rate misleads
    source = (
        "anoisesrc=d=6:c=white:a=0.3:r=44100:seed=7,volume='if(lt(t,2),0,if(lt(mod(t,0.5),0.32),1,0.05))':eval=frame"
    )
    ffmpeg("-f", "lavfi", "-i", source, "-ac", "1", "-write_xing", "0", "-q:a", "0", str(vbr))
    assert ff.probe(vbr).duration > 18  # ffmpeg's estimate
    on_target(vbr, tmp_path, 4.6)  # the leading silence trimmed to half a second


def test_cover_art_and_a_longer_picture_are_not_taken_for_damaged(tmp_path: Path) -> None:
    voice = recording(tmp_path / "voice.mp3", 3.0)
    art = tmp_path / "cover.jpg"
    Image.new("RGB", (64, 64), "teal").save(art)
    covered = tmp_path / "covered.mp3"
    ffmpeg("-i", str(voice), "-i", str(art), "-map", "0", "-map", "1", "-c", "copy", "-disposition:v", "attached_pic",
           str(covered))  # fmt: skip
    film = tmp_path / "panel.mp4"  # the picture runs two seconds longer than the sound
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=5:duration=5", "-i", str(voice), "-c:v", "libx264",
           "-c:a", "aac", str(film))  # fmt: skip
    on_target(covered, tmp_path, 3.0)
    on_target(film, tmp_path, 3.0)
    cut_short = cut(covered, 0.6, "covered-cut.mp3")  # its cover art is no video: its length is checked
    assert refusal(cut_short, tmp_path) == (
        f"{cut_short}: damaged: decoding stops at 0:00:01.8 of 0:00:03.0 (the file may be cut short); {AGAIN}"
    )
    indexed = tmp_path / "indexed.mp4"  # its index first: cut short, its boxes run past the file's end
    ffmpeg("-i", str(film), "-c", "copy", "-movflags", "+faststart", str(indexed))
    film_cut = cut(indexed, 0.5, "film-cut.mp4")
    assert refusal(film_cut, tmp_path) == (
        f"{film_cut}: damaged: decoding stops at 0:00:01.3, where the file ends inside its media data (the file "
        f"may be cut short); {AGAIN}"
    )
    trimmed = tmp_path / "trimmed.mp4"  # cut without re-encoding: its edit list shows 2 s of the media it keeps
    ffmpeg("-ss", "1", "-t", "2", "-i", str(indexed), "-c", "copy", str(trimmed))
    on_target(trimmed, tmp_path, 2.0)


def test_the_repository_samples_are_not_taken_for_damaged(tmp_path: Path) -> None:
    samples = sorted(p for p in (REPO / "episodes").glob("*/*") if p.suffix in {".flac", ".opus", ".m4a"})
    assert {p.suffix for p in samples} == {".flac", ".opus", ".m4a"}
    for sample in samples:
        copy = Path(shutil.copy(sample, tmp_path))
        analysis = analyse(copy, AudioSettings())  # the verified decode; raises if damaged
        assert analysis.loudness.duration == pytest.approx(ff.probe(copy).duration, abs=0.05)
        assert speech_seconds(analysis.energy, analysis.frames) > 0.6 * analysis.loudness.duration


# -- no speech: a warning --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "warnings"),
    [
        ("anoisesrc=d=3:c=pink:a=0.2:r=44100:seed=1", (NO_SPEECH,)),
        ("anoisesrc=d=3:c=white:a=0.2:r=44100:seed=1", (NO_SPEECH,)),
        ("aevalsrc='if(lt(mod(t*200\\,1)\\,0.5)\\,1\\,-1)':d=3:s=44100", (NO_SPEECH,)),  # clipping square
        (
            "anoisesrc=d=3:c=pink:a=0.003:r=44100:seed=1",
            ("near-silent recording (-65.4 LUFS): left at its own level, not amplified", NO_SPEECH),
        ),
    ],
    ids=["pink-noise", "white-noise", "full-scale-square-wave", "faint-hiss"],
)
def test_a_recording_without_speech_is_published_with_a_warning(tmp_path: Path, source: str, warnings) -> None:
    noise = tmp_path / "noise.wav"
    ffmpeg("-f", "lavfi", "-i", source, str(noise))
    report = master(noise, tmp_path / "out.mp3", AudioSettings())
    assert report.warnings == warnings
    if len(warnings) == 1:
        measured = ebur128(tmp_path / "out.mp3")
        assert measured["I"] == pytest.approx(-16.0, abs=0.6) and measured["TP"] <= -1.0


def test_real_speech_gives_no_warning(tmp_path: Path) -> None:
    speech = tmp_path / "speech.flac"
    ffmpeg("-i", str(REPO / "episodes/an-audience-with-clgdottv/2026-10-23-care-and-health-integration.flac"),
           "-t", "5", str(speech))  # fmt: skip
    on_target(speech, tmp_path, 5.0)


# -- through the CLI: refused, named, and nothing published changes -------------------------------


@pytest.mark.parametrize("command", ["build", "publish"])
def test_a_recording_cut_short_stops_build_and_publish(project: Path, run, live: dict, command: str) -> None:
    audio = project / AUDIO
    recording(audio, 12.0)
    audio.write_bytes(audio.read_bytes()[: 44 + 88200 * 47 // 10])
    result = run(project, command)
    assert result.exit_code == 1
    assert (
        f"error: {AUDIO}: damaged: decoding stops at 0:00:04.7 of 0:00:12.0 (the file may be cut short); {AGAIN}"
        in (result.output.splitlines())
    )
    assert "Traceback" not in result.output
    assert snapshot(project / "public") == live


@pytest.mark.parametrize("when", ["after", "before"])  # made whole from the first bytes, or found "cut short"
def test_a_recording_changed_while_it_is_processed_is_never_cached_as_it(
    project: Path, run, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    """Copied in while `build` runs, say: what was processed is not what was hashed, so it is not kept."""
    from clgtv import build

    monkeypatch.chdir(project)
    audio = project / AUDIO
    whole = recording(audio, 12.0).read_bytes()
    real = build.master

    def meanwhile(source: Path, *args, **kwargs):
        if when == "before":
            source.write_bytes(whole[: len(whole) // 2])  # the host's copy, still arriving: damaged, as it stands
        report = real(source, *args, **kwargs)
        source.write_bytes(whole[: len(whole) // 2])
        return report

    monkeypatch.setattr(build, "master", meanwhile)
    result = run(project, "build")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == f"error: {AUDIO}: {build.CHANGED}"
    assert not list((project / "build/cache/audio").glob("*.mp3"))
    monkeypatch.setattr(build, "master", real)
    audio.write_bytes(whole)
    result = run(project, "build")
    assert result.exit_code == 0, result.output
    assert "processing 2026-10-01-test.wav ..." in result.output  # made again, from the whole file
    feed = (project / "build/site/test-show/feed.xml").read_text()
    assert "<itunes:duration>12</itunes:duration>" in feed


def test_master_command_prints_the_no_speech_warning(tmp_path: Path, run) -> None:
    noise = tmp_path / "noise.wav"
    ffmpeg("-f", "lavfi", "-i", "anoisesrc=d=3:c=pink:a=0.2:r=44100:seed=1", str(noise))
    result = run(tmp_path, "master", str(noise), str(tmp_path / "out.mp3"))
    assert result.exit_code == 0, result.output
    assert f"warning: {display_path(noise)}: {NO_SPEECH}" in result.output.splitlines()


def test_master_never_writes_over_what_it_reads_nor_under_a_wrong_name(
    tmp_path: Path, run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # names as a producer types them
    source = recording(tmp_path / "panel.wav", 3.0)
    (tmp_path / "link.wav").symlink_to(source)
    sting = recording(tmp_path / "sting.mp3", 1.0)
    made = source.read_bytes() + sting.read_bytes()
    refused = {
        ("panel.wav",): "panel.wav: is the recording being processed; write the result to another file",
        ("link.wav",): "link.wav: is the recording being processed; write the result to another file",
        ("sting.mp3", "--intro", "sting.mp3"): "sting.mp3: is a clip being processed; write the result to another file",
        ("out.m4a",): "out.m4a: the audio format is mp3: end the name in .mp3, or choose the format m4a",
        ("out.wav", "--format", "m4a"): "out.wav: the audio format is m4a: end the name in .m4a",
        ("missing/out.mp3",): "missing/out.mp3: its folder does not exist",
    }
    for (out, *options), message in refused.items():
        result = run(tmp_path, "master", "panel.wav", out, *options)
        assert (result.exit_code, result.output.splitlines()[-1:]) == (1, [f"error: {message}"]), out
    assert source.read_bytes() + sting.read_bytes() == made
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.wav", "panel.wav", "sting.mp3"]


@pytest.mark.parametrize("name", ["show:2/in.wav", "-d/in.wav"])
def test_names_ffmpeg_could_take_for_a_protocol_or_an_option_are_read_and_written_as_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Relative paths, as a producer types them: `show:` is not a protocol and `-d` is not an option."""
    (tmp_path / name).parent.mkdir()
    recording(tmp_path / name)
    monkeypatch.chdir(tmp_path)
    master(Path(name), Path(name).with_name("out.mp3"), AudioSettings())
    assert ebur128((tmp_path / name).with_name("out.mp3"))["I"] == pytest.approx(-16.0, abs=0.6)


# -- damaged and oversized artwork ------------------------------------------------------------------


def fractal_jpeg(size: int = 1400, **options: object) -> bytes:
    out = io.BytesIO()
    Image.effect_mandelbrot((size, size), (-2.0, -1.5, 1.0, 1.5), 100).convert("RGB").save(out, "JPEG", **options)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims `width` x `height` RGB pixels and holds a few."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(999))) + chunk(b"IEND", b"")
    )


def saved(mode: str, kind: str, size: int = 1400) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (size, size), 128 if mode.startswith(("I", "L")) else "teal").save(out, kind)
    return out.getvalue()


def turned(kind: str, orientation: int) -> bytes:
    """A square image whose EXIF asks viewers to turn or mirror it, as a phone's camera leaves it."""
    image, out = Image.new("RGB", (1400, 1400), "teal"), io.BytesIO()
    exif = image.getexif()
    exif[0x0112] = orientation
    image.save(out, kind, exif=exif)
    return out.getvalue()


def unreadable_exif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1400, 1400), "teal").save(out, "JPEG", exif=b"Exif\x00\x00XXXXXXXX")
    return out.getvalue()


def stored_turned(orientation: int) -> str:
    return (
        f"is stored turned or mirrored (its EXIF orientation is {orientation}), which some apps and its copies in "
        "the MP3 and link previews ignore; save it upright, without the orientation tag"
    )


def truncated(unprocessed: int) -> str:
    return f"is damaged (image file is truncated ({unprocessed} bytes not processed)); save or export it again"


BOMB = "claims more than 89,478,485 pixels; it must be at most 3000x3000"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1400" height="1400"/>'
ARTWORK = [
    pytest.param("artwork.jpg", lambda: fractal_jpeg()[:20000], [truncated(56)], id="truncated-jpeg"),
    pytest.param("artwork.jpg", lambda: fractal_jpeg(progressive=True)[:20000], [truncated(1)], id="cut-progressive"),
    pytest.param("artwork.png", lambda: png_header(1400, 1400), [truncated(0)], id="truncated-png"),
    pytest.param("artwork.png", lambda: png_header(30000, 30000), [BOMB], id="png-bomb"),
    pytest.param("artwork.png", lambda: png_header(10000, 10000), [BOMB], id="png-near-bomb"),  # Pillow only warns
    pytest.param("artwork.png", lambda: png_header(5000, 5000), ["is 5000x5000 pixels; it must be at most 3000x3000"],
                 id="png-too-large-never-decoded"),  # decoding it would find it truncated
    pytest.param("artwork.jpg", lambda: b"", ["is empty (0 bytes)"], id="zero-bytes"),
    pytest.param("artwork.jpg", lambda: saved("RGB", "GIF"), ["is GIF; expected JPEG or PNG"], id="gif-named-jpg"),
    pytest.param("artwork.jpg", lambda: saved("RGB", "WEBP"), ["is WEBP; expected JPEG or PNG"], id="webp-named-jpg"),
    pytest.param("artwork.jpg", lambda: saved("RGB", "TIFF"), ["is TIFF; expected JPEG or PNG"], id="tiff-named-jpg"),
    pytest.param("artwork.jpg", lambda: saved("CMYK", "JPEG"), ["uses colour mode CMYK; expected RGB"], id="cmyk-jpeg"),
    pytest.param("artwork.png", lambda: saved("I;16", "PNG"), ["uses colour mode I;16; expected RGB"], id="16-bit-png"),
    pytest.param("artwork.jpg", lambda: saved("RGB", "PNG"), ["is a PNG image; its name must end in .png"],
                 id="png-named-jpg"),
    pytest.param("artwork.jpg", lambda: SVG, ["is not a readable JPEG or PNG image"], id="svg"),
    pytest.param("artwork.jpg", lambda: turned("JPEG", 6), [stored_turned(6)], id="jpeg-turned-by-exif"),
    pytest.param("artwork.png", lambda: turned("PNG", 2), [stored_turned(2)], id="png-mirrored-by-exif"),
    pytest.param("artwork.jpg", lambda: turned("JPEG", 0), [], id="jpeg-orientation-undefined"),  # shown as stored
    pytest.param("artwork.jpg", lambda: turned("JPEG", 9), [], id="jpeg-orientation-unknown"),
    pytest.param("artwork.jpg", lambda: unreadable_exif(), [], id="jpeg-exif-unreadable"),  # the picture is sound
]  # fmt: skip


@pytest.mark.parametrize(("name", "make", "messages"), ARTWORK)
def test_damaged_or_odd_artwork_is_a_problem_never_a_traceback(tmp_path: Path, name: str, make, messages) -> None:
    art = tmp_path / name
    art.write_bytes(make())
    assert artwork_problems(art) == [f"{name} {message}" for message in messages]
    try:
        cover = cover_jpeg(art)
    except FileError as error:  # the only failure it may have: what check said, naming the file
        assert str(error) == f"{art}: {messages[0]}"
    else:
        assert Image.open(io.BytesIO(cover)).format == "JPEG"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda art: art.write_bytes(fractal_jpeg()[:20000]),
            f"artwork.jpg {truncated(56)}",
        ),
        (
            lambda art: art.write_bytes(png_header(30000, 30000)),
            f"artwork.jpg {BOMB}",
        ),
    ],
    ids=["truncated-jpeg", "png-bomb"],
)
def test_damaged_artwork_stops_check_and_publish(project: Path, run, live: dict, damage, message: str) -> None:
    damage(project / SHOW / "artwork.jpg")
    for command in ("check", "publish"):
        result = run(project, command)
        assert result.exit_code == 1
        assert f"{SHOW}/show.yaml:1: artwork: {message}" in result.output
        assert "Traceback" not in result.output
    assert snapshot(project / "public") == live


def test_a_folder_named_artwork_jpg_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "artwork.jpg").mkdir()
    assert artwork_problems(tmp_path / "artwork.jpg") == ["artwork.jpg is a folder, not an image"]
    with pytest.raises(FileError) as error:
        cover_jpeg(tmp_path / "artwork.jpg")
    assert str(error.value) == f"{tmp_path / 'artwork.jpg'}: is a folder, not an image"


def test_a_folder_or_a_pipe_named_as_a_recording_is_a_problem(
    run, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    folder, pipe = project / SHOW / "folder.wav", project / SHOW / "pipe.wav"
    folder.mkdir()
    os.mkfifo(pipe)  # check never opens it: reading a pipe would wait for ever
    episode = project / SHOW / "2026-10-01-test.md"
    for path, what in ((folder, "is a folder, not a file"), (pipe, "is not a file (a pipe or a device)")):
        episode.write_text(episode_text(audio=path.name))
        result = run(project, "check")
        assert result.exit_code == 1
        assert result.output.splitlines()[0] == f"{SHOW}/2026-10-01-test.md:4: audio: {path.name} {what}"
    episode.write_text(episode_text())
    site = project / "clgtv.yaml"
    site.write_text(site.read_text() + f"defaults:\n  audio:\n    intro: {folder.relative_to(project)}\n")
    result = run(project, "check")
    assert result.output.splitlines()[0] == "clgtv.yaml:6: defaults.audio.intro: folder.wav is a folder, not a file"
    with pytest.raises(MediaError) as error:
        master(folder, tmp_path / "out.mp3", AudioSettings())
    assert error.value.path == folder and str(error.value).endswith(": is a folder, not a file")


def test_sound_artwork_still_passes_and_makes_a_cover(tmp_path: Path) -> None:
    for name, data in (
        ("artwork.jpg", fractal_jpeg()),
        ("artwork.png", saved("RGB", "PNG")),
        ("p.png", saved("P", "PNG")),
    ):
        (tmp_path / name).write_bytes(data)
        assert artwork_problems(tmp_path / name) == []
        assert Image.open(io.BytesIO(cover_jpeg(tmp_path / name))).size == (600, 600)


# -- arbitrary bytes (Hypothesis) -------------------------------------------------------------------


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Sound files to damage: recordings of 2 s, and small artwork."""
    folder = tmp_path_factory.mktemp("originals")
    files = {suffix: recording(folder / f"r{suffix}", 2.0).read_bytes() for suffix in (".wav", ".flac", ".mp3")}
    return files | {".jpg": fractal_jpeg(), ".png": saved("RGB", "PNG")}


def mutated(data: st.DataObject, original: bytes) -> bytes:
    """`original` cut at a random point, or with random bytes written over it somewhere."""
    if data.draw(st.booleans(), label="cut"):
        return original[: data.draw(st.integers(0, len(original)), label="length")]
    at = data.draw(st.integers(0, len(original) - 1), label="at")
    junk = data.draw(st.binary(min_size=1, max_size=64), label="junk")
    return original[:at] + junk + original[at + len(junk) :]


def master_outcome(data: bytes, suffix: str) -> None:
    """master() on `data` as a recording gives a sound MP3 or a MediaError naming the file."""
    with tempfile.TemporaryDirectory() as folder:
        source, out = Path(folder) / f"recording{suffix}", Path(folder) / "out.mp3"
        source.write_bytes(data)
        try:
            report = master(source, out, AudioSettings())
        except MediaError as error:
            assert str(error).startswith(f"{display_path(source)}: "), str(error)
            assert not out.exists()
            return
        found = ff.probe(out)
        # all of it but the silence trimmed (a loud click in the damage can make the rest seem silent)
        kept = report.before.duration - sum(report.trimmed_s)
        assert found.sample_rate == 44100 and found.duration and abs(found.duration - kept) < 0.06
        assert sum(len(chunk) for chunk in ff.decode(out, 44100, 2, verify=found)) > 0


BOUNDED = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@BOUNDED
@given(st.binary(max_size=4096), st.sampled_from([".wav", ".flac", ".mp3", ".m4a", ".opus", ".mp4"]))
def test_arbitrary_bytes_as_a_recording_never_give_a_traceback(data: bytes, suffix: str) -> None:
    master_outcome(data, suffix)


@BOUNDED
@given(st.data(), st.sampled_from([".wav", ".flac", ".mp3"]))
def test_a_damaged_real_recording_never_gives_a_traceback(originals, data: st.DataObject, suffix: str) -> None:
    master_outcome(mutated(data, originals[suffix]), suffix)


def artwork_outcome(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        art = Path(folder) / f"artwork{suffix}"
        art.write_bytes(data)
        problems = artwork_problems(art)
        assert all(message.startswith(f"{art.name} ") for message in problems)
        try:
            cover = cover_jpeg(art)
        except FileError as error:
            assert problems, f"check passed and the cover failed: {error}"
            assert str(error).startswith(f"{art}: ")
        else:
            assert Image.open(io.BytesIO(cover)).format == "JPEG"


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2048), st.sampled_from([".jpg", ".png"]))
def test_arbitrary_bytes_as_artwork_never_give_a_traceback(data: bytes, suffix: str) -> None:
    artwork_outcome(data, suffix)


@settings(max_examples=60, deadline=None)
@given(st.data(), st.sampled_from([".jpg", ".png"]))
def test_damaged_real_artwork_never_gives_a_traceback(originals, data: st.DataObject, suffix: str) -> None:
    artwork_outcome(mutated(data, originals[suffix]), suffix)
