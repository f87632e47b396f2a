"""Signature Version 4: canonical request, string to sign, signing key and signature, as pure functions.

The fake endpoint verifies with these very functions, so the client and the verifier cannot drift apart.
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

Speed: the signing key is cached per (secret, day, region, service), and strings that need no encoding skip
`urllib.parse.quote` (a precompiled pattern tells), so a signature costs little more than its two hashes.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import TypeAlias, TypeVar
from urllib.parse import quote, unquote_to_bytes, urlsplit, urlunsplit

from awsclient.credentials import Credentials, current_credentials

__all__ = [
    "ALGORITHM",
    "AMZ_DATE_FORMAT",
    "EMPTY_SHA256",
    "MAX_PRESIGN_EXPIRES",
    "UNSIGNED_HEADERS",
    "UNSIGNED_PAYLOAD",
    "add_v4_auth_heads",
    "amz_date_now",
    "canonical_headers",
    "canonical_path",
    "canonical_query",
    "canonical_request",
    "credential_scope",
    "parse_amz_date",
    "presign_url",
    "signature",
    "signed_header_names",
    "signing_key",
    "split_query",
    "string_to_sign",
]

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_PRESIGN_EXPIRES = 604800

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

# Strings made only of these characters come out of canonical encoding unchanged.
_UNRESERVED = re.compile(r"[A-Za-z0-9\-._~]*").fullmatch
_UNRESERVED_PATH = re.compile(r"[A-Za-z0-9\-._~/]*").fullmatch
_AMZ_DATE = re.compile(r"[0-9]{8}T[0-9]{6}Z").fullmatch
# Everything that may stand raw in a URL path (RFC 3986 pchar, `/` and an existing `%XX`) is signed as sent.
_S3_PATH_SAFE = "/~%!$&'()*+,;=:@"
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}
_Hash: TypeAlias = "hashlib._Hash"
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
    if not path:
        return "/"
    if service == "s3":
        return path if _UNRESERVED_PATH(path) else _encode_s3_path(path)
    if _UNRESERVED_PATH(path) and "//" not in path and "/." not in path and path[0] == "/":
        return path
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
        return _canonical_raw_query(query) if query else ""
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
    return raw if _UNRESERVED(raw) else _recode_slow(raw)


@_cached_when_short(4096)
def _recode_slow(raw: str) -> str:
    return quote(unquote_to_bytes(raw), safe="~")


def _encode(text: str | bytes) -> str:
    if isinstance(text, str) and _UNRESERVED(text):
        return text
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
    return "".join([f"{name}:{','.join(values.get(name, ()))}\n" for name in signed])


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


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """Derived once per (secret, day, region, service); `date` may be a full amz-date."""
    return _signing_key(secret, date[:8], region, service)


@lru_cache(maxsize=256)
def _signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    key = hmac.digest(("AWS4" + secret).encode("utf-8"), day.encode("utf-8"), "sha256")
    for part in (region, service, "aws4_request"):
        key = hmac.digest(key, part.encode("utf-8"), "sha256")
    return key


@lru_cache(maxsize=256)
def _signing_pads(secret: str, day: str, region: str, service: str) -> tuple[_Hash, _Hash]:
    """SHA-256 states after the HMAC inner and outer key pads of the signing key.

    Copying them and hashing the message is RFC 2104's HMAC, about twice as fast as `hmac.digest`, whose
    OpenSSL set-up per call costs more than the hashing of a short string to sign.
    """
    key = _signing_key(secret, day, region, service)
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key.ljust(64, b"\0")))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key.ljust(64, b"\0")))
    return inner, outer


def _fast_signature(pads: tuple[_Hash, _Hash], message: bytes) -> str:
    inner, outer = pads[0].copy(), pads[1].copy()
    inner.update(message)
    outer.update(inner.digest())
    return outer.hexdigest()


def signature(key: bytes, string_to_sign: str) -> str:
    return hmac.digest(key, string_to_sign.encode("utf-8"), "sha256").hex()


_last_date: tuple[int, str] = (-1, "")


def amz_date_now() -> str:
    """The current time as an amz-date; read through `time.time` so freezegun controls it.

    The formatted date of the last second seen is kept, as most signatures fall in the same second as the last.
    """
    global _last_date
    second = int(time.time())
    last = _last_date
    if last[0] == second:
        return last[1]
    text = time.strftime(AMZ_DATE_FORMAT, time.gmtime(second))
    _last_date = (second, text)
    return text


def parse_amz_date(value: str) -> float:
    """Seconds since the epoch of a basic ISO 8601 date (`20150830T123600Z`); ValueError otherwise."""
    try:
        if _AMZ_DATE(value):
            return calendar.timegm(time.strptime(value, AMZ_DATE_FORMAT))
    except ValueError:
        pass  # the right shape, but no such day or time
    raise ValueError(f"not a basic ISO 8601 date (like 20150830T123600Z): {value!r}")


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

    `heads` is a mapping or (name, value) pairs; names are matched without regard to case, and repeated
    headers are joined with commas (each value trimmed), which is what the server sees and signs. `uri` is the
    request target as it goes on the wire (already percent-encoded), with or without scheme and host.
    The signing date is `X-Amz-Date`, else a `Date` header (basic ISO 8601 or an HTTP-date, which is then
    signed as it stands, as botocore does), else the current time, added as `X-Amz-Date`. `Host` comes from
    `heads`, else from the uri's authority (lower-cased, default port dropped). `sha256` is the payload hash,
    used verbatim; for S3, `x-amz-content-sha256` is set to it, as S3 requires. Credentials default to the
    current snapshot of the credential parameters; a session token is added as a signed
    `X-Amz-Security-Token`.
    """
    creds = credentials or current_credentials()
    if not creds.access_key_id or not creds.secret_access_key:
        raise ValueError("no AWS credentials: set public_key and private_key, or load them")
    out, lower = _joined(heads)
    auth_name = lower.pop("authorization", None)
    if auth_name is not None:
        del out[auth_name]
    path, query, host = _split_target(uri)
    if "host" not in lower:
        if host is None:
            raise ValueError(f"no Host header and no host in uri {uri!r}")
        out["Host"] = host
        lower["host"] = "Host"
    amz_date = _signing_date(out, lower)
    if service == "s3":
        _put(out, lower, "x-amz-content-sha256", "x-amz-content-sha256", sha256)
    if creds.session_token:
        _put(out, lower, "x-amz-security-token", "X-Amz-Security-Token", creds.session_token)
    signed = sorted(name for name in lower if name not in UNSIGNED_HEADERS)
    canonical_heads = "".join([f"{name}:{_trimall(out[lower[name]])}\n" for name in signed])
    signed_list = ";".join(signed)
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    canonical = (
        f"{method.upper()}\n{canonical_path(path, service)}\n{canonical_query(query)}\n"
        f"{canonical_heads}\n{signed_list}\n{sha256}"
    )
    sts = f"{ALGORITHM}\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"
    sig = _fast_signature(_signing_pads(creds.secret_access_key, amz_date[:8], region, service), sts.encode("utf-8"))
    out["Authorization"] = (
        f"{ALGORITHM} Credential={creds.access_key_id}/{scope}, SignedHeaders={signed_list}, Signature={sig}"
    )
    return out


def _trimall(value: str) -> str:
    return " ".join(value.split())


def _put(out: dict[str, str], lower: dict[str, str], name: str, spelling: str, value: str) -> None:
    """Set a header, keeping the caller's spelling of its name if it was already there."""
    existing = lower.get(name)
    if existing is None:
        lower[name] = existing = spelling
    out[existing] = value


def _joined(heads: Headers) -> tuple[dict[str, str], dict[str, str]]:
    """The headers as one dict (first spelling of each name kept) and a map from lower-case name to it."""
    out: dict[str, str] = {}
    lower: dict[str, str] = {}
    for name, value in _pairs(heads):
        key = name.lower()
        first = lower.get(key)
        if first is None:
            lower[key] = name
            out[name] = value
        else:
            out[first] = f"{out[first].strip()},{value.strip()}"
    return out, lower


@_cached_when_short(1024)
def _split_target(uri: str) -> tuple[str, str, str | None]:
    """Path, raw query and Host value (None without an authority) of a request target."""
    if uri.startswith("/"):
        # origin-form: never read as an authority, even when the path starts with `//`
        path, _, query = uri.partition("#")[0].partition("?")
        return path, query, None
    split = urlsplit(uri)
    return split.path, split.query, _host_of(split.scheme, split.netloc) if split.netloc else None


def _signing_date(out: dict[str, str], lower: dict[str, str]) -> str:
    name = lower.get("x-amz-date")
    if name is not None:
        amz_date = out[name].strip()
        parse_amz_date(amz_date)
        return amz_date
    name = lower.get("date")
    if name is not None:
        date = out[name].strip()
        if _AMZ_DATE(date):
            parse_amz_date(date)  # a real date, not just the right shape
            return date
        try:
            return time.strftime(AMZ_DATE_FORMAT, time.gmtime(parsedate_to_datetime(date).timestamp()))
        except (TypeError, ValueError):
            raise ValueError(f"Date header is neither basic ISO 8601 nor an HTTP-date: {date!r}") from None
    amz_date = amz_date_now()
    out["X-Amz-Date"] = amz_date
    lower["x-amz-date"] = "X-Amz-Date"
    return amz_date


def _host_of(scheme: str, netloc: str) -> str:
    """The Host header a client sends for an authority: no user info, lower-case, no default port."""
    host = netloc.rpartition("@")[2].lower()
    default = _DEFAULT_PORTS.get(scheme.lower())
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
    as AWS expects. The URL's own query is kept, before the authentication parameters.
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
