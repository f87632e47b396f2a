"""A body (a request's payload, an object, a part): in memory while small, a file above `SPOOL_THRESHOLD`.

A `BodyWriter` takes the bytes in bounded chunks as they arrive and computes on the way what will be asked of them
(MD5 for the ETag, SHA-256 for `x-amz-content-sha256`, the flexible checksums the request names), so nothing is
read twice and nothing large is held. (A small request body skips it: `request.read_body` makes a `Body` of the
bytes, hashed when asked.) A `Body` is read back in chunks (`stream`, with a byte range) or, for the
small documents services parse (XML, JSON, forms), whole with `read()`.

A file-backed body lives in `Blobs` (`awsfake.store.blobs`): when the last reference to it goes, its file is
released (deleted, or, for a kept file in a data directory, deleted once the state no longer naming it is
committed).
"""

from __future__ import annotations

import base64
import hashlib
import os
import weakref
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, BinaryIO, TypeVar

from awsfake.checksums import CHECKSUMS, Hasher

if TYPE_CHECKING:
    from awsfake.store.blobs import BlobFile, Blobs

__all__ = ["CHUNK", "SPOOL_THRESHOLD", "Body", "BodyWriter", "Stream"]

_H = TypeVar("_H", bound=Hasher)
SPOOL_THRESHOLD = 1 << 20  # bodies above 1 MiB go to a file
CHUNK = 256 * 1024  # the size of reads and writes while streaming


class Body:
    """Bytes of known size; in memory (`data`) or in a file (`file`). MD5 and SHA-256 are known when the body was
    hashed as it was written, else computed (by reading it through) when first asked for.

    Name every argument but `data` (`Body(file=..., size=...)`). They are not keyword-only only because of the
    price: a keyword-only default is looked up in a dict on every call, and a `Body` is made for most requests
    (`Body(data)` 3.4k -> 2.7k instructions)."""

    __slots__ = ("__weakref__", "_checksums", "_md5", "_sha256", "data", "file", "size")

    def __init__(
        self,
        data: bytes = b"",
        file: BlobFile | None = None,
        size: int | None = None,
        md5: bytes | None = None,
        sha256: str | None = None,
        checksums: dict[str, str] | None = None,
    ) -> None:
        self.data = data
        self.file = file
        self.size = len(data) if size is None else size
        self._md5 = md5
        self._sha256 = sha256
        self._checksums = dict(checksums) if checksums else {}
        if file is not None:
            finalizer = weakref.finalize(self, file.owner.release, file)
            finalizer.atexit = False  # a data directory's files outlive the process

    def __len__(self) -> int:
        return self.size

    def __bytes__(self) -> bytes:
        return self.read()

    def __repr__(self) -> str:
        where = f"file={self.file.path}" if self.file else "in memory"
        return f"Body(size={self.size}, {where})"

    @property
    def md5(self) -> bytes:
        if self._md5 is None:
            self._md5 = (hashlib.md5(self.data) if self.file is None else self._hash(hashlib.md5())).digest()
        return self._md5

    @property
    def sha256(self) -> str:
        if self._sha256 is None:
            held = self.file is None  # the bytes in memory are hashed in one call
            self._sha256 = (hashlib.sha256(self.data) if held else self._hash(hashlib.sha256())).hexdigest()
        return self._sha256

    def known_hashes(self) -> tuple[bytes | None, str | None]:
        """MD5 and SHA-256 if already known (saving a body must not read gigabytes to hash them)."""
        return self._md5, self._sha256

    def _hash(self, hasher: _H) -> _H:
        if self.file is None:
            hasher.update(self.data)
            return hasher
        for chunk in self.stream():
            hasher.update(chunk)
        return hasher

    def read(self) -> bytes:
        """All the bytes: for the small documents services parse (the families' limits bound them)."""
        if self.file is None:
            return self.data
        return b"".join(self.stream())

    def head(self, limit: int) -> bytes:
        """The first `limit` bytes (for the journal, for sniffing a form)."""
        if self.file is None:
            return self.data[:limit]
        return b"".join(self.stream(0, min(limit, self.size) - 1)) if self.size and limit else b""

    def etag(self) -> str:
        return f'"{self.md5.hex()}"'

    def checksum(self, name: str) -> str:
        """The base64 value of flexible checksum `name` (`x-amz-checksum-crc32`...): computed while the body was
        written if the request named it, else now, by reading the body through."""
        if name not in self._checksums:
            hasher = self._hash(CHECKSUMS[name][1]())
            self._checksums[name] = base64.b64encode(hasher.digest()).decode()
        return self._checksums[name]

    def stream(self, first: int = 0, last: int | None = None) -> Stream:
        """Bytes `first`..`last` (inclusive; default: to the end), read in chunks; the file is opened now, so
        the stream reads this body even if the object is replaced meanwhile."""
        end = self.size if last is None else last + 1
        if self.file is None:
            return Stream([self.data[first:end]], end - first) if end > first else Stream([], 0)
        handle = open(self.file.path, "rb")  # noqa: SIM115 - closed by the stream
        return Stream(_file_chunks(handle, first, end), max(end - first, 0), handle, self)


def _file_chunks(handle: BinaryIO, first: int, end: int) -> Iterator[bytes]:
    position = first
    fd = handle.fileno()
    try:
        while position < end:
            chunk = os.pread(fd, min(CHUNK, end - position), position)
            if not chunk:
                break
            position += len(chunk)
            yield chunk
    finally:
        handle.close()


class Stream:
    """An answer's body as chunks (a WSGI iterable): `size` bytes; `close()` releases the file. `held` is the
    bytes when they are in memory already (a small body is sent in one write, like any answer), else None."""

    __slots__ = ("_chunks", "_handle", "_keep", "held", "size")

    def __init__(
        self, chunks: Iterable[bytes], size: int, handle: BinaryIO | None = None, keep: Body | None = None
    ) -> None:
        self._chunks = chunks
        self.size = size
        self._handle = handle
        self._keep = keep  # the body stays alive (its file kept) while it is being sent
        self.held = b"".join(chunks) if handle is None and type(chunks) is list else None

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._chunks)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
        self._keep = None


class BodyWriter:
    """Takes a body chunk by chunk; memory until `SPOOL_THRESHOLD`, then a file from `blobs` (None: memory only).

    `checksums` names the flexible checksums to compute on the way (header names, `x-amz-checksum-crc32`...);
    `hashed=False` leaves MD5 and SHA-256 to be computed if ever asked for (an assembled multipart object, whose
    ETag is made of its parts' and which is never checked against a payload hash).
    """

    def __init__(self, blobs: Blobs | None, checksums: Iterable[str] = (), *, hashed: bool = True) -> None:
        self._blobs = blobs
        self._parts: list[bytes] = []
        self._handle: BinaryIO | None = None
        self._file: BlobFile | None = None
        self.size = 0
        self._md5 = hashlib.md5() if hashed else None
        self._sha256 = hashlib.sha256() if hashed else None
        self._hashers: dict[str, Hasher] = {n: CHECKSUMS[n][1]() for n in checksums if n in CHECKSUMS}

    def write(self, data: bytes) -> None:
        if not data:
            return
        self.size += len(data)
        if self._md5 is not None and self._sha256 is not None:
            self._md5.update(data)
            self._sha256.update(data)
        for hasher in self._hashers.values():
            hasher.update(data)
        if self._handle is not None:
            self._handle.write(data)
        elif self._blobs is not None and self.size > SPOOL_THRESHOLD:
            self._handle, self._file = self._blobs.new_file()
            for part in self._parts:
                self._handle.write(part)
            self._handle.write(data)
            self._parts = []
        else:
            self._parts.append(data)

    def finish(self) -> Body:
        checksums = {n: base64.b64encode(h.digest()).decode() for n, h in self._hashers.items()}
        md5 = self._md5.digest() if self._md5 is not None else None
        sha256 = self._sha256.hexdigest() if self._sha256 is not None else None
        if self._handle is None:
            return Body(b"".join(self._parts), md5=md5, sha256=sha256, checksums=checksums)
        if self._blobs is not None and self._blobs.durable and self._file is not None:
            self._handle.flush()  # synced here, in the request's own thread, so keeping it later is a rename
            os.fsync(self._handle.fileno())
            self._file.synced = True
        self._handle.close()
        self._handle = None
        return Body(file=self._file, size=self.size, md5=md5, sha256=sha256, checksums=checksums)

    def discard(self) -> None:
        """Give up (a refused or broken body): the file, if any, is removed now."""
        if self._handle is not None and self._file is not None:
            self._handle.close()
            self._file.owner.release(self._file)
        self._handle, self._parts = None, []
