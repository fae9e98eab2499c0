"""CORS from `clgtv serve`, over real HTTP on 127.0.0.1: the feeds, chapters and transcripts of the published
samples carry Access-Control-Allow-Origin, and a preflight is answered, so a web player elsewhere can read them.
(test_browser.py has Chromium read them from another origin; test_storage_s3.py has `clgtv cors` on a bucket.)"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from clgtv.cors import RULE
from clgtv.server import make_server

EPISODE = "clgdottv-podcast/localgov-digital-co-op"
READ_BY_PLAYERS = (
    "clgdottv-podcast/feed.xml",
    f"{EPISODE}/chapters.json",
    f"{EPISODE}/transcript.vtt",
    f"{EPISODE}/transcript.srt",
    f"{EPISODE}/transcript.json",
)
ORIGIN = "https://player.example.org"


@pytest.fixture(scope="module")
def port(published: Path) -> Iterator[int]:
    server = make_server(published / "public", "127.0.0.1", 0)
    server.RequestHandlerClass.log_message = lambda *args: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def ask(port: int, method: str, path: str, **headers: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, "/" + path, headers={"Origin": ORIGIN, **headers})
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


@pytest.mark.parametrize("path", READ_BY_PLAYERS)
def test_what_players_read_is_readable_from_any_origin(port: int, published: Path, path: str) -> None:
    for method in ("GET", "HEAD"):
        response = ask(port, method, path)
        assert response.status == 200, (method, path)
        assert response.getheader("Access-Control-Allow-Origin") == "*"
        assert "Content-Range" in response.getheader("Access-Control-Expose-Headers")
    ranged = ask(port, "GET", path, Range="bytes=0-9")
    assert ranged.status == 206
    assert ranged.getheader("Access-Control-Allow-Origin") == "*"
    assert ranged.body == (published / "public" / path).read_bytes()[:10]  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", READ_BY_PLAYERS)
def test_a_preflight_is_answered(port: int, path: str) -> None:
    response = ask(
        port, "OPTIONS", path, **{"Access-Control-Request-Method": "GET"}, **{"Access-Control-Request-Headers": "range"}
    )
    assert response.status == 204
    assert response.getheader("Access-Control-Allow-Origin") == "*"
    assert set(response.getheader("Access-Control-Allow-Methods").split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert response.getheader("Access-Control-Allow-Headers") == "*"
    assert int(response.getheader("Access-Control-Max-Age")) == RULE["MaxAgeSeconds"]
    assert response.body == b""  # type: ignore[attr-defined]


def test_hidden_files_stay_hidden_to_a_preflight_too(port: int) -> None:
    for method in ("OPTIONS", "GET"):
        assert ask(port, method, ".clgtv/manifest.json").status == 404
