"""aws-chunked bodies (S3 streaming uploads): decode the frames, verify chunk signatures and trailing checksums.

Frames are `hex-size[;chunk-signature=SIG]\\r\\n DATA \\r\\n`, ending with a zero-size frame, then (trailer
variants) `name:value\\r\\n` lines and a blank line. Each chunk signature chains on the previous one, starting
from the request's own signature. The body is already in memory (bounded by the endpoint), so a truncated or
garbled body is an error here, never a wait.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from awsclient.sigv4 import EMPTY_SHA256, signature
from awsfake.errors import Fault, incomplete_body, s3_signature_mismatch

__all__ = ["STREAMING_MODES", "ChunkSigner", "Decoded", "check_checksum", "decode"]

SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
STREAMING_MODES = frozenset({SIGNED, SIGNED_TRAILER, UNSIGNED_TRAILER})
MIN_CHUNK = 8192
_MAX_LINE = 4096


@dataclass(frozen=True)
class ChunkSigner:
    """What chunk signatures chain on: the signing key, amz-date, scope and the request's seed signature."""

    key: bytes
    amz_date: str
    scope: str
    seed: str

    def chunk(self, previous: str, data: bytes) -> str:
        sts = "\n".join(("AWS4-HMAC-SHA256-PAYLOAD", self.amz_date, self.scope, previous, EMPTY_SHA256, _sha(data)))
        return signature(self.key, sts)

    def trailer(self, previous: str, trailer_block: bytes) -> str:
        sts = "\n".join(("AWS4-HMAC-SHA256-TRAILER", self.amz_date, self.scope, previous, _sha(trailer_block)))
        return signature(self.key, sts)


@dataclass
class Decoded:
    body: bytes
    trailers: dict[str, str] = field(default_factory=dict)


def decode(raw: bytes, mode: str, signer: ChunkSigner | None, declared_trailers: str | None = None) -> Decoded:
    """The payload of an aws-chunked body; raises `Fault` for bad framing, signatures or checksums."""
    signed = mode in (SIGNED, SIGNED_TRAILER)
    has_trailer = mode in (SIGNED_TRAILER, UNSIGNED_TRAILER)
    reader = _Reader(raw)
    parts: list[bytes] = []
    previous = signer.seed if signer else ""
    while True:
        size, chunk_sig = _frame_header(reader, signed)
        data = reader.take(size)
        if size or not has_trailer:  # with trailers, the last frame's header is followed by the trailer lines
            reader.expect_crlf()
        if signed and signer is not None:
            previous = _check_chunk(signer, previous, chunk_sig, data)
        if size == 0:
            break
        if signed and parts and len(parts[-1]) < MIN_CHUNK:
            raise _chunk_size_error()
        parts.append(data)
    trailers: dict[str, str] = {}
    if has_trailer:
        trailers = _trailers(reader, mode == SIGNED_TRAILER, signer, previous)
    elif not reader.at_end():
        raise incomplete_body()
    body = b"".join(parts)
    _check_checksums(body, trailers, declared_trailers)
    return Decoded(body, trailers)


class _Reader:
    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.pos = 0

    def line(self) -> bytes:
        end = self.raw.find(b"\r\n", self.pos, self.pos + _MAX_LINE)
        if end < 0:
            raise incomplete_body()
        text = self.raw[self.pos : end]
        self.pos = end + 2
        return text

    def take(self, size: int) -> bytes:
        if self.pos + size > len(self.raw):
            raise incomplete_body()
        data = self.raw[self.pos : self.pos + size]
        self.pos += size
        return data

    def expect_crlf(self) -> None:
        if self.raw[self.pos : self.pos + 2] != b"\r\n":
            raise incomplete_body()
        self.pos += 2

    def at_end(self) -> bool:
        return self.pos >= len(self.raw)


def _frame_header(reader: _Reader, signed: bool) -> tuple[int, str]:
    size_text, _, extension = reader.line().partition(b";")
    try:
        size = int(size_text, 16)
    except ValueError:
        raise incomplete_body() from None
    if size < 0 or size_text.strip() != size_text or size_text.startswith((b"+", b"-")):
        raise incomplete_body()
    if not signed:
        return size, ""
    name, _, value = extension.partition(b"=")
    if name != b"chunk-signature" or len(value) != 64:
        raise incomplete_body()
    return size, value.decode("ascii", "replace")


def _check_chunk(signer: ChunkSigner, previous: str, provided: str, data: bytes) -> str:
    expected = signer.chunk(previous, data)
    if not hmac.compare_digest(expected, provided):
        raise s3_signature_mismatch()
    return expected


def _trailers(reader: _Reader, signed: bool, signer: ChunkSigner | None, previous: str) -> dict[str, str]:
    trailers: dict[str, str] = {}
    block = b""
    trailer_sig = ""
    while True:
        line = reader.line()
        if not line:
            break
        name, colon, value = line.partition(b":")
        if not colon:
            raise incomplete_body()
        key = name.strip().lower().decode("latin-1")
        if key == "x-amz-trailer-signature":
            trailer_sig = value.strip().decode("latin-1")
            continue
        trailers[key] = value.strip().decode("latin-1")
        block += name.strip().lower() + b":" + value.strip() + b"\n"
    if not reader.at_end():
        raise incomplete_body()
    if signed and signer is not None:
        expected = signer.trailer(previous, block)
        if not hmac.compare_digest(expected, trailer_sig):
            raise s3_signature_mismatch()
    return trailers


def _crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    table = _CRC32C_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC32C_TABLE = _crc32c_table()

CHECKSUMS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "x-amz-checksum-crc32": ("CRC32", lambda d: zlib.crc32(d).to_bytes(4, "big")),
    "x-amz-checksum-crc32c": ("CRC32C", lambda d: _crc32c(d).to_bytes(4, "big")),
    "x-amz-checksum-sha1": ("SHA1", lambda d: hashlib.sha1(d).digest()),
    "x-amz-checksum-sha256": ("SHA256", lambda d: hashlib.sha256(d).digest()),
}


def _check_checksums(body: bytes, trailers: dict[str, str], declared: str | None) -> None:
    for name in filter(None, (part.strip().lower() for part in (declared or "").split(","))):
        if name not in trailers:
            raise incomplete_body()
    for name, value in trailers.items():
        if name in CHECKSUMS:
            check_checksum(name, value, body)


def check_checksum(name: str, value: str, body: bytes) -> None:
    """S3's BadDigest / InvalidRequest when an `x-amz-checksum-*` value does not match the body."""
    label, compute = CHECKSUMS[name]
    expected = base64.b64encode(compute(body)).decode()
    if value != expected:
        raise Fault("BadDigest", f"The {label} you specified did not match the calculated checksum.")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _chunk_size_error() -> Fault:
    return Fault("InvalidChunkSizeError", "Only the last chunk is allowed to have a size less than 8192 bytes")
