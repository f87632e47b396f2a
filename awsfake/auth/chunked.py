"""aws-chunked bodies (S3 streaming uploads): decode the frames, verify chunk signatures and trailing checksums.

Frames are `hex-size[;chunk-signature=SIG]\\r\\n DATA \\r\\n`, ending with a zero-size frame, then (trailer
variants) `name:value\\r\\n` lines and a blank line. Each chunk signature chains on the previous one, starting
from the request's own signature. The raw body is read in bounded chunks and the payload written out as it is
decoded (a chunk's hash is computed on the way), so a frame of any size costs no more memory than a small one.
The raw body is already whole (bounded by the endpoint), so a truncated or garbled body is an error here, never a
wait.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass

from awsclient.sigv4 import EMPTY_SHA256, signature
from awsfake.checksums import CHECKSUMS, label_of
from awsfake.errors import Fault, incomplete_body, s3_signature_mismatch
from awsfake.store.body import CHUNK, Body, BodyWriter

__all__ = [
    "MIN_CHUNK",
    "SIGNED",
    "SIGNED_TRAILER",
    "STREAMING_MODES",
    "UNSIGNED_TRAILER",
    "ChunkSigner",
    "bad_checksum",
    "check_checksum",
    "check_trailers",
    "decode",
]

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

    def chunk(self, previous: str, data_sha256: str) -> str:
        sts = "\n".join(("AWS4-HMAC-SHA256-PAYLOAD", self.amz_date, self.scope, previous, EMPTY_SHA256, data_sha256))
        return signature(self.key, sts)

    def trailer(self, previous: str, trailer_block: bytes) -> str:
        sts = "\n".join(("AWS4-HMAC-SHA256-TRAILER", self.amz_date, self.scope, previous, _sha(trailer_block)))
        return signature(self.key, sts)


def decode(raw: Body, mode: str, signer: ChunkSigner | None, writer: BodyWriter) -> dict[str, str]:
    """Write the payload of aws-chunked `raw` to `writer`; the trailers. Raises `Fault` for bad framing,
    signatures or checksums."""
    signed = mode in (SIGNED, SIGNED_TRAILER)
    has_trailer = mode in (SIGNED_TRAILER, UNSIGNED_TRAILER)
    reader = _Reader(iter(raw.stream()))
    previous = signer.seed if signer else ""
    last_size: int | None = None
    while True:
        size, chunk_sig = _frame_header(reader, signed)
        digest = hashlib.sha256()
        reader.take_into(size, digest, writer)
        if size or not has_trailer:  # with trailers, the last frame's header is followed by the trailer lines
            reader.expect_crlf()
        if signed and signer is not None:
            previous = _check_chunk(signer, previous, chunk_sig, digest.hexdigest())
        if size == 0:
            break
        if signed and last_size is not None and last_size < MIN_CHUNK:
            raise _chunk_size_error()
        last_size = size
    trailers: dict[str, str] = {}
    if has_trailer:
        trailers = _trailers(reader, mode == SIGNED_TRAILER, signer, previous)
    elif not reader.at_end():
        raise incomplete_body()
    return trailers


class _Reader:
    """The raw body as a buffer refilled chunk by chunk."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = bytearray()

    def _fill(self, wanted: int) -> bool:
        while len(self._buffer) < wanted:
            chunk = next(self._chunks, None)
            if chunk is None:
                return False
            self._buffer += chunk
        return True

    def line(self) -> bytes:
        start = 0
        while True:
            end = self._buffer.find(b"\r\n", start)
            if end >= 0 and end <= _MAX_LINE:
                text = bytes(self._buffer[:end])
                del self._buffer[: end + 2]
                return text
            if len(self._buffer) > _MAX_LINE or not self._fill(len(self._buffer) + 1):
                raise incomplete_body()
            start = max(len(self._buffer) - CHUNK - 1, 0)

    def take_into(self, size: int, digest: hashlib._Hash, writer: BodyWriter) -> None:
        remaining = size
        while remaining:
            if not self._buffer and not self._fill(1):
                raise incomplete_body()
            piece = bytes(self._buffer[:remaining])
            del self._buffer[: len(piece)]
            digest.update(piece)
            writer.write(piece)
            remaining -= len(piece)

    def expect_crlf(self) -> None:
        if not self._fill(2) or self._buffer[:2] != b"\r\n":
            raise incomplete_body()
        del self._buffer[:2]

    def at_end(self) -> bool:
        return not self._buffer and not self._fill(1)


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


def _check_chunk(signer: ChunkSigner, previous: str, provided: str, data_sha256: str) -> str:
    expected = signer.chunk(previous, data_sha256)
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


def check_trailers(body: Body, trailers: dict[str, str], declared: str | None) -> None:
    """Every trailer `x-amz-trailer` announced was sent, and each checksum trailer matches the decoded body."""
    for name in filter(None, (part.strip().lower() for part in (declared or "").split(","))):
        if name not in trailers:
            raise incomplete_body()
    for name, value in trailers.items():
        if name in CHECKSUMS:
            check_checksum(name, value, body)


def check_checksum(name: str, value: str, body: Body) -> None:
    """S3's BadDigest when an `x-amz-checksum-*` value does not match the body."""
    if value != body.checksum(name):
        raise bad_checksum(name)


def bad_checksum(name: str) -> Fault:
    return Fault("BadDigest", f"The {label_of(name)} you specified did not match the calculated checksum.")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _chunk_size_error() -> Fault:
    return Fault("InvalidChunkSizeError", "Only the last chunk is allowed to have a size less than 8192 bytes")
