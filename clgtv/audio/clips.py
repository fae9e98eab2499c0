"""Intro, outro and stings: short clips (pydub suits them) joined to the programme stream.

The intro's last `crossfade` seconds fade out under the start of the programme; the outro's
first `crossfade` seconds fade in under its end. The programme streams through untouched in
between, holding back only the frames the outro will overlap.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np

with warnings.catch_warnings():  # pydub looks for ffmpeg on PATH at import; clips never need it
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment

from clgtv.audio import ffmpeg
from clgtv.audio.meter import LoudnessMeter

EDGE_FADE_S = 0.01  # a click-free start and end


def load_clip(path: Path, sample_rate: int, channels: int, target_lufs: float) -> np.ndarray:
    """A clip decoded to the programme's format, at the programme's loudness, edges faded."""
    samples = np.concatenate(list(ffmpeg.decode(path, sample_rate, channels)))
    meter = LoudnessMeter(sample_rate, channels)
    meter.feed(samples)
    loudness = meter.result().integrated
    pcm = (np.clip(samples, -1, 1) * (2**31 - 1)).astype("<i4")
    clip = AudioSegment(pcm.tobytes(), sample_width=4, frame_rate=sample_rate, channels=channels)
    if math.isfinite(loudness):
        clip = clip.apply_gain(target_lufs - loudness)
    fade_ms = round(EDGE_FADE_S * 1000)
    clip = clip.fade_in(fade_ms).fade_out(fade_ms)
    data = np.frombuffer(clip.raw_data, dtype="<i4").astype(np.float32) / (2**31 - 1)
    return data.reshape(-1, channels)


def intro_lead(intro: np.ndarray | None, crossfade: int) -> int:
    """Output frames before the programme's first frame: the intro, less the crossfade."""
    return len(intro) - min(crossfade, len(intro)) if intro is not None else 0


class Joiner:
    """Feed programme chunks; get back the output stream with intro and outro crossfaded."""

    def __init__(
        self, intro: np.ndarray | None, outro: np.ndarray | None, crossfade: int, sample_rate: int, channels: int
    ):
        self._intro = intro
        self._outro = outro
        self._in_fade = min(crossfade, len(intro)) if intro is not None else 0
        self._out_fade = min(crossfade, len(outro)) if outro is not None else 0
        self._edge = round(EDGE_FADE_S * sample_rate)
        self._hold = np.zeros((0, channels), dtype=np.float32)
        self._started = False
        self._keep = self._out_fade if outro is not None else self._edge

    def feed(self, chunk: np.ndarray) -> np.ndarray:
        held = np.concatenate([self._hold, chunk])
        if not self._started:
            if len(held) < self._in_fade + self._keep:
                self._hold = held
                return held[:0]
            held = self._start(held)
        cut = len(held) - self._keep
        self._hold = held[cut:]
        return held[:cut]

    def _start(self, programme: np.ndarray) -> np.ndarray:
        self._started = True
        if self._intro is None:
            fade = min(self._edge, len(programme))
            programme = programme.copy()
            programme[:fade] *= np.linspace(0, 1, fade, dtype=np.float32)[:, None]
            return programme
        overlap = self._in_fade
        tail = self._intro[len(self._intro) - overlap :] * _fade_out(overlap)
        mixed = programme[:overlap] + tail
        return np.concatenate([self._intro[: len(self._intro) - overlap], mixed, programme[overlap:]])

    def finish(self) -> np.ndarray:
        rest = self._hold if self._started else self._start(self._hold)
        if self._outro is None:
            rest = rest.copy()
            fade = min(self._edge, len(rest))
            if fade:
                rest[len(rest) - fade :] *= np.linspace(1, 0, fade, dtype=np.float32)[:, None]
            return rest
        overlap = min(self._out_fade, len(rest))
        head = self._outro[:overlap] * _fade_out(overlap)[::-1]
        mixed = rest[len(rest) - overlap :] + head
        return np.concatenate([rest[: len(rest) - overlap], mixed, self._outro[overlap:]])


def _fade_out(frames: int) -> np.ndarray:
    """Equal-power fade from 1 to 0 over `frames`, shaped for broadcasting over channels."""
    return np.cos(np.linspace(0, np.pi / 2, frames, dtype=np.float32))[:, None]
