"""The social image of an episode: what a link preview shows (Open Graph, Twitter, `podcast:image
purpose="social"`), 1200x630 pixels, the programme's artwork beside the episode's title.

Drawn with Pillow's own scalable font (`ImageFont.load_default`), so no system font is needed; cached
by everything it is drawn from, as processed audio is.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import PIL
from PIL import Image, ImageDraw, ImageFont, ImageOps

from clgtv.files import replacing

VERSION = 1  # of the drawing: a change here makes every image again
WIDTH, HEIGHT = 1200, 630
MIME_TYPE = "image/png"
BACKGROUND = (11, 83, 148)  # the site's accent, #0b5394
INK = (255, 255, 255)  # 8.1:1 on the background
SOFT = (214, 228, 242)  # the programme's name, 5.9:1
MARGIN = 60
ART = HEIGHT - 2 * MARGIN
TEXT_LEFT = 2 * MARGIN + ART
TEXT_WIDTH = WIDTH - TEXT_LEFT - MARGIN
TITLE_SIZE, TITLE_LINES = 56, 5
SHOW_SIZE, SHOW_LINES = 30, 2
ELLIPSIS = "…"


def social_image(cache_dir: Path, cover: bytes, title: str, show_title: str) -> Path:
    """The PNG for an episode, from `cover` (the artwork as clgtv.artwork.cover_jpeg gives it), made
    once per (drawing, Pillow, cover, titles) and kept in `cache_dir`."""
    inputs = [VERSION, PIL.__version__, hashlib.sha256(cover).hexdigest(), title, show_title]
    key = hashlib.sha256(json.dumps(inputs).encode()).hexdigest()[:32]
    path = cache_dir / f"{key}.png"
    if path.is_file():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    with replacing(path, suffix=".png") as partial:
        draw_image(cover, title, show_title).save(partial, "PNG", optimize=True)
    return path


def social_alt(title: str, show_title: str) -> str:
    """The image in words, for podcast:image alt and og:image:alt."""
    return f"{title}, from {show_title}"


def draw_image(cover: bytes, title: str, show_title: str) -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    with Image.open(io.BytesIO(cover)) as art:
        image.paste(ImageOps.fit(art.convert("RGB"), (ART, ART), Image.Resampling.LANCZOS), (MARGIN, MARGIN))
    show_font = ImageFont.load_default(size=SHOW_SIZE)
    title_font = ImageFont.load_default(size=TITLE_SIZE)
    blocks = [
        (wrap(show_title, show_font, TEXT_WIDTH, SHOW_LINES), show_font, SOFT, round(SHOW_SIZE * 1.3)),
        (wrap(title, title_font, TEXT_WIDTH, TITLE_LINES), title_font, INK, round(TITLE_SIZE * 1.2)),
    ]
    gap = SHOW_SIZE
    height = sum(len(rows) * step for rows, _, _, step in blocks) + gap
    top = MARGIN + max(0, (ART - height) // 2)  # the text centred beside the artwork
    pen = ImageDraw.Draw(image)
    for rows, font, colour, step in blocks:
        for row in rows:
            pen.text((TEXT_LEFT, top), row, font=font, fill=colour)
            top += step
        top += gap
    return image


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int, lines: int) -> list[str]:
    """`text` in rows at most `width` pixels wide, words broken only when longer than a row; at most
    `lines` rows, the last ending in an ellipsis when the text was cut."""
    rows: list[str] = []
    for word in text.split():
        if rows and font.getlength(joined := f"{rows[-1]} {word}") <= width:
            rows[-1] = joined
            continue
        while font.getlength(word) > width:
            cut = _fitting(word, font, width)
            rows.append(word[:cut])
            word = word[cut:]
        rows.append(word)
    if len(rows) <= lines:
        return rows
    last = rows[lines - 1]
    while last and font.getlength(last + ELLIPSIS) > width:
        last = last[:-1]
    return [*rows[: lines - 1], last.rstrip() + ELLIPSIS]


def _fitting(word: str, font: ImageFont.FreeTypeFont, width: int) -> int:
    """How many of the word's first characters fit in `width` (at least one)."""
    count = 1
    while count < len(word) and font.getlength(word[: count + 1]) <= width:
        count += 1
    return count
