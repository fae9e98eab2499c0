"""Pages and side files as listeners get them: semantic, escaped, self-contained."""

from __future__ import annotations

import itertools
import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import SITE_YAML, cli_ok, episode_text, make_project
from lxml import html
from test_feed import HOSTILE_NOTES, HOSTILE_TITLE, make_rich, preview

from clgtv import content, pool, site
from clgtv.errors import FileError
from clgtv.release import Release, Transcript
from clgtv.textcache import NO_CACHE, TextCache
from clgtv.transcripts import Cue, json_transcript


def publish_rich(root: Path) -> Path:
    """The `project` fixture's programme made rich and hostile (see test_feed.make_rich), then published."""
    make_rich(make_project(root))
    cli_ok(root, "publish")
    return root / "public"


@pytest.fixture(scope="module")
def rich_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return publish_rich(tmp_path_factory.mktemp("rich") / "project")


def pages(public: Path) -> list[Path]:
    return sorted(public.rglob("index.html"))


def parse(path: Path) -> html.HtmlElement:
    return html.fromstring(path.read_bytes())


def test_every_page_is_semantic_and_self_contained(published: Path, rich_site: Path) -> None:
    for page in [*pages(published / "public"), published / "public/404.html", *pages(rich_site)]:
        doc = parse(page)
        assert doc.get("lang"), page
        assert len(doc.xpath("//h1")) == 1, page
        levels = [int(h.tag[1]) for h in doc.xpath("//h1|//h2|//h3|//h4|//h5|//h6")]
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), (page, levels)
        assert all(img.get("alt") is not None for img in doc.xpath("//img")), page
        assert all(button.text_content().strip() for button in doc.xpath("//button")), page
        assert all(a.text_content().strip() for a in doc.xpath("//a")), page
        assert doc.xpath("//main"), page
        assert doc.xpath("//a[@href='#main']") or page.parent.name == "embed", page  # the player alone: no skip link
        local = doc.xpath("//script/@src|//link[@rel='stylesheet']/@href|//img/@src|//audio/@src")
        assert local and not [u for u in local if "://" in u or u.startswith("//")], page  # no CDNs
        for audio in doc.xpath("//audio"):
            assert doc.xpath(f"//*[@id='{audio.get('aria-labelledby')}']"), page


def test_a_missing_address_gets_a_page_whose_links_work_at_any_depth(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    (root / "clgtv.yaml").write_text(SITE_YAML.replace("http://podcasts.test/", "https://council.example/podcasts/"))
    out = render(root, tmp_path / "out")
    doc = parse(out / "404.html")
    assert doc.xpath("//h1")[0].text_content() == "Page not found"
    assert doc.xpath("//meta[@name='robots']/@content") == ["noindex"]
    assert not doc.xpath("//link[@rel='canonical']")  # it stands for no address of its own
    assert doc.xpath("//main[@data-pagefind-body]") == []  # never a search result
    links = doc.xpath("//a/@href[not(starts-with(., '#'))]|//script/@src|//link[@rel='stylesheet']/@href")
    assert {link.split("/")[1] for link in links} == {"podcasts"}  # from the site's root path, not this folder's
    assert all((out / link.removeprefix("/podcasts/")).is_file() for link in links), links
    assert "/podcasts/test-show/index.html" in links  # each programme
    assert "404.html" not in (out / "sitemap.xml").read_text()


def test_every_page_links_to_the_accessibility_statement_when_there_is_one(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    out = render(root, tmp_path / "before")
    assert not [p for p in out.rglob("*.html") if "Accessibility statement" in p.read_text()]
    statement = "https://council.example/accessibility?site=podcasts&v=2"
    (root / "clgtv.yaml").write_text(SITE_YAML + f"accessibility_statement: {statement}\n")
    out = render(root, tmp_path / "after")
    found = {
        str(page.relative_to(out)): parse(page).xpath("//footer//a[text()='Accessibility statement']/@href")
        for page in out.rglob("*.html")
        if "pagefind" not in page.parts
    }
    embed = "test-show/test/embed/index.html"  # the player inside another site's page: that site's footer
    assert found == {page: [] if page == embed else [statement] for page in found}
    assert {"index.html", "404.html", "search/index.html", "test-show/index.html", "test-show/test/index.html"} < set(
        found
    )


def test_the_home_page_marks_each_programme_in_its_own_language(published: Path) -> None:
    cards = parse(published / "public/index.html").xpath("//li[@class='card']")
    assert cards and all(card.get("lang") == "en-GB" for card in cards)  # the samples' programmes' language


def test_hostile_text_is_escaped_and_intact(rich_site: Path) -> None:
    page = rich_site / "test-show/hostile/index.html"
    source = page.read_text()
    doc = parse(page)
    assert doc.xpath("//h1")[0].text_content() == HOSTILE_TITLE
    assert doc.xpath("//title")[0].text_content() == f"{HOSTILE_TITLE} · Test Programme"
    notes = doc.xpath("//section[@class='notes']")[0]
    assert "<script>window.pwned = true</script>" in notes.text_content()  # shown as text
    assert 'onerror="window.pwned' not in source and "<script>window" not in source
    assert not doc.xpath("//@href[starts-with(., 'javascript:')]")
    assert doc.xpath("//a[text()='a good one']/@href") == ["https://example.org/?a=1&b=2"]
    assert "مرحبا بكم في البرنامج" in notes.text_content() and "🎧" in notes.text_content()
    assert doc.xpath("//h1/@dir") == ["auto"]
    assert "Ayşe <Guest> & Co" in [a.text_content() for a in doc.xpath("//ul[@class='people']//a")]
    show_page = parse(rich_site / "test-show/index.html")
    assert HOSTILE_TITLE in [a.text_content() for a in show_page.xpath("//ol[@class='episodes']//h3/a")]
    assert HOSTILE_NOTES  # the notes above came from here


def test_programme_page_subscribe_links(published: Path, rich_site: Path) -> None:
    rich = parse(rich_site / "test-show/index.html")
    links = {a.text_content(): a.get("href") for a in rich.xpath("//ul[@class='subscribe']//a")}
    assert links == {
        "Apple Podcasts": "https://podcasts.apple.com/gb/podcast/test/id123",
        "Spotify": "https://open.spotify.com/show/abc",
        "RSS feed": "http://podcasts.test/test-show/feed.xml",
    }
    plain = parse(published / "public/clgdottv-podcast/index.html")
    assert [a.text_content() for a in plain.xpath("//ul[@class='subscribe']//a")] == ["RSS feed"]


def test_episode_page_parts(rich_site: Path) -> None:
    doc = parse(rich_site / "test-show/hostile/index.html")
    (audio,) = doc.xpath("//audio")
    assert audio.get("src").startswith("../../test-show/media/hostile-") and audio.get("src").endswith(".mp3")
    # without JavaScript the times are text (player.js makes them buttons): no button that does nothing
    assert not doc.xpath("//button[not(@type='submit')]")
    assert [li.get("data-start") for li in doc.xpath("//ol[@class='chapters']/li")] == ["0.0", "2.0"]
    assert doc.xpath("//ol[@class='chapters']//span[@class='stamp']/text()") == ["0:00:00", "0:00:02"]
    assert doc.xpath("//ol[@class='chapters']//a/@href") == ["https://example.org/part-two"]
    assert doc.xpath("//a[text()='WebVTT']/@href") == ["transcript.vtt"]
    assert doc.xpath("//a[text()='SRT']/@href") == ["transcript.srt"]
    assert doc.xpath("//a[text()='JSON']/@href") == ["transcript.json"]
    cues = doc.xpath("//div[@class='transcript']/p")
    assert [(p.get("id"), p.get("data-start"), p.xpath("span[@class='stamp']")[0].tail.strip()) for p in cues] == [
        ("t-0", "0.0", "First words & more"),
        ("t-1", "1.5", "Second line"),
    ]
    assert "made automatically" not in doc.text_content()  # the host's own transcript
    assert doc.xpath("//img[@class='episode-art']/@alt") == [f"Artwork for {HOSTILE_TITLE}"]
    assert "Licence: CC0-1.0" in doc.xpath("//article/p[@class='meta']")[-1].text_content()


def test_transcripts_as_vtt_and_srt(published: Path, rich_site: Path) -> None:
    directory = published / "public/clgdottv-podcast/inclusive-digital-economy"
    vtt = (directory / "transcript.vtt").read_text()
    srt = (directory / "transcript.srt").read_text()
    assert vtt.startswith("WEBVTT\n\n00:00:00.600 --> 00:00:06.845\n<v Vicky Sargent>Welcome to the CLGdotTV Podcast.")
    assert srt.startswith("1\n00:00:00,600 --> 00:00:06,845\nVicky Sargent: Welcome to the CLGdotTV Podcast.")
    assert vtt.count(" --> ") == srt.count(" --> ")
    hostile = rich_site / "test-show/hostile"
    assert (hostile / "transcript.vtt").read_text() == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nFirst words &amp; more\n\n"
        "00:00:01.500 --> 00:00:03.000\nSecond line\n"
    )
    assert (hostile / "transcript.srt").read_text().startswith("1\n00:00:00,000 --> 00:00:01,500\nFirst words & more\n")


def test_transcript_json_follows_podcasting_2(published: Path, rich_site: Path) -> None:
    sample = published / "public/clgdottv-podcast/inclusive-digital-economy"
    segments = json.loads((sample / "transcript.json").read_text())["segments"]
    assert segments[0] == {
        "startTime": 0.6,
        "endTime": 6.845,
        "body": "Welcome to the CLGdotTV Podcast. Today: towards a more inclusive digital economy.",
        "speaker": "Vicky Sargent",
    }
    assert len(segments) == (sample / "transcript.vtt").read_text().count(" --> ")
    hostile = json.loads((rich_site / "test-show/hostile/transcript.json").read_text())
    assert hostile == {
        "version": "1.0.0",
        "segments": [
            {"startTime": 0.0, "endTime": 1.5, "body": "First words & more"},
            {"startTime": 1.5, "endTime": 3.0, "body": "Second line"},
        ],
    }


def test_json_transcript_text_is_plain() -> None:
    cue = Cue(1.0, 2.5, "Ann <Host>", "a <b>tag</b> & more")
    (segment,) = json.loads(json_transcript([cue]))["segments"]
    assert segment == {
        "startTime": 1.0,
        "endTime": 2.5,
        "body": "a <\u2060b>tag<\u2060/b> & more",
        "speaker": "Ann <\u2060Host>",
    }


def test_cue_ids_are_unique_and_name_the_second() -> None:
    cues = [Cue(754.2, 755.0, None, "one"), Cue(754.8, 756.0, None, "two"), Cue(3725.0, 3726.0, None, "three")]
    page = html.fromstring(f"<div>{site.transcript_html(cues)}</div>")
    assert page.xpath("p/@id") == ["t-754", "t-754-2", "t-3725"]
    assert page.xpath("p/span[@class='stamp']/text()") == ["0:12:34", "0:12:34", "1:02:05"]


def render_automatic(root: Path, out: Path) -> Path:
    """The project's editions with each transcript marked as the recogniser's, rendered into `out`."""
    editions = tuple(
        replace(edition, releases=tuple(automatic(r) for r in edition.releases)) for edition in preview(root)
    )
    site.render_all(content.load(root).site, editions, out)
    return out


def automatic(release: Release) -> Release:
    if not release.transcript:
        return release
    return replace(release, transcript=Transcript(release.transcript.source, automatic=True))


def test_an_automatic_transcript_says_so(tmp_path: Path) -> None:
    root = make_rich(make_project(tmp_path / "project"))
    doc = parse(render_automatic(root, tmp_path / "out") / "test-show/hostile/index.html")
    (section,) = doc.xpath("//section[@aria-labelledby='transcript-heading']")
    assert section.xpath("h2")[0].text_content() == "Transcript (made automatically)"  # what screen readers hear
    (notice,) = doc.xpath(f"//*[@id='{section.get('aria-describedby')}']")
    assert notice.text_content() == (
        "This transcript was made automatically by speech recognition and may contain errors."
    )
    assert notice.getnext().text_content().startswith("Download the transcript")  # beside the transcript


def test_chapters_json(rich_site: Path) -> None:
    chapters = json.loads((rich_site / "test-show/hostile/chapters.json").read_text())
    assert chapters == {
        "version": "1.2.0",
        "chapters": [
            {"startTime": 0.0, "title": "Intro & <\u2060welcome>"},  # a word joiner: no tag in any reader
            {"startTime": 2.0, "title": "Part two", "url": "https://example.org/part-two"},
        ],
    }


def many_episodes(root: Path, count: int = 6) -> Path:
    """A project whose one programme has `count` episodes, each with notes and a transcript of its own."""
    show = make_project(root) / "episodes" / "test-show"
    (show / "2026-10-01-test.md").unlink()
    for n in range(1, count + 1):
        body = f"1\n00:00:0{n},000 --> 00:00:0{n},500\n<v Ann>Cue of episode {n} &amp; more\n"
        (show / f"t{n}.srt").write_text(body)
        text = episode_text(episode=n, guid=f"00000000-0000-4000-8000-{n:012d}", transcript=f"t{n}.srt")
        (show / f"2026-10-{n:02d}-e{n}.md").write_text(text.replace("Show notes", f"Notes of **episode {n}**"))
    return root


def render(root: Path, out: Path, jobs: int = 1, cache: TextCache = NO_CACHE) -> Path:
    """Feeds, pages and side files from the content alone (placeholder media), as `clgtv check` sees them."""
    site.render_all(content.load(root).site, preview(root, jobs, cache), out, jobs, cache)
    return out


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def pool_always(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Render in a process pool however few the pages; records each pool's size."""
    sizes: list[int] = []

    class Recorded(ProcessPoolExecutor):
        def __init__(self, workers: int, **options) -> None:
            sizes.append(workers)
            super().__init__(workers, **options)

    monkeypatch.setattr(pool, "PARALLEL_FROM", 1)
    monkeypatch.setattr(pool, "ProcessPoolExecutor", Recorded)
    return sizes


def test_pages_rendered_in_parallel_are_the_same_bytes(tmp_path: Path, pool_always: list[int]) -> None:
    root = many_episodes(tmp_path / "project")
    serial = files(render(root, tmp_path / "serial", jobs=1))
    assert pool_always == []
    parallel = files(render(root, tmp_path / "parallel", jobs=2))
    assert pool_always == [2, 2]  # one pool for the notes, one for the episode pages
    assert any(name.startswith("pagefind/") for name in serial)  # the search index
    pages = [name for name in serial if not name.startswith("pagefind/")]
    # home, search, not found, sitemap, robots.txt; feed, programme page; page, VTT, SRT, JSON, embed, oEmbed; static
    assert len(pages) == 5 + 2 + 6 * 6 + 4
    assert parallel == serial
    page = html.fromstring(serial["test-show/e3/index.html"])
    assert "Notes of episode 3" in page.xpath("//section[@class='notes']")[0].text_content()
    assert "Ann: Cue of episode 3 & more" in page.xpath("//div[@class='transcript']")[0].text_content()


def test_a_worker_error_names_the_file(tmp_path: Path, pool_always: list[int]) -> None:
    root = many_episodes(tmp_path / "project")
    broken = root / "episodes/test-show/t4.srt"
    broken.write_text("no timings in here\n")
    with pytest.raises(FileError) as caught:
        render(root, tmp_path / "out", jobs=2)
    assert pool_always == [2, 2]
    assert caught.value.path == broken.resolve() and "no cues found" in str(caught.value)


def test_rerender_reuses_derived_text_and_notices_changes(tmp_path: Path) -> None:
    root = many_episodes(tmp_path / "project")
    cache = TextCache(tmp_path / "cache")
    first = files(render(root, tmp_path / "first", cache=cache))
    entries = sorted((tmp_path / "cache/transcripts").glob("*.json"))
    assert len(entries) == 6 and (tmp_path / "cache/notes/test-show.json").is_file()
    assert files(render(root, tmp_path / "again", cache=cache)) == first == files(render(root, tmp_path / "bare"))

    # a cache entry made unreadable is derived again; an edited transcript or note is never served stale
    entries[0].write_text("{not json")
    (root / "episodes/test-show/t2.srt").write_text("1\n00:00:02,000 --> 00:00:03,000\nEdited words\n")
    note = root / "episodes/test-show/2026-10-05-e5.md"
    note.write_text(note.read_text().replace("Notes of", "Edited notes of"))
    changed = files(render(root, tmp_path / "changed", cache=cache))
    assert changed == files(render(root, tmp_path / "uncached"))
    assert changed["test-show/e2/transcript.vtt"] == b"WEBVTT\n\n00:00:02.000 --> 00:00:03.000\nEdited words\n"
    assert b"Edited notes of <strong>episode 5</strong>" in changed["test-show/e5/index.html"]
    assert changed["test-show/e1/index.html"] == first["test-show/e1/index.html"]
