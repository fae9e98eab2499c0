"""Golden outputs: the samples' feeds and one episode page, byte for byte, apart from what the audio engine
decides (media sizes and the hashes in media names). A change to them is deliberate:
`make test PYTEST_ARGS=--update-golden` (or `pytest tests/test_golden.py --update-golden`) rewrites
tests/golden/, and the diff goes into the commit for review."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
SHOWS = ("an-audience-with-clgdottv", "clgdottv-podcast")
PAGE = "clgdottv-podcast/localgov-digital-co-op/index.html"
# what the audio engine decides, not the content: replaced before comparing
ENGINE = (
    (re.compile(r"(/media/[a-z0-9-]+-)[0-9a-f]{10}(\.\w+)"), r"\1HASH\2"),
    (re.compile(r"(/social-)[0-9a-f]{10}(\.png)"), r"\1HASH\2"),  # the PNG's bytes are Pillow's
    (re.compile(r'(<enclosure url="[^"]*" length=")\d+'), r"\1BYTES"),
    (re.compile(r'("contentSize": ")\d+'), r"\1BYTES"),  # the JSON-LD's, the enclosure's length again
    (re.compile(r"\b\d+\.\d MB\b"), "N.N MB"),
)


def normalised(data: bytes) -> str:
    text = data.decode("utf-8")
    for pattern, replacement in ENGINE:
        text = pattern.sub(replacement, text)
    return text


@pytest.mark.parametrize("name", [*(f"{show}/feed.xml" for show in SHOWS), PAGE])
def test_published_output_matches_golden(published: Path, name: str, request: pytest.FixtureRequest) -> None:
    made = normalised((published / "public" / name).read_bytes())
    golden = GOLDEN / name.replace("/", "__")
    if request.config.getoption("--update-golden"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(made, encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden.name}: run pytest {__file__} --update-golden"
    assert made == golden.read_text(encoding="utf-8"), f"{name} differs from {golden}; see the diff, then update"
