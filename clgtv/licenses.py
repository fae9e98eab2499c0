"""Podcasting 2.0 licence slugs: the namespace's list, and the rule for `license` and `license_url`.

`podcast:license` is a slug from the namespace's licence list, or any other name with the licence's
URL beside it (docs/tags/license.md). The list below is docs/examples/license/licenses.json of
https://github.com/Podcastindex-org/podcast-namespace at commit c0ff5caa3729610362ee93f8034454fa41f3c493
(the list last changed in ec300ee550032aa152eaf2a5d01018ffa33ca124, 4 March 2026): each `shortname`
with its `link`. Update it from there; the list is short on purpose (anything else needs a URL).
"""

from __future__ import annotations

import re
from pathlib import Path

from clgtv.errors import Problem

SOURCE = (
    "https://github.com/Podcastindex-org/podcast-namespace/blob/c0ff5caa3729610362ee93f8034454fa41f3c493/"
    "docs/examples/license/licenses.json"
)
LICENSES = {
    "ARR": "https://en.wikipedia.org/wiki/All_rights_reserved",
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC-BY-NC-4.0": "https://creativecommons.org/licenses/by-nc/4.0/deed.en",
    "CC-BY-NC-ND-4.0": "https://creativecommons.org/licenses/by-nc-nd/4.0/deed.en",
    "POD-V4V-1.0": "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/examples/license/v4v-4.0.md",
}
# the namespace asks for "a lower-cased reference" to a slug, yet writes them in capitals: both are slugs
_BY_FOLDED = {slug.casefold(): slug for slug in LICENSES}


def is_slug(name: str) -> bool:
    return name.casefold() in _BY_FOLDED


def suggestion(name: str) -> str | None:
    """The slug a host most likely meant by `name` (`CC BY-NC 4.0` is `CC-BY-NC-4.0`), or None."""
    shaped = re.sub(r"[\s_]+", "-", name.strip().strip("()").strip()).casefold()
    # only the spelling may differ: a near miss such as CC BY-SA 4.0 is another licence, not a typo
    return next((_BY_FOLDED[form] for form in (shaped, f"{shaped}.0") if form in _BY_FOLDED), None)


def license_message(name: str) -> str:
    """Why `name`, given without a `license_url`, cannot go out."""
    meant = suggestion(name)
    hint = f"did you mean '{meant}'? Otherwise " if meant else ""
    return (
        f"'{name}' is not a licence slug from the Podcasting 2.0 list ({', '.join(LICENSES)}); "
        f"{hint}give license_url, the address of the licence's full text, for any other licence"
    )


def license_problems(values: dict, lines: dict[str, int], path: Path) -> list[Problem]:
    """A `license` that is neither a slug from the list nor given with a `license_url`."""
    name = values.get("license")
    if not name or values.get("license_url") or is_slug(name):
        return []
    return [Problem(path, lines.get("license", 1), "license", license_message(name))]
