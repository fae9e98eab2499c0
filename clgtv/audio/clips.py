"""Intro and outro: short clips joined to the programme stream.

The intro's last `crossfade` seconds fade out under the start of the programme; the outro's
first `crossfade` seconds fade in under its end. The programme streams through untouched in
between, holding back only the frames the outro will overlap.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from clgtv.audio import ffmpeg
from clgtv.audio.meter import LoudnessMeter

EDGE_FADE_S = 0.01  # a click-free start and end


def load_clip(path: Path, sample_rate: int, channels: int, target_lufs: float) -> np.ndarray:
    """A clip decoded to the programme's format, at the programme's loudness, edges faded.

    In float throughout: a quiet clip with sharp peaks goes over full scale once brought up, and
    the true-peak limiter, not an integer format, must take those peaks down."""
    meter = LoudnessMeter(sample_rate, channels)
    chunks = []
    for chunk in ffmpeg.decode(path, sample_rate, channels):
        meter.feed(chunk)  # as decoded: the meter's working arrays grow with what it is given
        chunks.append(chunk)
    samples = np.concatenate(chunks)
    loudness = meter.result().integrated
    gain = 10 ** ((target_lufs - loudness) / 20) if math.isfinite(loudness) else 1.0
    fade = np.ones(len(samples), dtype=np.float32)
    edge = min(round(EDGE_FADE_S * sample_rate), len(samples) // 2)
    if edge:
        fade[:edge] = np.linspace(0, 1, edge, endpoint=False, dtype=np.float32)
        fade[len(samples) - edge :] = np.linspace(1, 0, edge, dtype=np.float32)
    return samples * (np.float32(gain) * fade)[:, None]


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
