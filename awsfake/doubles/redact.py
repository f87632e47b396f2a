"""Secrets out of what a fake keeps: the session token and the signature, wherever a request carried them.

A journal, a log line or a repr may show access key ids, never a session token; signatures are shown as
`<redacted>` too, since a journal is for reading what was asked, not for replaying it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs

__all__ = ["BODY_LIMIT", "REDACTED", "SECRET_NAMES", "body", "headers", "mapping", "presented_secrets"]

REDACTED = "<redacted>"
BODY_LIMIT = 64 * 1024  # a journal keeps the first 64 KiB of a request's body
# Header, query and form field names (lower case) whose values are secrets or signatures.
SECRET_NAMES = frozenset({"x-amz-security-token", "x-amz-signature"})
_WATCHED = SECRET_NAMES | {"authorization"}  # headers whose values are redacted, in whole or in part
_SIGNATURE = re.compile(r"Signature=[^,\s]*")
# A multipart form field holding a secret (S3's browser upload): its value runs to the next CRLF.
_FORM_SECRET = re.compile(rb'(name="(?:x-amz-security-token|x-amz-signature)"\r\n(?:[^\r\n]+\r\n)*\r\n)[^\r\n]*', re.I)


def headers(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The headers as sent, with the session token replaced and `Authorization`'s signature cut out (the pairs
    with nothing to hide are kept as they are, not copied)."""
    return tuple([pair if pair[0].lower() not in _WATCHED else (pair[0], _header_value(*pair)) for pair in pairs])


def _header_value(name: str, value: str) -> str:
    lowered = name.lower()
    if lowered in SECRET_NAMES:
        return REDACTED
    if lowered == "authorization":
        return _SIGNATURE.sub(f"Signature={REDACTED}", value)
    return value


def mapping(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy with secret-named keys (a presigned request's `X-Amz-Security-Token`, ...) redacted."""
    return {k: (REDACTED if k.lower() in SECRET_NAMES else v) for k, v in values.items()}


def body(raw: bytes, pairs: Iterable[tuple[str, str]], raw_query: str, limit: int = BODY_LIMIT) -> bytes:
    """The first `limit` bytes of a request's body, with the secrets it presented and secret form fields replaced."""
    if not raw:
        return raw
    kept = raw[:limit]
    for secret in presented_secrets(pairs, raw_query):
        if secret:
            kept = kept.replace(secret.encode(), REDACTED.encode())
    if b"x-amz-s" not in kept.lower():  # no secret field: a plain search is cheaper than the case-blind pattern
        return kept
    return _FORM_SECRET.sub(rb"\g<1>" + REDACTED.encode(), kept)


def presented_secrets(pairs: Iterable[tuple[str, str]], raw_query: str) -> list[str]:
    """The secret values a request carried in its headers or query string, to scrub from anything kept."""
    found = [value for name, value in pairs if name.lower() in SECRET_NAMES]
    if not raw_query:
        return found
    for name, values in parse_qs(raw_query, keep_blank_values=True).items():
        if name.lower() in SECRET_NAMES:
            found.extend(values)
    return found
