"""`clgtv serve`: a static file server for the local target that answers HEAD and Range requests,
as podcast apps and browsers expect when they seek in an episode, and sends the CORS headers web players
need to read feeds, chapters and transcripts from another site (`clgtv.cors`)."""

from __future__ import annotations

import re
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from clgtv.cors import HEADERS, PREFLIGHT
from clgtv.layout import NOT_FOUND_PAGE, content_type

INDEX_PAGES = ("index.html", "index.htm")  # what the standard handler serves for a folder
RANGE = re.compile(r"bytes=(\d{0,18})-(\d{0,18})$")  # a longer number is no range of any file: ignored


class RangeHandler(SimpleHTTPRequestHandler):
    def guess_type(self, path) -> str:
        """The type each file has in storage (`clgtv.layout.content_type`), so local and S3 agree."""
        return content_type(Path(path).relative_to(self.directory).as_posix())

    def _hidden(self, path: Path) -> bool:
        """.clgtv/ (the lock names who publishes) and half-written files are never served, nor anything a
        symbolic link in the folder leads to outside it: a folder's index.html included."""
        if any(part.startswith(".") for part in path.relative_to(self.directory).parts):
            return True
        root = Path(self.directory).resolve()
        served = [path, *(path / name for name in INDEX_PAGES)] if path.is_dir() else [path]
        return not all(each.resolve().is_relative_to(root) for each in served)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A missing address gets the site's own page for one (404.html), as S3 sends its error document."""
        page = Path(self.directory) / NOT_FOUND_PAGE
        if code != HTTPStatus.NOT_FOUND or not page.is_file() or self._hidden(page):
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(code)
        self.send_header("Content-Type", content_type(NOT_FOUND_PAGE))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def list_directory(self, path: str) -> None:
        """No listings: a folder without an index.html is not found, as on S3."""
        self.send_error(HTTPStatus.NOT_FOUND)
        return None

    def do_OPTIONS(self) -> None:
        """A CORS preflight: a web player on another site asking whether it may GET (with Range, say)."""
        self._range = None
        if self._hidden(Path(self.translate_path(self.path))):
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        self.send_response(HTTPStatus.NO_CONTENT)
        for name, value in PREFLIGHT.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def send_head(self):
        self._range = None
        header = self.headers.get("Range")
        path = Path(self.translate_path(self.path))
        if self._hidden(path):
            self.send_error(HTTPStatus.NOT_FOUND)
            return None
        if not header or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        match = RANGE.match(header.strip())
        if not match or match.groups() == ("", ""):
            return super().send_head()
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        else:
            start, end = max(size - int(last), 0), size - 1
        if start >= size or start > end:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        handle = path.open("rb")
        handle.seek(start)
        self._range = (start, end)
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        return handle

    def end_headers(self) -> None:
        if not getattr(self, "_range", None):
            self.send_header("Accept-Ranges", "bytes")
        for name, value in HEADERS.items():  # every answer: the whole site is public and read-only
            self.send_header(name, value)
        super().end_headers()

    def copyfile(self, source, outputfile) -> None:
        if not self._range:
            return super().copyfile(source, outputfile)
        remaining = self._range[1] - self._range[0] + 1
        while remaining > 0 and (block := source.read(min(64 * 1024, remaining))):
            outputfile.write(block)
            remaining -= len(block)
        return None


def make_server(directory: Path, host: str, port: int) -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), partial(RangeHandler, directory=str(directory)))
