"""Artwork checks and cover-art bytes (Pillow behind two functions)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError

MIN_PX = 1400
MAX_PX = 3000
FORMATS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}


def artwork_problems(path: Path) -> list[str]:
    """What is wrong with a programme's artwork, as messages for the host."""
    if not path.is_file():
        return [f"file not found: {path.name}"]
    try:
        with Image.open(path) as image:
            width, height = image.size
            kind, mode = image.format, image.mode
    except (UnidentifiedImageError, OSError):
        return [f"{path.name} is not a readable JPEG or PNG image"]
    problems = []
    if kind not in FORMATS:
        problems.append(f"{path.name} is {kind}; expected JPEG or PNG")
    elif path.suffix.lower() not in FORMATS[kind]:
        problems.append(f"{path.name} is a {kind} image; its name must end in {FORMATS[kind][0]}")
    if mode not in ("RGB", "RGBA", "P") or (mode == "RGBA" and kind == "JPEG"):
        problems.append(f"{path.name} uses colour mode {mode}; expected RGB")
    if width != height:
        problems.append(f"{path.name} is {width}x{height} pixels; it must be square")
    elif width < MIN_PX:
        problems.append(f"{path.name} is {width}x{height} pixels; it must be at least {MIN_PX}x{MIN_PX}")
    elif width > MAX_PX:
        problems.append(f"{path.name} is {width}x{height} pixels; it must be at most {MAX_PX}x{MAX_PX}")
    return problems


def cover_jpeg(path: Path, size: int = 600) -> bytes:
    """A small RGB JPEG of the artwork for embedding in ID3 (players need no more)."""
    with Image.open(path) as image:
        image = image.convert("RGB")
        image.thumbnail((size, size), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()
