"""Serving a WSGI app (the endpoint or the instance-metadata fake) on a background thread.

werkzeug's threaded server speaks HTTP/1.1 but closes every connection, because it cannot know whether the app read
the whole request body. Our handler bounds the body itself and drains what the app left, so it can keep
connections alive as AWS does. Each TCP connection is recorded (opened, requests served, closed) so tests can see
reuse and closes from the server's side.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wsgi import LimitedStream

__all__ = ["DROP_CONNECTION", "Connection", "RunningServer", "serve_app"]

DROP_CONNECTION = "awsfake.drop_connection"
"""An app sets this environ key to make the server cut the connection in the middle of its answer."""

LOOPBACK = ("127.0.0.1", "localhost", "::1")
_EARLY_ERRORS = {
    431: ("RequestHeaderSectionTooLarge", "Your request header section exceeds the maximum allowed size."),
    414: ("KeyTooLongError", "Your key is too long"),
}
_ids = itertools.count(1)


@dataclass
class Connection:
    """One TCP connection the server accepted; `closed_at` is set when it ends, from either side."""

    id: int
    peer: str
    opened_at: float
    closed_at: float | None = None
    requests: int = 0


@dataclass
class RunningServer:
    host: str
    port: int
    url: str
    connections: list[Connection] = field(default_factory=list)
    _server: BaseWSGIServer | None = field(default=None, repr=False)

    def open_connections(self) -> list[Connection]:
        return [c for c in self.connections if c.closed_at is None]


class _Handler(WSGIRequestHandler):
    """Records the connection and stamps each environ with its id (`awsfake.connection_id`)."""

    record: Connection
    registry: list[Connection]

    def setup(self) -> None:
        super().setup()
        peer = "{}:{}".format(*self.client_address[:2])
        self.record = Connection(next(_ids), peer, time.monotonic())
        self.server.connections.append(self.record)  # type: ignore[attr-defined]
        self.server.live_sockets.add(self.request)  # type: ignore[attr-defined]
        # A client that opens a connection and sends nothing must not hold a thread for ever.
        self.request.settimeout(self.server.idle_timeout)  # type: ignore[attr-defined]
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def make_environ(self) -> Any:
        environ = super().make_environ()
        self.record.requests += 1
        environ["awsfake.connection_id"] = self.record.id
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

    def run_wsgi(self) -> None:
        """Run the app and send its whole answer in one write, then drain the unread request body.

        werkzeug's own `run_wsgi` always closes the connection and, after every response, waits 10 ms reading
        whatever comes next; on a keep-alive connection that would swallow the next request and cap one
        connection at a hundred requests a second.
        """
        environ = self.make_environ()
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers]
            return None

        result = self.server.app(environ, start_response)
        if not isinstance(result, list):  # a streamed answer (an object's bytes): sent chunk by chunk
            try:
                self._drain()
                self._send_stream(environ["REQUEST_METHOD"], started[0], started[1], result)
            finally:
                if hasattr(result, "close"):
                    result.close()
            return
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        self._drain()
        if environ.get(DROP_CONNECTION):
            self._send_and_drop(environ["REQUEST_METHOD"], started[0], started[1], body)
        else:
            self._send(environ["REQUEST_METHOD"], started[0], started[1], body)

    def _send_and_drop(self, method: str, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        """A network failure mid-answer: the status line, the headers and half the body, then the connection ends.

        An answer without a body is dropped before its first byte, so the client never sees a complete response.
        """
        self.close_connection = True
        if body and method != "HEAD":
            self._send(method, status, headers, body[: len(body) // 2], declared=len(body))
        with suppress(OSError):
            self.wfile.flush()
            self.request.shutdown(socket.SHUT_RDWR)

    def _send(
        self, method: str, status: str, headers: list[tuple[str, str]], body: bytes, declared: int | None = None
    ) -> None:
        code, _, reason = status.partition(" ")
        self.send_response_only(int(code), reason)
        self.send_header("Date", self.date_time_string())
        has_length = False
        for name, value in headers:
            lower = name.lower()
            if lower in ("connection", "transfer-encoding"):
                if lower == "connection" and value.strip().lower() == "close":
                    self.close_connection = True  # the app ends the connection after this answer (as IMDS does)
                continue
            if lower == "content-length":
                if method != "HEAD":
                    continue
                has_length = True
            self.send_header(name, value)
        if not has_length and int(code) not in (204, 304):
            self.send_header("Content-Length", str(len(body) if declared is None else declared))
        if self.close_connection:
            self.send_header("Connection", "close")
        self._headers_buffer.append(b"\r\n" + (b"" if method == "HEAD" else body))
        self.flush_headers()

    def _send_stream(self, method: str, status: str, headers: list[tuple[str, str]], chunks: Any) -> None:
        """The head (with the app's Content-Length), then the body as the app yields it: memory stays bounded."""
        self._send(method, status, headers, b"", declared=_declared_length(headers))
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
            self.record.closed_at = time.monotonic()
            self.server.live_sockets.discard(self.request)  # type: ignore[attr-defined]

    def parse_request(self) -> bool:
        """HTTP/0.9 requests (`GET /` with no version) are refused: their answers would have no status line."""
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":
            self.send_error(400)
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Requests refused before any app runs (bad request line, oversized headers) get an AWS-style XML error.

        http.server would answer with an HTML page; AWS answers 400 with an `<Error>` document and closes.
        """
        aws_code, text = _EARLY_ERRORS.get(code, ("BadRequest", "An error occurred when parsing the HTTP request."))
        if self.request_version == "HTTP/0.9":  # an unparsed request line: answer with a status line all the same
            self.request_version = "HTTP/1.1"
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{aws_code}</Code><Message>{text}</Message></Error>'
        ).encode()
        self.close_connection = True
        try:
            self.send_response(400)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            pass

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Request logging belongs to the apps (they know service and verdict), not to the socket layer."""


def _declared_length(headers: list[tuple[str, str]]) -> int:
    return next((int(value) for name, value in headers if name.lower() == "content-length"), 0)


def check_bind_host(host: str, allow_remote: bool) -> None:
    if host not in LOOPBACK and not allow_remote:
        raise ValueError(
            f"refusing to listen on {host!r}: the fake accepts test credentials and must not face a network; "
            "pass allow_remote=True (awsfake serve --allow-remote) to bind a non-loopback address"
        )


@contextmanager
def serve_app(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    allow_remote: bool = False,
    idle_timeout: float = 60.0,
) -> Iterator[RunningServer]:
    """Serve `app` until the block ends; port 0 picks a free port (read it back from `.port` or `.url`)."""
    check_bind_host(host, allow_remote)
    server = make_server(host, port, app, threaded=True, request_handler=_Handler)
    server.daemon_threads = True  # type: ignore[attr-defined]
    server.connections = []  # type: ignore[attr-defined]
    server.idle_timeout = idle_timeout  # type: ignore[attr-defined]
    server.live_sockets = set()  # type: ignore[attr-defined]
    bound_port = server.socket.getsockname()[1]
    url_host = f"[{host}]" if ":" in host else host
    running = RunningServer(host, bound_port, f"http://{url_host}:{bound_port}", server.connections, server)  # type: ignore[attr-defined]
    # A short poll interval: shutdown() waits up to one interval, and tests start and stop many servers.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"awsfake-server-{bound_port}", daemon=True
    )
    thread.start()
    try:
        yield running
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        _close_live(server)


def _close_live(server: BaseWSGIServer) -> None:
    """Keep-alive connections outlive serve_forever; end them so no handler thread or socket is left behind."""
    for sock in list(server.live_sockets):  # type: ignore[attr-defined]
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (for fixtures that must name a port before serving)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
