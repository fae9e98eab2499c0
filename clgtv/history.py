"""What the target has already published that the content must stay true to: each episode's guid.

A podcast app knows an episode by its guid. Change it after publishing and every subscriber gets the
episode again as a new one, so a guid that differs from the published feed's is refused.
"""

from __future__ import annotations

import json
from typing import Protocol

from lxml import etree

from clgtv.content import Content
from clgtv.errors import Problem

# a feed from the target is data: no entities expanded, nothing fetched, no size limit lifted
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class Readable(Protocol):
    def read(self, key: str) -> bytes | None: ...


def published_guids(feed: bytes | None) -> dict[str, str]:
    """Episode slug -> guid, from a published feed (each item's link ends in /<show>/<slug>/)."""
    if not feed:
        return {}
    try:
        root = etree.fromstring(feed, _PARSER)
    except etree.XMLSyntaxError:
        return {}
    guids = {}
    for item in root.iterfind("channel/item"):
        link, guid = item.findtext("link"), item.findtext("guid")
        if link and guid:
            guids[link.rstrip("/").rpartition("/")[2]] = guid.strip()
    return guids


def guid_problems(content: Content, target: Readable) -> list[Problem]:
    """Episodes whose guid differs from the one their programme's published feed gives them."""
    problems = []
    for programme in content.programmes:
        published = published_guids(target.read(f"{programme.show.slug}/feed.xml"))
        for episode in programme.episodes:
            old = published.get(episode.slug)
            if old is not None and old != episode.guid:
                problems.append(
                    Problem(
                        episode.path,
                        episode.line("guid"),
                        "guid",
                        f"the published feed gives this episode the guid '{old}'; a new guid makes podcast "
                        f"apps offer it to every subscriber again as a new episode. To keep it, write "
                        f"guid: {json.dumps(old)}",
                    )
                )
    return problems
