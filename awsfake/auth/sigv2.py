"""S3's Signature Version 2, verified only when the endpoint allows it (`FakeAWS(sigv2=True)`): AWS refuses it
for buckets created since June 2020, which is the default here.

The signature is HMAC-SHA1 (base64) over S3's string to sign: the method, Content-MD5, Content-Type, the date
(`Expires` for a presigned URL; empty when x-amz-date is sent), the x-amz-* headers (lower-cased, sorted, values
comma-joined) and the resource (`/bucket/key` with the subresources S3 signs). It is presented as
`Authorization: AWS AKID:SIG`, or as `AWSAccessKeyId`, `Expires` and `Signature` query parameters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, unquote

from awsclient import sigv4
from awsfake.accounts import Accounts, Identity
from awsfake.auth.checks import MAX_SKEW_SECONDS, tokens_match
from awsfake.auth.virtual_host import virtual_bucket
from awsfake.errors import Fault, access_denied, s3_signature_mismatch
from awsfake.request import Request

__all__ = ["key_id", "presented", "string_to_sign", "verify"]

# the query parameters S3 signs as part of the resource (sorted when signed)
_SIGNED_SUBRESOURCES = frozenset(
    {
        *("accelerate", "acl", "cors", "defaultObjectAcl", "delete", "lifecycle", "location", "logging"),
        *("metrics", "notification", "object-lock", "partNumber", "policy", "replication", "requestPayment"),
        *("restore", "select", "select-type", "storageClass", "tagging", "torrent", "uploadId", "uploads"),
        *("versionId", "versioning", "versions", "website", "analytics", "inventory"),
        *("response-cache-control", "response-content-disposition", "response-content-encoding"),
        *("response-content-language", "response-content-type", "response-expires"),
    }
)


def presented(request: Request) -> bool:
    """Whether the request is signed with SigV2 (header or query)."""
    authorization = request.header("authorization") or ""
    if authorization.startswith("AWS "):
        return True
    names = {name for name, _ in parse_qsl(request.raw_query, keep_blank_values=True)}
    return {"AWSAccessKeyId", "Signature"} <= names


def key_id(request: Request) -> str:
    """The access key id a SigV2 request names (not secret: for the journal, verified or not)."""
    authorization = request.header("authorization") or ""
    if authorization.startswith("AWS "):
        return authorization[len("AWS ") :].partition(":")[0]
    return dict(parse_qsl(request.raw_query, keep_blank_values=True)).get("AWSAccessKeyId", "")


def verify(request: Request, accounts: Accounts) -> Identity:
    """The signer's identity, or S3's refusal."""
    query = dict(parse_qsl(request.raw_query, keep_blank_values=True))
    authorization = request.header("authorization")
    if authorization is not None:
        key_id, _, signature = authorization[len("AWS ") :].partition(":")
        date = _header_date(request)
    else:
        key_id, signature, date = query.get("AWSAccessKeyId", ""), query.get("Signature", ""), _expires(query)
    identity = accounts.get(key_id)
    if identity is None:
        raise Fault(
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            403,
            extras={"AWSAccessKeyId": key_id},
        )
    token = request.header("x-amz-security-token") or query.get("x-amz-security-token")
    if not tokens_match(identity.session_token, token):
        raise Fault("InvalidToken", "The provided token is malformed or otherwise invalid.")
    text = string_to_sign(request, date, virtual_bucket(request.host) or "")
    digest = hmac.new(identity.secret_access_key.encode(), text.encode(), hashlib.sha1).digest()
    if not hmac.compare_digest(base64.b64encode(digest), signature.strip().encode()):
        extras = {
            "AWSAccessKeyId": key_id,
            "StringToSign": text,
            "SignatureProvided": signature,
            "StringToSignBytes": " ".join(f"{b:02x}" for b in text.encode()),
        }
        raise s3_signature_mismatch(extras)
    return identity


def _header_date(request: Request) -> str:
    """The Date header as signed (empty when x-amz-date is sent: it is signed among the x-amz-* headers)."""
    amz_date, date = request.header("x-amz-date"), request.header("date")
    when = _epoch(amz_date or date or "")
    if when is None:
        raise access_denied("AWS authentication requires a valid Date or x-amz-date header")
    if abs(when - time.time()) > MAX_SKEW_SECONDS:
        raise Fault(
            "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", 403
        )
    return "" if amz_date else (date or "")


def _epoch(text: str) -> float | None:
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _expires(query: dict[str, str]) -> str:
    expires = query.get("Expires", "")
    if not (expires.isascii() and expires.isdigit()) or len(expires) > 12:
        raise access_denied("Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
    if int(expires) < time.time():
        raise access_denied("Request has expired")
    return expires


def string_to_sign(request: Request, date: str, bucket: str) -> str:
    amz: dict[str, str] = {}
    for name, value in request.headers:
        lowered = name.lower()
        if lowered.startswith("x-amz-"):
            amz[lowered] = f"{amz[lowered]},{value.strip()}" if lowered in amz else value.strip()
    lines = [
        request.method.upper(),
        request.header("content-md5") or "",
        request.header("content-type") or "",
        date,
        *(f"{name}:{amz[name]}" for name in sorted(amz)),
    ]
    return "\n".join(lines) + "\n" + _resource(request, bucket)


def _resource(request: Request, bucket: str) -> str:
    """`/bucket/key` as sent (path-style paths already name the bucket; a bucket alone is `/bucket/`) and the
    signed subresources, sorted."""
    path = request.raw_path.split("?", 1)[0] or "/"
    resource = f"/{bucket}{path}" if bucket else path
    if resource.count("/") == 1 and resource != "/":  # a bucket alone is signed as `/bucket/`
        resource += "/"
    signed = sorted(
        (unquote(name), unquote(value))
        for name, value in sigv4.split_query(request.raw_query)
        if unquote(name) in _SIGNED_SUBRESOURCES
    )
    if signed:
        resource += "?" + "&".join(f"{name}={value}" if value else name for name, value in signed)
    return resource
