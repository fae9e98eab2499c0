"""Knowing what is speech: a neural voice detector in the measuring pass, so the gain plan levels voices only.

The leveller's energy gate calls anything well over the room's noise floor speech: applause, music and
laughter too, which it then levels like a quiet voice. Silero VAD (its ONNX model ships inside the
faster-whisper wheel, run by onnxruntime, both installed with clgtv) tells voices from the rest. It
hears 16 kHz mono: the measuring pass's chunks are mixed down and resampled here (a box filter, then
linear interpolation: the detector needs the voice's shape, not its fidelity), cut into the model's
32 ms windows and run in batches, its memory carried from batch to batch. Each 100 ms segment keeps
the highest probability of the windows centred in it: one number per segment, like the meter's.

`voiced` turns the probabilities into the mask the plan uses: speech, held a little either side (a
word's soft onset and its tail), and short gaps between phrases filled, so that only pauses, applause
and music long enough to matter count as not speech.
"""

from __future__ import annotations

import importlib.util
import math
from array import array
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clgtv.audio.meter import mono
from clgtv.errors import ClgtvError

SEGMENT_S = 0.1
RATE = 16000  # the model's
WINDOW = 512  # samples the model hears at a time (32 ms)
CONTEXT = 64  # samples of the window before, given with each window
BATCH = 256  # windows per inference (about 8 s): few calls, little memory
QUEUED = 12  # chunks (about 24 s) waiting for the model's thread at most: the pass waits rather than hold more
FOUND = 0.3  # a stretch is speech where some window in it is this likely to be speech ...
KEPT = 0.15  # ... and it lasts while its windows stay this likely (far voices score low; a chord's attack
# alone reaches about 0.2)
HOLD_S = 0.2  # speech extends this far either side of the windows that found it
MIN_GAP_S = 0.5  # a gap in speech shorter than this is a breath between phrases: levelled with them
LEVEL_DBFS = -20.0  # the detector hears quiet voices brought up to about this (in RMS over 32 ms, at their loudest) ...
MAX_LIFT_DB = 30.0  # ... by at most this much: it finds a far voice 20 dB down less often than a near one
LIFT_S = 1.0  # the loudest window this far either side sets a window's lift
MODEL = "silero_vad_v6.onnx"


def model_path() -> Path:
    """The detector shipped in faster-whisper's wheel, found without importing faster-whisper (which loads
    the recogniser's libraries)."""
    spec = importlib.util.find_spec("faster_whisper")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        if (path := Path(folder) / "assets" / MODEL).is_file():
            return path
    raise ClgtvError(
        f"speech detection needs {MODEL}, which comes with faster-whisper: reinstall clgtv "
        "(pip install --force-reinstall faster-whisper), or set speech_detection: off"
    )


class Resampler:
    """Mono float chunks at `rate` to RATE, streaming: a box filter about one output sample wide, then
    linear interpolation between its outputs."""

    def __init__(self, rate: int):
        self.rate = rate
        self.width = max(1, round(rate / RATE))
        self._pending = np.zeros(0, dtype=np.float32)
        self._offset = 0  # source index of _pending[0]
        self._made = 0  # output samples made so far

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        pending = self._pending = np.concatenate([self._pending, samples.astype(np.float32, copy=False)])
        count = len(pending) - self.width + 1  # the box filter's outputs
        if count < 2:
            return np.zeros(0, dtype=np.float32)
        smooth = pending[:count].copy()  # smooth[i] centred at i + centre
        for lag in range(1, self.width):
            smooth += pending[lag : lag + count]
        smooth /= self.width
        centre = self._offset + (self.width - 1) / 2
        stop = math.ceil((centre + count - 1) * RATE / self.rate)  # outputs that lie inside smooth
        wanted = np.clip(np.arange(self._made, stop) * (self.rate / RATE) - centre, 0, count - 1)
        below = np.minimum(wanted.astype(np.int64), count - 2)
        fraction = (wanted - below).astype(np.float32)
        made = smooth[below] + fraction * (smooth[below + 1] - smooth[below])
        self._made = max(stop, self._made)
        drop = max(int(self._made * self.rate / RATE - centre) - 1, 0)
        self._pending = pending[drop:]
        self._offset += drop
        return made


class SpeechDetector:
    """Feed float chunks shaped (frames, channels) at the source's rate; `finish` gives one speech
    probability per 100 ms segment. The model runs in a thread of its own (onnxruntime lets go of the
    GIL), one chunk after another in order, beside the meter: on two cores the pass hardly waits for it."""

    def __init__(self, sample_rate: int):
        import onnxruntime  # only when detecting: it costs a fifth of a second to load

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one thread: the same numbers on every machine, and a core left over
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False
        options.log_severity_level = 4
        self._session = onnxruntime.InferenceSession(
            str(model_path()), providers=["CPUExecutionProvider"], sess_options=options
        )
        self._resample = Resampler(sample_rate)
        self._pending = np.zeros(0, dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._state = (np.zeros((1, 1, 128), dtype=np.float32), np.zeros((1, 1, 128), dtype=np.float32))
        self._windows = array("f")  # each window's probability
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="speech")
        self._queued: deque[Future] = deque()

    def feed(self, chunk: np.ndarray) -> None:
        while len(self._queued) >= QUEUED:
            self._queued.popleft().result()
        self._queued.append(self._worker.submit(self._take, self._resample(mono(chunk))))

    def _take(self, samples: np.ndarray) -> None:
        """In the model's thread: a chunk's samples at RATE, and every whole batch heard."""
        self._pending = np.concatenate([self._pending, samples])
        while len(self._pending) >= BATCH * WINDOW:
            self._run(self._pending[: BATCH * WINDOW])
            self._pending = self._pending[BATCH * WINDOW :]

    def finish(self, segments: int) -> np.ndarray:
        """The probability of speech in each of the first `segments` 100 ms segments."""
        try:
            while self._queued:
                self._queued.popleft().result()
        finally:
            self.close()
        if len(self._pending):
            self._run(np.pad(self._pending, (0, -len(self._pending) % WINDOW)))
            self._pending = np.zeros(0, dtype=np.float32)
        windows = np.array(self._windows, dtype=np.float64)
        centres = ((np.arange(len(windows)) + 0.5) * WINDOW / RATE / SEGMENT_S).astype(int)
        probability = np.zeros(segments)
        inside = centres < segments
        np.maximum.at(probability, centres[inside], windows[inside])
        return probability

    def close(self) -> None:
        """Stop the model's thread (what is queued is dropped)."""
        self._worker.shutdown(cancel_futures=True)

    def _run(self, samples: np.ndarray) -> None:
        windows = _lifted(samples.reshape(-1, WINDOW))
        context = np.concatenate([self._context[None, :], windows[:-1, -CONTEXT:]])
        self._context = windows[-1, -CONTEXT:].copy()
        h, c = self._state
        found, h, c = self._session.run(None, {"input": np.concatenate([context, windows], axis=1), "h": h, "c": c})
        self._state = (h, c)
        self._windows.extend(np.asarray(found, dtype=np.float32).ravel())


def _lifted(windows: np.ndarray) -> np.ndarray:
    """Windows brought up towards LEVEL_DBFS, each by as much as the loudest within LIFT_S allows."""
    span = round(LIFT_S * RATE / WINDOW)
    rms = np.sqrt(np.mean(np.square(windows, dtype=np.float64), axis=1))
    loudest = np.lib.stride_tricks.sliding_window_view(np.pad(rms, span, mode="edge"), 2 * span + 1).max(axis=1)
    lift = np.clip(10 ** (LEVEL_DBFS / 20) / np.maximum(loudest, 1e-12), 1.0, 10 ** (MAX_LIFT_DB / 20))
    return (windows * lift[:, None]).astype(np.float32)


def voiced(probability: np.ndarray) -> np.ndarray:
    """Which segments are speech: found, held HOLD_S either side, and gaps shorter than MIN_GAP_S filled."""
    found = _runs(probability >= KEPT, lambda start, stop: probability[start:stop].max() >= FOUND)
    hold = round(HOLD_S / SEGMENT_S)
    held = np.convolve(found, np.ones(2 * hold + 1), "same") > 0 if hold else found
    shortest = round(MIN_GAP_S / SEGMENT_S)
    return ~_runs(~held, lambda start, stop: stop - start >= shortest)


def _runs(mask: np.ndarray, keep: Callable[[int, int], bool]) -> np.ndarray:
    """`mask` with only the runs of True that `keep(start, stop)` keeps."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    kept = np.zeros(len(mask), dtype=bool)
    for start, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        if keep(start, stop):
            kept[start:stop] = True
    return kept


@dataclass(frozen=True)
class SpeechFound:
    """What the detector heard, for the report: seconds of speech, and of everything else (pauses, applause,
    music, laughter, breaths); and the most gain the plan gave anything but speech, relative to plain
    normalisation."""

    speech_s: float
    non_speech_s: float
    non_speech_gain_db: float

    def as_dict(self) -> dict:
        return {
            "speech_s": round(self.speech_s, 1),
            "non_speech_s": round(self.non_speech_s, 1),
            "non_speech_gain_db": round(self.non_speech_gain_db, 2),
        }
