"""Real human speech with its text: Allison Smith's Asterisk prompts (Debian's
asterisk-core-sounds-en-g722, 16 kHz G.722), their texts in asterisk-core-sounds-en. The transcription
tests and the audio bench (bench/corpus.py) read them here; `make test` and `make bench` install them.
"""

from __future__ import annotations

import gzip
import re
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clgtv.audio.ffmpeg import ffmpeg_path

ASTERISK = Path("/usr/share/asterisk/sounds/en_US_f_Allison")
ASTERISK_TEXTS = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
PACKAGES = "asterisk-core-sounds-en-g722 asterisk-core-sounds-en"
MIN_WORDS = 5  # prompts shorter than a sentence ("Activated.") do not sound like talk


@dataclass(frozen=True)
class Prompt:
    path: Path  # a .g722 file (ffmpeg reads it with -f g722)
    text: str  # what Allison says in it


def prompts() -> list[Prompt]:
    """Every prompt whose text is a sentence or more of speech, in the texts' order; FileNotFoundError
    (saying what to install) when the packages are missing."""
    if not ASTERISK.is_dir() or not ASTERISK_TEXTS.is_file():
        raise FileNotFoundError(f"apt-get install {PACKAGES} (make test and make bench do)")
    with gzip.open(ASTERISK_TEXTS, "rt", encoding="utf-8") as texts:
        lines = [line.partition(":") for line in texts if not line.startswith(";")]
    found = [Prompt(ASTERISK / f"{name.strip()}.g722", text.strip()) for name, _, text in lines if _spoken(text)]
    return [prompt for prompt in found if prompt.path.is_file()]


def _spoken(text: str) -> bool:
    """A sentence or more of words, not a sound described in brackets ("[ascending tones]")."""
    return not text.lstrip().startswith("[") and len(text.split()) >= MIN_WORDS


def joined_prompts(path: Path, seconds: float) -> str:
    """Allison's prompts one after another (those with no digits, in their order) as a 16 kHz WAV of
    about `seconds`; returns what she says."""
    chosen, total = [], 0.0
    for prompt in prompts():
        if total >= seconds:
            break
        if not any(c.isdigit() for c in prompt.text):
            chosen.append(prompt)
            total += prompt.path.stat().st_size / 8000 + GAP_S  # G.722 is 64 kb/s
    return write_prompts(path, chosen)


def prompt(name: str) -> Prompt:
    """One prompt by its file name, like "demo-instruct"."""
    return next(found for found in prompts() if found.path.stem == name)


GAP_S = 0.4


def write_prompts(path: Path, chosen: list[Prompt]) -> str:
    """`chosen` one after another, a pause before each, as a 16 kHz mono WAV; returns what she says."""
    gap = np.zeros(round(GAP_S * 16000), dtype=np.float32)
    parts = []
    for each in chosen:
        argv = [ffmpeg_path(), "-v", "error", "-f", "g722", "-i", str(each.path), "-f", "f32le", "-ac", "1", "-"]
        parts += [gap, np.frombuffer(subprocess.run(argv, capture_output=True, check=True).stdout, dtype=np.float32)]
    pcm = (np.clip(np.concatenate([*parts, gap]), -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(pcm.tobytes())
    return " ".join(each.text for each in chosen)


NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def words(text: str) -> list[str]:
    """Text as words to compare: lower case, hyphens as spaces, digits as words, punctuation gone."""
    text = re.sub(r"\b(\d|10)\b", lambda found: NUMBERS[int(found[1])], text.lower().replace("-", " "))
    return re.sub(r"[^\w' ]", " ", text).split()


def word_error_rate(reference: str, heard: str) -> float:
    """(substitutions + deletions + insertions) / words in the reference: Levenshtein over words."""
    said, got = words(reference), words(heard)
    row = list(range(len(got) + 1))
    for i, word in enumerate(said, start=1):
        diagonal, row[0] = row[0], i
        for j, other in enumerate(got, start=1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (word != other))
    return row[-1] / max(len(said), 1)
