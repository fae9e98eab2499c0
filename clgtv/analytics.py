"""An analytics prefix on the feed's enclosure URLs: OP3 or any prefix service.

A prefix service counts a download when a podcast app fetches the enclosure through it, then redirects to
the file. Only the feed carries it (enclosures and trailers): the pages' players and download links stay
direct, so a listener on the web is not counted as an app download, and the pages keep working if the
service is down.
"""

from __future__ import annotations

from clgtv.settings import OP3

OP3_ORIGIN = "https://op3.dev/e"
DIRECT = ""  # no prefix


def enclosure_url(url: str, prefix: str | None, guid: str | None) -> str:
    """`url` behind `prefix`. OP3 takes the URL without https:// (an http:// URL keeps its scheme, as OP3
    asks) and the programme's podcast:guid as `pg`, so downloads count for the show before OP3 reads the feed.
    Other services take the URL without its scheme, as Podtrac and Chartable document."""
    if not prefix:
        return url
    if prefix == OP3:
        options = f",pg={guid}" if guid else ""
        return f"{OP3_ORIGIN}{options}/{url.removeprefix('https://')}"
    return prefix + url.split("://", 1)[-1]


def prefix_of(published: str, base_url: str, configured: str | None) -> str | None:
    """The prefix a published feed's recordings were behind: OP3, a prefix address, DIRECT, or None when it
    cannot be told. `published` is an enclosure URL without its path in the site (`<show>/media/<file>`);
    `configured` is the prefix in use now."""
    if published.startswith((OP3_ORIGIN + "/", OP3_ORIGIN + ",")):
        return OP3
    if configured and configured != OP3 and published.startswith(configured):
        return configured
    bare = base_url.split("://", 1)[-1]
    scheme, _, rest = published.partition("://")
    if rest == bare and scheme in ("http", "https"):
        return DIRECT
    prefix = published[: -len(bare)] if published.endswith(bare) else ""
    if prefix.startswith("https://") and prefix.endswith("/") and len(prefix) > len("https://"):
        return prefix
    return None  # the site moved too (a new base_url): what was the prefix and what the old address is not known
