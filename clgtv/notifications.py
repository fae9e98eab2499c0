"""Notifications on publish: the WebSub hubs and Podping are told of each feed whose bytes changed.

They are sent once the feeds are up, through the one HTTP wrapper (`clgtv.download.send`). A notification
that fails is retried with backoff, then becomes a warning: the publish is done by then and nothing is
undone. The Podping token comes only from $PODPING_TOKEN and never appears in a message.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from clgtv.download import send
from clgtv.errors import FetchError, Problem
from clgtv.settings import NotifySettings, Site
from clgtv.storage.plan import LocalFile

Log = Callable[[str], None]
PODPING_TOKEN_ENV = "PODPING_TOKEN"
BACKOFF = 1.0  # seconds before the first retry, doubled for each one after
TIMEOUT = 10.0  # seconds a service has to answer
RETRIED = (408, 425, 429)  # with every 5xx and every failure without an answer: the next attempt may pass


@dataclass(frozen=True)
class Service:
    """One place to tell: a WebSub hub, or Podping."""

    name: str  # as messages show it
    url: str
    podping: bool = False

    @property
    def who(self) -> str:
        return "Podping" if self.podping else "the hub"

    def request(self, feed_url: str, medium: str, token: str) -> tuple[str, bytes | None, dict[str, str]]:
        """The URL, body and headers that tell this service that `feed_url` changed."""
        if not self.podping:  # the WebSub publish ping most hubs take, Google's and Superfeedr's included
            return self.url, urlencode({"hub.mode": "publish", "hub.url": feed_url}).encode(), {}
        query = {"url": feed_url, **({"medium": medium} if medium != "podcast" else {})}  # podping.cloud's API
        joiner = "&" if "?" in self.url else "?"
        return f"{self.url}{joiner}{urlencode(query)}", None, {"Authorization": token}


def services(notify: NotifySettings) -> tuple[Service, ...]:
    found = tuple(Service(f"WebSub hub {hub}", hub) for hub in notify.hubs)
    if notify.podping:
        found += (Service(f"Podping ({notify.podping_url})", notify.podping_url, podping=True),)
    return found


class Announcer:
    """Told the feeds uploaded by a publish (after its feeds stage), tells every service about each."""

    def __init__(
        self,
        site: Site,
        mediums: dict[str, str],
        log: Log,
        environ: dict[str, str] | os._Environ = os.environ,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.site, self.mediums, self.log, self.sleep = site, mediums, log, sleep  # mediums: feed key -> medium
        self.attempts = site.notify.max_attempts
        self.token = environ.get(PODPING_TOKEN_ENV, "").strip()

    def feeds(self, uploads: Iterable[LocalFile]) -> list[str]:
        """The keys of the programmes' feeds among the files uploaded."""
        return [local.key for local in uploads if local.key in self.mediums]

    def preview(self, uploads: Iterable[LocalFile]) -> None:
        """What a publish would send (for --dry-run): one line per service and feed, nothing sent."""
        for service in self._ready(feeds := self.feeds(uploads), dry_run=True):
            for key in feeds:
                self.log(f"would notify {service.name} of {self.site.url(key)}")

    def __call__(self, uploads: Iterable[LocalFile]) -> None:
        feeds = self.feeds(uploads)
        for service in self._ready(feeds, dry_run=False):
            self._tell(service, feeds)

    def _ready(self, feeds: list[str], dry_run: bool) -> tuple[Service, ...]:
        """The services to tell; Podping only with a usable token (else a warning, once)."""
        if not feeds:
            return ()
        chosen = services(self.site.notify)
        if not any(s.podping for s in chosen):
            return chosen
        problem = token_problem(self.token)
        if problem is None:
            return chosen
        verb = "would not be" if dry_run else "was not"
        self.log(f"warning: {PODPING_TOKEN_ENV}: {problem}, so Podping {verb} told of {_count(feeds)}")
        return tuple(s for s in chosen if not s.podping)

    def _tell(self, service: Service, feeds: list[str]) -> None:
        """Each feed in turn; a service that still fails after its retries is not asked again in this publish."""
        for done, key in enumerate(feeds):
            url, data, headers = service.request(self.site.url(key), self.mediums[key], self.token)
            failure, tried = self._send(url, data, headers)
            if failure is not None:
                left = feeds[done:]
                self.log(
                    f"warning: {failure} ({_attempts(tried)}); {service.who} was not told "
                    f"of {_count(left)} ({', '.join(left)}). The publish is complete: apps still find the change "
                    "when they next read the feed"
                )
                return
        self.log(f"notified {service.name} of {_count(feeds)}")

    def _send(self, url: str, data: bytes | None, headers: dict[str, str]) -> tuple[FetchError | None, int]:
        """None once the service has taken it, else the last failure; and the attempts made."""
        for attempt in range(1, self.attempts + 1):
            try:
                send(url, data, headers, timeout=TIMEOUT)
                return None, attempt
            except FetchError as exc:
                if attempt == self.attempts or not retried(exc):
                    return exc, attempt
            self.sleep(BACKOFF * 2 ** (attempt - 1))
        raise AssertionError("unreachable: max_attempts is at least 1")


def retried(exc: FetchError) -> bool:
    """Worth another attempt: no answer at all, an overloaded or failing server, or one that asks to wait."""
    return exc.status is None or exc.status >= 500 or exc.status in RETRIED


def notify_warnings(site: Site, environ: dict[str, str] | os._Environ = os.environ) -> list[Problem]:
    """For `check`: Podping turned on without a token it could send (publish would skip it)."""
    problem = token_problem(environ.get(PODPING_TOKEN_ENV, "").strip()) if site.notify.podping else None
    if problem is None:
        return []
    return [
        Problem(
            site.path,
            site.line("notify.podping"),
            "notify.podping",
            f"${PODPING_TOKEN_ENV} {problem}; publish will not tell Podping",
        )
    ]


def token_problem(token: str) -> str | None:
    """Why the Podping token cannot be sent, or None. The message never shows the token."""
    if not token:
        return "is not set (podping.cloud gives publishers a token)"
    if any(ord(c) < 33 or ord(c) == 127 for c in token):
        return "holds spaces or control characters; set it to the token alone"
    return None


def _attempts(tried: int) -> str:
    return "1 attempt" if tried == 1 else f"{tried} attempts"


def _count(feeds: list[str]) -> str:
    return "1 changed feed" if len(feeds) == 1 else f"{len(feeds)} changed feeds"
