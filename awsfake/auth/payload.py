"""The payload a signature covers, and the body the service sees.

Services that sign their payload in a header (S3's `x-amz-content-sha256`, `Signing.payload_header`) must send
it; it is checked against the body, or announces an aws-chunked body whose frames are decoded and verified here.
Other services' payload hash is the body's own.
"""

from __future__ import annotations

import hmac
import re
from typing import TYPE_CHECKING

from awsclient import sigv4
from awsfake.accounts import Identity
from awsfake.auth.chunked import STREAMING_MODES, ChunkSigner, check_trailers, decode
from awsfake.auth.presented import Presented
from awsfake.checksums import named_checksums
from awsfake.errors import Fault, invalid_argument, invalid_request, short_body
from awsfake.request import Request
from awsfake.store.body import Body, BodyWriter

if TYPE_CHECKING:
    from awsfake.store.blobs import Blobs

__all__ = ["payload", "payload_hash"]

_HEX64 = re.compile(r"[0-9a-f]{64}")


def payload_hash(request: Request, presented: Presented) -> str:
    """What the client signed as the payload of a service that signs it in a header (`Signing.payload_header`,
    S3): the declared x-amz-content-sha256. (Another service's is the declared hash, else the body's own:
    `awsfake.auth.verify`.)"""
    declared = request.index.get("x-amz-content-sha256")
    info = presented.info
    if presented.presigned:
        return declared or sigv4.UNSIGNED_PAYLOAD
    if declared is None:
        raise invalid_request("Missing required header for this request: x-amz-content-sha256", info.name)
    if declared == sigv4.UNSIGNED_PAYLOAD or declared in STREAMING_MODES:
        return declared
    if declared == request.body.sha256 or _HEX64.fullmatch(declared):  # the body's own hash is one (and the usual)
        return declared
    raise invalid_argument(
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.",
        "x-amz-content-sha256",
        declared,
        info.name,
    )


def payload(
    request: Request, presented: Presented, identity: Identity, declared_hash: str, blobs: Blobs | None
) -> Body:
    """The body the service sees, of a service that signs its payload in a header (S3): checked against the
    declared hash, aws-chunked frames removed (their signatures chained from the seed by `identity`'s signing
    key)."""
    info = presented.info
    if declared_hash in STREAMING_MODES:
        key = sigv4.signing_key(identity.secret_access_key, presented.date, presented.region, presented.service)
        return _decode_chunked(request, presented, key, declared_hash, blobs)
    if len(declared_hash) == 64 and declared_hash.isascii():  # equal to the body's hash, it is hex: no pattern needed
        actual = request.body.sha256
        if not hmac.compare_digest(actual, declared_hash) and _HEX64.fullmatch(declared_hash):
            raise Fault(
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
                extras={"ClientComputedContentSHA256": declared_hash, "S3ComputedContentSHA256": actual},
                service=info.name,
            )
    return request.body


def _decode_chunked(request: Request, presented: Presented, key: bytes, mode: str, blobs: Blobs | None) -> Body:
    """The decoded payload, written out as the frames are read (checksums named by the request computed on the
    way); then the trailers and the declared decoded length are checked."""
    signer = ChunkSigner(key, presented.amz_date, presented.scope, presented.signature)
    writer = BodyWriter(blobs, named_checksums(request.header_map))
    try:
        trailers = decode(request.body, mode, signer, writer)
        body = writer.finish()
        check_trailers(body, trailers, request.header("x-amz-trailer"))
    except Fault as fault:
        writer.discard()
        raise fault.replace(service=presented.info.name) from None
    except BaseException:
        writer.discard()
        raise
    declared = request.header("x-amz-decoded-content-length")
    valid = declared is None or (declared.isascii() and declared.isdigit() and len(declared) < 20)
    if not valid or (declared is not None and int(declared) != body.size):
        raise short_body().replace(service=presented.info.name)
    return body
