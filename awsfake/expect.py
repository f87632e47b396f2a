"""`Expect: 100-continue`: what the endpoint can refuse from a request's head, before the client sends the body.

A client that asks before sending a large body (boto3 does for S3 uploads) should not upload 500 MiB to learn that
its signature or size is wrong. From the head alone the fake can decide the size limit (a declared
`Content-Length` over it) for every service, and the whole signature for S3, whose requests sign a declared
payload hash rather than the body's. Other families sign the body's hash, so their signature waits for the body.
"""

from __future__ import annotations

import io
import re
from typing import Any

from awsclient import sigv4
from awsfake import auth
from awsfake.accounts import Accounts
from awsfake.catalog import ServiceInfo
from awsfake.faults import Fault
from awsfake.incoming import Incoming, read_incoming

__all__ = ["refusal"]

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_NEEDS_THE_BODY = {"XAmzContentSHA256Mismatch"}  # the head was fine; only the body can settle it


def refusal(
    environ: dict[str, Any], incoming: Incoming, info: ServiceInfo, accounts: Accounts, region: str, max_body: int
) -> Fault | None:
    """The fault the request will get whatever its body, or None if the body is needed to decide."""
    try:
        read_incoming({**environ, "wsgi.input": io.BytesIO()}, max_body)  # the size rule, reading nothing
    except Fault as fault:
        if fault.code == "EntityTooLarge":
            return fault
    if info.family != "rest-xml" or not _signs_a_declared_hash(incoming):
        return None
    try:
        auth.verify(incoming, accounts, region)
    except Fault as fault:
        return None if fault.code in _NEEDS_THE_BODY else fault
    return None


def _signs_a_declared_hash(incoming: Incoming) -> bool:
    declared = incoming.header("x-amz-content-sha256")
    if declared is None:
        return "X-Amz-Signature=" in incoming.raw_query  # presigned: UNSIGNED-PAYLOAD
    return declared == sigv4.UNSIGNED_PAYLOAD or _HEX64.fullmatch(declared) is not None
