"""One TCP (or TLS) connection: HTTP/1.1 requests received into a buffer, run through the WSGI app, kept alive.

The loop is the least a keep-alive HTTP/1.1 server does: receive (usually a whole small request in one `recv`),
find and parse the head (`awsfake.head`), build the environ, hand the app a body stream bounded by the request's
framing, send the answer (one `sendall` for a whole answer; a streamed one chunk by chunk), drain what the app
left of the body, and wait for the next request. The stack this replaces (socketserver, http.server, werkzeug's
request handler) cost about twice as much per request (see docs/performance.md, "The HTTP layer").

Waiting for a request is bounded by the idle timeout; once its first byte arrives the head must be complete within
`head_deadline` and the body within `request_deadline` (both from that first byte), so a client trickling a byte
every few seconds is cut off however patient each single read is. The socket's timeout stays the idle timeout
except while reading the rest of a request that did not arrive in one read: the common request costs no call to
change it. `Expect: 100-continue` is answered only once the app's `before_body` check let the request through:
with its refusal otherwise, the body unread.
"""

from __future__ import annotations

import socket
import struct
import sys
import time
import traceback
from collections.abc import Iterable, Iterator
from contextlib import suppress
from email.utils import formatdate
from http import HTTPStatus
from io import BytesIO
from typing import Any

from awsfake import head
from awsfake.bodies import NO_BODY, RECEIVE, ChunkedBody, ContentLengthBody
from awsfake.connection import Answer, Connection, Serving, now

__all__ = ["DROP_CONNECTION", "Handler"]

DROP_CONNECTION = "awsfake.drop_connection"
"""An app sets this environ key to make the server cut the connection in the middle of its answer."""

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_FRAMING = {"content-length", "connection", "transfer-encoding"}  # the server's to write, not the app's
_ORDINARY_NAMES: set[str] = set()  # answer header names seen that are none of those, as the app spells them


class Handler:
    """One connection's thread (`run`): its requests, one after the other, until either side ends it."""

    def __init__(self, server: Serving, sock: socket.socket, address: Any, record: Connection) -> None:
        self.server = server
        self.sock = sock
        self.record = record
        self.busy = False  # a request is being read or answered (the server stops idle connections at once)
        self.close = False  # the connection ends after the current answer
        self.buffer = b""  # received, not yet consumed: the rest of a request, or the next one's start
        self.deadline = 0.0  # when the current request's head, then the whole request, must be in
        self.idle = server.limits.idle_timeout
        self.head_time = server.limits.head_deadline
        self.body_time = server.limits.request_deadline - server.limits.head_deadline
        self.timeout = self.idle  # the socket's read timeout
        # The kernel keeps a plain socket's timeouts (SO_RCVTIMEO, SO_SNDTIMEO): Python's own socket timeout costs
        # a poll() before every recv and send. TLS keeps Python's: its reads retry on the kernel's timeout.
        self.kernel_timeouts = server.tls is None and sys.platform != "win32"
        self.base: dict[str, Any] = {  # the environ's keys that are the same for every request of the connection
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "https" if server.tls is not None else "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "SERVER_SOFTWARE": "awsfake",
            "SCRIPT_NAME": "",
            "REMOTE_ADDR": address[0],
            "REMOTE_PORT": address[1],
            "SERVER_NAME": server.host,
            "SERVER_PORT": str(server.port),
            "awsfake.connection_id": record.id,
            # Set for each request (`head.read`, `_framing`): in the base, the copy has room for the headers.
            "REQUEST_METHOD": "",
            "PATH_INFO": "",
            "QUERY_STRING": "",
            "REQUEST_URI": "",
            "RAW_URI": "",
            "SERVER_PROTOCOL": "",
            "wsgi.input": None,
            "awsfake.headers": None,
            "awsfake.target": "",
        }
        self._status = ""
        self._headers: list[tuple[str, str]] = []

    # -- the connection's life

    def run(self) -> None:
        try:
            if self.server.tls is not None:  # the handshake runs in this thread, bounded like a head
                self.sock = self.server.tls.wrap_socket(self.sock, server_side=True, do_handshake_on_connect=False)
                self.sock.settimeout(self.server.limits.head_deadline)
                self.sock.do_handshake()
            if self.kernel_timeouts:
                self.sock.settimeout(None)
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _timeval(self.idle))
            self._set_timeout(self.idle)
            while self.serve_one():
                pass
        except OSError:  # a client that went away, a failed handshake, a deadline: nothing left to answer
            pass
        except Exception:  # an app's bug: as socketserver did, the traceback on stderr and the connection closed
            traceback.print_exc()
        finally:
            with suppress(OSError):
                self.sock.close()
            self.record.closed_at = now()
            self.server.closed(self)

    def shut(self) -> None:
        """Called by the stopping server: a read waiting for the next request returns at once, with nothing."""
        with suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def serve_one(self) -> bool:
        """Read one request, run the app, send its answer; False when the connection is to end."""
        self.busy = False
        if self.server.stopping:
            return False
        data = self.buffer
        if not data:
            data = self.buffer = self.sock.recv(RECEIVE)  # waits up to the idle timeout, the socket's own
            if not data:
                return False
        self.busy = True
        self.deadline = now() + self.head_time
        end = data.find(b"\r\n\r\n")  # where a head of CR LF lines ends (nearly every client's): `parse` checks
        try:
            if end >= 0:
                read = head.read(data[: end + 4], self.base)
            else:
                end = self._rest_of_head(data)
                if end < 0:
                    return False
                read = head.read(self.buffer[:end], self.base)
        except head.HeadError as refused:
            self._refuse(refused.status)
            return False
        if read is None:  # a blank request line
            return False
        environ, at_least_1_1, size = read
        self.buffer = self.buffer[size:]
        self.deadline += self.body_time  # the body has until the whole request's deadline
        self.record.requests += 1
        method = environ["REQUEST_METHOD"]
        body = self._framing(environ, at_least_1_1)
        expect = environ.get("HTTP_EXPECT")
        if expect and at_least_1_1 and expect.strip().lower() == "100-continue":
            hook = self.server.before_body
            refusal = hook(environ) if hook is not None else None
            if refusal is not None:  # the body, if the client sends it anyway, is never read
                self.close = True
                self._send_answer(method, refusal)
                return False
            # At once, not at the body's first read: botocore stops waiting after 1 s, and a final answer seen
            # while it waits leaves its connection expecting that status line again (a desync on the next request).
            self.sock.sendall(_CONTINUE)
        self._run_app(environ, body, method)
        return not self.close

    # -- reading

    def _rest_of_head(self, data: bytes) -> int:
        """Where the head at the start of the buffer (`data`) ends, once received; -1 if the connection ends first.
        For a head whose lines end in a bare LF, or one that did not arrive in one read."""
        end = head.head_end(data)
        if end >= 0:
            return end
        partial = head.PartialHead()  # the head is still arriving
        try:
            end = partial.add(data)
            while end < 0:
                more = self._receive(RECEIVE)
                if not more:  # the client's end of the stream: what arrived is the head, as http.server has it
                    partial.data += b"\r\n\r\n"
                    return head.head_end(partial.data)
                end = partial.add(more)
            return end
        finally:
            self.buffer = bytes(partial.data)

    def _receive(self, size: int) -> bytes:
        """One read of the rest of a request, waiting at most until its deadline (and no longer than idle)."""
        timeout = min(self.idle, self.deadline - now())
        if timeout <= 0:
            raise TimeoutError("the request's deadline passed")
        if timeout != self.timeout:  # a body's reads usually wait the idle timeout: the deadline is further away
            self._set_timeout(timeout)
        try:
            data = self.sock.recv(size)
        except BlockingIOError:  # the kernel's timeout
            raise TimeoutError("the request's deadline passed") from None
        if not data:
            self.close = True
        return data

    def take(self, size: int) -> bytes:
        """Up to `size` (> 0) bytes of the request: from the buffer, else one read that takes no more than that."""
        data = self.buffer
        if not data:
            return self._receive(min(size, RECEIVE))
        if len(data) <= size:
            self.buffer = b""
            return data
        self.buffer = data[size:]
        return data[:size]

    def take_line(self, limit: int) -> bytes:
        """The next line of the request with its LF, at most `limit` bytes; what is left at the end of the stream."""
        while True:
            data = self.buffer
            end = data.find(b"\n", 0, limit)
            if end >= 0 or len(data) >= limit:
                cut = end + 1 if end >= 0 else limit
                self.buffer = data[cut:]
                return data[:cut]
            more = self._receive(RECEIVE)
            if not more:
                self.buffer = b""
                return data
            self.buffer = data + more

    def _framing(self, environ: dict[str, Any], at_least_1_1: bool) -> ContentLengthBody | ChunkedBody | None:
        """The body stream (`wsgi.input`) the head's framing gives (None: a body that arrived whole with the head,
        taken from the buffer: nothing left to drain), and whether the connection can go on after
        this request: HTTP/1.0 closes unless it asks to keep alive; `Connection: close` closes; a body whose end
        is in doubt closes."""
        connection = environ.get("HTTP_CONNECTION")
        if connection is None:
            self.close = not at_least_1_1
        else:
            tokens = {t.strip().lower() for t in connection.split(",")}
            self.close = "close" in tokens or not (at_least_1_1 or "keep-alive" in tokens)
        length = environ.get("CONTENT_LENGTH")
        coding = environ.get("HTTP_TRANSFER_ENCODING")
        body: ContentLengthBody | ChunkedBody
        if not coding:
            size = head.content_length(length) if length else 0
            if size is None or size == head.TOO_LONG:  # the body's end is unknown: this connection cannot go on
                size, self.close = 0, True
            if not size:
                environ["wsgi.input"] = NO_BODY
                return None
            data = self.buffer
            if len(data) >= size:  # the whole body arrived with the head (the usual small request)
                environ["wsgi.input"] = BytesIO(data[:size])
                self.buffer = data[size:]
                return None
            body = ContentLengthBody(self, size)
        elif coding.strip().lower() == "chunked":
            # Request smuggling's first ingredient: Content-Length with Transfer-Encoding, or a coding whose end
            # the server cannot find. RFC 9112 6.1: whatever the answer, close after it, so bytes after the body
            # (as one framing or another reads it) are never taken for the next request.
            body = ChunkedBody(self)
            environ["wsgi.input_terminated"] = True
            self.close = self.close or bool(length)
        else:
            body = ContentLengthBody(self, 0)
            self.close = True
        environ["wsgi.input"] = body
        return body

    # -- answering

    def _run_app(self, environ: dict[str, Any], body: ContentLengthBody | ChunkedBody | None, method: str) -> None:
        """The app's answer: a list of chunks is sent in one write, anything else (an object's bytes) as it comes."""
        result = self.server.app(environ, self._start_response)
        if type(result) is list:  # the usual answer (a plain list has no close() to call)
            data = b"".join(result)
        else:
            joined = self._send_iterable(result, body, method)
            if joined is None:
                return
            data = joined
        if body is not None:
            self._drain(body)
        if environ.get(DROP_CONNECTION):
            self._send_and_drop(method, data)
            return
        if self.timeout != self.idle:
            self._restore_timeout()
        block = self._head(method, self._status, self._headers, len(data))
        self.sock.sendall(block if method == "HEAD" else block + data)

    def _send_iterable(
        self, result: Iterable[bytes], body: ContentLengthBody | ChunkedBody | None, method: str
    ) -> bytes | None:
        """An answer that is not a plain list: a list's bytes joined (to be sent as one), or None once anything
        else was streamed; its close() called either way, as WSGI asks."""
        try:
            if isinstance(result, list):
                return b"".join(result)
            if body is not None:
                self._drain(body)
            self._send_stream(method, result)
            return None
        finally:
            if hasattr(result, "close"):
                result.close()

    def _start_response(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        self._status, self._headers = status, headers

    def _drain(self, body: ContentLengthBody | ChunkedBody) -> None:
        """Read what the app left of the body, so the connection can carry the next request."""
        try:
            body.drain()
        except (OSError, ValueError):
            self.close = True

    def _send_stream(self, method: str, chunks: Iterable[bytes]) -> None:
        """The head (with the app's Content-Length, or none and the connection closes after the body), then the
        body as the app yields it, the head with its first chunk: memory stays bounded."""
        iterator: Iterator[bytes] = iter(chunks)
        first = next(iterator, b"")  # a generator calls start_response when it first runs
        self._restore_timeout()
        declared = _declared_length(self._headers)
        block = self._head(method, self._status, self._headers, declared)
        if method == "HEAD":
            self.sock.sendall(block)
            return
        self.sock.sendall(block + first)
        sent = len(first)
        for chunk in iterator:
            self.sock.sendall(chunk)
            sent += len(chunk)
        if declared is not None and sent != declared:
            self.close = True  # the answer's framing is broken: the client must not read the next one after it

    def _send_and_drop(self, method: str, body: bytes) -> None:
        """A network failure mid-answer: the status line, the headers and half the body, then the connection ends.

        An answer without a body is dropped before its first byte, so the client never sees a complete response.
        """
        self.close = True
        if body and method != "HEAD":
            self._restore_timeout()
            self.sock.sendall(self._head(method, self._status, self._headers, len(body)) + body[: len(body) // 2])
        with suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def _send_answer(self, method: str, answer: Answer) -> None:
        """An answer from a hook (an early error, a refusal before the body)."""
        self._restore_timeout()
        body = answer.body
        status = f"{answer.status} {answer.reason}" if answer.reason else str(answer.status)
        block = self._head(method, status, answer.headers, len(body))
        self.sock.sendall(block + _body(method, body))

    def _refuse(self, status: int) -> None:
        """A request refused before any app runs (bad request line, oversized head): the app's `early_error`
        renderer answers (AWS's XML for the endpoint, IMDS's page for the metadata fake), then the connection ends.
        A head too large is answered as its method asks (no body for HEAD); others as to a GET."""
        self.close = True
        method = head.method_of(self.buffer) if status == 431 else "GET"
        with suppress(OSError):
            self._send_answer(method, self.server.early_error(status))

    def _head(self, method: str, status: str, headers: list[tuple[str, str]], length: int | None) -> bytes:
        """The status line and header block: the app's headers less hop-by-hop ones (and less its Content-Length,
        but for HEAD), `Content-Length: length` (None: the body ends with the connection), Date, and
        `Connection: close` when the connection ends after this answer. `status` is WSGI's (`"200 OK"`)."""
        code, status_line = _STATUS_LINES.get(status) or _status_line(status)
        second = int(time.time())  # the Date line, formatted once a second
        lines = [status_line, _date if second == _date_second else _date_line(second)]
        has_length = False
        for name, value in headers:
            if name not in _ORDINARY_NAMES:  # a framing name, or one not seen yet
                lower = name.lower()
                if lower in _FRAMING:
                    if lower == "content-length" and method == "HEAD":
                        has_length = True
                    else:
                        if lower == "connection" and value.strip().lower() == "close":
                            self.close = True  # the app ends the connection after this answer (as IMDS does)
                        continue
                elif len(_ORDINARY_NAMES) < 1024:  # an app's names are few; a generated one's are not kept
                    _ORDINARY_NAMES.add(name)
            lines.append(f"{name}: {value}\r\n")
        if length is None:
            self.close = True
        elif not has_length and code not in (204, 304):
            lines.append(_LENGTH_LINES.get(length) or _length_line(length))
        if self.close or self.server.stopping:
            self.close = True
            lines.append("Connection: close\r\n\r\n")
        else:
            lines.append("\r\n")
        return "".join(lines).encode("latin-1")

    def _restore_timeout(self) -> None:
        """Writes, and the wait for the next request, are bounded by the idle timeout."""
        if self.timeout != self.idle:
            self._set_timeout(self.idle)

    def _set_timeout(self, seconds: float) -> None:
        if self.kernel_timeouts:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(seconds))
        else:
            self.sock.settimeout(seconds)
        self.timeout = seconds


def _content_length(text: str) -> int | None:
    """Content-Length's value, or None when the body's end cannot be known from it (no number, or one longer than
    any body): the app refuses it, and the server closes after."""
    size = head.content_length(text)
    return None if size == head.TOO_LONG else size


def _declared_length(headers: list[tuple[str, str]]) -> int | None:
    for name, value in headers:
        if name.lower() == "content-length":
            return _content_length(value.strip())
    return None


def _timeval(seconds: float) -> bytes:
    """A `struct timeval` for SO_RCVTIMEO / SO_SNDTIMEO: at least a microsecond (zero would mean no timeout)."""
    micro = max(1, round(seconds * 1e6))
    return struct.pack("ll", micro // 1_000_000, micro % 1_000_000)


_STATUS_LINES: dict[str, tuple[int, str]] = {}  # WSGI status -> its code and status line, for the statuses seen


def _status_line(status: str) -> tuple[int, str]:
    """The code and status line of a WSGI status (`"200 OK"`); the standard phrase when the app gave none."""
    code, _, reason = status.partition(" ")
    number = int(code)
    line = (number, f"HTTP/1.1 {number} {reason or _phrase(number)}\r\n")
    if len(_STATUS_LINES) < 256:  # an app's statuses are few; a generated one's are not kept
        _STATUS_LINES[status] = line
    return line


_LENGTH_LINES: dict[int, str] = {}  # answer lengths seen -> their Content-Length line (formatting an int costs ~1k)


def _length_line(length: int) -> str:
    line = f"Content-Length: {length}\r\n"
    if len(_LENGTH_LINES) < 4096:  # an app's answers mostly have a few lengths; others are formatted each time
        _LENGTH_LINES[length] = line
    return line


def _body(method: str, data: bytes) -> bytes:
    return b"" if method == "HEAD" else data


_date = ""
_date_second = -1  # the second `_date` was formatted for (any other, even an earlier one: again)


def _date_line(second: int) -> str:
    """The Date header's line for `second`, kept for the answers in the same second (formatting costs more than
    the rest of the head). The line is stored before its second, so a thread that sees the new second also sees
    the new line."""
    global _date_second, _date
    _date, _date_second = f"Date: {formatdate(second, usegmt=True)}\r\n", second
    return _date


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Unknown"
