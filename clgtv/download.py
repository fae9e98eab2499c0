"""The one wrapper around HTTP: downloads for `clgtv import`, and the notifications `clgtv publish` sends.

Only http and https are fetched, redirects included (a redirect to file:, ftp: or data: is refused);
each download has a size limit and a time limit, and every failure is a FetchError `URL: message`.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

from clgtv import __version__
from clgtv.errors import FetchError

SCHEMES = ("http", "https")
CHUNK = 1 << 20
MB = 1_000_000
READ_TIMEOUT = 30.0  # seconds without a byte before a download is given up
USER_AGENT = f"clgtv/{__version__} (podcast import)"


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 10

    def http_error_302(self, req, fp, code, msg, headers):
        location = headers.get("Location") or headers.get("URI")
        if location and urlsplit(target := urljoin(req.full_url, location)).scheme.lower() not in SCHEMES:
            raise FetchError(req.full_url, f"redirects to {target}; only http:// and https:// are followed")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


# no FileHandler, FTPHandler or DataHandler: a feed cannot make clgtv read a local file
_OPENER = urllib.request.OpenerDirector()
for _handler in (
    urllib.request.ProxyHandler(),
    urllib.request.HTTPHandler(),
    urllib.request.HTTPSHandler(),
    _Redirects(),
    urllib.request.HTTPErrorProcessor(),
    urllib.request.HTTPDefaultErrorHandler(),
):
    _OPENER.add_handler(_handler)


def check_url(url: str) -> str:
    """`url` if it is an http(s) address with a host, else FetchError."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise FetchError(url, "expected a web address starting with https:// or http://")
    return url


def fetch(url: str, limit: int, deadline: float = 60.0) -> bytes:
    """The body at `url`, at most `limit` bytes, within `deadline` seconds."""
    body = io.BytesIO()
    _download(url, body, limit, deadline)
    return body.getvalue()


def fetch_to(url: str, path: Path, limit: int, deadline: float) -> int:
    """Write the body at `url` to `path` (which must not exist); its size in bytes."""
    try:
        with open(path, "xb") as out:
            return _download(url, out, limit, deadline)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _download(url: str, out: BinaryIO, limit: int, deadline: float) -> int:
    check_url(url)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
    ends = time.monotonic() + deadline
    with _failures(url), _OPENER.open(request, timeout=READ_TIMEOUT) as response:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(url, f"is {_size(int(declared))}, over the limit of {_size(limit)}")
        size = 0
        while chunk := response.read1(CHUNK):  # what has come, not a whole CHUNK: a trickle meets the deadline
            size += len(chunk)
            if size > limit:
                raise FetchError(url, f"is over the limit of {_size(limit)}; stopped there")
            if time.monotonic() > ends:
                raise FetchError(url, f"took longer than {deadline:g} s; stopped")
            out.write(chunk)
        return size


ANSWER_LIMIT = 64 * 1024  # what a notification's answer may hold; it is read and dropped


def send(url: str, data: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 10.0) -> int:
    """One request to `url`, a POST of `data` (form-encoded) when given, else a GET; the answer's status (2xx).
    Every other answer is a FetchError with its status. No message holds `headers`, which may carry a token."""
    check_url(url)
    sent = {"User-Agent": USER_AGENT, **(headers or {})}
    if data is not None:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, headers=sent, method="POST" if data is not None else "GET")
    with _failures(url, timeout), _OPENER.open(request, timeout=timeout) as response:
        response.read(ANSWER_LIMIT)
        return response.status


@contextlib.contextmanager
def _failures(url: str, timeout: float | None = None) -> Iterator[None]:
    """Every way a request fails, as one FetchError naming the URL (`timeout`: READ_TIMEOUT unless given)."""
    timeout = READ_TIMEOUT if timeout is None else timeout
    try:
        yield
    except FetchError:
        raise
    except urllib.error.HTTPError as exc:
        raise FetchError(url, f"the server answered {exc.code} {exc.reason}", status=exc.code) from None
    except urllib.error.URLError as exc:
        raise FetchError(url, f"cannot be reached ({_reason(exc.reason)})") from None
    except TimeoutError:
        raise FetchError(url, f"no data for {timeout:g} s; the server stopped answering") from None
    except (http.client.HTTPException, ConnectionError, ValueError) as exc:
        raise FetchError(url, f"the download failed ({exc.__class__.__name__}: {exc})") from None
    except OSError as exc:
        if exc.filename or exc.errno in (28, 30):  # our disk, not the network
            raise
        raise FetchError(url, f"the download failed ({_reason(exc)})") from None


def _reason(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or reason.__class__.__name__


def _size(count: int) -> str:
    return f"{count / MB:.1f} MB" if count >= MB else f"{count:,} bytes"
