"""Secrets out of what a fake keeps: the session token and the signature, wherever a request carried them.

A journal, a log line or a repr may show access key ids, never a session token; signatures are shown as
`<redacted>` too, since a journal is for reading what was asked, not for replaying it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol
from urllib.parse import parse_qs

__all__ = [
    "BODY_LIMIT",
    "REDACTED",
    "SECRET_NAMES",
    "Sent",
    "body",
    "headers",
    "kept",
    "mapping",
    "presented_secrets",
    "request_kept",
]

REDACTED = "<redacted>"
BODY_LIMIT = 64 * 1024  # a journal keeps the first 64 KiB of a request's body
# Header, query and form field names (lower case) whose values are secrets or signatures.
SECRET_NAMES = frozenset({"x-amz-security-token", "x-amz-signature"})
_WATCHED = SECRET_NAMES | {"authorization"}  # headers whose values are redacted, in whole or in part
_SIGNATURE = re.compile(r"Signature=[^,\s]*")
_SIGNATURE_REDACTED = f"Signature={REDACTED}"
# A multipart form field holding a secret (S3's browser upload): its value runs to the next CRLF.
_FORM_SECRET = re.compile(rb'(name="(?:x-amz-security-token|x-amz-signature)"\r\n(?:[^\r\n]+\r\n)*\r\n)[^\r\n]*', re.I)


def headers(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The headers as sent, with the session token replaced and `Authorization`'s signature cut out (the pairs
    with nothing to hide are kept as they are, not copied)."""
    return kept(pairs, b"", "")[0]


def kept(
    pairs: Iterable[tuple[str, str]], raw: bytes, raw_query: str, limit: int = BODY_LIMIT, *, lower_case: bool = False
) -> tuple[tuple[tuple[str, str], ...], bytes]:
    """`headers(pairs)` and `body(raw, pairs, raw_query, limit)` in one walk of the headers (a journal record
    wants both: the walk that redacts the headers also finds the secrets to scrub from the body). `lower_case`:
    the names are lower case already (a `Request`'s), so none is lowered again."""
    redacted = tuple(pairs)
    if lower_case:
        watched = [i for i, (name, _) in enumerate(redacted) if name in _WATCHED]
    else:
        watched = [i for i, (name, _) in enumerate(redacted) if name.lower() in _WATCHED]
    if not watched:
        return redacted, _scrubbed(raw, [], raw_query, limit)
    secrets: list[str] = []
    changed = list(redacted)
    for i in watched:
        name, value = changed[i]
        if (name if lower_case else name.lower()) == "authorization":
            changed[i] = (name, _without_signature(value))
        else:
            secrets.append(value)
            changed[i] = (name, REDACTED)
    return tuple(changed), _scrubbed(raw, secrets, raw_query, limit)


class _SignedPrefix(Protocol):
    """An Authorization header's part before its signature, as a request read it (`awsfake.request.SignedPrefix`)."""

    @property
    def length(self) -> int:
        """Where the signature starts: the prefix ends with `Signature=`."""


class Sent(Protocol):
    """What `request_kept` reads of a request (`awsfake.request.Request`)."""

    @property
    def headers(self) -> list[tuple[str, str]]:
        """The header pairs, lower-case names, in the order received."""

    @property
    def index(self) -> Mapping[str, str]:
        """`dict(headers)`."""

    @property
    def raw_query(self) -> str: ...

    @property
    def signed_prefix(self) -> _SignedPrefix | None:
        """The Authorization header's (`index["authorization"]`) prefix when an SDK wrote it, else None."""


def request_kept(request: Sent, raw: bytes, limit: int = BODY_LIMIT) -> tuple[tuple[tuple[str, str], ...], bytes]:
    """`kept(request.headers, raw, request.raw_query, limit, lower_case=True)` without walking the headers: the
    request's dict of them says which watched names it carries, and when no name repeats each is at one place."""
    pairs, index, query = request.headers, request.index, request.raw_query
    if len(index) != len(pairs) or "x-amz-signature" in index:  # a name sent twice, a signature header: the walk
        return kept(pairs, raw, query, limit, lower_case=True)
    headers = list(pairs)
    secrets = []
    token = index.get("x-amz-security-token")
    if token is not None:
        secrets.append(token)
        headers[pairs.index(("x-amz-security-token", token))] = ("x-amz-security-token", REDACTED)
    authorization = index.get("authorization")
    if authorization is not None:
        at = -1 if pairs[-1][0] == "authorization" else pairs.index(("authorization", authorization))
        headers[at] = ("authorization", _authorization(authorization, request.signed_prefix))
    if secrets or query or 13 in raw:  # (no CR: no form field, see `_scrubbed`)
        return tuple(headers), _scrubbed(raw, secrets, query, limit)
    return tuple(headers), raw[:limit]


def _authorization(authorization: str, prefix: _SignedPrefix | None) -> str:
    """`_without_signature(authorization)`. After an SDK's prefix (which ends with `Signature=`) comes a signature
    of letters and digits only, which the pattern's last match takes whole whatever it is: the header redacted is
    then the prefix redacted, worked out once per prefix (at most 256 kept)."""
    if prefix is not None:
        signature = authorization[prefix.length :]
        if signature.isascii() and signature.encode().isalnum():
            known = _REDACTED_PREFIXES.get(prefix)
            if known is None:
                if len(_REDACTED_PREFIXES) >= 256:
                    _REDACTED_PREFIXES.clear()
                known = _REDACTED_PREFIXES[prefix] = _SIGNATURE.sub(_SIGNATURE_REDACTED, authorization[: prefix.length])
            return known
    return _without_signature(authorization)


# A request's signed prefix -> its Authorization redacted (the prefix objects are shared by the requests that carry
# them, one per distinct prefix: `awsfake.request.signed_prefix`).
_REDACTED_PREFIXES: dict[_SignedPrefix, str] = {}


def _without_signature(authorization: str) -> str:
    """Authorization with each `Signature=` value cut out. An SDK's header ends with its signature (printable ASCII
    but comma and space to the end: the pattern's one match); that one is cut without the pattern, at half the cost."""
    head, found, rest = authorization.partition("Signature=")
    if not found:
        return authorization
    if "," not in rest and " " not in rest and rest.isascii() and rest.isprintable():
        return head + _SIGNATURE_REDACTED
    return _SIGNATURE.sub(_SIGNATURE_REDACTED, authorization)


def mapping(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy with secret-named keys (a presigned request's `X-Amz-Security-Token`, ...) redacted."""
    if not values:  # (S3's operations: their parameters are in the path, query and headers)
        return {}
    if "x-amz-s" not in "".join([*values]).lower():  # no key can be a secret's name: one search, not one per key
        return dict(values)
    return {k: (REDACTED if k.lower() in SECRET_NAMES else v) for k, v in values.items()}


def body(raw: bytes, pairs: Iterable[tuple[str, str]], raw_query: str, limit: int = BODY_LIMIT) -> bytes:
    """The first `limit` bytes of a request's body, with the secrets it presented and secret form fields replaced."""
    return _scrubbed(raw, [value for name, value in pairs if name.lower() in SECRET_NAMES], raw_query, limit)


def _scrubbed(raw: bytes, header_secrets: list[str], raw_query: str, limit: int) -> bytes:
    """`body` given the secret header values already found."""
    if not raw:
        return raw
    scrubbed = raw[:limit]
    for secret in (header_secrets + _query_secrets(raw_query)) if raw_query else header_secrets:
        if secret:
            scrubbed = scrubbed.replace(secret.encode(), REDACTED.encode())
    # No secret field: the pattern needs a CR (a search for a byte is the cheapest), then a plain search.
    if 13 not in scrubbed or b"x-amz-s" not in scrubbed.lower():
        return scrubbed
    return _FORM_SECRET.sub(rb"\g<1>" + REDACTED.encode(), scrubbed)


def presented_secrets(pairs: Iterable[tuple[str, str]], raw_query: str) -> list[str]:
    """The secret values a request carried in its headers or query string, to scrub from anything kept."""
    return [value for name, value in pairs if name.lower() in SECRET_NAMES] + _query_secrets(raw_query)


def _query_secrets(raw_query: str) -> list[str]:
    if not raw_query:
        return []
    return [
        v
        for name, values in parse_qs(raw_query, keep_blank_values=True).items()
        if name.lower() in SECRET_NAMES
        for v in values
    ]
