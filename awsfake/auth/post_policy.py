"""S3 browser uploads (POST Object with a signed policy, as boto3's `generate_presigned_post` builds them): the
third source of a signature.

The form carries its own authentication: a base64 policy document (expiry and conditions on the form fields),
the credential scope, and a signature that is the HMAC of the policy with the SigV4 signing key. This module
parses the multipart form into a `Presented` (whose checks are auth's own) and checks the policy's conditions;
it does no I/O and stores nothing (S3's PostObject stores the file).
"""

from __future__ import annotations

import base64
import binascii
import calendar
import io
import json
import time
from dataclasses import dataclass, field
from typing import Any

from werkzeug.formparser import parse_form_data

from awsfake.auth.presented import Credential, Presented
from awsfake.auth.virtual_host import virtual_bucket
from awsfake.catalog import ServiceInfo
from awsfake.errors import Fault, access_denied, entity_too_large, invalid_argument, unsupported_auth_mechanism
from awsfake.request import Request

__all__ = [
    "PostUpload",
    "check_policy",
    "is_form_request",
    "is_post_upload",
    "parse_upload",
    "post_bucket",
    "presented",
]

# Fields the policy need not mention (AWS's list, lower-cased).
_EXEMPT = {"policy", "x-amz-signature", "file", "awsaccesskeyid", "signature"}


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


def is_post_upload(method: str, host: str, path: str, content_type: str, has_authorization: bool) -> bool:
    """A POST of multipart/form-data to a bucket, without header or query auth: a browser upload."""
    is_form = content_type.split(";")[0].strip().lower() == "multipart/form-data"
    return method == "POST" and is_form and not has_authorization and bool(post_bucket(host, path))


def post_bucket(host: str, path: str) -> str:
    """The bucket a POST addresses, in the host (virtual-hosted style) or the path; "" if it addresses no bucket
    or an object (a form goes to the bucket itself)."""
    bucket = virtual_bucket(host)
    if bucket is not None:
        return "" if path.strip("/") else bucket
    name, _, rest = path.lstrip("/").partition("/")
    return "" if rest else name


def is_form_request(request: Request) -> bool:
    """`is_post_upload` for a request off the wire."""
    has_auth = request.header("authorization") is not None or "X-Amz-Credential=" in request.raw_query
    content_type = request.header("content-type") or ""
    return is_post_upload(request.method, request.host, request.raw_path, content_type, has_auth)


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
        raise invalid_argument("POST requires exactly one file upload per request.", "file", "0")
    fields = {name.lower(): value for name, value in form.items()}
    return PostUpload(bucket, fields, upload.read(), upload.filename or "")


def presented(upload: PostUpload, info: ServiceInfo) -> Presented:
    """The form's signature, for auth's checks: over the policy, scoped like a presigned URL's."""
    fields = upload.fields
    if "awsaccesskeyid" in fields and "x-amz-algorithm" not in fields:
        raise unsupported_auth_mechanism()
    for name in ("key", "policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"):
        if not fields.get(name):
            raise invalid_argument(
                f"Bucket POST must contain a field named '{name}'.  If it is specified, please check the order of the "
                "fields.",
                name,
                "",
            )
    credential = Credential.parse(fields["x-amz-credential"])
    if len(credential.parts) != 5 or credential.service != "s3" or credential.part(4) != "aws4_request":
        raise invalid_argument(
            "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "
            '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
            "x-amz-credential",
            fields["x-amz-credential"],
        )
    return Presented(
        info,
        credential.access_key_id,
        credential.part(1),
        credential.region,
        "s3",
        [],
        fields["x-amz-signature"],
        fields["x-amz-date"],
        presigned=True,
        token=fields.get("x-amz-security-token"),
        string_to_sign=fields["policy"],
    )


def check_policy(upload: PostUpload) -> None:
    """The policy's expiry and conditions against the form (after its signature checked out)."""
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
        raise entity_too_large(high, size)
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
    return access_denied(f"Invalid according to Policy: {reason}")


def _malformed() -> Fault:
    return Fault("MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
