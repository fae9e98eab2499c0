"""Make the sample programme artwork: episodes/<show>/artwork.jpg.

Square 1400x1400 RGB JPEG (the smallest size Apple Podcasts accepts), a
diagonal gradient, the programme title in large type, a "CLGdotTV" wordmark
and a row of level-meter bars. Deterministic: same input, same bytes.

    python scripts/make_sample_artwork.py

Needs Pillow and a TrueType font: DejaVu Sans (Debian: fonts-dejavu-core) is
looked for first, then whatever fc-list offers.
"""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
SIZE = 1400
MARGIN = 110

SHOWS = {
    "an-audience-with-clgdottv": {
        "title": ["An Audience", "with CLGdotTV"],
        "strap": "Panels and questions from the floor",
        "top": (6, 78, 84),  # deep teal
        "bottom": (10, 140, 120),  # green-teal
        "accent": (255, 200, 87),  # warm yellow
    },
    "clgdottv-podcast": {
        "title": ["CLGdotTV", "Podcast"],
        "strap": "Digital public services, in conversation",
        "top": (44, 22, 84),  # deep indigo
        "bottom": (176, 38, 96),  # magenta
        "accent": (120, 230, 255),  # cyan
    },
}

FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
]


def find_font(bold: bool = True) -> str:
    """Path of a TrueType font: DejaVu Sans if present, else anything fc-list knows."""
    for path in FONT_CANDIDATES:
        candidate = path if bold else path.replace("-Bold", "")
        if Path(candidate).is_file():
            return candidate
    style = ":style=Bold" if bold else ""
    out = subprocess.run(
        ["fc-list", f":fontformat=TrueType{style}", "file"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    files = sorted(line.split(":")[0] for line in out.splitlines() if line.strip())
    if not files:
        raise SystemExit("no TrueType font found: apt-get install fonts-dejavu-core")
    return files[0]


def gradient(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    """A diagonal gradient from the top-left colour to the bottom-right one."""
    small = 256
    img = Image.new("RGB", (small, small))
    px = img.load()
    for y in range(small):
        for x in range(small):
            t = (x + y) / (2 * (small - 1))
            px[x, y] = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=False))
    return img.resize((SIZE, SIZE), Image.BICUBIC)


def fit(draw: ImageDraw.ImageDraw, lines: list[str], font_path: str, width: int, start: int) -> ImageFont.FreeTypeFont:
    """The largest font (from `start` px down) in which every line fits `width`."""
    size = start
    while size > 20:
        font = ImageFont.truetype(font_path, size)
        if all(draw.textlength(line, font=font) <= width for line in lines):
            return font
        size -= 4
    return ImageFont.truetype(font_path, size)


def make(show: str, spec: dict) -> Path:
    bold, regular = find_font(True), find_font(False)
    img = gradient(spec["top"], spec["bottom"])
    draw = ImageDraw.Draw(img)
    white, accent = (255, 255, 255), spec["accent"]

    # Wordmark, top left: "CLG" + accent "dot" + "TV".
    mark = ImageFont.truetype(bold, 64)
    x, y = MARGIN, MARGIN
    for part, colour in (("CLG", white), ("dot", accent), ("TV", white)):
        draw.text((x, y), part, font=mark, fill=colour)
        x += draw.textlength(part, font=mark)
    draw.rectangle((MARGIN, y + 92, MARGIN + 120, y + 102), fill=accent)

    # Title: as large as fits, left-aligned, in the upper middle.
    font = fit(draw, spec["title"], bold, SIZE - 2 * MARGIN, 200)
    line_height = round(font.size * 1.12)
    y = 430
    for line in spec["title"]:
        draw.text((MARGIN, y), line, font=font, fill=white)
        y += line_height

    # Strapline.
    strap = ImageFont.truetype(regular, 50)
    draw.text((MARGIN, y + 40), spec["strap"], font=strap, fill=(255, 255, 255))

    # Level-meter bars along the bottom (a fixed pattern, not random).
    bars, gap = 28, 14
    bar_w = (SIZE - 2 * MARGIN - (bars - 1) * gap) / bars
    base = SIZE - MARGIN
    for i in range(bars):
        h = 40 + 150 * abs(math.sin(i * 0.55) * math.cos(i * 0.23))
        x0 = MARGIN + i * (bar_w + gap)
        draw.rounded_rectangle((x0, base - h, x0 + bar_w, base), radius=bar_w / 2, fill=accent)

    out = ROOT / "episodes" / show / "artwork.jpg"
    out.parent.mkdir(parents=True, exist_ok=True)
    img.save(out, "JPEG", quality=90, optimize=True, progressive=False)
    return out


def main() -> None:
    for show, spec in SHOWS.items():
        out = make(show, spec)
        with Image.open(out) as check:
            print(f"{out.relative_to(ROOT)}: {check.size[0]}x{check.size[1]} {check.mode}, {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
