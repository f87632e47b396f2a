"""Verifying SigV4 as AWS does: Authorization header and presigned-URL auth, clock skew, session tokens, S3 payloads.

Canonicalisation is `awsclient.sigv4`'s (one source of truth). What is AWS's own here is the order of checks and
each family's error codes and messages (see `_DENIALS`). Secrets and session tokens never reach a message: the
canonical request shown in a SignatureDoesNotMatch has the token replaced.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from functools import lru_cache
from urllib.parse import quote, unquote

from awsclient import sigv4
from awsfake import chunked
from awsfake.accounts import Accounts, Identity
from awsfake.catalog import CATALOG, ServiceInfo, info_for
from awsfake.faults import Fault
from awsfake.incoming import Incoming

__all__ = ["MAX_SKEW_SECONDS", "Verified", "guess_info", "verify"]

MAX_SKEW_SECONDS = 15 * 60
_SCOPE_SERVICE = re.compile(r"Credential=[^/,&\s]+/[^/,&\s]+/[^/,&\s]+/([^/,&\s]+)/")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_QUERY_AUTH = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders")
_S3_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your key and signing method."
)
_QUERY_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key"
    " and signing method. Consult the service documentation for details."
)
_INVALID_TOKEN = "The security token included in the request is invalid."
_EXPIRED_TOKEN = "The security token included in the request is expired"
_EC2_AUTH = ("AuthFailure", 401, "AWS was not able to validate the provided access credentials")

# kind -> dialect -> (code, status, message). Dialects: s3, query (also SQS's query-compatible JSON), json, ec2.
_DENIALS: dict[str, dict[str, tuple[str, int, str]]] = {
    "missing": {
        "s3": ("AccessDenied", 403, "Access Denied"),
        "query": ("MissingAuthenticationToken", 403, "Request is missing Authentication Token"),
        "json": ("MissingAuthenticationTokenException", 400, "Request is missing Authentication Token"),
        "ec2": _EC2_AUTH,
    },
    "unknown_key": {
        "s3": ("InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records."),
        "query": ("InvalidClientTokenId", 403, _INVALID_TOKEN),
        "json": ("UnrecognizedClientException", 400, _INVALID_TOKEN),
        "ec2": _EC2_AUTH,
    },
    "bad_token": {
        "s3": ("InvalidToken", 400, "The provided token is malformed or otherwise invalid."),
        "query": ("InvalidClientTokenId", 403, _INVALID_TOKEN),
        "json": ("UnrecognizedClientException", 400, _INVALID_TOKEN),
        "ec2": _EC2_AUTH,
    },
    "expired_token": {
        "s3": ("ExpiredToken", 400, "The provided token has expired."),
        "query": ("ExpiredToken", 403, _EXPIRED_TOKEN),
        "json": ("ExpiredTokenException", 400, _EXPIRED_TOKEN),
        "ec2": ("RequestExpired", 400, "Request has expired."),
    },
    "mismatch": {
        "s3": ("SignatureDoesNotMatch", 403, _S3_MISMATCH),
        "query": ("SignatureDoesNotMatch", 403, _QUERY_MISMATCH + "{detail}"),
        "json": ("InvalidSignatureException", 400, _QUERY_MISMATCH + "{detail}"),
        "ec2": _EC2_AUTH,
    },
    "skewed": {
        "s3": (
            "RequestTimeTooSkewed",
            403,
            "The difference between the request time and the current time is too large.",
        ),
        "query": ("SignatureDoesNotMatch", 403, "{detail}"),
        "json": ("InvalidSignatureException", 400, "{detail}"),
        "ec2": ("RequestExpired", 400, "Request has expired."),
    },
    "scope": {
        "s3": ("AuthorizationHeaderMalformed", 400, "{s3detail}"),
        "query": ("SignatureDoesNotMatch", 403, "{detail}"),
        "json": ("InvalidSignatureException", 400, "{detail}"),
        "ec2": _EC2_AUTH,
    },
    "incomplete": {
        "s3": ("AuthorizationHeaderMalformed", 400, "{s3detail}"),
        "query": ("IncompleteSignature", 400, "{detail}"),
        "json": ("IncompleteSignatureException", 400, "{detail}"),
        "ec2": _EC2_AUTH,
    },
    "query_params": {
        "s3": ("AuthorizationQueryParametersError", 400, "{s3detail}"),
        "query": ("IncompleteSignature", 400, "{detail}"),
        "json": ("IncompleteSignatureException", 400, "{detail}"),
        "ec2": _EC2_AUTH,
    },
    "no_date": {
        "s3": ("AccessDenied", 403, "AWS authentication requires a valid Date or x-amz-date header"),
        "query": ("IncompleteSignature", 400, "{detail}"),
        "json": ("IncompleteSignatureException", 400, "{detail}"),
        "ec2": _EC2_AUTH,
    },
    "unsigned_headers": {
        "s3": ("AccessDenied", 403, "There were headers present in the request which were not signed"),
        "query": ("IncompleteSignature", 400, "{detail}"),
        "json": ("IncompleteSignatureException", 400, "{detail}"),
        "ec2": _EC2_AUTH,
    },
    "presign_expired": {
        "s3": ("AccessDenied", 403, "Request has expired"),
        "query": ("SignatureDoesNotMatch", 403, "{detail}"),
        "json": ("InvalidSignatureException", 400, "{detail}"),
        "ec2": ("RequestExpired", 400, "Request has expired."),
    },
    "presign_future": {
        "s3": ("AccessDenied", 403, "Request is not yet valid"),
        "query": ("SignatureDoesNotMatch", 403, "{detail}"),
        "json": ("InvalidSignatureException", 400, "{detail}"),
        "ec2": ("RequestExpired", 400, "Request has expired."),
    },
}


# A request's date string repeats for a whole second across requests: parse each once (strptime is slow).
_parse_amz_date = lru_cache(maxsize=256)(sigv4.parse_amz_date)


@dataclass
class Verified:
    """A request whose signature checked out: who signed it, for which service and region, and its payload."""

    identity: Identity
    info: ServiceInfo
    region: str
    body: bytes


@dataclass
class _Presented:
    """The signature as the client presented it (header or query parameters)."""

    info: ServiceInfo
    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: list[str]
    signature: str
    amz_date: str
    presigned: bool
    expires: int = 0
    token: str | None = None

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def dialect(info: ServiceInfo) -> str:
    if info.family == "rest-xml":
        return "s3"
    if info.family == "json" and not info.query_compatible:
        return "json"
    return "ec2" if info.family == "ec2" else "query"


def deny(
    info: ServiceInfo, kind: str, *, detail: str = "", s3detail: str = "", extras: dict[str, str] | None = None
) -> Fault:
    code, status, message = _DENIALS[kind][dialect(info)]
    message = message.replace("{detail}", detail).replace("{s3detail}", s3detail)
    fault = Fault(code, message, status, extras=extras if dialect(info) == "s3" else None)
    fault.info = info  # type: ignore[attr-defined]
    return fault


def guess_info(incoming: Incoming) -> ServiceInfo:
    """The service a request is for: named by its credential scope, else guessed from its shape."""
    scope = _SCOPE_SERVICE.search(incoming.header("authorization") or unquote(incoming.raw_query))
    if scope:
        return info_for(scope.group(1))
    target = incoming.header("x-amz-target")
    if target:
        prefix = target.partition(".")[0]
        return next((i for i in CATALOG.values() if i.target_prefix == prefix), info_for("dynamodb"))
    host = incoming.host.split(".", 1)[0].lower()
    if host in CATALOG:
        return CATALOG[host]
    if "Action=" in incoming.raw_query or (incoming.method == "POST" and b"Action=" in incoming.body[:4096]):
        return info_for("sts")
    return CATALOG["s3"]


# ---------------------------------------------------------------- entry point


def verify(incoming: Incoming, accounts: Accounts, endpoint_region: str) -> Verified:
    """Check the request's signature; raise the family's `Fault` (with `.info` set) on any failure."""
    info = guess_info(incoming)
    authorization = incoming.header("authorization")
    if authorization is not None:
        presented = _from_header(incoming, authorization, info)
    elif _has_query_auth(incoming.raw_query):
        presented = _from_query(incoming, info)
    elif "AWSAccessKeyId=" in incoming.raw_query and "Signature=" in incoming.raw_query:
        raise _unsupported_algorithm(info, "AWS")  # a Signature Version 2 presigned URL
    else:
        raise deny(info, "missing")
    info = presented.info
    _check_region(presented, endpoint_region)
    _check_time(presented)
    identity = _check_identity(presented, accounts)
    payload_hash = _payload_hash(incoming, presented)
    key = sigv4.signing_key(identity.secret_access_key, presented.date, presented.region, presented.service)
    _check_signature(incoming, presented, identity, key, payload_hash)
    body = _payload(incoming, presented, key, payload_hash)
    return Verified(identity, info, presented.region, body)


# ---------------------------------------------------------------- presented signature


def _from_header(incoming: Incoming, authorization: str, info: ServiceInfo) -> _Presented:
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != sigv4.ALGORITHM:
        raise _unsupported_algorithm(info, algorithm)
    fields = _auth_fields(rest, authorization, info)
    credential = fields.get("Credential")
    if credential is not None:
        info = _info_from_credential(credential, info)
    missing = [name for name in ("Credential", "Signature", "SignedHeaders") if name not in fields]
    if missing or credential is None:
        detail = " ".join(f"Authorization header requires '{name}' parameter." for name in missing)
        raise deny(
            info,
            "incomplete",
            detail=f"{detail} Authorization={authorization}",
            s3detail="The authorization header is malformed; the authorization header requires three components: "
            "Credential, SignedHeaders, and Signature.",
        )
    access_key_id, date, region, service = _credential_parts(credential, info, presigned=False)
    amz_date = _header_date(incoming, info, authorization)
    presented = _Presented(
        info,
        access_key_id,
        date,
        region,
        service,
        fields["SignedHeaders"].split(";"),
        fields["Signature"],
        amz_date,
        presigned=False,
        token=incoming.header("x-amz-security-token"),
    )
    _check_scope_date(presented)
    _check_signed_headers(incoming, presented)
    return presented


def _unsupported_algorithm(info: ServiceInfo, algorithm: str) -> Fault:
    if dialect(info) == "s3":
        fault = Fault(
            "InvalidRequest",
            "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
        )
        fault.info = info  # type: ignore[attr-defined]
        return fault
    return deny(info, "incomplete", detail=f"Unsupported AWS 'algorithm': '{algorithm}'")


def _auth_fields(rest: str, authorization: str, info: ServiceInfo) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in rest.split(","):
        part = part.strip()
        if not part:
            continue
        name, equals, value = part.partition("=")
        if not equals:
            raise deny(
                info,
                "incomplete",
                detail=f"'{part}' not a valid key=value pair (missing equal-sign) in Authorization header: "
                f"'{authorization}'.",
                s3detail=f'The authorization header is malformed; the authorization component "{part}" is malformed.',
            )
        fields[name.strip()] = value.strip()
    return fields


def _info_from_credential(credential: str, info: ServiceInfo) -> ServiceInfo:
    parts = credential.split("/")
    return info_for(parts[3]) if len(parts) == 5 and parts[3] else info


def _credential_parts(credential: str, info: ServiceInfo, *, presigned: bool) -> tuple[str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5 or not all(parts):
        expecting = 'expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
        raise deny(
            info,
            "query_params" if presigned else "incomplete",
            detail="Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term,"
            f" got '{credential}'",
            s3detail=f"Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; {expecting}"
            if presigned
            else f"The authorization header is malformed; the Credential is mal-formed; {expecting}",
        )
    access_key_id, date, region, service, terminator = parts
    if terminator != "aws4_request":
        where = "Error parsing the X-Amz-Credential parameter" if presigned else "The authorization header is malformed"
        raise deny(
            info,
            "query_params" if presigned else "scope",
            detail=f"Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'.",
            s3detail=f'{where}; incorrect terminal "{terminator}". This endpoint uses "aws4_request".',
        )
    return access_key_id, date, region, service


def _header_date(incoming: Incoming, info: ServiceInfo, authorization: str) -> str:
    value = incoming.header("x-amz-date") or incoming.header("date")
    if value:
        try:
            _parse_amz_date(value.strip())
            return value.strip()
        except ValueError:
            pass
        try:  # an HTTP-date: its instant in UTC, as the signer reads it; a year strftime can't write is no date
            converted = time.strftime(sigv4.AMZ_DATE_FORMAT, time.gmtime(parsedate_to_datetime(value).timestamp()))
            _parse_amz_date(converted)
            return converted
        except (TypeError, ValueError, OverflowError, OSError):
            pass
    raise deny(
        info,
        "no_date",
        detail="Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"Authorization={authorization}",
    )


def _check_scope_date(presented: _Presented) -> None:
    if presented.date != presented.amz_date[:8]:
        raise deny(
            presented.info,
            "query_params" if presented.presigned else "scope",
            detail="Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{presented.date}' != '{presented.amz_date[:8]}', from '{presented.amz_date}'.",
            s3detail="Invalid credential date. Date is not the same as X-Amz-Date."
            if presented.presigned
            else "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.",
        )


def _check_signed_headers(incoming: Incoming, presented: _Presented) -> None:
    signed = set(presented.signed_headers)
    if "host" not in signed:
        raise deny(
            presented.info,
            "unsigned_headers",
            detail="'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
            extras={"HeadersNotSigned": "host"},
        )
    if dialect(presented.info) == "s3" and not presented.presigned:
        unsigned = [name for name, _ in incoming.headers if name.startswith("x-amz-") and name not in signed]
        if unsigned:
            raise deny(presented.info, "unsigned_headers", extras={"HeadersNotSigned": ", ".join(unsigned)})


def _has_query_auth(raw_query: str) -> bool:
    return "X-Amz-Credential=" in raw_query or "X-Amz-Algorithm=" in raw_query


def _query_params(raw_query: str) -> dict[str, str]:
    return {unquote(name): unquote(value) for name, value in sigv4.split_query(raw_query)}


def _from_query(incoming: Incoming, info: ServiceInfo) -> _Presented:
    params = _query_params(incoming.raw_query)
    if "X-Amz-Credential" in params:
        info = _info_from_credential(params["X-Amz-Credential"], info)
    _check_query_params(params, info)
    access_key_id, date, region, service = _credential_parts(params["X-Amz-Credential"], info, presigned=True)
    presented = _Presented(
        info,
        access_key_id,
        date,
        region,
        service,
        params["X-Amz-SignedHeaders"].split(";"),
        params["X-Amz-Signature"],
        params["X-Amz-Date"],
        presigned=True,
        expires=int(params["X-Amz-Expires"].lstrip("0") or "0"),  # checked: a few significant digits
        token=params.get("X-Amz-Security-Token"),
    )
    _check_scope_date(presented)
    _check_signed_headers(incoming, presented)
    return presented


def _check_query_params(params: dict[str, str], info: ServiceInfo) -> None:
    required = (*_QUERY_AUTH, "X-Amz-Expires") if dialect(info) == "s3" else _QUERY_AUTH
    missing = [name for name in required if not params.get(name)]
    if missing:
        raise deny(
            info,
            "query_params",
            detail=" ".join(f"AWS query-string parameters must include '{name}'." for name in missing)
            + " Re-examine the query-string parameters.",
            s3detail="Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
            "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
        )
    if params["X-Amz-Algorithm"] != sigv4.ALGORITHM:
        raise deny(
            info,
            "query_params",
            detail=f"Unsupported AWS 'algorithm': '{params['X-Amz-Algorithm']}'.",
            s3detail='X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
        )
    _check_expires(params.setdefault("X-Amz-Expires", str(sigv4.MAX_PRESIGN_EXPIRES)), info)
    try:
        _parse_amz_date(params["X-Amz-Date"])
    except ValueError:
        raise deny(
            info,
            "query_params",
            detail=f"Invalid X-Amz-Date '{params['X-Amz-Date']}'.",
            s3detail="X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        ) from None


def _check_expires(expires: str, info: ServiceInfo) -> None:
    if not (expires.isascii() and expires.isdigit()):  # isdigit() alone takes "²", which int() refuses
        raise deny(
            info, "query_params", detail="X-Amz-Expires must be a number.", s3detail="X-Amz-Expires should be a number"
        )
    significant = expires.lstrip("0") or "0"  # int() refuses more than 4300 digits
    seconds = int(significant) if len(significant) <= 19 else sigv4.MAX_PRESIGN_EXPIRES + 1
    if seconds > sigv4.MAX_PRESIGN_EXPIRES:
        raise deny(
            info,
            "query_params",
            detail="X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be "
            "less than 604800 seconds",
            s3detail="X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must "
            "be less than 604800 seconds",
        )
    if seconds < 1:
        raise deny(
            info,
            "query_params",
            detail="X-Amz-Expires must be non-negative",
            s3detail="X-Amz-Expires must be non-negative",
        )


# ---------------------------------------------------------------- checks


def _check_region(presented: _Presented, endpoint_region: str) -> None:
    """S3 answers only for its own region; other services take the region from the scope."""
    if dialect(presented.info) != "s3" or presented.region == endpoint_region:
        return
    if presented.presigned:
        message = f"Error parsing the X-Amz-Credential parameter; the region '{presented.region}' is wrong; "
        kind = "query_params"
    else:
        message = f"The authorization header is malformed; the region '{presented.region}' is wrong; "
        kind = "incomplete"
    raise deny(
        presented.info, kind, s3detail=message + f"expecting '{endpoint_region}'", extras={"Region": endpoint_region}
    )


def _check_time(presented: _Presented) -> None:
    now = time.time()
    signed_at = _parse_amz_date(presented.amz_date)
    if presented.presigned:
        _check_presigned_time(presented, signed_at, now)
        return
    if abs(signed_at - now) <= MAX_SKEW_SECONDS:
        return
    if signed_at < now:
        detail = (
            f"Signature expired: {presented.amz_date} is now earlier than {_amz(now - MAX_SKEW_SECONDS)} "
            f"({_amz(now)} - 15 min.)"
        )
    else:
        detail = (
            f"Signature not yet current: {presented.amz_date} is still later than {_amz(now + MAX_SKEW_SECONDS)} "
            f"({_amz(now)} + 15 min.)"
        )
    extras = {
        "RequestTime": presented.amz_date,
        "ServerTime": _iso(now),
        "MaxAllowedSkewMilliseconds": str(MAX_SKEW_SECONDS * 1000),
    }
    raise deny(presented.info, "skewed", detail=detail, extras=extras)


def _check_presigned_time(presented: _Presented, signed_at: float, now: float) -> None:
    if signed_at > now + MAX_SKEW_SECONDS:
        detail = (
            f"Signature not yet current: {presented.amz_date} is still later than {_amz(now + MAX_SKEW_SECONDS)} "
            f"({_amz(now)} + 15 min.)"
        )
        raise deny(presented.info, "presign_future", detail=detail)
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
        raise deny(presented.info, "presign_expired", detail=detail, extras=extras)


def _check_identity(presented: _Presented, accounts: Accounts) -> Identity:
    identity = accounts.get(presented.access_key_id)
    if identity is None:
        raise deny(presented.info, "unknown_key", extras={"AWSAccessKeyId": presented.access_key_id})
    if not _token_matches(identity.session_token, presented.token):
        raise deny(presented.info, "bad_token")
    if identity.expired(time.time()):
        raise deny(presented.info, "expired_token")
    return identity


def _token_matches(expected: str | None, provided: str | None) -> bool:
    if expected is None or provided is None:
        return expected is None and provided is None
    return hmac.compare_digest(expected.encode(), provided.encode())


def _payload_hash(incoming: Incoming, presented: _Presented) -> str:
    """What the client signed as the payload: S3's x-amz-content-sha256, else the body's hash."""
    declared = incoming.header("x-amz-content-sha256")
    if dialect(presented.info) != "s3":
        return declared or hashlib.sha256(incoming.body).hexdigest()
    if presented.presigned:
        return declared or sigv4.UNSIGNED_PAYLOAD
    if declared is None:
        raise _s3_fault(
            presented.info, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256"
        )
    if declared == sigv4.UNSIGNED_PAYLOAD or declared in chunked.STREAMING_MODES or _HEX64.fullmatch(declared):
        return declared
    raise _s3_fault(
        presented.info,
        "InvalidArgument",
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.",
        extras={"ArgumentName": "x-amz-content-sha256", "ArgumentValue": declared},
    )


def _s3_fault(info: ServiceInfo, code: str, message: str, status: int = 400, **kw: dict[str, str]) -> Fault:
    fault = Fault(code, message, status, extras=kw.get("extras"))
    fault.info = info  # type: ignore[attr-defined]
    return fault


def _check_signature(
    incoming: Incoming, presented: _Presented, identity: Identity, key: bytes, payload_hash: str
) -> None:
    query = _canonical_query_source(incoming.raw_query, presented.presigned)
    canonical = sigv4.canonical_request(
        incoming.method,
        incoming.raw_path,
        query,
        incoming.headers,
        presented.signed_headers,
        payload_hash,
        service=presented.service,
    )
    to_sign = sigv4.string_to_sign(presented.amz_date, presented.scope, canonical)
    expected = sigv4.signature(key, to_sign)
    if hmac.compare_digest(expected.encode(), presented.signature.encode("utf-8", "replace")):
        return
    shown = _redact(canonical, identity.session_token)
    raise deny(
        presented.info,
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


def _canonical_query_source(raw_query: str, presigned: bool) -> str:
    if not presigned:
        return raw_query
    pairs = sigv4.split_query(raw_query)
    return "&".join(f"{k}={v}" for k, v in pairs if unquote(k) != "X-Amz-Signature")


def _redact(canonical: str, token: str | None) -> str:
    if not token:
        return canonical
    for form in (quote(token, safe="~"), token):
        canonical = canonical.replace(form, "<redacted>")
    return canonical


def _payload(incoming: Incoming, presented: _Presented, key: bytes, payload_hash: str) -> bytes:
    """The body the service sees: checked against S3's declared hash, aws-chunked frames removed."""
    if dialect(presented.info) != "s3":
        return incoming.body
    if payload_hash in chunked.STREAMING_MODES:
        return _decode_chunked(incoming, presented, key, payload_hash)
    if _HEX64.fullmatch(payload_hash):
        actual = hashlib.sha256(incoming.body).hexdigest()
        if not hmac.compare_digest(actual, payload_hash):
            raise _s3_fault(
                presented.info,
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
                extras={"ClientComputedContentSHA256": payload_hash, "S3ComputedContentSHA256": actual},
            )
    return incoming.body


def _decode_chunked(incoming: Incoming, presented: _Presented, key: bytes, mode: str) -> bytes:
    signer = chunked.ChunkSigner(key, presented.amz_date, presented.scope, presented.signature)
    try:
        decoded = chunked.decode(incoming.body, mode, signer, incoming.header("x-amz-trailer"))
    except Fault as fault:
        fault.info = presented.info  # type: ignore[attr-defined]
        raise
    declared = incoming.header("x-amz-decoded-content-length")
    valid = declared is None or (declared.isascii() and declared.isdigit() and len(declared) < 20)
    if not valid or (declared is not None and int(declared) != len(decoded.body)):
        raise _s3_fault(
            presented.info,
            "IncompleteBody",
            "You did not provide the number of bytes specified by the Content-Length HTTP header",
        )
    return decoded.body


def _hex_bytes(text: str) -> str:
    return " ".join(f"{b:02x}" for b in text.encode("utf-8"))


def _amz(epoch: float) -> str:
    return time.strftime(sigv4.AMZ_DATE_FORMAT, time.gmtime(epoch))


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
