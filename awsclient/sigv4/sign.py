"""Signing a request's headers: the signing key, the string to sign, the signature and `add_v4_auth_heads`.

The canonical request comes from `awsclient.sigv4.canonical`, the functions the fake endpoint verifies with, and the
date from `awsclient.sigv4.dates.signing_date`, the rule it verifies by.

Speed: the signing key is derived once per (secret, day, region, service), as AWS means it to be, and the final
HMAC starts from copies of that key's two padded SHA-256 states rather than setting up a new HMAC each time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache
from typing import TypeAlias
from urllib.parse import urlsplit

from awsclient.credentials import Credentials, current_credentials
from awsclient.sigv4.canonical import UNSIGNED_HEADERS, Headers, _pairs, canonical_request
from awsclient.sigv4.dates import amz_date_now, signing_date

__all__ = [
    "ALGORITHM",
    "EMPTY_SHA256",
    "UNSIGNED_PAYLOAD",
    "add_v4_auth_heads",
    "credential_scope",
    "host_header",
    "signature",
    "signing_key",
    "string_to_sign",
]

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

_DEFAULT_PORTS = {"http": ":80", "https": ":443"}
# An http(s) URL whose authority is a plain ASCII host and port (no user info, no IPv6 brackets) and whose rest has
# none of the characters `urlsplit` removes is split by hand; any other goes to `urlsplit`.
_PLAIN_AUTHORITY = re.compile(r"[A-Za-z0-9.\-_~%!$&'()*+,;=:]+").fullmatch

_Hash: TypeAlias = "hashlib._Hash"


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


def signature(key: bytes, string_to_sign: str) -> str:
    return hmac.digest(key, string_to_sign.encode("utf-8"), "sha256").hex()


@lru_cache(maxsize=256)
def _signing_pads(secret: str, day: str, region: str, service: str) -> tuple[_Hash, _Hash]:
    """SHA-256 states after the HMAC inner and outer key pads of the signing key.

    Copying them and hashing the message is RFC 2104's HMAC, about twice as fast as `hmac.digest`, whose
    OpenSSL set-up per call costs more than the hashing of a short string to sign.
    """
    key = _signing_key(secret, day, region, service).ljust(64, b"\0")
    return hashlib.sha256(bytes(b ^ 0x36 for b in key)), hashlib.sha256(bytes(b ^ 0x5C for b in key))


def _fast_signature(secret: str, amz_date: str, region: str, service: str, string_to_sign: str) -> str:
    """`signature(signing_key(...), string_to_sign)`, from the cached pads."""
    pads = _signing_pads(secret, amz_date[:8], region, service)
    inner, outer = pads[0].copy(), pads[1].copy()
    inner.update(string_to_sign.encode("utf-8"))
    outer.update(inner.digest())
    return outer.hexdigest()


def _usable(credentials: Credentials | None) -> Credentials:
    creds = credentials or current_credentials()
    if not creds.access_key_id or not creds.secret_access_key:
        raise ValueError("no AWS credentials: set public_key and private_key, or load them")
    return creds


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
    The signing date follows `signing_date`: `X-Amz-Date`, else a `Date` header (basic ISO 8601 or an HTTP-date,
    which is then signed as it stands, as botocore does), else the current time, added as `X-Amz-Date`. `Host`
    comes from `heads`, else from the uri's authority (lower-cased, default port dropped). `sha256` is the payload
    hash, used verbatim; for S3, `x-amz-content-sha256` is set to it, as S3 requires. Credentials default to
    `current_credentials()`; a session token is added as a signed `X-Amz-Security-Token`.
    """
    creds = _usable(credentials)
    out, lower = _joined(heads)
    auth_name = lower.pop("authorization", None)
    if auth_name is not None:
        del out[auth_name]
    path, query, host = _split_target(uri)
    if "host" not in lower:
        if host is None:
            raise ValueError(f"no Host header and no host in uri {uri!r}")
        out["Host"], lower["host"] = host, "Host"
    amz_date = _date_of(out, lower)
    if service == "s3":
        _put(out, lower, "x-amz-content-sha256", "x-amz-content-sha256", sha256)
    if creds.session_token:
        _put(out, lower, "x-amz-security-token", "X-Amz-Security-Token", creds.session_token)
    signed = sorted(lower.keys() - UNSIGNED_HEADERS)
    canonical = canonical_request(method, path, query, out, signed, sha256, service=service)
    scope = credential_scope(amz_date, region, service)
    to_sign = string_to_sign(amz_date, scope, canonical)
    sig = _fast_signature(creds.secret_access_key, amz_date, region, service, to_sign)
    out["Authorization"] = (
        f"{ALGORITHM} Credential={creds.access_key_id}/{scope}, SignedHeaders={';'.join(signed)}, Signature={sig}"
    )
    return out


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


def _split_target(uri: str) -> tuple[str, str, str | None]:
    """Path, raw query and Host value (None without an authority) of a request target."""
    if uri.startswith("/"):
        # origin-form: never read as an authority, even when the path starts with `//`
        path, _, query = uri.partition("#")[0].partition("?")
        return path, query, None
    scheme, _, rest = uri.partition("://")
    authority, slash, target = rest.partition("/")
    if scheme.lower() in _DEFAULT_PORTS and _PLAIN_AUTHORITY(authority) and not _has_controls(target):
        path, _, query = (slash + target).partition("#")[0].partition("?")
        return path, query, host_header(scheme, authority)
    split = urlsplit(uri)  # an unusual URL: user info, IPv6, `?` right after the host, tabs to drop...
    return split.path, split.query, host_header(split.scheme, split.netloc) if split.netloc else None


def _has_controls(text: str) -> bool:
    return "\t" in text or "\n" in text or "\r" in text


def _date_of(out: dict[str, str], lower: dict[str, str]) -> str:
    """The request's signing date; the current time, added as `X-Amz-Date`, when it has none."""
    x_amz_date, date = lower.get("x-amz-date"), lower.get("date")
    found = signing_date(out[x_amz_date] if x_amz_date else None, out[date] if date else None)
    if found is not None:
        return found
    now = amz_date_now()
    _put(out, lower, "x-amz-date", "X-Amz-Date", now)
    return now


def host_header(scheme: str, netloc: str) -> str:
    """The Host header a client sends for an authority: no user info, lower-case, no default port."""
    host = netloc.rpartition("@")[2].lower()
    default = _DEFAULT_PORTS.get(scheme.lower())
    if default and host.endswith(default):
        host = host[: -len(default)]
    return host
