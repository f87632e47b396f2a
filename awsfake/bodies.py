"""The request body as the app reads it (`wsgi.input`): bounded by Content-Length, or de-chunked.

Both read from a `Source`, the connection's received bytes then its socket (`awsfake.handler.Handler`), and never
past the body's end, so the next request on a kept-alive connection is left where it starts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

from awsfake import head

__all__ = ["MAX_CHUNK_LINE", "NO_BODY", "RECEIVE", "ChunkedBody", "ContentLengthBody", "Source"]

RECEIVE = 65536  # the most one read takes from the socket
MAX_CHUNK_LINE = 4096  # a chunk-size line or a trailer field of a chunked body
_HEX = re.compile(rb"[0-9a-fA-F]{1,16}")


class Source(Protocol):
    """Where a body's bytes come from: the connection (its buffer first). `close` is set when the framing broke,
    so the connection ends after the answer."""

    close: bool

    def take(self, size: int) -> bytes: ...

    def take_line(self, limit: int) -> bytes: ...


class ContentLengthBody:
    """`wsgi.input` for a body of Content-Length bytes: from the connection's buffer, then the socket, never past
    the body's end. A read returns what was asked (fewer only at the end of the stream); a read past the deadline
    raises `TimeoutError`."""

    __slots__ = ("_handler", "remaining")

    def __init__(self, handler: Source, length: int) -> None:
        self._handler = handler
        self.remaining = length

    def read(self, size: int | None = -1) -> bytes:
        remaining = self.remaining
        if size is None or size < 0 or size > remaining:
            size = remaining
        if size <= 0:
            return b""
        data = self._handler.take(size)
        if len(data) < size and data:
            parts = [data]
            got = len(data)
            while got < size and (data := self._handler.take(size - got)):
                parts.append(data)
                got += len(data)
            data = b"".join(parts)
        self.remaining -= len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        limit = self.remaining if size is None or size < 0 else min(size, self.remaining)
        if limit <= 0:
            return b""
        line = self._handler.take_line(limit)
        self.remaining -= len(line)
        return line

    def readlines(self, hint: int = -1) -> list[bytes]:
        return list(self)

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def drain(self) -> None:
        while self.remaining > 0:
            if not self.read(min(self.remaining, RECEIVE)):
                raise OSError("the client ended the body early")


class _Nothing:
    """The source of a body of no bytes: never asked for any."""

    close = False

    def take(self, size: int) -> bytes:
        return b""

    def take_line(self, limit: int) -> bytes:
        return b""


NO_BODY = ContentLengthBody(_Nothing(), 0)
"""`wsgi.input` for a request without a body, shared: a body of no bytes has nothing to read or change."""


class ChunkedBody:
    """`wsgi.input` for `Transfer-Encoding: chunked`: the chunks' data, without their framing (chunk extensions
    and trailer fields are read and dropped). A broken framing raises `OSError`, as werkzeug's de-chunker does."""

    __slots__ = ("_done", "_handler", "_left")

    def __init__(self, handler: Source) -> None:
        self._handler = handler
        self._left = 0  # bytes left in the current chunk
        self._done = False

    def read(self, size: int | None = -1) -> bytes:
        """Up to `size` bytes (all that is left for a negative size); b"" once the last chunk was read."""
        if size is None or size < 0:
            parts = []
            while part := self.read(RECEIVE):
                parts.append(part)
            return b"".join(parts)
        if self._done or size == 0:
            return b""
        if self._left == 0:
            self._left = self._chunk_size()
            if self._left == 0:
                self._trailers()
                self._done = True
                return b""
        data = self._handler.take(min(size, self._left))
        if not data:
            raise self._broken("the body ended inside a chunk")
        self._left -= len(data)
        if self._left == 0 and self._handler.take_line(2) not in (b"\r\n", b"\n"):
            raise self._broken("a chunk's data is not followed by its line end")
        return data

    def readline(self, size: int | None = -1) -> bytes:
        """A line of the data (rarely asked of a request body: read byte by byte until its LF)."""
        line = bytearray()
        while size is None or size < 0 or len(line) < size:
            byte = self.read(1)
            line += byte
            if not byte or byte == b"\n":
                break
        return bytes(line)

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def drain(self) -> None:
        while self.read(RECEIVE):
            pass

    def _chunk_size(self) -> int:
        line = self._handler.take_line(MAX_CHUNK_LINE)
        digits = line.rstrip(b"\r\n").split(b";", 1)[0].strip(b" \t")
        if not line.endswith(b"\n") or not _HEX.fullmatch(digits):
            raise self._broken("a chunk size is not a hexadecimal number")
        return int(digits, 16)

    def _trailers(self) -> None:
        for _ in range(head.MAX_FIELDS):
            line = self._handler.take_line(MAX_CHUNK_LINE)
            if not line.endswith(b"\n"):
                raise self._broken("the body ended in its trailer")
            if line in (b"\r\n", b"\n"):
                return
        raise self._broken("too many trailer fields")

    def _broken(self, reason: str) -> OSError:
        self._handler.close = True
        self._done = True
        return OSError(reason)
