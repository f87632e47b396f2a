"""The checks a presented signature goes through, in AWS's order; each failure is the family's denial.

Comparisons of signatures and session tokens are constant-time. Secrets and session tokens never reach a message:
the canonical request shown in a SignatureDoesNotMatch has the token replaced.
"""

from __future__ import annotations

import hmac
import time
from urllib.parse import unquote

from awsclient import sigv4
from awsfake.accounts import Accounts, Identity
from awsfake.auth.presented import Presented, parse_amz_date
from awsfake.errors import Fault, redact
from awsfake.request import Request

__all__ = [
    "MAX_SKEW_SECONDS",
    "check_amz_headers_signed",
    "check_identity",
    "check_presented",
    "check_signature",
    "tokens_match",
]

MAX_SKEW_SECONDS = 15 * 60


def _deny(
    presented: Presented, kind: str, *, detail: str = "", s3detail: str = "", extras: dict[str, str] | None = None
) -> Fault:
    info = presented.info
    return info.family.deny(info, kind, detail=detail, s3detail=s3detail, extras=extras)


def check_presented(request: Request, presented: Presented, accounts: Accounts) -> Identity:
    """The checks before the signature's, in AWS's order: the scope's date against the request's, the signed
    headers, the clock, the key (`check_identity`); each failure is the family's denial. One function rather than
    one a check: on the usual request each is a test or two, and a Python call costs more than the test."""
    if presented.date != presented.amz_date[:8]:
        raise _scope_date_denial(presented)
    if "host" not in presented.signed_headers:  # a few names: a list's scan costs less than making a set
        raise _deny(
            presented,
            "unsigned_headers",
            detail="'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
            extras={"HeadersNotSigned": "host"},
        )
    if presented.info.signing.amz_headers_signed and not presented.presigned:
        check_amz_headers_signed(request, presented)
    now = time.time()
    signed_at = parse_amz_date(presented.amz_date)
    if presented.presigned:
        _check_presigned_time(presented, signed_at, now)
    elif abs(signed_at - now) > MAX_SKEW_SECONDS:
        raise _skew_denial(presented, signed_at, now)
    return check_identity(presented, accounts)


def _scope_date_denial(presented: Presented) -> Fault:
    s3detail = "Invalid credential date. Date is not the same as X-Amz-Date."
    return _deny(
        presented,
        "query_params" if presented.presigned else "scope",
        detail="Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
        f"'{presented.date}' != '{presented.amz_date[:8]}', from '{presented.amz_date}'.",
        s3detail=s3detail if presented.presigned else f"The authorization header is malformed; {s3detail}",
    )


def check_amz_headers_signed(request: Request, presented: Presented) -> None:
    """A service that wants them signed (S3): every `x-amz-*` header the request carries is among the signed ones."""
    signed = presented.signed_names
    if signed is None:
        signed = frozenset(presented.signed_headers)
        unsigned = _any_unsigned_amz(request.index, signed)
    else:  # a cached prefix's names: the answer for its requests' header names is kept
        key = (signed, tuple(request.index))
        known = _UNSIGNED_AMZ.get(key)
        if known is None:
            known = _any_unsigned_amz(request.index, signed)
            if sum(map(len, key[1])) <= _UNSIGNED_AMZ_MAX_LEN:  # bounded: strangers choose header names
                if len(_UNSIGNED_AMZ) >= 256:
                    _UNSIGNED_AMZ.clear()
                _UNSIGNED_AMZ[key] = known
        unsigned = known
    if unsigned:
        names = [name for name, _ in request.headers if name.startswith("x-amz-") and name not in signed]
        raise _deny(presented, "unsigned_headers", extras={"HeadersNotSigned": ", ".join(names)})


def _any_unsigned_amz(headers: dict[str, str], signed: frozenset[str]) -> bool:
    """Whether a header named `x-amz-*` is not signed: among the few headers left unsigned (a set difference, in
    C). It depends on the header names and the signed ones alone, so `check_amz_headers_signed` keeps the answer
    for a cached prefix's requests by (signed names, header names): a client sends the same few header sets."""
    return any(extra.startswith("x-amz-") for extra in headers.keys() - signed)


_UNSIGNED_AMZ: dict[tuple[frozenset[str], tuple[str, ...]], bool] = {}
_UNSIGNED_AMZ_MAX_LEN = 2048  # the characters of a kept answer's header names (this check comes before the key's)


def _skew_denial(presented: Presented, signed_at: float, now: float) -> Fault:
    """A header-signed request dated more than `MAX_SKEW_SECONDS` from now."""
    if signed_at < now:
        detail = (
            f"Signature expired: {presented.amz_date} is now earlier than {_amz(now - MAX_SKEW_SECONDS)} "
            f"({_amz(now)} - 15 min.)"
        )
    else:
        detail = _not_yet(presented, now)
    extras = {
        "RequestTime": presented.amz_date,
        "ServerTime": _iso(now),
        "MaxAllowedSkewMilliseconds": str(MAX_SKEW_SECONDS * 1000),
    }
    return _deny(presented, "skewed", detail=detail, extras=extras)


def _not_yet(presented: Presented, now: float) -> str:
    return (
        f"Signature not yet current: {presented.amz_date} is still later than {_amz(now + MAX_SKEW_SECONDS)} "
        f"({_amz(now)} + 15 min.)"
    )


def _check_presigned_time(presented: Presented, signed_at: float, now: float) -> None:
    if signed_at > now + MAX_SKEW_SECONDS:
        raise _deny(presented, "presign_future", detail=_not_yet(presented, now))
    if now > signed_at + presented.expires:
        detail = (
            f"Signature expired: {presented.amz_date} is now earlier than {_amz(now - presented.expires)} "
            f"({_amz(now)} - {presented.expires} sec.)"
        )
        extras = {
            "X-Amz-Expires": str(presented.expires),
            "Expires": _iso(signed_at + presented.expires),
            "ServerTime": _iso(now),
        }
        raise _deny(presented, "presign_expired", detail=detail, extras=extras)


def check_identity(presented: Presented, accounts: Accounts) -> Identity:
    """The key's identity: it must exist, carry exactly its session token, and not have expired."""
    identity = accounts.get(presented.access_key_id)
    if identity is None:
        raise _deny(presented, "unknown_key", extras={"AWSAccessKeyId": presented.access_key_id})
    expected, token = identity.session_token, presented.token
    if (expected is not None or token is not None) and not tokens_match(expected, token):  # (usually neither is)
        raise _deny(presented, "bad_token")
    if identity.expiration is not None and identity.expired(time.time()):  # a long-term key never expires
        raise _deny(presented, "expired_token")
    return identity


def tokens_match(expected: str | None, provided: str | None) -> bool:
    if expected is None or provided is None:
        return expected is None and provided is None
    return hmac.compare_digest(expected.encode(), provided.encode())


def check_signature(request: Request, presented: Presented, identity: Identity, payload_hash: str) -> None:
    """The signature must be the one `identity`'s key gives the canonical request (or a POST form's policy); signed
    as the signer signs, `sigv4.scope_signature`, from the key's cached HMAC pads."""
    if presented.string_to_sign is not None:  # a POST form: the signature is over the policy itself
        _check_policy_signature(presented, identity)
        return
    canonical = sigv4.parsed_canonical_request(
        request.method,
        request.raw_path,
        _canonical_query_source(request.raw_query) if presented.presigned else request.raw_query,
        request.index,
        presented.signed_headers,
        payload_hash,
        service=presented.service,
    )
    scope = presented.known_scope or presented.scope  # a cached prefix's, else made (the property's own rule)
    to_sign = sigv4.string_to_sign(presented.amz_date, scope, canonical)
    expected, provided = sigv4.scope_signature(identity.secret_access_key, scope, to_sign), presented.signature
    if provided.isascii() and hmac.compare_digest(expected, provided):  # `_same`, without the call
        return
    shown = redact(canonical, identity.session_token)
    raise _deny(
        presented,
        "mismatch",
        detail="\n\nThe Canonical String for this request should have been\n"
        f"'{shown}'\n\nThe String-to-Sign should have been\n'{to_sign}'\n",
        extras={
            "AWSAccessKeyId": presented.access_key_id,
            "StringToSign": to_sign,
            "SignatureProvided": presented.signature,
            "StringToSignBytes": _hex_bytes(to_sign),
            "CanonicalRequest": shown,
            "CanonicalRequestBytes": _hex_bytes(shown),
        },
    )


def _check_policy_signature(presented: Presented, identity: Identity) -> None:
    policy = presented.string_to_sign or ""
    if not _same(sigv4.scope_signature(identity.secret_access_key, presented.scope, policy), presented.signature):
        raise _deny(presented, "mismatch", extras={"AWSAccessKeyId": presented.access_key_id, "StringToSign": policy})


def _same(expected: str, provided: str) -> bool:
    """Constant-time; `expected` is hex. `compare_digest` takes ASCII text as it is (no copies to bytes), and text
    that is not ASCII cannot be hex."""
    return provided.isascii() and hmac.compare_digest(expected, provided)


def _canonical_query_source(raw_query: str) -> str:
    """A presigned URL's query as signed: without its signature."""
    pairs = sigv4.split_query(raw_query)
    return "&".join(f"{k}={v}" for k, v in pairs if unquote(k) != "X-Amz-Signature")


def _hex_bytes(text: str) -> str:
    return " ".join(f"{b:02x}" for b in text.encode("utf-8"))


def _amz(epoch: float) -> str:
    return time.strftime(sigv4.AMZ_DATE_FORMAT, time.gmtime(epoch))


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
