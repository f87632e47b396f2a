"""Raw HTTP requests as test suites write them: parsed, written back, and compared as a server would see them."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from awsclient.sigv4 import split_query

__all__ = ["RawRequest", "differences", "parse_request", "render_request"]

_HTTP_VERSION = re.compile(r"HTTP/\d\.\d").fullmatch


@dataclass(frozen=True)
class RawRequest:
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name), None)

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


def parse_request(raw: bytes) -> RawRequest:
    """A raw HTTP/1.1 request as the suite writes it: request line, headers (obs-fold allowed), blank line, body."""
    ends = [(at, len(sep)) for sep in (b"\n\n", b"\r\n\r\n") if (at := raw.find(sep)) >= 0]
    at, size = min(ends) if ends else (len(raw), 0)
    head, body = raw[:at].decode("utf-8"), raw[at + size :]
    lines = head.replace("\r\n", "\n").split("\n")
    method, _, rest = lines[0].partition(" ")
    target, _, version = rest.rpartition(" ")  # the target may hold spaces: the suite does not encode paths
    if not method.isalpha() or not target or not _HTTP_VERSION(version):
        raise ValueError(f"bad request line {lines[0]!r}: expected METHOD TARGET HTTP/1.1")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")  # obs-fold: the fold is a space
        elif line:
            name, colon, value = line.partition(":")
            if not colon or not name.strip():
                raise ValueError(f"bad header line {line!r}")
            headers.append((name, value))
    if target.startswith("/"):
        path, _, query = target.partition("?")
    else:
        split = urlsplit(target)
        path, query = split.path, split.query
    return RawRequest(method, path, query, headers, body)


def render_request(request: RawRequest) -> bytes:
    """The request in the suite's own text form (`Name:value` headers, `\\n` line ends); `parse_request` reads it."""
    head = [f"{request.method} {request.target} HTTP/1.1", *(f"{name}:{value}" for name, value in request.headers)]
    return ("\n".join(head) + "\n\n").encode("utf-8") + request.body


def differences(expected: RawRequest, actual: RawRequest) -> list[str]:
    """What differs between two signed requests as a verifier reads them; empty when they are the same.

    Method, path and body must be equal; query parameters are compared decoded and in any order (signers order
    and encode the X-Amz-* parameters differently); headers by lower-case name and trimmed value in any order;
    the Authorization header by its parts (algorithm, Credential, SignedHeaders, Signature), whatever the spacing.
    """
    found: list[str] = []
    for label, want, got in (("method", expected.method, actual.method), ("path", expected.path, actual.path)):
        if want != got:
            found.append(f"{label}: expected {want!r}, got {got!r}")
    found += _multiset_diff("query parameter", _query_pairs(expected.query), _query_pairs(actual.query))
    found += _multiset_diff("header", _header_pairs(expected), _header_pairs(actual))
    if expected.body != actual.body:
        found.append(f"body: expected {len(expected.body)} bytes, got {len(actual.body)} different bytes")
    return found


def authorization_parts(value: str) -> dict[str, str]:
    algorithm, _, rest = value.strip().partition(" ")
    parts = {"algorithm": algorithm}
    for field in rest.split(","):
        name, _, part = field.strip().partition("=")
        if name:
            parts[name] = part.strip()
    return parts


def _query_pairs(query: str) -> Counter[tuple[str, str]]:
    return Counter((unquote(name), unquote(value)) for name, value in split_query(query))


def _header_pairs(request: RawRequest) -> Counter[tuple[str, str]]:
    pairs: Counter[tuple[str, str]] = Counter()
    for name, value in request.headers:
        lower = name.strip().lower()
        if lower == "authorization":
            pairs.update((f"authorization {key}", part) for key, part in authorization_parts(value).items())
        else:
            pairs[(lower, " ".join(value.split()))] += 1
    return pairs


def _multiset_diff(label: str, want: Counter[tuple[str, str]], got: Counter[tuple[str, str]]) -> list[str]:
    missing = sorted((want - got).elements())
    extra = sorted((got - want).elements())
    return [f"{label} missing: {_shown(name, value)}" for name, value in missing] + [
        f"{label} unexpected: {_shown(name, value)}" for name, value in extra
    ]


def _shown(name: str, value: str) -> str:
    """`name='value'`, a session token's value withheld (it is a secret; its length tells copies apart)."""
    if name.lower() == "x-amz-security-token":
        return f"{name}=<session token, {len(value)} characters>"
    return f"{name}={value!r}"
