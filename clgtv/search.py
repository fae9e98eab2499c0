"""Search across the site: the rendered pages indexed by Pagefind into `pagefind/` beside them, at build.

The one wrapper around the pagefind binary: the one the pagefind-bin wheel ships, found by the pagefind
package (so `PAGEFIND_BINARY_PATH` overrides it, as it does for Pagefind's own Python API). A pure argv
builder, and one runner that turns every failure into a SearchError naming what failed.

Pagefind indexes what the pages mark with `data-pagefind-body` (the templates' <main>), less what they
mark `data-pagefind-ignore` (times, sizes, download links: nothing that changes when only the audio does),
so the same content gives the same index, byte for byte, and a publish with nothing changed uploads none
of it. The whole site is one index in the site's language (`--force-language`): every page is found from
every page, whatever the programme's own language.

The index is kept in the text cache by the bytes of every page, the binary and this code: a rebuild whose
pages did not change copies it instead of running Pagefind again (seconds on a large site).
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from clgtv import textcache
from clgtv.errors import SearchError
from clgtv.files import beside
from clgtv.layout import SEARCH_FOLDER
from clgtv.textcache import NO_CACHE, TextCache

BUNDLE = SEARCH_FOLDER  # the index and Pagefind's scripts, published as <site>/pagefind/
TIMEOUT_S = 900  # far beyond any site's indexing (see README): a hung binary must not hang the build


def pagefind_binary() -> Path:
    """The pagefind executable (PAGEFIND_BINARY_PATH, else the pagefind-bin wheel's)."""
    try:
        from pagefind.service import get_executable
    except ImportError as exc:
        raise SearchError("pagefind", "not installed; pip install 'pagefind[bin]'") from exc
    found = get_executable()
    if found is None:
        raise SearchError("pagefind", "no pagefind binary found; pip install pagefind-bin, or set PAGEFIND_BINARY_PATH")
    return found


def index_argv(binary: Path, site_dir: Path, language: str) -> list[str]:
    """The pagefind command that indexes `site_dir` into `site_dir/pagefind/`."""
    return [
        str(binary),
        "--site",
        str(site_dir),
        "--output-subdir",
        BUNDLE,
        "--force-language",
        language.split("-")[0].lower(),  # Pagefind wants the bare ISO 639-1 code
        "--keep-index-url",  # the pages link to …/index.html, which any static host serves
        "--quiet",
    ]


def index_site(site_dir: Path, language: str, cache: TextCache = NO_CACHE) -> None:
    """Index every page under `site_dir` into `site_dir/pagefind/` (from `cache` when it holds this index);
    raise SearchError, naming the binary or the site, if Pagefind fails."""
    binary = pagefind_binary()
    argv = index_argv(binary, site_dir, language)
    kept = cache.folder(f"search/{_key(binary, site_dir, argv)}")
    if kept and (kept / "pagefind.js").is_file():
        _link_tree(kept, site_dir / BUNDLE)
        return
    shutil.rmtree(site_dir / BUNDLE, ignore_errors=True)  # Pagefind would write into files the cache shares
    _run(binary, site_dir, argv)
    if kept:
        partial = beside(kept, ".partial")
        _link_tree(site_dir / BUNDLE, partial)
        shutil.rmtree(kept, ignore_errors=True)  # an entry left incomplete
        partial.replace(kept)


def _run(binary: Path, site_dir: Path, argv: list[str]) -> None:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise SearchError(site_dir, f"search index: pagefind did not finish in {TIMEOUT_S} s") from exc
    except OSError as exc:
        raise SearchError(binary, f"cannot run pagefind ({exc.strerror or exc.__class__.__name__})") from exc
    if result.returncode != 0:
        raise SearchError(site_dir, f"search index: pagefind failed (exit {result.returncode}){_reason(result)}")
    if not (site_dir / BUNDLE / "pagefind.js").is_file():
        raise SearchError(site_dir, f"search index: pagefind wrote no {BUNDLE}/pagefind.js{_reason(result)}")


def _key(binary: Path, site_dir: Path, argv: list[str]) -> str:
    """The index's cache key: every page's path and bytes, the binary's bytes, the options."""
    digest = hashlib.sha256(_binary_digest(binary).encode())
    digest.update("\0".join(argv[3:]).encode())  # the options; not the binary's or the site's path
    for page in sorted(site_dir.rglob("*.html")):
        digest.update(page.relative_to(site_dir).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(page.read_bytes()).digest())
    return textcache.key(digest.hexdigest())


@functools.cache
def _binary_digest(binary: Path) -> str:
    try:
        return hashlib.sha256(binary.read_bytes()).hexdigest()
    except OSError as exc:
        raise SearchError(binary, f"cannot run pagefind ({exc.strerror or exc.__class__.__name__})") from exc


def _link_tree(source: Path, target: Path) -> None:
    """`source` copied to `target` as hard links (copies across file systems): a large index costs nothing."""

    def link(from_path: str, to_path: str) -> None:
        try:
            os.link(from_path, to_path)
        except OSError:
            shutil.copyfile(from_path, to_path)

    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, copy_function=link)


def _reason(result: subprocess.CompletedProcess) -> str:
    lines = [line.strip() for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()] or lines
    return f": {errors[0]}" if errors else ""
