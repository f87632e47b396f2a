"""`Expect: 100-continue`: what the endpoint can refuse from a request's head, before the client sends the body.

A client that asks before sending a large body (boto3 does for S3 uploads) should not upload 500 MiB to learn that
its signature or size is wrong. From the head alone the fake can decide the size limit (a declared
`Content-Length` over it) for every service, and the whole signature for services that sign a declared payload
hash (S3's `x-amz-content-sha256`, `Signing.payload_header`) rather than the body's. Other services sign the
body's hash, so their signature waits for the body.
"""

from __future__ import annotations

import io
import re
from typing import Any

from awsclient import sigv4
from awsfake import auth
from awsfake.accounts import Accounts
from awsfake.catalog import ServiceInfo
from awsfake.errors import Fault
from awsfake.request import Request, Unreadable, read_request

__all__ = ["refusal"]

_HEX64 = re.compile(r"[0-9a-f]{64}")
_NEEDS_THE_BODY = {"XAmzContentSHA256Mismatch"}  # the head was fine; only the body can settle it


def refusal(
    environ: dict[str, Any], request: Request, info: ServiceInfo, accounts: Accounts, region: str, max_body: int
) -> Fault | None:
    """The fault the request will get whatever its body, or None if the body is needed to decide."""
    try:
        read_request({**environ, "wsgi.input": io.BytesIO()}, max_body)  # the size rule, reading nothing
    except Unreadable as unreadable:
        if unreadable.fault is None:  # over the limit (a framing fault waits for the body's own reading)
            return info.family.body_too_large(max_body)
    if not info.signing.payload_header or not _signs_a_declared_hash(request):
        return None
    try:
        auth.verify(request, accounts, region)
    except Fault as fault:
        return None if fault.code in _NEEDS_THE_BODY else fault
    return None


def _signs_a_declared_hash(request: Request) -> bool:
    declared = request.header("x-amz-content-sha256")
    if declared is None:
        return "X-Amz-Signature=" in request.raw_query  # presigned: UNSIGNED-PAYLOAD
    return declared == sigv4.UNSIGNED_PAYLOAD or _HEX64.fullmatch(declared) is not None
