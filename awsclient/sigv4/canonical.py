"""The canonical request: one canonicalisation, used by the signer and by the fake's verifier alike.

Canonicalisation follows AWS's published test suite (and botocore, checked by a differential test):

- path: for every service but S3, dot segments and repeated slashes are removed and the path as sent is
  percent-encoded again (so `%20` on the wire is `%2520` in the canonical request); for S3 the path is neither
  normalised nor double-encoded: it is signed as sent (`%2F` stays `%2F`), only characters that cannot appear
  raw in a URL path (space, non-ASCII, `"<>\\^`{|}`) being percent-encoded.
- query: each name and value is decoded then encoded (RFC 3986 unreserved characters left alone); pairs are
  sorted by name, then value; repeated and empty names are kept; `a` and `a=` are the same pair; `=` inside a
  value stays part of it (encoded `%3D`); `+` is a literal plus (`%2B`), never a space.
- headers: names lower-cased and sorted; values trimmed with inner runs of whitespace collapsed; repeated
  headers joined with commas in the order they came. Hop-by-hop headers, `User-Agent`, `Expect` and
  `X-Amzn-Trace-Id` are left unsigned, as botocore does, because proxies and clients change them in flight.

Speed comes from recognising text that is canonical already: what clients send has been percent-encoded the way
the canonical request wants it (unreserved characters raw, every other byte as upper-case `%XX`), so one pattern
search tells that decoding and encoding again would give the same text, and `urllib.parse.quote` runs only for
the rest. Results of that slow path are cached for short strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import TypeAlias, TypeVar
from urllib.parse import quote, unquote_to_bytes

__all__ = [
    "UNSIGNED_HEADERS",
    "HeaderValues",
    "canonical_headers",
    "canonical_path",
    "canonical_query",
    "canonical_request",
    "header_values",
    "named_header_values",
    "parsed_canonical_request",
    "signed_header_names",
    "signed_header_values",
    "split_query",
]

# Headers botocore leaves unsigned (hop-by-hop headers and ones clients and proxies rewrite), plus the
# Authorization header itself.
UNSIGNED_HEADERS = frozenset(
    {
        "authorization",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)

HeaderPairs: TypeAlias = Iterable[tuple[str, str]]
Headers: TypeAlias = "Mapping[str, str] | HeaderPairs"
Query: TypeAlias = "str | Iterable[tuple[str, str]]"

_UNRESERVED = r"A-Za-z0-9\-._~"
# A raw query is canonical already (decoding and encoding it again would not change it) when it is `name=value` pairs
# of characters canonical encoding leaves alone and `%`s, each `%` starting an escape canonical encoding writes: two
# upper-case hex digits of a byte other than an unreserved character's (those it writes raw). A second `=` in a pair
# (encoded `%3D`) or a pair without one (`a` is `a=`) goes the long way.
_QUERY_PAIRS = re.compile(rf"[{_UNRESERVED}%]*=[{_UNRESERVED}%]*(?:&[{_UNRESERVED}%]*=[{_UNRESERVED}%]*)*").fullmatch
_NOT_CANONICAL_ESCAPE = re.compile(r"%(?![89A-F][0-9A-F]|2[0-9A-CF]|3[A-F]|[01][0-9A-F]|40|5[B-E]|60|7[B-DF])").search
_PLAIN_TEXT = re.compile(rf"[{_UNRESERVED}]*").fullmatch
# A path canonical but for its `%`s (each `%25` in the canonical request): segments of unreserved characters and `%`,
# none empty but the last and none starting with `.`, so there is no dot segment or empty segment to remove.
_PLAIN_PATH = re.compile(rf"(?:/[A-Za-z0-9\-_~%][{_UNRESERVED}%]*)*/?").fullmatch
# Everything that may stand raw in a URL path (RFC 3986 pchar, `/` and an existing `%XX`) is signed as sent.
_S3_PATH_SAFE = "/~%!$&'()*+,;=:@"
_S3_PATH_AS_SENT = re.compile(rf"[{_UNRESERVED}/%!$&'()*+,;=:@]*").fullmatch
_T = TypeVar("_T")
_CACHE_MAX_LEN = 1024


def _cached_when_short(maxsize: int) -> Callable[[Callable[[str], _T]], Callable[[str], _T]]:
    """`lru_cache` for strings up to `_CACHE_MAX_LEN` only: the verifier canonicalises what strangers send, and
    caching their megabyte-long queries would hoard memory."""

    def wrap(compute: Callable[[str], _T]) -> Callable[[str], _T]:
        cached = lru_cache(maxsize=maxsize)(compute)

        def call(text: str) -> _T:
            return cached(text) if len(text) <= _CACHE_MAX_LEN else compute(text)

        return call

    return wrap


def canonical_path(path: str, service: str) -> str:
    if not path or path == "/":  # the path of every query and JSON protocol request
        return "/"
    if service == "s3":
        return path if _S3_PATH_AS_SENT(path) else _encode_s3_path(path)
    if _PLAIN_PATH(path):
        return path.replace("%", "%25")
    return _encode_normalised_path(path)


@_cached_when_short(1024)
def _encode_s3_path(path: str) -> str:
    return quote(path, safe=_S3_PATH_SAFE)


@_cached_when_short(1024)
def _encode_normalised_path(path: str) -> str:
    return quote(_remove_dot_segments(path), safe="/~")


def _remove_dot_segments(path: str) -> str:
    """Drop empty, `.` and `..` segments, keeping a leading and (if anything is left) a trailing slash."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    lead = "/" if path.startswith("/") else ""
    trail = "/" if path.endswith("/") and segments else ""
    return lead + "/".join(segments) + trail


def canonical_query(query: Query) -> str:
    """`query` is a raw query string (as sent, percent-encoded) or decoded (name, value) pairs."""
    if isinstance(query, str):
        if not query:
            return ""
        if _QUERY_PAIRS(query) and not ("%" in query and _NOT_CANONICAL_ESCAPE(query)):
            # sorted as (name, value) pairs: NUL, put for each `=`, sorts before any character such a query holds
            return "&".join(sorted(query.replace("=", "\0").split("&"))).replace("\0", "=")
        return _canonical_raw_query(query)
    return _sorted_query([(_encode(k), _encode(v)) for k, v in query])


@_cached_when_short(4096)
def _canonical_raw_query(query: str) -> str:
    return _sorted_query([(_recode(k), _recode(v)) for k, v in split_query(query)])


def _sorted_query(pairs: list[tuple[str, str]]) -> str:
    pairs.sort()
    return "&".join([f"{k}={v}" for k, v in pairs])


def split_query(query: str) -> list[tuple[str, str]]:
    """Raw (still encoded) pairs of a query string; `a` and `a=` both give ("a", "")."""
    if not query:
        return []
    return [(name, value) for name, _, value in (part.partition("=") for part in query.split("&"))]


def _recode(raw: str) -> str:
    """A raw (percent-encoded as sent) query component in canonical encoding."""
    return raw if _PLAIN_TEXT(raw) else quote(unquote_to_bytes(raw), safe="~")


def _encode(text: str | bytes) -> str:
    if isinstance(text, str) and _PLAIN_TEXT(text):
        return text
    return quote(text, safe="~")


def _pairs(headers: Headers) -> HeaderPairs:
    return headers.items() if type(headers) is dict or isinstance(headers, Mapping) else headers


def signed_header_names(headers: Headers) -> list[str]:
    return sorted({name.lower() for name, _ in _pairs(headers)} - UNSIGNED_HEADERS)


class HeaderValues(dict[str, str]):
    """Headers in canonical form: lower-case name -> value trimmed, inner whitespace collapsed, repeats joined with
    commas in the order they came. What `header_values` returns; `canonical_headers` takes it as it is."""


def header_values(headers: Headers) -> HeaderValues:
    values = HeaderValues()
    for name, value in headers.items() if type(headers) is dict else _pairs(headers):
        lower = name.lower()
        trimmed = " ".join(value.split())
        values[lower] = f"{values[lower]},{trimmed}" if lower in values else trimmed
    return values


def named_header_values(headers: Iterable[tuple[str, str]], names: Container[str]) -> HeaderValues:
    """`header_values` of the headers in `names`, for headers already lower-case and each named once (a parsed
    request's, as the verifier has them): the same trimming, nothing to lower-case or join."""
    return HeaderValues({name: " ".join(value.split()) for name, value in headers if name in names})


def signed_header_values(values: Mapping[str, str], signed: Iterable[str]) -> HeaderValues:
    """`header_values` of the signed headers, looked up by name in `values`, a parsed request's headers (lower-case
    names, each once, as the verifier has them): a request carries several headers it does not sign (User-Agent,
    SDK ids, Content-Length), and this walks the signed names only, not every header."""
    out = HeaderValues()
    for name in signed:  # a loop, not a comprehension: Python 3.11 makes each comprehension a function call
        try:  # one lookup, not `in` and `[]`: a signed header is there but in odd requests
            out[name] = " ".join(values[name].split())
        except KeyError:
            continue
    return out


def canonical_headers(headers: Headers, signed: Sequence[str]) -> str:
    """One `name:value\\n` line per signed header, in the order of `signed` (already sorted)."""
    value = (headers if isinstance(headers, HeaderValues) else header_values(headers)).get
    lines = []
    for name in signed:  # a loop, not a comprehension: Python 3.11 makes each comprehension a function call
        lines.append(f"{name}:{value(name, '')}\n")
    return "".join(lines)


def canonical_request(
    method: str,
    path: str,
    query: Query,
    headers: Headers,
    signed_headers: Sequence[str],
    payload_hash: str,
    *,
    service: str,
) -> str:
    block = canonical_headers(headers, signed_headers)
    return assemble(method, path, query, block, ";".join(signed_headers), payload_hash, service)


def assemble(
    method: str, path: str, query: Query, header_block: str, signed_list: str, payload_hash: str, service: str
) -> str:
    """The canonical request from its parts, the one place its layout is written (`canonical_request`, the
    verifier's `parsed_canonical_request` and the signer's `add_v4_auth_heads` all end here): `header_block` is the
    canonical header lines, each ending in LF, `signed_list` the `SignedHeaders` value. `/` and no query (every
    query and JSON protocol request's) are canonical as they stand: no calls."""
    return (
        f"{method.upper()}\n{'/' if path == '/' else canonical_path(path, service)}\n"
        f"{canonical_query(query) if query else ''}\n{header_block}\n{signed_list}\n{payload_hash}"
    )


def parsed_canonical_request(
    method: str,
    path: str,
    query: Query,
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
    payload_hash: str,
    *,
    service: str,
) -> str:
    """`canonical_request(method, path, query, signed_header_values(headers, signed_headers), signed_headers, ...)`
    for a parsed request's headers (lower-case names, each once, as the verifier has them), in one pass: each signed
    header is looked up and trimmed as its line is written, with no dict of values in between."""
    lines = []
    for name in signed_headers:  # a loop, not a comprehension: Python 3.11 makes each comprehension a function call
        try:  # one lookup, not `in` and `[]`: a signed header is there but in odd requests
            value = " ".join(headers[name].split())
        except KeyError:
            value = ""
        lines.append(f"{name}:{value}\n")
    return assemble(method, path, query, "".join(lines), ";".join(signed_headers), payload_hash, service)
