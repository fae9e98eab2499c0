"""Noise reduction methods side by side, on real speech with room noise added: what the noise stage chose from.

    python bench/denoisers.py [--prompts 24] [--noise-dbfs -50]

The speech: Allison Smith's Asterisk prompts (tests/speech.py), each at -23 dBFS RMS, 1.2 s of pause
before each, mono at 48 kHz; under it room noise, white or pink (1/f from 70 Hz, clgtv's high-pass),
at `--noise-dbfs` RMS. Each
method's output is measured against the speech alone:

  STOI       intelligibility (pystoi, at 10 kHz), 0 to 1
  PESQ       wide-band PESQ (`pesq`, at 16 kHz, if it is installed), 1 to 4.5
  pauses dB  how much lower the settled pauses are than in the noisy input
  peaks dB   in the pauses, the 99.9th percentile of the power in each bin of a 1024-point transform
             against its mean: steady noise gives about 8.4 dB, "musical" noise (isolated tones left
             in bins a gate let through) more
  CPU s/h    the method's CPU time for an hour of mono audio (extrapolated from the input's length)

Methods: clgtv's gate (`clgtv/audio/noise.py`) at several strengths; ffmpeg's `afftdn` in the decoder
(its noise floor `nf` set to the measured one, reduction `nr` the strength, with and without `tn=1`,
its noise tracking); RNNoise (the library in the `pyrnnoise` wheel, called frame by frame through
ctypes, if it is installed).
"""

from __future__ import annotations

import argparse
import ctypes
import math
import resource
import subprocess
import sys
import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from speech import prompts  # noqa: E402

from clgtv.audio.ffmpeg import ffmpeg_path  # noqa: E402
from clgtv.audio.noise import Gate, NoiseMeter  # noqa: E402

RATE = 48000
PAUSE_S = 1.2
SETTLED_S = (0.35, 0.15)
WORK = REPO / "build" / "bench" / "denoisers"
PESQ = True


def speech(count: int) -> tuple[np.ndarray, list[tuple[float, float]]]:
    gap = np.zeros(round(PAUSE_S * RATE), dtype=np.float32)
    parts, pauses, at = [], [], 0.0
    for each in prompts()[:count]:
        argv = [ffmpeg_path(), "-v", "error", "-f", "g722", "-i", str(each.path), "-ar", str(RATE), "-ac", "1"]
        pcm = subprocess.run([*argv, "-f", "f32le", "-"], capture_output=True, check=True).stdout
        voice = np.frombuffer(pcm, "<f4")
        parts += [gap, voice * (0.07 / np.sqrt(np.mean(voice**2)))]
        pauses.append((at, at + PAUSE_S))
        at += PAUSE_S + len(voice) / RATE
    return np.concatenate(parts).astype(np.float32), pauses


def room(length: int, colour: str, dbfs: float) -> np.ndarray:
    white = np.random.default_rng(15).standard_normal(length)
    if colour == "pink":
        spectrum = np.fft.rfft(white)
        spectrum[1:] /= np.sqrt(np.arange(1, len(spectrum)))
        spectrum[: round(70 * length / RATE)] = 0  # above clgtv's high-pass, as the gate hears it
        white = np.fft.irfft(spectrum, n=length)
    return (white * 10 ** (dbfs / 20) / np.sqrt(np.mean(white**2))).astype(np.float32)


def cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def gate(strength: float) -> Callable[[np.ndarray], np.ndarray]:
    def run(noisy: np.ndarray) -> np.ndarray:
        meter = NoiseMeter(RATE)
        chunks = [noisy[i : i + 2 * RATE, None] for i in range(0, len(noisy), 2 * RATE)]
        for chunk in chunks:
            meter.feed(chunk)
        floor = meter.finish()
        assert floor is not None
        the_gate = Gate(floor, strength, RATE, 1)
        return np.concatenate([*(the_gate(chunk) for chunk in chunks), the_gate.flush()])[:, 0]

    return run


def afftdn(options: str) -> Callable[[np.ndarray], np.ndarray]:
    def run(noisy: np.ndarray) -> np.ndarray:
        path = WORK / "noisy.wav"
        argv = [ffmpeg_path(), "-v", "error", "-i", str(path), "-af", options, "-f", "f32le", "-"]
        return np.frombuffer(subprocess.run(argv, capture_output=True, check=True).stdout, "<f4")

    return run


def rnnoise(noisy: np.ndarray) -> np.ndarray:
    import pyrnnoise.rnnoise as library

    lib, size = library.lib, library.FRAME_SIZE
    state = lib.rnnoise_create(None)
    out = np.zeros(len(noisy) - len(noisy) % size, dtype=np.float32)
    frames = (noisy[: len(out)] * 32768).astype(np.float32).reshape(-1, size)
    pointer = ctypes.POINTER(ctypes.c_float)
    for index, frame in enumerate(frames):
        frame = np.ascontiguousarray(frame)
        lib.rnnoise_process_frame(state, frame.ctypes.data_as(pointer), frame.ctypes.data_as(pointer))
        out[index * size : (index + 1) * size] = frame / 32768
    lib.rnnoise_destroy(state)
    return np.concatenate([out, np.zeros(len(noisy) - len(out), np.float32)])


def settled(audio: np.ndarray, pauses: list[tuple[float, float]]) -> np.ndarray:
    parts = [audio[round((s + SETTLED_S[0]) * RATE) : round((e - SETTLED_S[1]) * RATE)] for s, e in pauses]
    return np.concatenate(parts)


def peaks_db(residual: np.ndarray) -> float:
    frames = residual[: len(residual) // 1024 * 1024].reshape(-1, 1024) * np.hanning(1024)
    power = np.abs(np.fft.rfft(frames, axis=1))[:, 20:-20] ** 2
    return 10 * math.log10(np.mean(np.percentile(power, 99.9, axis=0) / power.mean(axis=0)))


def downsampled(audio: np.ndarray, rate: int) -> np.ndarray:
    argv = [ffmpeg_path(), "-v", "error", "-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", "-"]
    argv += ["-ar", str(rate), "-f", "f32le", "-"]
    pcm = subprocess.run(argv, input=audio.astype("<f4").tobytes(), capture_output=True, check=True).stdout
    return np.frombuffer(pcm, "<f4")


def aligned(clean: np.ndarray, out: np.ndarray) -> np.ndarray:
    """`out` shifted by its delay against `clean` (afftdn and RNNoise delay their output), found by
    cross-correlation within 100 ms."""
    reach = RATE // 10
    spectrum = np.fft.rfft(out, n=2 * len(out)) * np.conj(np.fft.rfft(clean, n=2 * len(out)))
    correlation = np.fft.irfft(spectrum)
    lags = np.concatenate([correlation[: reach + 1], correlation[-reach:]])
    delay = int(np.argmax(lags))
    delay = delay if delay <= reach else delay - len(lags)
    shifted = np.roll(out, -delay)
    return shifted


def measure(clean: np.ndarray, out: np.ndarray, noisy: np.ndarray, pauses: list) -> dict[str, float]:
    from pystoi import stoi

    out = aligned(clean, out)

    figures = {"STOI": stoi(downsampled(clean, 10000), downsampled(out, 10000), 10000), "PESQ": math.nan}
    if PESQ:
        try:
            from pesq import pesq

            figures["PESQ"] = pesq(16000, downsampled(clean, 16000), downsampled(out, 16000), "wb")
        except ImportError:
            pass
    before, after = settled(noisy, pauses), settled(out, pauses)
    figures["pauses dB"] = 10 * math.log10(np.mean(before.astype(np.float64) ** 2) / np.mean(after**2))
    figures["peaks dB"] = peaks_db(after)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", type=int, default=12)
    parser.add_argument("--noise-dbfs", type=float, default=-50.0)
    parser.add_argument("--colours", default="white,pink")
    parser.add_argument(
        "--no-pesq", action="store_true", help="leave PESQ out (its library has crashed here on pink noise)"
    )
    args = parser.parse_args()
    global PESQ
    PESQ = not args.no_pesq
    WORK.mkdir(parents=True, exist_ok=True)
    clean, pauses = speech(args.prompts)
    nf = round(args.noise_dbfs)
    methods: dict[str, Callable[[np.ndarray], np.ndarray]] = {"none": lambda noisy: noisy}
    for strength in (6, 12, 18, 24):
        methods[f"clgtv gate {strength} dB"] = gate(strength)
    methods["ffmpeg decode alone (afftdn's baseline)"] = afftdn("anull")
    for nr in (12, 24):
        methods[f"afftdn nr={nr} nf={nf}"] = afftdn(f"afftdn=nr={nr}:nf={nf}")
        methods[f"afftdn nr={nr} nf={nf} tn=1"] = afftdn(f"afftdn=nr={nr}:nf={nf}:tn=1")
    try:
        import pyrnnoise.rnnoise  # noqa: F401

        methods["RNNoise (pyrnnoise)"] = rnnoise
    except (ImportError, OSError):
        print("pyrnnoise is not installed: RNNoise left out")
    hours = len(clean) / RATE / 3600
    print(f"{len(clean) / RATE:.0f} s of speech, {len(pauses)} pauses, noise at {args.noise_dbfs:g} dBFS")
    print("\n| noise | method | STOI | PESQ | pauses dB | peaks dB | CPU s/h |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for colour in args.colours.split(","):
        noisy = clean + room(len(clean), colour, args.noise_dbfs)
        with wave.open(str(WORK / "noisy.wav"), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes((np.clip(noisy, -1, 1) * 32767).round().astype("<i2").tobytes())
        noisy = np.round(np.clip(noisy, -1, 1) * 32767) / 32767  # what the WAV holds
        for name, method in methods.items():
            start, wall = cpu(), time.perf_counter()
            out_audio = method(noisy.astype(np.float32))
            spent = cpu() - start
            figures = measure(clean, out_audio[: len(clean)], noisy, pauses)
            cost = spent / hours if name != "none" else 0.0
            shown = " | ".join(f"{figures[k]:.3f}" if k in ("STOI", "PESQ") else f"{figures[k]:.1f}" for k in figures)
            print(f"| {colour} | {name} | {shown} | {cost:.0f} |", flush=True)
            del wall


if __name__ == "__main__":
    main()
