"""The published pages in real headless Chromium (Debian's, driven by Playwright): player, chapters, the
interactive transcript, search, accessibility (axe-core from the axe-playwright-python wheel) and hostile
show notes. One browser for the session; each test gets a fresh context."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

import axe_playwright_python as axe_package
import pytest
from conftest import cli_ok, make_project, make_tone
from lxml import etree
from playwright import sync_api
from test_feed import make_rich, spoken_in
from test_pages import publish_rich

from clgtv import build, content, site
from clgtv.release import Edition, Transcript
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


@pytest.fixture(scope="session")
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


def watched(page):
    page.errors = []
    page.requested = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: page.errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: page.errors.append(f"request failed: {r.url}"))
    page.on("request", lambda r: page.requested.append(r.url))
    return page


@pytest.fixture
def page(browser):
    context = browser.new_context()
    yield watched(context.new_page())
    context.close()


@pytest.fixture
def open_page(browser):
    """A page in a context of one's own: `open_page(reduced_motion="reduce")`, `java_script_enabled=False`."""
    contexts = []

    def made(**options):
        contexts.append(browser.new_context(**options))
        return watched(contexts[-1].new_page())

    yield made
    for context in contexts:
        context.close()


CUES = 60  # a minute of one-second cues: enough to scroll the transcript's box
SPOKEN_ONLY = "zebrafish"  # said in cue 45 of the automatic transcript, written nowhere else


def long_transcript(path: Path) -> Path:
    lines = ["WEBVTT", ""]
    for n in range(CUES):
        text = f"Line {n} of the automatic transcript" + (f", where a {SPOKEN_ONLY} swims by." if n == 45 else ".")
        lines += [f"00:00:{n:02d}.250 --> 00:00:{n + 1:02d}.250" if n < 59 else "00:00:59.250 --> 00:01:00.000"]
        lines += [f"<v Speaker {n % 3 + 1}>{text}", ""]
    path.write_text("\n".join(lines))
    return path


@pytest.fixture(scope="module")
def automatic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A built project whose one episode (a minute of real audio) goes out with an automatic transcript of
    60 cues, given to its Release as the recogniser's build stage will: Transcript(path, automatic=True)."""
    root = make_project(tmp_path_factory.mktemp("automatic") / "project")
    make_tone(root / "episodes/test-show/2026-10-01-test.wav", seconds=61)
    vtt = long_transcript(root / "automatic.vtt")
    loaded = content.load(root)
    result = build.build(loaded)

    def made(edition: Edition) -> Edition:
        releases = tuple(replace(r, transcript=Transcript(vtt, automatic=True)) for r in edition.releases)
        return replace(edition, releases=releases)

    site.render_all(loaded.site, tuple(made(e) for e in result.editions), result.site_dir)
    with serving(result.site_dir) as base:
        yield base + "test-show/test/index.html"


def serious_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
        if v["impact"] in impacts
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
    [
        "index.html",
        "clgdottv-podcast/index.html",
        "an-audience-with-clgdottv/care-and-health-integration/index.html",
        "clgdottv-podcast/localgov-digital-co-op/embed/index.html",
    ],
)
def test_pages_have_no_serious_accessibility_violations(page, samples: str, path: str) -> None:
    page.goto(samples + path)
    assert serious_violations(page) == []
    assert page.errors == []


def test_a_missing_address_deep_in_the_site_gets_a_working_page(page, samples: str) -> None:
    answer = page.goto(samples + "clgdottv-podcast/an-address-that-moved/")
    assert answer.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert page.evaluate("getComputedStyle(document.querySelector('.skip')).position") == "absolute"  # styled
    assert page.get_by_role("search").is_visible()  # its script ran: search from here
    assert serious_violations(page) == []
    page.get_by_role("link", name="CLGdotTV Podcast").click()
    page.wait_for_url(samples + "clgdottv-podcast/index.html")
    assert page.errors == ["console: Failed to load resource: the server responded with a status of 404 (Not Found)"]


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
    ring = button.evaluate("e => getComputedStyle(e).outlineColor")
    for background in ((255, 255, 255), (255, 244, 204)):  # the page, and a highlighted cue (#fff4cc)
        assert contrast(ring, background) >= 3, (ring, background)  # WCAG 2.2 1.4.11: non-text contrast


def contrast(css: str, background: tuple[int, int, int]) -> float:
    """WCAG's contrast ratio of a CSS rgb() colour against `background`."""

    def luminance(rgb: tuple[int, ...]) -> float:
        linear = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    colour = tuple(int(part) for part in re.findall(r"\d+", css)[:3])
    light, dark = sorted((luminance(colour) + 0.05, luminance(background) + 0.05), reverse=True)
    return light / dark


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


PLAYER = "document.getElementById('player')"
CURRENT = "document.querySelector('p.cue.current')?.id ?? null"
BOX = "document.querySelector('div.transcript')"


def load_episode(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(f"{PLAYER}.readyState >= 1")  # metadata loaded: the player can seek


def seek(page, seconds: float, cue: str) -> None:
    page.evaluate(f"{PLAYER}.currentTime = {seconds}")
    page.wait_for_function(f"({CURRENT}) === '{cue}'")


def box_shows(page, cue: str) -> bool:
    """Whether the cue lies inside the transcript's box as it is scrolled now."""
    return page.evaluate(
        f"""() => {{ const box = {BOX}.getBoundingClientRect();
        const cue = document.getElementById('{cue}').getBoundingClientRect();
        return cue.top >= box.top && cue.bottom <= box.bottom; }}"""
    )


def test_the_cue_being_spoken_is_highlighted_and_kept_in_view(page, automatic: str) -> None:
    load_episode(page, automatic)
    assert page.evaluate(CURRENT) is None  # nothing spoken yet
    page_scroll = page.evaluate("window.scrollY")
    seek(page, 40.3, "t-40")
    assert page.locator("p.cue.current").count() == 1
    assert page.locator("#t-40").get_attribute("aria-current") == "true"  # marked for assistive technology
    page.wait_for_function(f"{BOX}.scrollTop > 0")
    page.wait_for_timeout(700)  # let a smooth scroll finish
    assert box_shows(page, "t-40")
    assert page.evaluate("window.scrollY") == page_scroll  # the box scrolled; the page did not move
    seek(page, 12.25, "t-12")  # back: the exact start of a cue finds that cue
    assert page.locator("#t-40").get_attribute("aria-current") is None
    # real playback across a cue boundary moves the highlight on by itself
    page.evaluate(f"{PLAYER}.currentTime = 20.9")
    page.wait_for_function(f"({CURRENT}) === 't-20'")
    page.evaluate(f"{PLAYER}.play()")
    page.wait_for_function(f"({CURRENT}) === 't-21'", timeout=10_000)
    assert page.evaluate(f"{PLAYER}.paused") is False
    assert page.errors == []


def test_every_cue_time_seeks_by_mouse_and_keyboard_and_focus_stays(page, automatic: str) -> None:
    load_episode(page, automatic)
    # at a sixteenth of normal speed the player stays within the cue it was sent to while a loaded machine
    # gets round to looking: the test is of where a seek lands, not of how fast it plays on
    page.evaluate(f"{PLAYER}.defaultPlaybackRate = {PLAYER}.playbackRate = 0.0625")
    cue = page.locator("#t-7 button.seek")
    assert cue.get_attribute("type") == "button" and cue.inner_text().endswith("0:00:07")
    assert page.get_by_role("button", name="Play from 0:00:07").count() == 1
    cue.click()
    page.wait_for_function(f"Math.abs({PLAYER}.currentTime - 7.25) < 0.5")
    page.wait_for_function(f"({CURRENT}) === 't-7'")  # marked when the player reports its new time
    assert cue.evaluate("e => e === document.activeElement")  # focus stays where the listener is
    assert page.url.endswith("#t-7")  # the moment's address, to share
    page.evaluate(f"{PLAYER}.pause()")
    other = page.locator("#t-3 button.seek")
    other.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"Math.abs({PLAYER}.currentTime - 3.25) < 0.5")
    page.locator("#t-9 button.seek").focus()
    page.keyboard.press("Space")
    page.wait_for_function(f"Math.abs({PLAYER}.currentTime - 9.25) < 0.5")
    assert page.locator("#t-9 button.seek").evaluate("e => e === document.activeElement")
    assert page.evaluate(f"{PLAYER}.playbackRate") == 0.0625  # nothing reset it: the times above were seeks
    for target in ("#t-9 button.seek", "#transcript-follow"):  # WCAG 2.5.8: at least 24 by 24 px
        box = page.locator(target).bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, (target, box)
    assert page.errors == []


def test_playback_never_steals_focus_or_the_reading_place(page, automatic: str) -> None:
    load_episode(page, automatic)
    search = page.locator("#site-search-q")
    search.focus()
    page.evaluate("window.scrollTo(0, 0)")
    seek(page, 30.5, "t-30")
    page.evaluate(f"{PLAYER}.currentTime = 31.9; {PLAYER}.play()")
    page.wait_for_function(f"({CURRENT}) === 't-32'", timeout=10_000)
    assert search.evaluate("e => e === document.activeElement")
    assert page.evaluate("window.scrollY") == 0  # the page stays where the listener is reading
    page.evaluate(f"{PLAYER}.pause()")
    # the listener scrolls the transcript to read elsewhere: the box does not snap back to the player
    page.evaluate(f"{BOX}.scrollTo({{top: 0, behavior: 'instant'}})")
    seek(page, 50.5, "t-50")
    page.wait_for_timeout(700)
    assert page.evaluate(f"{BOX}.scrollTop") == 0
    # nor while keyboard focus is on another line of the transcript
    page.locator("#t-2 button.seek").focus()
    seek(page, 55.5, "t-55")
    page.wait_for_timeout(700)
    assert page.evaluate(f"{BOX}.scrollTop") == 0 and box_shows(page, "t-2")
    assert page.errors == []


def scroll_when_seeking(page, seconds: float) -> tuple[float, float, float]:
    """The box's scrollTop before a seek, as the seek's events end, and a second later."""
    return page.evaluate(
        f"""async () => {{
        const player = {PLAYER}, box = {BOX}, before = box.scrollTop;
        const at = new Promise((done) => player.addEventListener("seeked", () => done(box.scrollTop), {{once: true}}));
        player.currentTime = {seconds};
        const settled = await new Promise((done) => setTimeout(() => done(box.scrollTop), 1000));
        return [before, await at, settled]; }}"""
    )


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_reduced_motion_jumps_instead_of_scrolling_smoothly(open_page, automatic: str, motion: str) -> None:
    page = open_page(reduced_motion=motion)
    load_episode(page, automatic)
    before, at_seek, settled = scroll_when_seeking(page, 40.5)
    assert before == 0 and settled > 0 and box_shows(page, "t-40")
    if motion == "reduce":
        assert at_seek == settled  # there at once: no motion
    else:
        assert at_seek < settled  # on its way: a smooth scroll


def test_without_javascript_the_transcript_is_plain_text(open_page, automatic: str, samples: str) -> None:
    page = open_page(java_script_enabled=False)
    page.goto(automatic)
    assert page.locator("div.transcript button").count() == 0  # no buttons that would do nothing
    assert (
        page.locator("#t-45").inner_text()
        == f"0:00:45 Speaker 1: Line 45 of the automatic transcript, where a {SPOKEN_ONLY} swims by."
    )
    assert page.locator("#transcript-follow").count() == 0
    assert page.get_by_role("search").count() == 0  # search runs in the browser: no box without it
    page.goto(samples + "search/index.html?q=answer")
    assert "Search needs JavaScript" in page.locator("#search-status").inner_text()


def test_the_automatic_transcript_page_has_no_serious_accessibility_violations(page, automatic: str) -> None:
    load_episode(page, automatic)
    seek(page, 20.5, "t-20")  # a highlighted cue: its contrast is checked too
    notice = page.locator("#transcript-notice")
    assert notice.is_visible() and "made automatically by speech recognition" in notice.inner_text()
    assert serious_violations(page) == []
    assert page.errors == []


def search_for(page, base: str, words: str) -> None:
    page.goto(base + "index.html")
    box = page.get_by_role("search").get_by_label("Search")
    box.fill(words)
    box.press("Enter")  # from the keyboard, on any page
    page.wait_for_function("/match/.test(document.getElementById('search-status').textContent)")


def test_a_word_spoken_only_in_a_transcript_finds_the_moment(page, samples: str) -> None:
    search_for(page, samples, "answer")  # said in one sample's transcript, in no notes or title
    assert page.locator("#search-status").inner_text() == "1 page match “answer”."
    result = page.locator("#search-results li.result")
    assert result.locator("h2").inner_text() == (
        "Can current systems last? Self-supporting communities and asset-based commissioning"
    )
    assert result.locator("h2").get_attribute("lang") == "en-GB"  # its programme's language
    assert result.locator("ul.moments p").get_attribute("lang") == "en-GB"
    moment = result.locator("ul.moments a")
    assert moment.inner_text() == "at 0:00:15"
    assert "One answer is self-supporting communities" in result.locator("ul.moments").inner_text()
    assert result.locator("mark").inner_text() == "answer"
    assert serious_violations(page) == []
    moment.click()
    page.wait_for_url("**/self-supporting-communities/index.html#t-15")
    page.wait_for_function(f"Math.abs({PLAYER}.currentTime - 15.058) < 0.01")  # opened at that moment
    assert page.evaluate(CURRENT) == "t-15"
    assert page.evaluate(f"{PLAYER}.paused")  # positioned, not played: the listener presses play
    assert [url for url in page.requested if not url.startswith(samples)] == []  # nothing from elsewhere
    assert page.errors == []


def test_a_moment_in_a_transcript_in_another_language_is_marked_in_it(page, tmp_path: Path) -> None:
    root = spoken_in(make_rich(make_project(tmp_path / "project")), "cy")  # its SRT says "Second line"
    cli_ok(root, "publish")
    with serving(root / "public") as base:
        search_for(page, base, "Second")
        result = page.locator("#search-results li.result")
        assert result.locator("h2").get_attribute("lang") == "en-GB"  # the page's title: the programme's
        assert result.locator("ul.moments p").get_attribute("lang") == "cy"  # what was said: the transcript's
        assert result.locator("ul.moments p mark").inner_text() == "Second"
        assert serious_violations(page) == []
        assert page.errors == []


def test_a_moment_far_down_an_automatic_transcript_opens_in_view(page, automatic: str) -> None:
    base = automatic.removesuffix("test-show/test/index.html")
    search_for(page, base, SPOKEN_ONLY)
    page.locator("#search-results ul.moments a").click()
    page.wait_for_function(f"Math.abs({PLAYER}.currentTime - 45.25) < 0.01")
    assert page.evaluate(CURRENT) == "t-45" and box_shows(page, "t-45")
    assert page.locator("#t-45").is_visible() and page.locator("#t-45").bounding_box()["y"] >= 0
    assert page.errors == []


# what a web player fetches; `X-Player` is no CORS-safelisted header, so its fetch is preflighted (OPTIONS)
FETCH = """async ([url, preflighted]) => {
  const answer = await fetch(url, preflighted ? {headers: {"X-Player": "clgtv-test"}} : {});
  return [answer.status, (await answer.text()).length];
}"""


def test_a_web_player_on_another_site_reads_feeds_chapters_and_transcripts(
    page, samples: str, published: Path, tmp_path: Path
) -> None:
    """Chromium on another origin (the same host, another port) fetches them, as the namespace asks web players may."""
    page_html = "<!doctype html><html lang=en><title>A player elsewhere</title><link rel=icon href='data:,'></html>"
    (tmp_path / "index.html").write_text(page_html)
    episode = "clgdottv-podcast/localgov-digital-co-op"
    paths = ["clgdottv-podcast/feed.xml", f"{episode}/chapters.json"]
    paths += [f"{episode}/transcript.{suffix}" for suffix in ("vtt", "srt", "json")]
    with serving(tmp_path) as elsewhere:
        page.goto(elsewhere)
        for path in paths:
            text = (published / "public" / path).read_text(encoding="utf-8")
            for preflighted in (False, True):
                assert page.evaluate(FETCH, [samples + path, preflighted]) == [200, len(text)], (path, preflighted)
    assert page.errors == []


EMBED = "clgdottv-podcast/localgov-digital-co-op/embed/index.html"


@pytest.fixture
def council(samples: str, tmp_path: Path) -> Iterator[str]:
    """A council's page on another origin (another port of 127.0.0.1) with the episode's player in an
    iframe, written as the oEmbed document's html gives it."""
    oembed = urlopen(samples + EMBED.replace("embed/index.html", "oembed.json")).read()
    frame = json.loads(oembed)["html"].replace("http://localhost:8000/", samples)
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Council news</title>'
        '<link rel="icon" href="data:,"></head><body><main><h1>Council news</h1>'
        f'<p><a href="#top">A link before the player</a></p>{frame}</main></body></html>'
    )
    with serving(tmp_path) as base:
        yield base + "index.html"


def test_the_embedded_player_plays_from_the_keyboard_on_another_origin(page, council: str, samples: str) -> None:
    page.goto(council)
    frame = page.frame_locator("iframe")
    assert frame.locator("h1").inner_text() == "LocalGov Digital becomes a co-operative"
    assert urlsplit(council).netloc != urlsplit(samples).netloc  # cross-origin, and not blocked
    player = frame.locator("audio")
    for _ in range(12):  # Tab from the council's own link into the frame, to the player
        page.keyboard.press("Tab")
        if player.evaluate("e => document.activeElement === e || e.contains(document.activeElement)"):
            break
    else:
        pytest.fail("the player cannot be reached with Tab")
    page.keyboard.press("Space")
    assert page.evaluate("() => document.querySelector('iframe').contentDocument === null")  # another origin
    player.evaluate("e => new Promise(done => e.paused ? e.addEventListener('playing', done, {once: true}) : done())")
    assert player.evaluate("e => !e.paused")
    page.keyboard.press("Space")
    assert player.evaluate("e => new Promise(done => setTimeout(() => done(e.paused), 300))")
    assert page.errors == []


def test_the_embed_fits_its_iframe_and_sends_nothing_that_blocks_framing(open_page, samples: str) -> None:
    with urlopen(samples + EMBED) as response:
        headers = {k.lower(): v for k, v in response.getheaders()}
    assert "x-frame-options" not in headers and "frame-ancestors" not in headers.get("content-security-policy", "")
    page = open_page(viewport={"width": 640, "height": 200}, reduced_motion="reduce")
    page.goto(samples + EMBED)
    assert page.evaluate("document.documentElement.scrollHeight") <= 200
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).animationName") == "none"
    assert serious_violations(page, ("minor", "moderate", "serious", "critical")) == []  # axe-core clean
    assert [r for r in page.requested if not r.startswith(samples)] == []  # everything from the target


def test_the_embed_is_axe_clean_in_a_narrow_column(open_page, samples: str) -> None:
    """A council's sidebar: the iframe at 320 pixels, the text zoomed to 200%."""
    page = open_page(viewport={"width": 320, "height": 200})
    page.goto(samples + EMBED)
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # no sideways scrolling
    title = "(() => { const h = document.querySelector('h1'); return h.scrollHeight <= h.clientHeight; })()"
    assert page.evaluate(title)  # the whole title shows, however many lines it takes (WCAG 1.4.10)
    assert serious_violations(page, ("minor", "moderate", "serious", "critical")) == []
