"""A cascade of second-order IIR sections (biquads) over streaming chunks, in numpy alone.

A recursive filter is one long chain of dependencies, which numpy cannot vectorise sample by
sample. In state-space form it can be cut into blocks of BLOCK samples: a block's output is its
input convolved with the impulse response, plus the state it starts in seen through the system;
and the states at the blocks' starts follow a short recurrence of their own, solved for all
blocks at once by a prefix scan in log2(blocks) steps. Every step is a matrix product. This
matches scipy's `sosfilt` in float32 for speed and accuracy, without scipy's weight in memory.
"""

from __future__ import annotations

import math

import numpy as np

BLOCK = 32

Matrices = tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]


class Biquads:
    """Filter float32 (frames, channels) chunks through `sos` (rows b0 b1 b2 a0 a1 a2, a0 = 1),
    keeping each channel's state between chunks."""

    def __init__(self, sos: np.ndarray, channels: int):
        self._system = _state_space(np.asarray(sos, dtype=np.float64))
        self._state = np.zeros((channels, 2 * len(sos)))
        self._matrices: dict[int, Matrices] = {}

    def __call__(self, chunk: np.ndarray) -> np.ndarray:
        frames, channels = chunk.shape
        out = np.empty((frames, channels), dtype=np.float32)
        planar = np.ascontiguousarray(chunk.T, dtype=np.float32)  # all channels in each product
        full = frames - frames % BLOCK
        if full:
            self._filter(planar[:, :full], BLOCK, out[:full].T)
        if full < frames:
            self._filter(planar[:, full:], frames - full, out[full:].T)
        return out

    def _filter(self, samples: np.ndarray, length: int, out: np.ndarray) -> None:
        """Filter (channels, frames) `samples`, a whole number of blocks of `length`, into `out`."""
        if length not in self._matrices:
            self._matrices[length] = _block_matrices(*self._system, length)
        forward, from_state, step, powers = self._matrices[length]
        channels = len(samples)
        # each block's zero-state output, then its input carried to its end state
        both = (samples.reshape(-1, length) @ forward).reshape(channels, -1, forward.shape[1])
        driven = both[:, :, length:].astype(np.float64)
        starts = np.empty_like(driven)
        starts[:, 0], starts[:, 1:] = self._state, driven[:, :-1]
        span, blocks = 1, starts.shape[1]
        for power in powers:  # prefix scan: starts[k] = step @ starts[k-1] + driven[k-1]
            if span >= blocks:
                break
            starts[:, span:] += starts[:, :-span] @ power
            span *= 2
        self._state = starts[:, -1] @ step.T + driven[:, -1]
        carried = (starts.reshape(-1, starts.shape[2]) @ from_state).reshape(channels, blocks, length)
        np.add(both[:, :, :length], carried, out=out.reshape(channels, blocks, length), casting="same_kind")


def highpass(cutoff: float, sample_rate: int, q: float = 1 / math.sqrt(2)) -> np.ndarray:
    """A second-order high-pass (the audio EQ cookbook's; Butterworth at the default Q) as one section."""
    w0 = 2 * math.pi * cutoff / sample_rate
    alpha = math.sin(w0) / (2 * q)
    a0 = 1 + alpha
    b0 = (1 + math.cos(w0)) / 2 / a0
    return np.array([[b0, -2 * b0, b0, 1.0, -2 * math.cos(w0) / a0, (1 - alpha) / a0]])


def _state_space(sos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(A, B, C, D) of the cascade, two states per section (transposed direct form II)."""
    a, b, c, d = np.zeros((0, 0)), np.zeros(0), np.zeros(0), 1.0
    for b0, b1, b2, _, a1, a2 in sos:
        # the next section's input is the cascade so far: c @ state + d * x
        section_a = np.array([[-a1, 1.0], [-a2, 0.0]])
        section_b = np.array([b1 - a1 * b0, b2 - a2 * b0])
        n = len(b)
        grown = np.zeros((n + 2, n + 2))
        grown[:n, :n] = a
        grown[n:, :n] = np.outer(section_b, c)
        grown[n:, n:] = section_a
        a, b = grown, np.concatenate([b, section_b * d])
        c, d = np.concatenate([b0 * c, [1.0, 0.0]]), b0 * d
    return a, b, c, d


def _block_matrices(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: float, length: int) -> Matrices:
    """For blocks of `length` samples: [input -> output | input -> end state] (float32, applied on the
    right), start state -> output, A^length, and A^length squared repeatedly (transposed) for the scan."""
    powers = [np.eye(len(b))]
    for _ in range(length):
        powers.append(powers[-1] @ a)
    impulse = np.array([d, *(c @ powers[k] @ b for k in range(length - 1))])
    lag = np.arange(length)[:, None] - np.arange(length)[None, :]
    response = np.where(lag >= 0, impulse[np.clip(lag, 0, None)], 0.0)  # lower-triangular Toeplitz
    to_state = np.stack([powers[length - 1 - j] @ b for j in range(length)], axis=1)
    from_state = np.stack([c @ powers[i] for i in range(length)])
    forward = np.concatenate([response, to_state]).T.astype(np.float32)
    step = powers[length]
    doubled = [step]
    for _ in range(40):  # 2^40 blocks: more than any recording has
        doubled.append(doubled[-1] @ doubled[-1])
    return forward, from_state.T.copy(), step, [p.T.copy() for p in doubled]
