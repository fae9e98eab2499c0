"""The Podcast Taxonomy Project's roles for `podcast:person`, by the group each belongs to.

The namespace's taxonomy.json, its names in lower case (the namespace reads role and group without
regard to case). A role outside the cast needs its group in the feed: without one, apps take it for a
cast role. "editor" is in two groups; the first here, writing, is the one clgtv gives it.
"""

from __future__ import annotations

TAXONOMY: dict[str, tuple[str, ...]] = {
    "cast": ("host", "co-host", "guest host", "guest", "voice actor", "narrator", "announcer", "reporter"),
    "creative direction": (
        "director",
        "assistant director",
        "executive producer",
        "senior producer",
        "producer",
        "associate producer",
        "development producer",
        "creative director",
    ),
    "writing": (
        "author",
        "editorial director",
        "co-writer",
        "writer",
        "songwriter",
        "guest writer",
        "story editor",
        "managing editor",
        "script editor",
        "script coordinator",
        "researcher",
        "editor",
        "fact checker",
        "translater",  # sic: the taxonomy's own spelling
        "transcriber",
        "logger",
    ),
    "audio production": (
        "studio coordinator",
        "technical director",
        "technical manager",
        "audio engineer",
        "remote recording engineer",
        "post production engineer",
    ),
    "audio post-production": (
        "audio editor",
        "sound designer",
        "foley artist",
        "composer",
        "theme music",
        "music production",
        "music contributor",
    ),
    "administration": (
        "production coordinator",
        "booking coordinator",
        "production assistant",
        "content manager",
        "marketing manager",
        "sales representative",
        "sales manager",
    ),
    "visuals": ("graphic designer", "cover art designer"),
    "community": ("social media manager",),
    "misc.": ("consultant", "intern"),
    "video production": ("camera operator", "lighting designer", "camera grip", "assistant camera"),
    "video post-production": ("editor", "assistant editor"),
}

# read from the last group to the first, so a role in two groups keeps the first
GROUP_OF = {role: group for group, roles in reversed(TAXONOMY.items()) for role in roles}


def group_of(role: str) -> str | None:
    """The taxonomy's group for `role`, or None for a role it does not list."""
    return GROUP_OF.get(role.strip().lower())
