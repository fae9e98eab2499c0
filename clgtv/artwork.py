"""Artwork checks and cover-art bytes (Pillow behind two functions)."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from PIL import Image, UnidentifiedImageError

from clgtv.errors import FileError

MIN_PX = 1400
MAX_PX = 3000
FORMATS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}
T = TypeVar("T")
EXIF_ORIENTATION = 0x0112  # 1: stored as shown; 0 and unknown values are shown as stored too
TURNED = range(2, 9)  # mirrored, turned, or both
# what Pillow raises on a damaged file, besides OSError (a truncated one among them)
DAMAGE = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)


def artwork_problems(path: Path) -> list[str]:
    """What is wrong with a programme's artwork, as messages for the host."""
    if not path.exists():
        return [f"file not found: {path.name}"]
    try:
        with _opened(path) as image:
            problems = _header_problems(path.name, image)
            if image.format in FORMATS and max(image.size) <= MAX_PX:  # never decode a bomb
                image.load()
    except _Unreadable as exc:
        return [f"{path.name} {exc}"]
    except DAMAGE as exc:
        return [f"{path.name} {_damaged(exc)}"]
    return problems


def _header_problems(name: str, image: Image.Image) -> list[str]:
    width, height = image.size
    kind, mode = image.format, image.mode
    problems = []
    if kind not in FORMATS:
        problems.append(f"{name} is {kind}; expected JPEG or PNG")
    elif Path(name).suffix.lower() not in FORMATS[kind]:
        problems.append(f"{name} is a {kind} image; its name must end in {FORMATS[kind][0]}")
    if mode not in ("RGB", "RGBA", "P") or (mode == "RGBA" and kind == "JPEG"):
        problems.append(f"{name} uses colour mode {mode}; expected RGB")
    if (turned := _orientation(image)) in TURNED:
        problems.append(
            f"{name} is stored turned or mirrored (its EXIF orientation is {turned}), which some apps and its "
            "copies in the MP3 and link previews ignore; save it upright, without the orientation tag"
        )
    if width != height:
        problems.append(f"{name} is {width}x{height} pixels; it must be square")
    elif width < MIN_PX:
        problems.append(f"{name} is {width}x{height} pixels; it must be at least {MIN_PX}x{MIN_PX}")
    elif width > MAX_PX:
        problems.append(f"{name} is {width}x{height} pixels; it must be at most {MAX_PX}x{MAX_PX}")
    return problems


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation in the image's header, read without decoding it (Pillow's getexif decodes a
    PNG to look further); 1, stored as shown, when there is none or it cannot be read."""
    exif = Image.Exif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's "Corrupt EXIF data": the picture itself may be sound
            exif.load(image.info.get("exif") or b"")
    except DAMAGE:
        return 1
    turned = exif.get(EXIF_ORIENTATION, 1)
    return turned if isinstance(turned, int) else 1  # a tag of another type is no orientation


def artwork_advice(path: Path) -> list[str]:
    """What Apple recommends against in artwork that `artwork_problems` has passed: transparency, which
    its apps show on black or white as they please."""
    if not _from_header(path, lambda image: image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info):
        return []
    return [f"{path.name} has an alpha channel (transparency); Apple asks for artwork without one: export it as a "
            "JPEG, or as a PNG without transparency"]  # fmt: skip


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) in pixels, from the header of an image `artwork_problems` has passed."""
    return _from_header(path, lambda image: image.size)


def _from_header(path: Path, read: Callable[[Image.Image], T]) -> T:
    """`read` of the image with only its header read; FileError if it cannot be opened."""
    try:
        with _opened(path) as image:
            return read(image)
    except _Unreadable as exc:
        raise FileError(path, str(exc)) from exc
    except DAMAGE as exc:
        raise FileError(path, _damaged(exc)) from exc


def cover_jpeg(path: Path, size: int = 600) -> bytes:
    """A small RGB JPEG of the artwork for embedding in ID3 (players need no more)."""
    try:
        with _opened(path) as image:
            if max(image.size) > MAX_PX:
                raise _Unreadable(f"is {image.width}x{image.height} pixels; it must be at most {MAX_PX}x{MAX_PX}")
            image = image.convert("RGB")
            image.thumbnail((size, size), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85, optimize=True)
    except _Unreadable as exc:
        raise FileError(path, str(exc)) from exc
    except DAMAGE as exc:
        raise FileError(path, _damaged(exc)) from exc
    return out.getvalue()


class _Unreadable(Exception):
    """Why an image cannot be opened, as the end of a sentence naming it."""


@contextmanager
def _opened(path: Path) -> Iterator[Image.Image]:
    """The image with only its header read."""
    if path.is_dir():
        raise _Unreadable("is a folder, not an image")
    if not path.stat().st_size:
        raise _Unreadable("is empty (0 bytes)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a damaged TIFF's header, say: its own message says enough
        warnings.simplefilter("error", Image.DecompressionBombWarning)  # Pillow only warns below twice its limit
        try:
            image = Image.open(path)
        except UnidentifiedImageError as exc:
            raise _Unreadable("is not a readable JPEG or PNG image") from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            limit = f"{Image.MAX_IMAGE_PIXELS or 0:,}"
            raise _Unreadable(f"claims more than {limit} pixels; it must be at most {MAX_PX}x{MAX_PX}") from exc
    with image:
        yield image


def _damaged(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno:  # the system's refusal (permission, say), not Pillow's
        return f"cannot be read ({(exc.strerror or str(exc)).lower()})"
    return f"is damaged ({str(exc).strip().rstrip('.') or type(exc).__name__}); save or export it again"
