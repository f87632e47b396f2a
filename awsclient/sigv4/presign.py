"""Presigned URLs: query-string authentication, a URL that carries its own signature."""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit, urlunsplit

from awsclient.credentials.snapshot import Credentials
from awsclient.sigv4.canonical import canonical_request
from awsclient.sigv4.dates import amz_date_now
from awsclient.sigv4.sign import (
    ALGORITHM,
    EMPTY_SHA256,
    UNSIGNED_PAYLOAD,
    _usable,
    credential_scope,
    host_header,
    signature,
    signing_key,
    string_to_sign,
)

__all__ = ["MAX_PRESIGN_EXPIRES", "PRESIGN_PARAMETERS", "presign_url"]

MAX_PRESIGN_EXPIRES = 604800
# The query parameters of query-string authentication: replaced, not repeated, when a URL is presigned again.
PRESIGN_PARAMETERS = frozenset(
    {
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-Security-Token",
        "X-Amz-Signature",
        "X-Amz-SignedHeaders",
    }
)


def presign_url(
    method: str,
    url: str,
    *,
    region: str,
    service: str,
    expires: int = 3600,
    credentials: Credentials | None = None,
    sign_token: bool = True,
) -> str:
    """A URL carrying its own signature (query-string auth), valid for `expires` seconds (1..604800).

    Only `host` is signed. The payload is `UNSIGNED-PAYLOAD` for S3 and the hash of an empty body elsewhere,
    as AWS expects. The URL's own query is kept, before the authentication parameters; authentication parameters
    it already carries (a URL presigned before) are dropped, so presigning again replaces them.

    A session token is signed like any other parameter, which is what S3, STS and most services require: they
    refuse a URL whose `X-Amz-Security-Token` is not signed. With `sign_token=False` the token is appended after
    the signature instead, unsigned: the omit-session-token mode of AWS's C signer, for services that want it so
    (AWS IoT's MQTT over WebSocket).
    """
    if isinstance(expires, bool) or not isinstance(expires, int) or not 1 <= expires <= MAX_PRESIGN_EXPIRES:
        raise ValueError(f"expires must be a whole number of seconds from 1 to {MAX_PRESIGN_EXPIRES}")
    creds = _usable(credentials)
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
    unsigned: list[tuple[str, str]] = []
    if creds.session_token:
        (auth if sign_token else unsigned).append(("X-Amz-Security-Token", creds.session_token))
    query = "&".join([*_own_query(split.query), *(f"{k}={quote(v, safe='~')}" for k, v in auth)])
    payload = UNSIGNED_PAYLOAD if service == "s3" else EMPTY_SHA256
    host = host_header(split.scheme, split.netloc)
    canonical = canonical_request(method, split.path, query, [("host", host)], ["host"], payload, service=service)
    sig = signature(
        signing_key(creds.secret_access_key, amz_date, region, service), string_to_sign(amz_date, scope, canonical)
    )
    tail = "".join(f"&{k}={quote(v, safe='~')}" for k, v in [("X-Amz-Signature", sig), *unsigned])
    return urlunsplit((split.scheme, split.netloc, split.path or "/", query + tail, ""))


def _own_query(query: str) -> list[str]:
    """The URL's own query parameters, as written, without any of query-string authentication's."""
    if not query:
        return []
    return [part for part in query.split("&") if unquote(part.partition("=")[0]) not in PRESIGN_PARAMETERS]
