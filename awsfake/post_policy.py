"""S3 browser uploads (POST Object with a signed policy, as boto3's `generate_presigned_post` builds them).

The form carries its own authentication: a base64 policy document (expiry and conditions on the form fields),
the credential scope, and a signature that is the HMAC of the policy with the SigV4 signing key. This module
parses the multipart form and checks all of it; it does no I/O and stores nothing.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hmac
import io
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from werkzeug.formparser import parse_form_data

from awsclient import sigv4
from awsfake.accounts import Accounts, Identity
from awsfake.faults import Fault
from awsfake.services import Result

__all__ = ["PostUpload", "answer", "is_post_upload", "object_headers", "parse_upload", "verify_upload"]

# Fields the policy need not mention (AWS's list, lower-cased).
_EXEMPT = {"policy", "x-amz-signature", "file", "awsaccesskeyid", "signature"}
# Form fields that become object headers (besides x-amz-meta-*).
_OBJECT_FIELDS = (
    "content-type",
    "cache-control",
    "content-disposition",
    "content-encoding",
    "expires",
    "x-amz-storage-class",
    "x-amz-tagging",
    "x-amz-website-redirect-location",
    "x-amz-server-side-encryption",
    "x-amz-acl",
)
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your key and signing method."
)


@dataclass
class PostUpload:
    """The form's fields (names lower-cased, as S3 compares them), the file and the target bucket."""

    bucket: str
    fields: dict[str, str]
    file: bytes
    filename: str = ""
    conditions: list[Any] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.fields.get("key", "").replace("${filename}", self.filename)


def is_post_upload(method: str, path: str, content_type: str, has_authorization: bool) -> bool:
    """A POST of multipart/form-data to a bucket (path style), without header auth: a browser upload."""
    bucket, _, rest = path.lstrip("/").partition("/")
    is_form = content_type.split(";")[0].strip().lower() == "multipart/form-data"
    return method == "POST" and is_form and not has_authorization and bool(bucket) and not rest


def parse_upload(bucket: str, content_type: str, body: bytes) -> PostUpload:
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    try:
        _, form, files = parse_form_data(environ, silent=False)
    except Exception:  # werkzeug raises several kinds for a broken body; all mean the same to S3
        raise _malformed() from None
    upload = files.get("file")
    if upload is None:
        raise Fault("InvalidArgument", "POST requires exactly one file upload per request.", extras=_arg("file", "0"))
    fields = {name.lower(): value for name, value in form.items()}
    return PostUpload(bucket, fields, upload.read(), upload.filename or "")


def verify_upload(upload: PostUpload, accounts: Accounts, endpoint_region: str) -> Identity:
    """Who signed the form; raises S3's own errors for a missing field, a bad signature or a policy violation."""
    fields = upload.fields
    if "awsaccesskeyid" in fields and "x-amz-algorithm" not in fields:
        raise Fault(
            "InvalidRequest",
            "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
        )
    for name in ("key", "policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"):
        if not fields.get(name):
            raise Fault(
                "InvalidArgument",
                f"Bucket POST must contain a field named '{name}'.  If it is specified, please check the order of the "
                "fields.",
                extras=_arg(name, ""),
            )
    access_key_id, date, region = _scope(fields["x-amz-credential"], endpoint_region)
    identity = _identity(accounts, access_key_id, fields.get("x-amz-security-token"))
    key = sigv4.signing_key(identity.secret_access_key, date, region, "s3")
    expected = sigv4.signature(key, fields["policy"])
    if not hmac.compare_digest(expected.encode(), fields["x-amz-signature"].encode("utf-8", "replace")):
        raise Fault(
            "SignatureDoesNotMatch",
            _MISMATCH,
            403,
            extras={"AWSAccessKeyId": access_key_id, "StringToSign": fields["policy"]},
        )
    _check_policy(upload)
    return identity


def _scope(credential: str, endpoint_region: str) -> tuple[str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5 or parts[3] != "s3" or parts[4] != "aws4_request":
        raise Fault(
            "InvalidArgument",
            "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "
            '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
            extras=_arg("x-amz-credential", credential),
        )
    if parts[2] != endpoint_region:
        raise Fault(
            "AuthorizationQueryParametersError",
            f"Error parsing the X-Amz-Credential parameter; the region '{parts[2]}' is wrong; expecting "
            f"'{endpoint_region}'",
            extras={"Region": endpoint_region},
        )
    return parts[0], parts[1], parts[2]


def _identity(accounts: Accounts, access_key_id: str, token: str | None) -> Identity:
    identity = accounts.get(access_key_id)
    if identity is None:
        raise Fault(
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            403,
            extras={"AWSAccessKeyId": access_key_id},
        )
    same = (identity.session_token or "") == (token or "") and hmac.compare_digest(
        (identity.session_token or "").encode(), (token or "").encode()
    )
    if not same:
        raise Fault("InvalidToken", "The provided token is malformed or otherwise invalid.")
    if identity.expired(time.time()):
        raise Fault("ExpiredToken", "The provided token has expired.")
    return identity


def _check_policy(upload: PostUpload) -> None:
    policy = _decode_policy(upload.fields["policy"])
    expiration = policy.get("expiration")
    if not isinstance(expiration, str) or _epoch(expiration) < time.time():
        raise _denied("Policy expired." if isinstance(expiration, str) else "Policy missing expiration.")
    conditions = policy.get("conditions")
    if not isinstance(conditions, list):
        raise _denied("Policy missing conditions.")
    mentioned = {"bucket"}
    for condition in conditions:
        mentioned.add(_check_condition(condition, upload))
    extra = [name for name in upload.fields if name not in mentioned and name not in _EXEMPT]
    extra = [name for name in extra if not name.startswith("x-ignore-")]
    if extra:
        raise _denied(f"Extra input fields: {', '.join(extra)}")


def _decode_policy(encoded: str) -> dict[str, Any]:
    try:
        policy = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        raise Fault("InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from None
    if not isinstance(policy, dict):
        raise Fault("InvalidPolicyDocument", "Invalid Policy: Invalid JSON.")
    return policy


def _check_condition(condition: Any, upload: PostUpload) -> str:
    """Check one condition; returns the field it names (lower-case, without `$`)."""
    if isinstance(condition, dict) and len(condition) == 1:
        name, expected = next(iter(condition.items()))
        return _compare("eq", name.lower(), str(expected), upload, condition)
    if isinstance(condition, list) and len(condition) == 3:
        op, subject, value = condition
        if op == "content-length-range":
            _check_length(len(upload.file), subject, value, condition)
            return "content-length-range"
        if op in ("eq", "starts-with") and isinstance(subject, str) and subject.startswith("$"):
            return _compare(op, subject[1:].lower(), str(value), upload, condition)
    raise Fault("InvalidPolicyDocument", f"Invalid Policy: Invalid Condition: {json.dumps(condition)}")


def _check_length(size: int, low: Any, high: Any, condition: Any) -> None:
    if not (isinstance(low, int) and isinstance(high, int)):
        raise Fault("InvalidPolicyDocument", f"Invalid Policy: Invalid Condition: {json.dumps(condition)}")
    if size > high:
        raise Fault(
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
            extras={"ProposedSize": str(size), "MaxSizeAllowed": str(high)},
        )
    if size < low:
        raise Fault(
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size",
            extras={"ProposedSize": str(size), "MinSizeAllowed": str(low)},
        )


def _compare(op: str, name: str, expected: str, upload: PostUpload, condition: Any) -> str:
    actual = upload.bucket if name == "bucket" else upload.key if name == "key" else upload.fields.get(name, "")
    ok = actual == expected if op == "eq" else actual.startswith(expected)
    if not ok:
        raise _denied(f"Policy Condition failed: {json.dumps(condition)}")
    return name


def _epoch(iso: str) -> float:
    text = iso.rstrip("Z").split(".")[0]
    try:
        return float(calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%S")))
    except ValueError:
        raise Fault("InvalidPolicyDocument", "Invalid Policy: Invalid 'expiration' value: '" + iso + "'") from None


def _denied(reason: str) -> Fault:
    return Fault("AccessDenied", f"Invalid according to Policy: {reason}", 403)


def _malformed() -> Fault:
    return Fault("MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")


def _arg(name: str, value: str) -> dict[str, str]:
    return {"ArgumentName": name, "ArgumentValue": value}


def object_headers(upload: PostUpload) -> list[tuple[str, str]]:
    """The PutObject headers the form asks for: Content-Type (S3's default if absent), metadata and the like."""
    fields = upload.fields
    headers = [("content-type", fields.get("content-type") or "binary/octet-stream")]
    headers += [(name, fields[name]) for name in _OBJECT_FIELDS[1:] if fields.get(name)]
    headers += [(name, value) for name, value in fields.items() if name.startswith("x-amz-meta-")]
    return headers


def answer(upload: PostUpload, etag: str, host: str) -> Result:
    """S3's reply: a 303 to `success_action_redirect`, else 200 / 201 (with a PostResponse) / 204 as asked."""
    location = f"http://{host}/{quote(upload.bucket)}/{quote(upload.key)}"
    headers = {"ETag": etag, "Location": location}
    redirect = upload.fields.get("success_action_redirect") or upload.fields.get("redirect")
    if redirect:
        query = urlencode({"bucket": upload.bucket, "key": upload.key, "etag": etag})
        headers["Location"] = f"{redirect}{'&' if '?' in redirect else '?'}{query}"
        return Result(status=303, headers=headers)
    status = upload.fields.get("success_action_status", "204")
    if status == "201":
        body = {"Location": location, "Bucket": upload.bucket, "Key": upload.key, "ETag": etag}
        return Result(body, root="PostResponse", status=201, headers=headers)
    return Result(status=200 if status == "200" else 204, headers=headers)
