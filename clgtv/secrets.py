"""Credentials never printed, and never left in the content: redaction for every message, a scan for `check`."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from clgtv.errors import Problem

HIDDEN = "***"

# user:password@ in any URL, up to the last @ before the path (a password may hold an unencoded @)
_USERINFO = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)[^/?#\s]*@", re.I)
# ... and in a quoted URL (`got 'http://me:pass word@host'`), where a space cannot end the password
_QUOTED_USERINFO = re.compile(r"(?P<scheme>(?P<quote>['\"])[a-z][a-z0-9+.-]*://)[^'\"/?#]*@", re.I)
# the signing and token parameters of signed URLs (S3, Azure, CDNs)
_SIGNED = re.compile(
    r"(?P<name>[?&](?:X-Amz-(?:Signature|Credential|Security-Token)|Signature|AWSAccessKeyId|sig|token"
    r"|access_token|api_key|key|password|Policy|Key-Pair-Id)=)[^&#\s'\"]+",
    re.I,
)
_ACCESS_KEY = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")
# aws_secret_access_key = ..., AWS_SECRET_ACCESS_KEY=..., "SecretAccessKey": "..." (the AWS CLI's JSON)
_SECRET_SETTING = re.compile(
    r"(?P<name>\b(?:aws_secret_access_key|SecretAccessKey)['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+", re.I
)
# in a host's file, a bare `secret_access_key: ...` too (clgtv's own messages name that field, so not redacted)
_SECRET_FIELD = re.compile(r"\b(?:aws_)?secret_?access_?key['\"]?\s*[:=]\s*['\"]?[^\s'\"]", re.I)

_PASSWORD_IN_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/?#\s:@]*:[^/?#\s]*@", re.I)  # not ssh://git@host

_FINDINGS = (
    (_PASSWORD_IN_URL, "a user name and password in a web address"),
    (_SIGNED, "a signed web address or access token"),
    (_ACCESS_KEY, "an AWS access key id"),
    (_SECRET_FIELD, "an AWS secret access key"),
)


def redact(text: str) -> str:
    """`text` with every credential replaced by ***."""
    text = _QUOTED_USERINFO.sub(lambda m: f"{m['scheme']}{HIDDEN}@", text)
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{HIDDEN}@", text)
    text = _SIGNED.sub(lambda m: f"{m['name']}{HIDDEN}", text)
    text = _ACCESS_KEY.sub(HIDDEN, text)
    return _SECRET_SETTING.sub(lambda m: f"{m['name']}{HIDDEN}", text)


def split_userinfo(url: str) -> tuple[str, str]:
    """(the URL without its user name and password, the user name and password or "") by parsing,
    so a password holding a space or an @ is found whole. Raises ValueError for a malformed URL."""
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at:
        return url, ""
    return urlunsplit(parts._replace(netloc=host)), userinfo


def find_secrets(path: Path, text: str) -> list[Problem]:
    """A warning for each line of a host's file that holds a credential: it is in git, so in every clone."""
    problems = []
    for number, line in enumerate(text.split("\n"), start=1):
        for pattern, what in _FINDINGS:
            if pattern.search(line):
                problems.append(
                    Problem(path, number, "secret", f"holds {what}; remove it from the file and change the credential")
                )
                break
    return problems


def secret_warnings(files: list[Path]) -> list[Problem]:
    """find_secrets over each file that exists and reads as text."""
    problems = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        problems += find_secrets(path, text)
    return problems
