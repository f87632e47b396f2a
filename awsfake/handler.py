"""One TCP (or TLS) connection: HTTP/1.1 requests read against deadlines, answered in one write, kept alive.

werkzeug's threaded server closes every connection, because it cannot know whether the app read the whole request
body. This handler bounds the body itself and drains what the app left, so it can keep connections alive as AWS
does. Reads go through `_DeadlineReader`: waiting for a request is bounded by the idle timeout, and once its first
byte arrives the head must be complete within `head_deadline` and the body within `request_deadline` — a client
trickling a byte every few seconds is cut off however patient each single read is. `Expect: 100-continue` is answered
only once the app's `before_body` check let the request through: with its refusal otherwise, the body unread.
"""

from __future__ import annotations

import io
import socket
import time
from contextlib import suppress
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

from werkzeug.serving import WSGIRequestHandler
from werkzeug.wsgi import LimitedStream

from awsfake import head
from awsfake.connection import Answer, Connection, Serving

__all__ = ["DROP_CONNECTION", "Handler"]

DROP_CONNECTION = "awsfake.drop_connection"
"""An app sets this environ key to make the server cut the connection in the middle of its answer."""

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class _DeadlineReader(io.RawIOBase):
    """The socket as a raw stream whose every read waits only until the handler's current deadline."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._handler.receive_into(buffer)


class Handler(WSGIRequestHandler):
    """Records the connection and stamps each environ with its id (`awsfake.connection_id`)."""

    server: Serving
    record: Connection
    deadline: float | None = None  # None while waiting for a request; then when its head or body must be in
    busy = False  # a request is being read or answered
    expecting = False  # the request asked `Expect: 100-continue`
    line: head.RequestLine | None = None
    fields = head.Fields([])

    def setup(self) -> None:
        server = self.server
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if server.tls is not None:  # the handshake runs in this thread (in handle), not in the accept loop
            self.request = server.tls.wrap_socket(self.request, server_side=True, do_handshake_on_connect=False)
        super().setup()
        self.rfile = io.BufferedReader(_DeadlineReader(self), 65536)
        self.record = server.opened(self)

    def handle(self) -> None:
        try:
            if self.server.tls is not None:
                self.connection.settimeout(self.server.limits.head_deadline)
                self.connection.do_handshake()
            super().handle()
        except OSError:  # a client that went away, a failed handshake, a deadline: nothing left to answer
            self.close_connection = True

    def handle_one_request(self) -> None:
        self.deadline, self.expecting = None, False
        try:
            super().handle_one_request()
        finally:
            if self.server.finished_request(self):
                self.close_connection = True  # the server is stopping: this connection takes no more requests

    def receive_into(self, buffer: Any) -> int:
        """One read from the socket, bounded by the idle timeout and the current request's deadline."""
        limits = self.server.limits
        if self.deadline is None:
            if not self.server.waiting(self):
                return 0  # stopping: end the connection rather than wait for another request
            timeout = limits.idle_timeout
        else:
            timeout = min(limits.idle_timeout, self.deadline - time.monotonic())
            if timeout <= 0:
                raise TimeoutError("the request's deadline passed")
        self.connection.settimeout(timeout)
        count: int = self.connection.recv_into(buffer)
        if self.deadline is None and count:
            self.deadline = time.monotonic() + limits.head_deadline
            self.server.started_request(self)
        return count

    def make_environ(self) -> Any:
        assert self.line is not None  # parse_request read it
        environ = head.environ_for(self, self.line, self.fields, "http")
        self.record.requests += 1
        environ["awsfake.connection_id"] = self.record.id
        if self.server.tls is not None:
            environ["wsgi.url_scheme"] = "https"
        coding = environ.get("HTTP_TRANSFER_ENCODING")
        if coding and (environ.get("CONTENT_LENGTH") or not environ.get("wsgi.input_terminated")):
            # Request smuggling's first ingredient: Content-Length with Transfer-Encoding, or a coding werkzeug
            # does not de-chunk. RFC 9112 6.1: whatever the answer, close after it, so bytes after the body (as
            # one framing or another reads it) are never taken for the next request.
            self.close_connection = True
        if not environ.get("wsgi.input_terminated"):  # werkzeug de-chunks chunked bodies itself
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
                self.close_connection = True  # the body's end is unknown: this connection cannot go on
            environ["wsgi.input"] = LimitedStream(self.rfile, max(length, 0))  # type: ignore[arg-type]
        self.body_stream = environ["wsgi.input"]
        return environ

    def handle_expect_100(self) -> bool:
        """Not yet: `100 Continue` goes out once the app's `before_body` check passed (see `run_wsgi`)."""
        self.expecting = True
        return True

    def run_wsgi(self) -> None:
        """Run the app and send its whole answer in one write, then drain the unread request body.

        werkzeug's own `run_wsgi` always closes the connection and, after every response, waits 10 ms reading
        whatever comes next; on a keep-alive connection that would swallow the next request and cap one
        connection at a hundred requests a second.
        """
        environ = self.make_environ()
        method = environ["REQUEST_METHOD"]
        if self.deadline is not None:  # the head is in: the body has until the whole request's deadline
            self.deadline += self.server.limits.request_deadline - self.server.limits.head_deadline
        if self.expecting:
            refusal = self.server.before_body(environ) if self.server.before_body is not None else None
            if refusal is not None:
                self.close_connection = True  # the body, if the client sends it anyway, is never read
                self._send(method, refusal)
                return
            # At once, not at the body's first read: botocore stops waiting after 1 s, and a final answer seen
            # while it waits leaves its connection expecting that status line again (a desync on the next request).
            self.wfile.write(_CONTINUE)
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers]
            return None

        result = self.server.app(environ, start_response)
        try:
            if not isinstance(result, list):  # a streamed answer (an object's bytes): sent chunk by chunk
                self._drain()
                self._send_stream(method, _answer(started, b""), result)
                return
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        self._drain()
        answer = _answer(started, body)
        if environ.get(DROP_CONNECTION):
            self._send_and_drop(method, answer)
        else:
            self._send(method, answer)

    def _send_and_drop(self, method: str, answer: Answer) -> None:
        """A network failure mid-answer: the status line, the headers and half the body, then the connection ends.

        An answer without a body is dropped before its first byte, so the client never sees a complete response.
        """
        self.close_connection = True
        body = answer.body
        if body and method != "HEAD":
            half = Answer(answer.status, answer.headers, body[: len(body) // 2], answer.reason)
            self._send(method, half, declared=len(body))
        with suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, method: str, answer: Answer, declared: int | None = None) -> None:
        """The status line, the headers (the app's, less hop-by-hop ones) and the body, in one write."""
        code, body = answer.status, answer.body
        lines = [f"{self.protocol_version} {code} {answer.reason or _phrase(code)}\r\nDate: {_http_date()}\r\n"]
        has_length = False
        for name, value in answer.headers:
            lower = name.lower()
            if lower in ("connection", "transfer-encoding"):
                if lower == "connection" and value.strip().lower() == "close":
                    self.close_connection = True  # the app ends the connection after this answer (as IMDS does)
                continue
            if lower == "content-length":
                if method != "HEAD":
                    continue
                has_length = True
            lines.append(f"{name}: {value}\r\n")
        if not has_length and code not in (204, 304):
            lines.append(f"Content-Length: {len(body) if declared is None else declared}\r\n")
        if self.close_connection:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        self.wfile.write("".join(lines).encode("latin-1") + (b"" if method == "HEAD" else body))

    def _send_stream(self, method: str, head: Answer, chunks: Any) -> None:
        """The head (with the app's Content-Length), then the body as the app yields it: memory stays bounded."""
        self._send(method, head, declared=_declared_length(head.headers))
        if method == "HEAD":
            return
        for chunk in chunks:
            self.wfile.write(chunk)

    def _drain(self) -> None:
        try:
            if isinstance(self.body_stream, LimitedStream):
                self.body_stream.exhaust()
            else:
                while self.body_stream.read(65536):
                    pass
        except Exception:
            self.close_connection = True

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with suppress(OSError):
                self.connection.close()
            self.record.closed_at = time.monotonic()
            self.server.closed(self)

    def parse_request(self) -> bool:
        """The request line and header fields, read by `awsfake.head` (http.server's reading less its email parser);
        HTTP/0.9's two-word requests are refused, as their answers would have no status line."""
        self.command, self.request_version, self.close_connection = "", "HTTP/1.1", True
        try:
            line = head.request_line(self.raw_requestline)
            if line is None:
                return False
            self.command, self.path, self.request_version = line.method, line.target, line.version
            self.requestline = f"{line.method} {line.target} {line.version}"
            self.line, self.fields = line, head.read_fields(self.rfile)
        except head.HeadError as refused:
            self.send_error(refused.status)
            return False
        keep_alive = line.at_least_1_1 and self.protocol_version >= "HTTP/1.1"
        connection = (self.fields.get("Connection") or "").lower()
        self.close_connection = connection == "close" or not (keep_alive or connection == "keep-alive")
        expect = (self.fields.get("Expect") or "").lower()
        if expect == "100-continue" and keep_alive:
            return self.handle_expect_100()
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Requests refused before any app runs (bad request line, oversized head) are answered by the app's
        `early_error` renderer (AWS's XML for the endpoint, IMDS's page for the metadata fake), then closed."""
        if self.request_version == "HTTP/0.9":  # an unparsed request line: answer with a status line all the same
            self.request_version = "HTTP/1.1"
        self.close_connection = True
        with suppress(OSError):
            self._send(self.command or "GET", self.server.early_error(code))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Request logging belongs to the apps (they know service and verdict), not to the socket layer."""

    def log_error(self, format: str, *args: Any) -> None:
        """Timeouts and dropped clients are normal for a server; they are not worth a line on stderr."""


_last_date: tuple[int, str] = (-1, "")


def _http_date() -> str:
    """The Date header's value; formatted once a second (formatting costs more than the rest of the head)."""
    global _last_date
    now = int(time.time())
    if _last_date[0] != now:
        _last_date = (now, formatdate(now, usegmt=True))
    return _last_date[1]


def _answer(started: list[Any], body: bytes) -> Answer:
    """The app's `start_response` status and headers, with `body`."""
    code, _, reason = started[0].partition(" ")
    return Answer(int(code), list(started[1]), body, reason)


def _declared_length(headers: list[tuple[str, str]]) -> int:
    return next((int(value) for name, value in headers if name.lower() == "content-length"), 0)


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Unknown"
