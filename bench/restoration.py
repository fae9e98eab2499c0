"""Restoration bench: a panel of real voices with known truth, through clgtv, measured against the truth.

    python bench/restoration.py [--minutes 8] [--keep]

The panel (built here, into build/bench/restoration/): the audio bench's voices (bench/corpus.py), a host
and three guests at their own levels taking turns, pauses between turns, applause after each audience
question, a music sting first, room noise under everything, and mains hum at 50 Hz with harmonics (its
frequency wandering by a few hundredths of a hertz, as the grid's does). Written three times from one
seed: with hum, the same without hum, and the speech alone (the clean reference). Each recording goes
through `clgtv master` with each row of RUNS; every output, and the input itself, is measured where the
truth says what is there:

  hum        the hum's harmonics in the pauses (a least-squares fit of each), dB below the programme
  vs off     how much lower the hum is than in the same recording rendered with `--hum off`
  pauses     the pauses' loudness (K-weighted, the settled middle of each), LU below the programme
  spread     the loudest speaker's loudness minus the quietest's (BS.1770 gating over their turns), LU
  applause   the applause's loudness relative to the host's, LU
  sting      the music sting's loudness relative to the host's, and to all the speech's, LU
  STOI       intelligibility against the clean reference (pystoi, 0 to 1), of the whole recording
  per turn   the same of each speech turn alone, the mean weighted by the turns' lengths; and each
             speaker's mean, in a table of its own. pystoi leaves out the frames more than 40 dB below
             the reference's loudest: over the whole recording that is most of a quiet speaker's, and
             per turn it is only that turn's own silence.

Targets (issue 15): hum at least 20 dB lower when present and untouched when absent; spread at most 2 LU;
pauses at least 35 dB below the programme when the room allows it; applause no louder relative to the
host than it came in; the sting where it came in relative to the host; STOI not lower than the input's.
The input also goes through a bare encode at clgtv's bitrate (the row "input, bare MP3"): what STOI the
format itself costs, with no processing at all.
A new stage adds its row to RUNS and, if it needs one, its column to COLUMNS.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import shutil
import subprocess
import sys
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus import NOISE_DBFS, SPEAKERS, applause, prompts, readings, sting  # noqa: E402
from process import Run, bare_argv, megabytes, slug, timed  # noqa: E402

from clgtv.audio.ffmpeg import ffmpeg_path  # noqa: E402
from clgtv.audio.meter import LoudnessMeter, integrated_loudness, lufs  # noqa: E402

RATE = 48000
MEASURE_RATE = 16000  # the voices stop at 8 kHz; hum and loudness need no more
STOI_RATE = 10000  # STOI's own rate
SEED = 15
HUM_HZ = 50.0
HUM_WANDER = (0.03, 90.0)  # Hz, and the period of its wander in seconds
HUM_DB = tuple(-48.0 - 4 * k for k in range(7))  # each harmonic's peak level, dBFS
PAUSE_S = (0.6, 2.0)
SETTLED_S = (0.35, 0.15)  # a pause is measured from this long after its start to this long before its end
BIN = Path(sys.executable).parent
WORK = REPO / "build" / "bench" / "restoration"
TARGET_HUM_DB = 20.0
QUIET_DB, QUIET_CUT_DB = 30.0, 10.0  # ideally_quiet's pauses within a turn, and how far it turns them down
RECORDINGS = ("panel-hum", "panel-no-hum", "speech")  # the last is the clean reference


@dataclass(frozen=True)
class Event:
    kind: str  # "speech", "pause", "applause" or "sting"
    who: str  # the speaker, for speech
    start: float  # seconds
    end: float


# --- the panel ---------------------------------------------------------------------------------------


def hum(start: int, length: int) -> np.ndarray:
    """Mains hum for frames start .. start+length, its phase continuous from frame 0."""
    t = np.arange(start, start + length) / RATE
    depth, period = HUM_WANDER
    phase = 2 * math.pi * (HUM_HZ * t - depth * period / (2 * math.pi) * np.cos(2 * math.pi * t / period))
    return sum(10 ** (level / 20) * np.sin(k * phase + k) for k, level in enumerate(HUM_DB, start=1))


def stretches(rng: np.random.Generator, total: int) -> Iterator[tuple[Event, np.ndarray]]:
    """The panel's stretches in order, mono, each with what it is; the speech alone is the clean reference."""
    voices: dict[str, list[np.ndarray]] = {"asterisk": prompts()}
    voices.update({name: [samples] for name, samples in readings().items()})
    names = list(SPEAKERS)
    shares = np.array([SPEAKERS[name].share for name in names])
    clapping = applause(rng).mean(axis=1)
    music = sting(rng).mean(axis=1)
    at = 0

    def event(kind: str, who: str, samples: np.ndarray) -> tuple[Event, np.ndarray]:
        nonlocal at
        samples = samples[: total - at]
        start, at = at, at + len(samples)
        return Event(kind, who, start / RATE, at / RATE), samples

    yield event("sting", "", music)
    while at < total:
        name = names[rng.choice(len(names), p=shares / shares.sum())]
        speaker = SPEAKERS[name]
        voice = speaker.voices[rng.integers(len(speaker.voices))]
        length = round(rng.uniform(8, 30) * RATE)
        pool = voices[voice]
        if voice == "asterisk":
            turn = np.concatenate([pool[i] for i in rng.integers(len(pool), size=12)])[:length]
        else:
            turn = np.resize(np.roll(pool[0], -rng.integers(len(pool[0]))), length)
        yield event("speech", name, turn * 10 ** ((speaker.level_db + rng.uniform(-1.5, 1.5)) / 20))
        yield event("pause", "", np.zeros(round(rng.uniform(*PAUSE_S) * RATE)))
        if name == "audience":
            yield event("applause", "", clapping)
            yield event("pause", "", np.zeros(round(rng.uniform(*PAUSE_S) * RATE)))


def build(minutes: float) -> list[Event]:
    """Write panel-hum.wav, panel-no-hum.wav and speech.wav (the clean reference); return the truth."""
    WORK.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    total = round(minutes * 60 * RATE)
    events, written = [], 0
    with contextlib.ExitStack() as stack:
        outs = [stack.enter_context(wave.open(str(WORK / f"{name}.wav"), "wb")) for name in RECORDINGS]
        for out in outs:
            out.setnchannels(1)
            out.setsampwidth(3)
            out.setframerate(RATE)
        for event, samples in stretches(rng, total):
            events.append(event)
            room = samples + rng.standard_normal(len(samples)) * 10 ** (NOISE_DBFS / 20)
            speech = samples if event.kind == "speech" else np.zeros(len(samples))
            for out, mixed in zip(outs, (room + hum(written, len(samples)), room, speech), strict=True):
                out.writeframes(_pcm24(mixed))
            written += len(samples)
    return events


def _pcm24(samples: np.ndarray) -> bytes:
    pcm = np.round(np.clip(samples, -1, 1) * (2**23 - 1)).astype("<i4")
    return pcm.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()


# --- measuring ---------------------------------------------------------------------------------------


def decoded(path: Path, rate: int) -> np.ndarray:
    argv = [ffmpeg_path(), "-v", "error", "-i", str(path), "-ac", "1", "-ar", str(rate), "-f", "f32le", "-"]
    return np.frombuffer(subprocess.run(argv, capture_output=True, check=True).stdout, dtype=np.float32)


@dataclass
class Measured:
    """One recording, decoded, and where the truth's events fall in it (`shift`: seconds trimmed from its start)."""

    audio: np.ndarray  # mono at MEASURE_RATE
    energy: np.ndarray  # K-weighted, per 100 ms segment
    frames: np.ndarray
    events: list[Event]
    shift: float

    @classmethod
    def of(cls, path: Path, events: list[Event], shift: float = 0.0) -> Measured:
        audio = decoded(path, MEASURE_RATE)
        meter = LoudnessMeter(MEASURE_RATE, 1)
        meter.feed(audio[:, None])
        return cls(audio, *meter.segments(), events, shift)

    def segments(self, kind: str, who: str = "", margins: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
        """Indices of the 100 ms segments wholly inside events of `kind` (and `who`), less the margins."""
        chosen = []
        for event in self.events:
            if event.kind == kind and (not who or event.who == who):
                first = math.ceil((event.start + margins[0] - self.shift) * 10)
                stop = math.floor((event.end - margins[1] - self.shift) * 10)
                chosen.append(np.arange(max(first, 0), min(stop, len(self.energy))))
        return np.concatenate(chosen) if chosen else np.zeros(0, dtype=int)

    def loudness(self, kind: str, who: str = "") -> float:
        index = self.segments(kind, who)
        return integrated_loudness(self.energy[index], self.frames[index])

    @property
    def programme(self) -> float:
        return integrated_loudness(self.energy, self.frames)

    def hum_db(self) -> float:
        """The power of HUM_HZ's harmonics in the settled pauses (least squares, each pause alone), dBFS."""
        power, count = 0.0, 0
        for event in self.events:
            start, end = event.start + SETTLED_S[0] - self.shift, event.end - SETTLED_S[1] - self.shift
            if event.kind != "pause" or start < 0 or end - start < 0.3:
                continue
            low, high = round(start * MEASURE_RATE), min(round(end * MEASURE_RATE), len(self.audio))
            t = np.arange(low, high) / MEASURE_RATE
            for k in range(1, len(HUM_DB) + 1):
                phase = 2 * math.pi * k * HUM_HZ * t
                fit, *_ = np.linalg.lstsq(np.stack([np.sin(phase), np.cos(phase)], 1), self.audio[low:high], rcond=None)
                power += float(np.sum(fit**2)) / 2 * (high - low)
            count += high - low
        return 10 * math.log10(power / count) if count and power > 0 else -math.inf


def intelligibility(reference: np.ndarray, heard: np.ndarray, events: list[Event], shift: float) -> dict[str, float]:
    """STOI of `heard` against the clean `reference` (at STOI_RATE, `heard` trimmed by `shift` seconds at
    its start): of the whole recording, of each speech turn alone (the mean over the turns, weighted by
    their length), and of each speaker's turns (their mean)."""
    from pystoi import stoi

    offset = round(shift * STOI_RATE)
    reference = reference[offset:][: len(heard)]
    scores: dict[str, list[tuple[float, int]]] = {}
    for event in events:
        first, stop = round(event.start * STOI_RATE) - offset, round(event.end * STOI_RATE) - offset
        if event.kind == "speech" and first >= 0 and stop <= len(reference):
            score = float(stoi(reference[first:stop], heard[first:stop], STOI_RATE))
            scores.setdefault(event.who, []).append((score, stop - first))
    turns = [turn for each in scores.values() for turn in each]
    return {
        "STOI": float(stoi(reference, heard[: len(reference)], STOI_RATE)),
        "STOI per turn": float(np.average([score for score, _ in turns], weights=[length for _, length in turns])),
        **{f"STOI, {who}": float(np.mean([score for score, _ in each])) for who, each in scores.items()},
    }


def ideally_levelled(clean: np.ndarray, events: list[Event]) -> np.ndarray:
    """The clean speech with every turn at one level and the gain gliding across the pauses between
    turns: a perfect leveller, with nothing else done."""
    gain, known = np.ones(len(clean)), np.zeros(len(clean), dtype=bool)
    for first, stop in _turns(events, len(clean)):
        gain[first:stop] = 1 / math.sqrt(float(np.mean(clean[first:stop].astype(np.float64) ** 2)))
        known[first:stop] = True
    turns = np.flatnonzero(known)
    gain = np.interp(np.arange(len(clean)), turns, gain[turns])
    return clean * gain / gain.max()


def ideally_quiet(clean: np.ndarray, events: list[Event]) -> np.ndarray:
    """The clean speech with the quiet moments inside each turn (a reading's room tone between its
    phrases: where the 100 ms mean power is more than QUIET_DB below the turn's loudest) turned down by
    QUIET_CUT_DB over 30 ms ramps, and nothing else done: a stand-in for pauses kept from being raised."""
    window = round(0.1 * STOI_RATE)
    gain = np.ones(len(clean))
    for first, stop in _turns(events, len(clean)):
        power = np.convolve(clean[first:stop].astype(np.float64) ** 2, np.ones(window) / window, "same")
        quiet = power < power.max() * 10 ** (-QUIET_DB / 10)
        gain[first:stop] = np.where(quiet, 10 ** (-QUIET_CUT_DB / 20), 1.0)
    ramp = round(0.03 * STOI_RATE)
    return clean * np.convolve(gain, np.ones(ramp) / ramp, "same")


def _turns(events: list[Event], length: int) -> Iterator[tuple[int, int]]:
    for event in events:
        first, stop = round(event.start * STOI_RATE), min(round(event.end * STOI_RATE), length)
        if event.kind == "speech" and stop > first:
            yield first, stop


def pauses_below(measured: Measured) -> float:
    index = measured.segments("pause", margins=SETTLED_S)
    if not len(index):
        return math.nan
    return measured.programme - float(lufs(np.sum(measured.energy[index]) / np.sum(measured.frames[index])))


Column = Callable[[Measured], float]
COLUMNS: dict[str, Column] = {
    "hum dB below programme": lambda m: m.programme - m.hum_db(),
    "pauses LU below programme": pauses_below,
    "speaker spread LU": lambda m: float(np.ptp([m.loudness("speech", name) for name in SPEAKERS])),
    "applause vs host LU": lambda m: m.loudness("applause") - m.loudness("speech", "host"),
    "sting vs host LU": lambda m: m.loudness("sting") - m.loudness("speech", "host"),
    "sting vs speech LU": lambda m: m.loudness("sting") - m.loudness("speech"),
}

# the rows: clgtv's options for each (the input itself is the first row of each recording)
RUNS: dict[str, list[str]] = {
    "clgtv, hum off": ["--hum", "off"],
    "clgtv, noise off": ["--noise", "off"],
    "clgtv, speech detection off": ["--speech-detection", "off"],
    "clgtv, leveller off": ["--no-leveller"],
    "clgtv": [],
}
STOI_MEASURES = ("STOI", "STOI per turn")
BARE = "input, bare MP3"  # the input as published with no processing: ffmpeg's encode at clgtv's bitrate


@dataclass(frozen=True)
class Row:
    recording: str
    name: str
    figures: dict[str, float]
    run: Run | None
    report: dict | None


def measure_recording(name: str, events: list[Event], clean: np.ndarray) -> list[Row]:
    source = WORK / f"{name}.wav"
    rows = [Row(name, "input", _figures(source, events, clean, 0), None, None)]
    bare = WORK / f"{name}-bare.mp3"
    encoded = timed(BARE, bare_argv(source, bare))
    rows.append(Row(name, BARE, _figures(bare, events, clean, 0), encoded, None))
    for label, options in RUNS.items():
        out = WORK / f"{name}-{slug(label)}.mp3"
        run = timed(label, [str(BIN / "clgtv"), "master", "--json", *options, str(source), str(out)])
        report = json.loads(run.stdout)
        shift = report["trimmed_s"][0]
        rows.append(Row(name, label, _figures(out, events, clean, shift), run, report))
    return rows


def _figures(path: Path, events: list[Event], clean: np.ndarray, shift: float) -> dict[str, float]:
    measured = Measured.of(path, events, shift)
    figures = {column: value(measured) for column, value in COLUMNS.items()}
    return {**figures, **intelligibility(clean, decoded(path, STOI_RATE), events, shift)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=8.0)
    parser.add_argument("--keep", action="store_true", help=f"keep {WORK.relative_to(REPO)} afterwards")
    args = parser.parse_args()
    print(f"building a {args.minutes:g}-minute panel in {WORK.relative_to(REPO)} ...", flush=True)
    events = build(args.minutes)
    try:
        clean = decoded(WORK / "speech.wav", STOI_RATE)
        rows = [row for name in ("panel-hum", "panel-no-hum") for row in measure_recording(name, events, clean)]
        if not report(rows):
            raise SystemExit("the hum targets are not met")
        for name, made in (("each turn at one level", ideally_levelled), ("its pauses turned down", ideally_quiet)):
            scores = intelligibility(clean, made(clean, events), events, 0.0)
            print(
                f"the clean speech, {name} and nothing else: STOI {scores['STOI']:.4f}, per turn "
                f"{scores['STOI per turn']:.4f}, against itself as it was"
            )
    finally:
        if not args.keep:
            shutil.rmtree(WORK, ignore_errors=True)


def report(rows: list[Row]) -> bool:
    """Print the tables and the hum's verdicts; whether the hum targets are met."""
    columns = [*COLUMNS, *STOI_MEASURES]
    print("\n| recording | processing | " + " | ".join(columns) + " | renders | wall s | CPU s | peak RSS MB |")
    print("|---|---|" + "---:|" * (len(columns) + 4))
    for row in rows:
        figures = " | ".join(_shown(row.figures[column], column) for column in columns)
        run, made = row.run, row.report
        renders = made["renders"] if made else ""
        timing = f"{renders} | {run.wall:.1f} | {run.cpu:.1f} | {megabytes(run.peak_rss)}" if run else " | | | "
        print(f"| {row.recording} | {row.name} | {figures} | {timing} |")
    speakers = [f"STOI, {who}" for who in SPEAKERS]
    print("\n| recording | processing | " + " | ".join(speakers) + " |")
    print("|---|---|" + "---:|" * len(speakers))
    for row in rows:
        print(f"| {row.recording} | {row.name} | " + " | ".join(_shown(row.figures[s], s) for s in speakers) + " |")
    by = {(row.recording, row.name): row for row in rows}
    on, off = by[("panel-hum", "clgtv")], by[("panel-hum", "clgtv, hum off")]
    lower = on.figures["hum dB below programme"] - off.figures["hum dB below programme"]
    print(
        f"\nhum present: {lower:.1f} dB lower than with --hum off (target >= {TARGET_HUM_DB:g} dB: "
        f"{'met' if lower >= TARGET_HUM_DB else 'NOT met'}); clgtv's report: {json.dumps(on.report['hum'])}"
    )
    absent = [WORK / f"panel-no-hum-{name}.mp3" for name in ("clgtv", "clgtv-hum-off")]
    same = absent[0].read_bytes() == absent[1].read_bytes()
    print(
        f"hum absent: the output is {'byte-identical to' if same else 'NOT the same as'} --hum off's "
        f"(target: untouched); clgtv's report: {json.dumps(by[('panel-no-hum', 'clgtv')].report['hum'])}"
    )
    for recording in ("panel-hum", "panel-no-hum"):
        auto, off = by[(recording, "clgtv")], by[(recording, "clgtv, noise off")]
        pauses = auto.figures["pauses LU below programme"] - off.figures["pauses LU below programme"]
        stoi = auto.figures["STOI"] - off.figures["STOI"]
        print(
            f"{recording}: the noise gate puts the pauses {pauses:.1f} LU lower than --noise off, STOI {stoi:+.3f}; "
            f"clgtv's report: {json.dumps(auto.report['noise'])}"
        )
        for measure in STOI_MEASURES:
            print(f"{recording}: {measure}: {_stoi_verdict(by, recording, measure)}")
        for stage in ("hum", "noise"):
            off_run, auto_run = by[(recording, f"clgtv, {stage} off")].run, auto.run
            ratios = f"{auto_run.wall / off_run.wall:.2f}x the wall time, {auto_run.cpu / off_run.cpu:.2f}x the CPU"
            print(f"{recording}: clgtv takes {ratios} of clgtv --{stage} off")
    return lower >= TARGET_HUM_DB and same


def _stoi_verdict(by: dict[tuple[str, str], Row], recording: str, measure: str) -> str:
    """clgtv's STOI against the input's (the target), and against the input's published with no processing."""
    stoi = {name: by[(recording, name)].figures[measure] for name in ("input", BARE, "clgtv", "clgtv, leveller off")}
    verdicts = []
    for name in ("clgtv", "clgtv, leveller off"):
        target = "met" if stoi[name] >= stoi["input"] else "NOT met"
        verdicts.append(
            f"{name} {stoi[name]:.4f} against the input's {stoi['input']:.4f} (target: not lower: {target}) "
            f"and the bare MP3's {stoi[BARE]:.4f} ({stoi[name] - stoi[BARE]:+.4f})"
        )
    return "; ".join(verdicts)


def _shown(value: float, column: str) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.4f}" if column.startswith("STOI") else f"{value:.1f}"


if __name__ == "__main__":
    main()
