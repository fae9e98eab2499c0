"""CORS: what lets a web player on another site read the feeds, chapters and transcripts (the Podcasting 2.0
namespace asks for it). Declared once here: `clgtv serve` sends these headers, and `clgtv cors` writes the same
rule to an S3 bucket. The site is public and read-only, so any origin may read it, without credentials.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from clgtv.errors import StorageError

METHODS = ("GET", "HEAD")
EXPOSED = ("Content-Length", "Content-Range", "Accept-Ranges", "ETag")  # players seek with Range and read these
MAX_AGE = 86400  # seconds a browser may keep a preflight's answer

# the S3 rule (PutBucketCors), as the README gives it
RULE: dict[str, Any] = {
    "AllowedOrigins": ["*"],
    "AllowedMethods": list(METHODS),
    "AllowedHeaders": ["*"],
    "ExposeHeaders": list(EXPOSED),
    "MaxAgeSeconds": MAX_AGE,
}

# what `clgtv serve` adds to every answer, and, with those, to a preflight (OPTIONS)
HEADERS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": ", ".join(EXPOSED)}
PREFLIGHT = {
    "Access-Control-Allow-Methods": ", ".join((*METHODS, "OPTIONS")),
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Max-Age": str(MAX_AGE),
}


@runtime_checkable
class Bucket(Protocol):
    """A target whose bucket has CORS rules (clgtv.storage.S3Target)."""

    bucket: str

    def cors_rules(self) -> list[dict[str, Any]]: ...
    def set_cors_rules(self, rules: list[dict[str, Any]]) -> None: ...


def apply(target: object, log: Callable[[str], None]) -> bool:
    """Add clgtv's rule to the bucket's CORS rules, keeping any others; False when it was there already."""
    if not isinstance(target, Bucket):
        raise StorageError(
            f"{target}: a folder has no CORS setting; clgtv serve sends the headers itself, and another web "
            "server needs Access-Control-Allow-Origin: * in its own configuration (see the README)"
        )
    bucket = target
    rules = bucket.cors_rules()
    if any(_same(rule, RULE) for rule in rules):
        log(f"s3://{bucket.bucket}: already has clgtv's CORS rule; nothing changed")
        return False
    bucket.set_cors_rules([*rules, RULE])
    kept = f", beside its {len(rules)} other rule(s)" if rules else ""
    log(f"s3://{bucket.bucket}: CORS rule set: GET and HEAD from any origin{kept}")
    return True


def _same(rule: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """The same rule, whatever the order of its lists (S3 gives them back as it likes)."""
    return all(
        sorted(rule.get(k, [])) == sorted(v) if isinstance(v, list) else rule.get(k) == v for k, v in wanted.items()
    )
