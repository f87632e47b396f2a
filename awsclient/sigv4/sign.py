"""Signing a request's headers: the signing key, the string to sign, the signature and `add_v4_auth_heads`.

The canonical request comes from `awsclient.sigv4.canonical`, the functions the fake endpoint verifies with, and the
date from `awsclient.sigv4.dates.signing_date`, the rule it verifies by.

Speed: the signing key is derived once per (secret, day, region, service), as AWS means it to be, and the final
HMAC starts from copies of that key's two padded SHA-256 states rather than setting up a new HMAC each time; a
session token, the same for many requests, is trimmed once; the host of an authority and the layout of a set of header
names (which are signed, in what order, which the signer adds: `_layout`) are kept too, as one kind of request
repeats them. Everything else is done afresh for each request, which is what real traffic (every path, query and date
its own) costs: `bench/sign.py` measures that.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from operator import add, itemgetter
from typing import TypeAlias
from urllib.parse import urlsplit

from awsclient.credentials.snapshot import Credentials
from awsclient.sigv4.canonical import (
    Headers,
    _pairs,
    assemble,
    signed_header_names,
)
from awsclient.sigv4.dates import amz_date_now, signing_date

__all__ = [
    "ALGORITHM",
    "EMPTY_SHA256",
    "UNSIGNED_PAYLOAD",
    "add_v4_auth_heads",
    "credential_scope",
    "host_header",
    "scope_signature",
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
    digest = hashlib.sha256(canonical.encode()).hexdigest()
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
def _signing_pads(secret: str, scope: str) -> tuple[_Hash, _Hash]:
    """SHA-256 states after the HMAC inner and outer key pads of the signing key of a credential scope.

    Copying them and hashing the message is RFC 2104's HMAC, about twice as fast as `hmac.digest`, whose
    OpenSSL set-up per call costs more than the hashing of a short string to sign.
    """
    parts = scope.split("/")
    if len(parts) != 4:
        raise ValueError(f"neither region nor service may contain '/': credential scope {scope!r}")
    day, region, service, _ = parts
    key = _signing_key(secret, day, region, service).ljust(64, b"\0")
    return hashlib.sha256(bytes(b ^ 0x36 for b in key)), hashlib.sha256(bytes(b ^ 0x5C for b in key))


def scope_signature(secret: str, scope: str, string_to_sign: str) -> str:
    """The signature of `string_to_sign` by the signing key of `secret` for a credential scope
    (`DATE/REGION/SERVICE/aws4_request`): `signature(signing_key(...), string_to_sign)`, computed from the key's
    cached HMAC pads (see `_signing_pads`), the way the signer signs and the verifier checks."""
    inner, outer = _signing_pads(secret, scope)
    inner, outer = inner.copy(), outer.copy()
    inner.update(string_to_sign.encode())
    outer.update(inner.digest())
    return outer.hexdigest()


def _usable(credentials: Credentials | None) -> Credentials:
    if credentials is None:
        # imported here: the default chain's loaders bring the transport, which a verifier never needs
        from awsclient.credentials.chain import current_credentials

        credentials = current_credentials()
    if not credentials.access_key_id or not credentials.secret_access_key:
        raise ValueError("no AWS credentials: set public_key and private_key, or load them")
    return credentials


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

    The canonical headers are those of `canonical_request`, laid out by `_layout` (see there).
    """
    creds = _usable(credentials)
    token = creds.session_token
    s3 = service == "s3"
    out = dict(heads) if type(heads) is dict else _joined(heads)  # what is sent
    layout = _layout(tuple(out), s3, bool(token))
    if layout is None:  # a name given twice, in two spellings: joined as one
        out = _joined(heads)
        layout = _layout(tuple(out), s3, bool(token))
        assert layout is not None  # `_joined` gives each name once
    values = []  # the given values, trimmed, in the order given
    for value in out.values():  # a loop, not a comprehension: Python 3.11 makes each comprehension a function call
        values.append(" ".join(value.split()))
    if layout.authorization is not None:
        del out[layout.authorization]
    path, query, host = _split_target(uri)
    if layout.host_at is None:
        if host is None:
            raise ValueError(f"no Host header and no host in uri {uri!r}")
        out["Host"] = host
    amz_date = (
        None  # no date header (what the transport sends): no rule to apply
        if layout.undated
        else signing_date(
            None if layout.date_at is None else values[layout.date_at],
            None if layout.http_date_at is None else values[layout.http_date_at],
        )
    )
    if amz_date is None:  # undated (or blank dates): dated now, by an X-Amz-Date
        amz_date = amz_date_now()
        if layout.date_at is not None:
            out[layout.date_name] = values[layout.date_at] = amz_date
        elif layout.http_date_at is not None:  # laid out for a Date it signs: lay it out again with X-Amz-Date
            out["X-Amz-Date"] = amz_date
            values.append(amz_date)
            layout = _layout((*layout.names, "X-Amz-Date"), s3, bool(token))
            assert layout is not None
        else:
            out["X-Amz-Date"] = amz_date
    if s3:
        out[layout.sha256_name] = sha256
    if token:
        out[layout.token_name] = token
    values += (host or "", amz_date, " ".join(sha256.split()) if s3 else "", _signed_token(token) if token else "")
    lines = "\n".join(map(add, layout.prefixes, layout.order(values)))
    canonical = assemble(method, path, query, f"{lines}\n", layout.signed_list, sha256, service)
    scope = credential_scope(amz_date, region, service)
    sig = scope_signature(creds.secret_access_key, scope, string_to_sign(amz_date, scope, canonical))
    out["Authorization"] = (
        f"{ALGORITHM} Credential={creds.access_key_id}/{scope}, SignedHeaders={layout.signed_list}, Signature={sig}"
    )
    return out


@dataclass(frozen=True)
class _Layout:
    """What a request's header names decide, whatever their values: which headers are signed and in what order,
    which the signer adds, and the `SignedHeaders` list. Positions index the request's values: its own, trimmed, in
    the order given, then the four the signer supplies: the URL's host, the date it dates a request with, the payload
    hash (`x-amz-content-sha256`, S3) and the session token's canonical form."""

    names: tuple[str, ...]
    prefixes: tuple[str, ...]  # `name:` of each signed header, sorted: its canonical line but for the value
    order: Callable[[list[str]], tuple[str, ...]]  # the values of the signed headers, in that order
    signed_list: str
    host_at: int | None  # positions of the headers given
    date_at: int | None
    http_date_at: int | None
    undated: bool  # neither X-Amz-Date nor Date given
    date_name: str  # the spellings the signer writes under: the caller's, if given
    sha256_name: str
    token_name: str
    authorization: str | None  # an Authorization header given (not sent: the signer writes its own)


@lru_cache(maxsize=256)
def _layout(names: tuple[str, ...], s3: bool, token: bool) -> _Layout | None:
    """The `_Layout` of a request with these header names; None when a name is given twice (in two spellings).
    Cached: one kind of request carries the same names every time, however different their values."""
    lower = [name.lower() for name in names]
    given = {name: at for at, name in enumerate(lower)}
    if len(given) < len(names):
        return None
    n = len(names)
    at = dict(given)
    at.setdefault("host", n)
    undated = "x-amz-date" not in given and "date" not in given
    if undated:
        at["x-amz-date"] = n + 1
    if s3:
        at["x-amz-content-sha256"] = n + 2
    if token:
        at["x-amz-security-token"] = n + 3
    signed = signed_header_names(dict.fromkeys(at, ""))  # the one rule of which headers are signed
    positions = [at[name] for name in signed]  # two at least: the host and a date

    def spelling(name: str, default: str) -> str:
        return names[given[name]] if name in given else default

    return _Layout(
        names=names,
        prefixes=tuple(f"{name}:" for name in signed),
        order=itemgetter(*positions),
        signed_list=";".join(signed),
        host_at=given.get("host"),
        date_at=given.get("x-amz-date"),
        http_date_at=given.get("date"),
        undated=undated,
        date_name=spelling("x-amz-date", "X-Amz-Date"),
        sha256_name=spelling("x-amz-content-sha256", "x-amz-content-sha256"),
        token_name=spelling("x-amz-security-token", "X-Amz-Security-Token"),
        authorization=names[given["authorization"]] if "authorization" in given else None,
    )


@lru_cache(maxsize=16)
def _signed_token(token: str) -> str:
    """A session token's canonical form (trimmed as any header value is). Cached: one token signs many requests, and
    real ones run to a kilobyte, which takes a microsecond to scan for whitespace."""
    return " ".join(token.split())


def _joined(heads: Headers) -> dict[str, str]:
    """The headers as one dict: the first spelling of each name, repeated headers joined with commas."""
    out: dict[str, str] = {}
    spellings: dict[str, str] = {}
    for name, value in _pairs(heads):
        first = spellings.setdefault(name.lower(), name)
        out[first] = f"{out[first].strip()},{value.strip()}" if first in out else value
    return out


def _split_target(uri: str) -> tuple[str, str, str | None]:
    """Path, raw query and Host value (None without an authority) of a request target."""
    if uri.startswith("/"):
        # origin-form: never read as an authority, even when the path starts with `//`
        path, _, query = uri.partition("#")[0].partition("?")
        return path, query, None
    scheme, _, rest = uri.partition("://")
    authority, slash, target = rest.partition("/")
    host = _plain_host(scheme, authority)
    if host is not None and "\t" not in target and "\n" not in target and "\r" not in target:
        if "#" in target:
            target = target.partition("#")[0]
        path, _, query = target.partition("?")
        return slash + path, query, host
    split = urlsplit(uri)  # an unusual URL: user info, IPv6, `?` right after the host, tabs or newlines to drop...
    return split.path, split.query, host_header(split.scheme, split.netloc) if split.netloc else None


@lru_cache(maxsize=256)
def _plain_host(scheme: str, authority: str) -> str | None:
    """The Host header of an http(s) URL's authority when it is a plain ASCII host and port (no user info, no IPv6
    brackets); None otherwise. Cached: requests go to few hosts, however different their paths."""
    if scheme.lower() not in _DEFAULT_PORTS or not _PLAIN_AUTHORITY(authority):
        return None
    return host_header(scheme, authority)


def host_header(scheme: str, netloc: str) -> str:
    """The Host header a client sends for an authority: no user info, lower-case, no default port."""
    host = netloc.rpartition("@")[2].lower()
    default = _DEFAULT_PORTS.get(scheme.lower())
    if default and host.endswith(default):
        host = host[: -len(default)]
    return host
