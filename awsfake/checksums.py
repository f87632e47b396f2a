"""S3's flexible checksums (`x-amz-checksum-*`), computed incrementally so a body can be checked while it streams.

CRC32, SHA-1 and SHA-256 come from zlib and hashlib; CRC32C (Castagnoli) has no stdlib home and is computed with
a table here, which is slow for large bodies: it is only computed when a client asks for it.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable, Mapping
from typing import Protocol

__all__ = ["CHECKSUMS", "Hasher", "checksum_of", "label_of", "named_checksums"]


class Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...

    def digest(self) -> bytes: ...


class _Crc32:
    def __init__(self) -> None:
        self.value = 0

    def update(self, data: bytes) -> None:
        self.value = zlib.crc32(data, self.value)

    def digest(self) -> bytes:
        return self.value.to_bytes(4, "big")


def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC32C_TABLE = _crc32c_table()


class _Crc32c:
    def __init__(self) -> None:
        self.value = 0xFFFFFFFF

    def update(self, data: bytes) -> None:
        crc, table = self.value, _CRC32C_TABLE
        for byte in data:
            crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
        self.value = crc

    def digest(self) -> bytes:
        return (self.value ^ 0xFFFFFFFF).to_bytes(4, "big")


# header name -> (the algorithm's name in messages, a new incremental hasher)
CHECKSUMS: dict[str, tuple[str, Callable[[], Hasher]]] = {
    "x-amz-checksum-crc32": ("CRC32", _Crc32),
    "x-amz-checksum-crc32c": ("CRC32C", _Crc32c),
    "x-amz-checksum-sha1": ("SHA1", hashlib.sha1),
    "x-amz-checksum-sha256": ("SHA256", hashlib.sha256),
}


def label_of(name: str) -> str:
    return CHECKSUMS[name][0]


def checksum_of(name: str, data: bytes) -> str:
    """The base64 value of checksum `name` (a header name) over `data`."""
    hasher = CHECKSUMS[name][1]()
    hasher.update(data)
    return base64.b64encode(hasher.digest()).decode()


def named_checksums(headers: Mapping[str, str]) -> list[str]:
    """The flexible checksums a request names (header names), in the order S3 considers them: a value sent as a
    header, `x-amz-sdk-checksum-algorithm`, a trailer announced in `x-amz-trailer`."""
    names = [lower for name, _ in headers.items() if (lower := name.lower()) in CHECKSUMS]
    algorithm = headers.get("x-amz-sdk-checksum-algorithm")
    if algorithm:
        names.append(f"x-amz-checksum-{algorithm.lower()}")
    names += [t.strip().lower() for t in (headers.get("x-amz-trailer") or "").split(",")]
    return [n for n in names if n in CHECKSUMS]
