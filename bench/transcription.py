"""Transcription benchmark: clgtv's transcription against faster-whisper's own call, and the whole
pipeline for a programme of an hour.

    python bench/transcription.py [--minutes 10] [--rounds 3] [--programme-minutes 60] [--jobs N]

(a) Real speech with its known text: Allison Smith's Asterisk prompts one after another (those with
no digits, tests/speech.py), about --minutes of them, as a bench project's episode, its recording
processed by clgtv beforehand (untimed). Then --rounds rounds, alternating which goes first, each
command a fresh process timed with its whole process tree (bench/process.py):

  clgtv           clgtv transcribe --overwrite -j N EPISODE, with build/cache/transcripts/ emptied
                  first: the project read, the model loaded, the processed audio decoded by clgtv's
                  ffmpeg, heard, cut into cues and written as the draft
  faster-whisper  WhisperModel(model, device="cpu", compute_type="int8", cpu_threads=N)
                  .transcribe(processed audio, ...) in a plain Python process, its segments read
                  to the last word

on the same file (the processed audio in clgtv's cache), the same model (the packaged Whisper base,
the folder clgtv joined) and the same options (clgtv's: language, beam size, word timestamps, the
voice-activity filter, each window heard afresh). clgtv hears the file in pieces and spells the
episode's glossary afterwards; faster-whisper hears it whole. Each round's
clgtv / faster-whisper ratio of wall and CPU time is printed, with each one's word error rate
against the known text; the median ratio is the figure to quote, and the bench exits 1 when it is
over 1.1x.

(b) The whole pipeline: `clgtv build -j N` of a project with one episode of --programme-minutes of
bench/corpus.py's panel of real voices, from empty caches: master, transcript, tags, feed, pages and
lint. Its wall and CPU time, and its real-time factor (wall time / programme length), with the
transcription's own share from its report. 0 skips it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import textwrap
from pathlib import Path
from statistics import median, median_high

from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

from corpus import panel  # noqa: E402
from process import Run, megabytes, timed  # noqa: E402
from speech import joined_prompts, word_error_rate  # noqa: E402 - the transcription tests' voices and measure

from clgtv import content, recogniser, transcription  # noqa: E402
from clgtv.build import Cache, process_audio  # noqa: E402
from clgtv.transcripts import read_cues  # noqa: E402

TARGET_RATIO = 1.1
WORK = REPO / "build" / "bench" / "transcription"
BIN = Path(sys.executable).parent
SITE_YAML = "title: Transcription bench\nbase_url: https://podcasts.example.org/\n"
SHOW_YAML = """\
title: Bench Programme
description: Real speech, for timing the transcription.
author: CLGdotTV
owner: {name: Bench, email: bench@example.org}
language: en-GB
categories: [Government]
"""
EPISODE = "episodes/bench/2026-01-01-speech.md"
EPISODE_TEXT = """\
---
title: Real speech
date: 2026-01-01T10:00:00+00:00
audio: {audio}
people:
  - name: Allison Smith
guid: 7d0c3a52-8f7e-4b0f-9a55-3c9f1f2b6e10
---

Prompts from a telephone system, read by a person.
"""
# faster-whisper's own call, in a process of its own that imports nothing of clgtv
PEER = textwrap.dedent("""\
    import json, sys, time
    from faster_whisper import WhisperModel

    given = json.loads(sys.argv[1])
    began = time.perf_counter()
    model = WhisperModel(given["model"], device="cpu", compute_type="int8", cpu_threads=given["threads"])
    loaded = time.perf_counter()
    segments, info = model.transcribe(given["audio"], **given["options"])
    words = [word.word for segment in segments for word in segment.words]
    done = time.perf_counter()
    print(json.dumps({"text": "".join(words), "load": loaded - began, "transcribe": done - loaded}))
""")


def project(root: Path, audio: str) -> Path:
    """A one-episode project whose build/cache/models is the bench's (the packaged model joined once)."""
    shutil.rmtree(root, ignore_errors=True)
    show = root / "episodes" / "bench"
    show.mkdir(parents=True)
    (root / "clgtv.yaml").write_text(SITE_YAML)
    shutil.copytree(REPO / "templates", root / "templates")
    (show / "show.yaml").write_text(SHOW_YAML)
    Image.new("RGB", (1400, 1400), "teal").save(show / "artwork.jpg")
    (root / EPISODE).write_text(EPISODE_TEXT.format(audio=audio))
    models = WORK / "models"
    recogniser.packaged_model(models)
    (root / "build" / "cache").mkdir(parents=True)
    (root / "build" / "cache" / "models").symlink_to(models, target_is_directory=True)
    return root


def job(root: Path) -> transcription.Job:
    """The episode's transcription as clgtv runs it, its recording processed first (untimed)."""
    loaded = content.load(root)
    programme = loaded.programmes[0]
    episode = programme.episodes[0]
    cache = Cache(root / "build" / "cache")
    recording = cache.recording(programme.show, episode)
    process_audio(cache, [recording], None, print)
    found = transcription.job(loaded.site, programme.show, episode, recording.processed, asked=True)
    assert found is not None
    return found


def peer_options(found: transcription.Job) -> dict:
    """clgtv's options for faster-whisper's `transcribe`, as its recogniser gives them."""
    unloaded = object.__new__(recogniser.Recogniser)  # `options` reads no model
    return unloaded.options(found.language, found.settings.beam_size)


def side_by_side(minutes: float, rounds: int, threads: int) -> float:
    """Part (a); returns the median clgtv / faster-whisper ratio of wall time."""
    root = WORK / "speech-project"
    name = f"2026-01-01-speech-{minutes:g}min.wav"
    project(root, name)
    said = joined_prompts(root / "episodes" / "bench" / name, minutes * 60)
    found = job(root)
    peer = {"model": str(recogniser.packaged_model(WORK / "models")), "audio": str(found.processed)}
    peer |= {"threads": threads, "options": peer_options(found)}
    tools = {
        "clgtv": [
            str(BIN / "clgtv"),
            "--root",
            str(root),
            "transcribe",
            "--overwrite",
            "-j",
            str(threads),
            str(root / EPISODE),
        ],
        "faster-whisper": [sys.executable, "-c", PEER, json.dumps(peer)],
    }
    print(f"\n(a) {minutes:g} min of Allison's prompts, {threads} threads, beam {found.settings.beam_size}; ")
    print(f"    glossary {found.glossary!r}; the file: {found.processed.relative_to(REPO)}")
    pairs: list[tuple[Run, Run]] = []
    errors: dict[str, list[float]] = {"clgtv": [], "faster-whisper": []}
    for number in range(rounds):
        names = list(tools) if number % 2 == 0 else list(tools)[::-1]
        runs = {}
        for name in names:
            if name == "clgtv":  # heard afresh, not taken from the cache
                shutil.rmtree(root / "build" / "cache" / "transcripts", ignore_errors=True)
            runs[name] = timed(name, tools[name])
        ours, theirs = runs["clgtv"], runs["faster-whisper"]
        reported = json.loads(theirs.stdout)
        heard = " ".join(cue.text for cue in read_cues(root / EPISODE.replace(".md", ".vtt")))
        errors["clgtv"].append(word_error_rate(said, heard))
        errors["faster-whisper"].append(word_error_rate(said, reported["text"]))
        pairs.append((ours, theirs))
        own = json.loads(next((root / "build" / "cache" / "transcripts").glob("*.json")).read_text())["seconds"]
        print(
            f"round {number + 1}: clgtv {ours.wall:.1f} s ({ours.cpu:.1f} s CPU; transcribing {own:.1f} s), "
            f"faster-whisper {theirs.wall:.1f} s ({theirs.cpu:.1f} s CPU; load {reported['load']:.1f} s, "
            f"transcribing {reported['transcribe']:.1f} s): {ours.wall / theirs.wall:.2f}x wall, "
            f"{ours.cpu / theirs.cpu:.2f}x CPU; WER {errors['clgtv'][-1]:.1%} and {errors['faster-whisper'][-1]:.1%}",
            flush=True,
        )
    ratios = [ours.wall / theirs.wall for ours, theirs in pairs]
    cpu = [ours.cpu / theirs.cpu for ours, theirs in pairs]
    shown = ratios.index(median_high(ratios))
    print(f"\nclgtv / faster-whisper wall over {rounds} alternating rounds: " + ", ".join(f"{r:.2f}" for r in ratios))
    print("clgtv / faster-whisper CPU: " + ", ".join(f"{r:.2f}" for r in cpu))
    print(
        f"median {median(ratios):.2f}x wall (target <= {TARGET_RATIO}x), {median(cpu):.2f}x CPU; "
        f"the table shows round {shown + 1}\n"
    )
    print("| tool | wall s | x faster-whisper | CPU s | x faster-whisper | peak RSS MB | real-time factor | WER |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    theirs = pairs[shown][1]
    for run in pairs[shown]:
        print(
            f"| {run.name} | {run.wall:.1f} | {run.wall / theirs.wall:.2f} | {run.cpu:.1f} "
            f"| {run.cpu / theirs.cpu:.2f} | {megabytes(run.peak_rss)} | {run.wall / (minutes * 60):.3f} "
            f"| {errors[run.name][shown]:.1%} |"
        )
    return median(ratios)


def pipeline(minutes: float, threads: int) -> None:
    """Part (b): `clgtv build` of one programme of `minutes` from empty caches."""
    source = panel(minutes)
    root = project(WORK / "pipeline-project", source.name)
    try:  # the panel is 1 GB an hour: linked into the project, not copied, where the disk allows
        os.link(source, root / "episodes" / "bench" / source.name)
    except OSError:
        shutil.copyfile(source, root / "episodes" / "bench" / source.name)
    run = timed("clgtv build", [str(BIN / "clgtv"), "--root", str(root), "build", "-j", str(threads)])
    (report,) = (json.loads(p.read_text()) for p in (root / "build" / "cache" / "transcripts").glob("*.json"))
    length = minutes * 60
    print(f"\n(b) clgtv build -j {threads}: one {minutes:g}-minute programme ({source.name}), empty caches")
    print("| run | wall s | CPU s | peak RSS MB | real-time factor |")
    print("|---|---:|---:|---:|---:|")
    print(f"| whole build | {run.wall:.1f} | {run.cpu:.1f} | {megabytes(run.peak_rss)} | {run.wall / length:.3f} |")
    print(f"| of which transcribing | {report['seconds']:.1f} | | | {report['seconds'] / length:.3f} |")
    print(f"transcript: {report['words']} words in {report['cues']} cues; {report['speech']:.0f} s of speech heard")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="real speech for the side-by-side rounds")
    parser.add_argument("--rounds", type=int, default=3, help="clgtv and faster-whisper runs, alternating")
    parser.add_argument("--programme-minutes", type=float, default=60.0, help="the pipeline's programme (0: skip)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="CPUs (threads) for both")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    WORK.mkdir(parents=True, exist_ok=True)
    ratio = side_by_side(args.minutes, args.rounds, args.jobs)
    if args.programme_minutes:
        pipeline(args.programme_minutes, args.jobs)
    print(
        f"\nclgtv / faster-whisper: {ratio:.2f}x (target {TARGET_RATIO}x): {'ok' if ratio <= TARGET_RATIO else 'OVER'}"
    )
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
