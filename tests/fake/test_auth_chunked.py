"""aws-chunked S3 uploads: per-chunk signatures, unsigned and signed trailers with checksums, broken framing."""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Iterator

import pytest
from endpoint_helpers import MiniS3, aws_chunked, creds, parsed_error, send, served, signed

from awsclient import sigv4
from awsfake import DEFAULT_SECRET_ACCESS_KEY, FakeAWS

pytestmark = pytest.mark.timeout(60)
SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"


@pytest.fixture
def endpoint() -> Iterator[tuple[FakeAWS, str]]:
    with served(services={"s3": MiniS3.make()}) as pair:
        yield pair


def _signed_upload(
    url: str, path: str, chunks: list[bytes], mode: str = SIGNED, trailer: bytes = b""
) -> tuple[dict[str, str], bytes]:
    """Sign the headers, then frame `chunks` (each followed by its chained signature), as an SDK would."""
    total = sum(len(c) for c in chunks)
    base = {"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(total)}
    if trailer:
        base["x-amz-trailer"] = trailer.split(b":")[0].decode()
    headers = signed(url, "PUT", path, service="s3", headers=base, payload_hash=mode, credentials=creds())
    amz_date = headers["X-Amz-Date"]
    scope = sigv4.credential_scope(amz_date, "us-east-1", "s3")
    key = sigv4.signing_key(DEFAULT_SECRET_ACCESS_KEY, amz_date, "us-east-1", "s3")
    seed = headers["Authorization"].rsplit("Signature=", 1)[1]
    body, previous = aws_chunked(seed, amz_date, chunks)
    if trailer:
        sts = "\n".join(
            ["AWS4-HMAC-SHA256-TRAILER", amz_date, scope, previous, hashlib.sha256(trailer + b"\n").hexdigest()]
        )
        body = body[:-2] + trailer + b"\r\n" + f"x-amz-trailer-signature:{sigv4.signature(key, sts)}\r\n\r\n".encode()
    headers["Content-Length"] = str(len(body))
    return headers, body


def _crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def _get(url: str, path: str) -> bytes:
    return send(url, "GET", path, signed(url, "GET", path, service="s3")).data


def test_signed_chunks_are_verified_and_decoded(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    chunks = [b"a" * 8192, b"b" * 8192, b"tail"]
    headers, body = _signed_upload(url, "/b/big", chunks)
    assert send(url, "PUT", "/b/big", headers, body).status == 200
    assert _get(url, "/b/big") == b"".join(chunks)


def test_a_tampered_chunk_fails_its_signature(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    headers, body = _signed_upload(url, "/b/t", [b"a" * 8192, b"xyz"])
    error = parsed_error("rest-xml", send(url, "PUT", "/b/t", headers, body.replace(b"xyz", b"xyZ")))
    assert (error["Code"], error["status"]) == ("SignatureDoesNotMatch", 403)


def test_small_chunk_before_the_last_is_refused(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    headers, body = _signed_upload(url, "/b/s", [b"a" * 10, b"b" * 10])
    error = parsed_error("rest-xml", send(url, "PUT", "/b/s", headers, body))
    assert error["Code"] == "InvalidChunkSizeError"


@pytest.mark.parametrize("cut", [5, 40, 100, -3])
def test_truncated_or_garbled_framing_is_incomplete_body(endpoint: tuple[FakeAWS, str], cut: int) -> None:
    _, url = endpoint
    headers, body = _signed_upload(url, "/b/g", [b"z" * 100])
    broken = body[:cut]
    headers["Content-Length"] = str(len(broken))
    error = parsed_error("rest-xml", send(url, "PUT", "/b/g", headers, broken))
    assert (error["Code"], error["status"]) == ("IncompleteBody", 400)


def test_decoded_length_must_match(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    headers, body = _signed_upload(url, "/b/l", [b"z" * 100])
    headers["x-amz-decoded-content-length"] = "99"
    # the header is signed: re-sign with the wrong length so only the length check can fail
    headers2, body2 = _signed_upload(url, "/b/l", [b"z" * 100])
    assert send(url, "PUT", "/b/l", headers2, body2).status == 200
    error = parsed_error("rest-xml", send(url, "PUT", "/b/l", headers, body))
    assert error["Code"] in ("IncompleteBody", "SignatureDoesNotMatch")


def test_unsigned_trailer_with_crc32_as_botocore_sends_it(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    data = b"payload with a checksum"
    for checksum, expected_status in ((_crc32(data), 200), (_crc32(b"other"), 400)):
        body = f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n" + f"x-amz-checksum-crc32:{checksum}\r\n\r\n".encode()
        base = {
            "Content-Encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(len(data)),
            "x-amz-trailer": "x-amz-checksum-crc32",
        }
        headers = signed(
            url, "PUT", "/b/c", service="s3", headers=base, payload_hash="STREAMING-UNSIGNED-PAYLOAD-TRAILER"
        )
        response = send(url, "PUT", "/b/c", headers, body)
        assert response.status == expected_status
        if expected_status == 400:
            assert parsed_error("rest-xml", response)["Code"] == "BadDigest"
    assert _get(url, "/b/c") == data


def test_signed_trailer(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    data = b"q" * 9000
    trailer = f"x-amz-checksum-crc32:{_crc32(data)}".encode()
    headers, body = _signed_upload(
        url, "/b/st", [data[:8192], data[8192:]], "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", trailer
    )
    assert send(url, "PUT", "/b/st", headers, body).status == 200
    assert _get(url, "/b/st") == data
    headers, body = _signed_upload(url, "/b/st", [data], "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", trailer)
    tampered = body.replace(b"x-amz-trailer-signature:", b"x-amz-trailer-signature:0")[:-3] + b"\r\n\r\n"
    headers["Content-Length"] = str(len(tampered))
    assert parsed_error("rest-xml", send(url, "PUT", "/b/st", headers, tampered))["Code"] in (
        "SignatureDoesNotMatch",
        "IncompleteBody",
    )


def test_boto3_upload_round_trip(endpoint: tuple[FakeAWS, str]) -> None:
    from endpoint_helpers import client

    _, url = endpoint
    s3 = client(url, "s3")
    s3.put_object(Bucket="b", Key="k", Body=b"from boto3")
    assert s3.get_object(Bucket="b", Key="k")["Body"].read() == b"from boto3"


def test_large_frames_are_decoded_as_they_stream_into_a_real_s3_object() -> None:
    """Frames far above the spool threshold (one of 3 MiB) with a signed CRC32 trailer: decoded chunk by chunk
    into a file-backed object, checked against the trailer, and read back byte for byte (whole and ranged)."""
    import os

    chunks = [os.urandom(3 << 20), os.urandom(1 << 20), b"tail"]
    data = b"".join(chunks)
    with served() as (fake, url):
        send(url, "PUT", "/large-frames", signed(url, "PUT", "/large-frames", service="s3"))
        trailer = f"x-amz-checksum-crc32:{_crc32(data)}".encode()
        headers, body = _signed_upload(
            url, "/large-frames/k", chunks, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", trailer
        )
        assert send(url, "PUT", "/large-frames/k", headers, body).status == 200
        stored = fake.service("s3").buckets["large-frames"].objects["k"].data  # type: ignore[union-attr]
        assert stored.file is not None and stored.size == len(data)
        assert _get(url, "/large-frames/k") == data
        ranged = signed(url, "GET", "/large-frames/k", service="s3", headers={"Range": "bytes=3145720-3145735"})
        assert send(url, "GET", "/large-frames/k", ranged).data == data[3145720:3145736]
        bad = f"x-amz-checksum-crc32:{_crc32(data + b'x')}".encode()
        headers, body = _signed_upload(
            url, "/large-frames/k2", chunks, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", bad
        )
        assert parsed_error("rest-xml", send(url, "PUT", "/large-frames/k2", headers, body))["Code"] == "BadDigest"
