"""Signature Version 4: canonical request, string to sign, signing key and signature, as pure functions.

The fake endpoint verifies with these very functions, so the client and the verifier cannot drift apart.
Canonicalisation follows AWS (and botocore, checked by a differential test):

- path: for every service but S3, dot segments and repeated slashes are removed and the path as sent is
  percent-encoded again (so `%20` on the wire is `%2520` in the canonical request); for S3 the path is neither
  normalised nor double-encoded: it is encoded once, exactly as it appears decoded.
- query: each name and value is decoded then encoded (RFC 3986 unreserved characters left alone); pairs are
  sorted by name, then value; repeated and empty names are kept.
- headers: names lower-cased and sorted; values trimmed with inner runs of whitespace collapsed; repeated
  headers joined with commas in the order they came.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import time
from collections.abc import Iterable, Mapping, Sequence
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import TypeAlias
from urllib.parse import quote, unquote_to_bytes, urlsplit, urlunsplit

from awsclient.credentials import Credentials, current_credentials

__all__ = [
    "ALGORITHM",
    "EMPTY_SHA256",
    "UNSIGNED_PAYLOAD",
    "add_v4_auth_heads",
    "canonical_headers",
    "canonical_path",
    "canonical_query",
    "canonical_request",
    "credential_scope",
    "presign_url",
    "signature",
    "signed_header_names",
    "signing_key",
    "string_to_sign",
]

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_PRESIGN_EXPIRES = 604800

# Headers botocore leaves unsigned: proxies and clients may change them in flight.
UNSIGNED_HEADERS = frozenset({"authorization", "expect", "transfer-encoding", "user-agent", "x-amzn-trace-id"})

HeaderPairs: TypeAlias = Iterable[tuple[str, str]]
Headers: TypeAlias = "Mapping[str, str] | HeaderPairs"
Query: TypeAlias = "str | Iterable[tuple[str, str]]"


def canonical_path(path: str, service: str) -> str:
    if not path:
        return "/"
    if service == "s3":
        return quote(unquote_to_bytes(path), safe="/~")
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
        pairs = [(_encode(unquote_to_bytes(k)), _encode(unquote_to_bytes(v))) for k, v in split_query(query)]
    else:
        pairs = [(_encode(k), _encode(v)) for k, v in query]
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def split_query(query: str) -> list[tuple[str, str]]:
    """Raw (still encoded) pairs of a query string; `a` and `a=` both give ("a", "")."""
    if not query:
        return []
    return [(name, value) for name, _, value in (part.partition("=") for part in query.split("&"))]


def _encode(text: str | bytes) -> str:
    return quote(text, safe="~")


def _pairs(headers: Headers) -> HeaderPairs:
    return headers.items() if isinstance(headers, Mapping) else headers


def signed_header_names(headers: Headers) -> list[str]:
    return sorted({name.lower() for name, _ in _pairs(headers)} - UNSIGNED_HEADERS)


def canonical_headers(headers: Headers, signed: Sequence[str]) -> str:
    """One `name:value\\n` line per signed header, in the order of `signed` (already sorted)."""
    wanted = set(signed)
    values: dict[str, list[str]] = {}
    for name, value in _pairs(headers):
        lower = name.lower()
        if lower in wanted:
            values.setdefault(lower, []).append(" ".join(value.split()))
    return "".join(f"{name}:{','.join(values.get(name, ()))}\n" for name in signed)


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
    return "\n".join(
        (
            method.upper(),
            canonical_path(path, service),
            canonical_query(query),
            canonical_headers(headers, signed_headers),
            ";".join(signed_headers),
            payload_hash,
        )
    )


def credential_scope(amz_date: str, region: str, service: str) -> str:
    return f"{amz_date[:8]}/{region}/{service}/aws4_request"


def string_to_sign(amz_date: str, scope: str, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


@lru_cache(maxsize=256)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """Derived once per (secret, day, region, service); `date` may be a full amz-date."""
    key = hmac.digest(("AWS4" + secret).encode("utf-8"), date[:8].encode("ascii"), "sha256")
    for part in (region, service, "aws4_request"):
        key = hmac.digest(key, part.encode("utf-8"), "sha256")
    return key


def signature(key: bytes, string_to_sign: str) -> str:
    return hmac.digest(key, string_to_sign.encode("utf-8"), "sha256").hex()


def amz_date_now() -> str:
    """The current time as an amz-date; read through `time.time` so freezegun controls it."""
    return time.strftime(AMZ_DATE_FORMAT, time.gmtime(time.time()))


def parse_amz_date(value: str) -> float:
    """Seconds since the epoch of a basic ISO 8601 date (`20150830T123600Z`); ValueError otherwise."""
    return calendar.timegm(time.strptime(value, AMZ_DATE_FORMAT))


def add_v4_auth_heads(
    heads: Headers,
    *,
    method: str,
    uri: str,
    sha256: str,
    region: str,
    service: str,
    credentials: Credentials | None = None,
) -> dict[str, str]:
    """A new header dict with `Authorization` (and `Host`, `X-Amz-Date`, `X-Amz-Security-Token` as needed).

    `uri` is the request target as it goes on the wire, with or without scheme and host. The signing date is
    `X-Amz-Date`, else a basic-ISO `Date`; an HTTP-date `Date` is kept and `X-Amz-Date` added. For S3,
    `x-amz-content-sha256` is set to `sha256`, as S3 requires. Repeated headers (given as pairs) are joined
    with commas. Credentials default to the current snapshot of the credential parameters.
    """
    creds = credentials or current_credentials()
    if not creds.access_key_id or not creds.secret_access_key:
        raise ValueError("no AWS credentials: set public_key and private_key, or load them")
    out = _joined(heads)
    lower = {name.lower(): name for name in out}
    split = urlsplit(uri)
    if "host" not in lower:
        if not split.netloc:
            raise ValueError(f"no Host header and no host in uri {uri!r}")
        out["Host"] = _host_of(split.scheme, split.netloc)
    amz_date = _signing_date(out, lower)
    if service == "s3":
        out[lower.get("x-amz-content-sha256", "x-amz-content-sha256")] = sha256
    if creds.session_token:
        out[lower.get("x-amz-security-token", "X-Amz-Security-Token")] = creds.session_token
    signed = signed_header_names(out)
    scope = credential_scope(amz_date, region, service)
    canonical = canonical_request(method, split.path, split.query, out, signed, sha256, service=service)
    sig = signature(
        signing_key(creds.secret_access_key, amz_date, region, service), string_to_sign(amz_date, scope, canonical)
    )
    out.pop(lower.get("authorization", "Authorization"), None)
    out["Authorization"] = (
        f"{ALGORITHM} Credential={creds.access_key_id}/{scope}, SignedHeaders={';'.join(signed)}, Signature={sig}"
    )
    return out


def _joined(heads: Headers) -> dict[str, str]:
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for name, value in _pairs(heads):
        first = seen.setdefault(name.lower(), name)
        out[first] = f"{out[first]},{value}" if first in out else value
    return out


def _signing_date(out: dict[str, str], lower: dict[str, str]) -> str:
    if "x-amz-date" in lower:
        return out[lower["x-amz-date"]].strip()
    if "date" in lower:
        date = out[lower["date"]].strip()
        try:
            parse_amz_date(date)
            return date
        except ValueError:
            amz_date = parsedate_to_datetime(date).strftime(AMZ_DATE_FORMAT)
    else:
        amz_date = amz_date_now()
    out["X-Amz-Date"] = amz_date
    return amz_date


def _host_of(scheme: str, netloc: str) -> str:
    host = netloc.rpartition("@")[2]
    default = {"http": ":80", "https": ":443"}.get(scheme.lower())
    if default and host.endswith(default):
        host = host[: -len(default)]
    return host


def presign_url(
    method: str,
    url: str,
    *,
    region: str,
    service: str,
    expires: int = 3600,
    credentials: Credentials | None = None,
) -> str:
    """A URL carrying its own signature (query-string auth), valid for `expires` seconds (1..604800).

    Only `host` is signed. The payload is `UNSIGNED-PAYLOAD` for S3 and the hash of an empty body elsewhere,
    as AWS expects. The URL's own query is kept.
    """
    if isinstance(expires, bool) or not isinstance(expires, int) or not 1 <= expires <= MAX_PRESIGN_EXPIRES:
        raise ValueError(f"expires must be a whole number of seconds from 1 to {MAX_PRESIGN_EXPIRES}")
    creds = credentials or current_credentials()
    if not creds.access_key_id or not creds.secret_access_key:
        raise ValueError("no AWS credentials: set public_key and private_key, or load them")
    split = urlsplit(url)
    if not split.netloc:
        raise ValueError(f"presign_url needs an absolute URL, got {url!r}")
    amz_date = amz_date_now()
    scope = credential_scope(amz_date, region, service)
    auth = [
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", f"{creds.access_key_id}/{scope}"),
        ("X-Amz-Date", amz_date),
        ("X-Amz-Expires", str(expires)),
        ("X-Amz-SignedHeaders", "host"),
    ]
    if creds.session_token:
        auth.append(("X-Amz-Security-Token", creds.session_token))
    query = "&".join(filter(None, [split.query, "&".join(f"{k}={_encode(v)}" for k, v in auth)]))
    payload = UNSIGNED_PAYLOAD if service == "s3" else EMPTY_SHA256
    host = _host_of(split.scheme, split.netloc)
    canonical = canonical_request(method, split.path, query, [("host", host)], ["host"], payload, service=service)
    sig = signature(
        signing_key(creds.secret_access_key, amz_date, region, service), string_to_sign(amz_date, scope, canonical)
    )
    return urlunsplit((split.scheme, split.netloc, split.path or "/", f"{query}&X-Amz-Signature={sig}", ""))
