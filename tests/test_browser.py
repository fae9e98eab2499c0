"""The published pages in real headless Chromium (Debian's, driven by Playwright): player, chapters,
transcript, accessibility (axe-core from the axe-playwright-python wheel) and hostile show notes."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import axe_playwright_python as axe_package
import pytest
from lxml import etree
from playwright import sync_api
from test_pages import publish_rich

from clgtv.server import make_server

# `make test` installs Debian's chromium when it is missing; a missing browser fails, never skips
CHROMIUM = Path(os.environ.get("CLGTV_CHROMIUM", "/usr/bin/chromium"))

AXE_JS = Path(axe_package.__file__).with_name("axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARGS += ["--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]


@contextmanager
def serving(directory: Path) -> Iterator[str]:
    server = make_server(directory, "127.0.0.1", 0)
    server.RequestHandlerClass.log_message = lambda *args: None  # keep the test output quiet
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM.is_file(), f"{CHROMIUM} not found: run `make test` (it installs chromium) or set CLGTV_CHROMIUM"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def samples(published: Path) -> Iterator[str]:
    with serving(published / "public") as base:
        yield base


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(publish_rich(tmp_path_factory.mktemp("browser") / "project")) as base:
        yield base


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: page.errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: page.errors.append(f"request failed: {r.url}"))
    yield page
    context.close()


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def enclosure_path(published: Path, show: str, slug: str) -> str:
    feed = etree.parse(str(published / "public" / show / "feed.xml"))
    (url,) = feed.xpath(f"//item[link[contains(., '/{slug}/')]]/enclosure/@url")
    return urlsplit(url).path


def test_episode_page_plays_seeks_and_shows_the_transcript(page, samples: str, published: Path) -> None:
    page.goto(samples + "clgdottv-podcast/inclusive-digital-economy/index.html")
    page.wait_for_function("document.getElementById('player').readyState >= 1")  # metadata loaded
    current = page.evaluate("document.getElementById('player').currentSrc")
    assert urlsplit(current).path == enclosure_path(published, "clgdottv-podcast", "inclusive-digital-economy")
    buttons = page.locator("ol.chapters button.seek")
    assert buttons.count() == 6
    buttons.nth(3).click()  # "0:00:23 Rochdale and Zen"
    page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 23) < 1.5")
    buttons.nth(1).focus()  # and from the keyboard
    page.keyboard.press("Enter")
    page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 7) < 1.5")
    transcript = page.locator("div.transcript")
    assert transcript.is_visible()
    assert "Welcome to the CLGdotTV Podcast" in transcript.inner_text()
    assert page.errors == []


@pytest.mark.parametrize(
    "path",
    ["index.html", "clgdottv-podcast/index.html", "an-audience-with-clgdottv/care-and-health-integration/index.html"],
)
def test_pages_have_no_serious_accessibility_violations(page, samples: str, path: str) -> None:
    page.goto(samples + path)
    assert serious_violations(page) == []
    assert page.errors == []


def test_focus_is_visible(page, samples: str) -> None:
    page.goto(samples + "clgdottv-podcast/inclusive-digital-economy/index.html")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert skip.evaluate("e => e === document.activeElement")
    assert skip.is_visible() and skip.bounding_box()["x"] >= 0  # the skip link shows on focus
    button = page.locator("ol.chapters button.seek").first
    button.focus()
    outline = button.evaluate("e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth")
    assert outline == "solid 3px"


def test_hostile_notes_do_not_run_and_text_stays_intact(page, hostile: str) -> None:
    page.goto(hostile + "test-show/hostile/index.html")
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.get_by_role("link", name="a bad link").count() == 0  # javascript: links stay text
    assert page.locator("h1").inner_text() == """Tom & Jerry <b>"quoted"</b> 'single' 🎙️ مرحبا بكم שלום"""
    assert "<script>window.pwned = true</script>" in page.locator("section.notes").inner_text()
    assert serious_violations(page) == []
    assert page.errors == []


def test_the_accessibility_check_is_real(page) -> None:
    page.set_content('<html><body><img src="data:,"><p style="color:#bbb">faint</p></body></html>')
    found = " ".join(serious_violations(page))
    assert "image-alt (critical)" in found and "color-contrast (serious)" in found and "html-has-lang" in found
