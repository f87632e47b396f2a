"""Serving a WSGI app (the endpoint or the instance-metadata fake) on a background thread, like a server.

`serve_app` listens (loopback unless told otherwise), optionally over TLS, and hands each connection to
`awsfake.handler.Handler` (keep-alive, deadlines, `100 Continue`). Two optional hooks let the app being served
answer what the socket layer sees first, so a garbage request line to the metadata fake is not answered in S3's XML:

- `early_error(status)`: the app's answer to a request refused before it ran (unparseable request line, head too
  large); without it, a plain-text answer.
- `before_body(environ)`: for `Expect: 100-continue`, the app's refusal of a request whose head already decides
  it (signature, size), or None to let the client send the body.

Stopping is graceful: the listener closes at once, connections waiting for a request are closed, and requests
being read or answered finish (within `Limits.grace`) before `serve_app`'s block exits.
"""

from __future__ import annotations

import itertools
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import WSGIRequestHandler

from awsfake.connection import Answer, BeforeBody, Connection, EarlyError, Limits, Serving
from awsfake.handler import DROP_CONNECTION, Handler

__all__ = [
    "DROP_CONNECTION",
    "Answer",
    "BeforeBody",
    "Connection",
    "EarlyError",
    "Limits",
    "RunningServer",
    "serve_app",
]

LOOPBACK = ("127.0.0.1", "localhost", "::1")
_ids = itertools.count(1)


@dataclass
class RunningServer:
    host: str
    port: int
    url: str
    connections: list[Connection] = field(default_factory=list)
    _server: _Server | None = field(default=None, repr=False)

    def open_connections(self) -> list[Connection]:
        return [c for c in self.connections if c.closed_at is None]


def plain_early_error(status: int) -> Answer:
    """The answer for apps without their own renderer: the status in plain text."""
    from http import HTTPStatus

    body = f"{status} {HTTPStatus(status).phrase}\n".encode()
    return Answer(status, [("Content-Type", "text/plain; charset=utf-8")], body)


class _Server(Serving):
    """werkzeug's threaded server with the hooks above and a register of live handlers, for a graceful stop."""

    daemon_threads = True

    def __init__(
        self,
        host: str,
        port: int,
        app: Any,
        *,
        limits: Limits,
        tls: ssl.SSLContext | None,
        early_error: EarlyError | None,
        before_body: BeforeBody | None,
    ) -> None:
        super().__init__(host, port, app, Handler)
        self.limits = limits
        self.tls = tls
        self.early_error: EarlyError = early_error or plain_early_error
        self.before_body = before_body
        self.connections: list[Connection] = []
        self._lock = threading.Lock()
        self._handlers: dict[WSGIRequestHandler, bool] = {}  # handler -> busy with a request
        self._stopping = False
        self._changed = threading.Condition(self._lock)

    @property
    def idle_timeout(self) -> float:
        return self.limits.idle_timeout

    # -- called by handlers

    def opened(self, handler: WSGIRequestHandler) -> Connection:
        peer = "{}:{}".format(*handler.client_address[:2])
        record = Connection(next(_ids), peer, time.monotonic())
        with self._lock:
            self.connections.append(record)
            self._handlers[handler] = False
        return record

    def waiting(self, handler: WSGIRequestHandler) -> bool:
        """A handler is about to wait for its next request: False once the server is stopping."""
        with self._lock:
            return not self._stopping

    def started_request(self, handler: WSGIRequestHandler) -> None:
        with self._lock:
            self._handlers[handler] = True

    def finished_request(self, handler: WSGIRequestHandler) -> bool:
        """The request is answered; True if the connection must close because the server is stopping."""
        with self._lock:
            if handler in self._handlers:
                self._handlers[handler] = False
            self._changed.notify_all()
            return self._stopping

    def closed(self, handler: WSGIRequestHandler) -> None:
        with self._lock:
            self._handlers.pop(handler, None)
            self._changed.notify_all()

    # -- stopping

    def stop_connections(self, grace: float) -> None:
        """Close idle connections now, let busy ones finish their request (up to `grace` s), and wait until every
        connection has ended, so nothing of this server outlives `serve_app`'s block."""
        deadline = time.monotonic() + grace
        with self._lock:
            self._stopping = True
            idle = [h for h, busy in self._handlers.items() if not busy]
            for handler in idle:
                _shut(handler)
            while self._handlers and time.monotonic() < deadline:  # busy ones close after their answer
                self._changed.wait(deadline - time.monotonic())
            for handler in list(self._handlers):
                _shut(handler)
            self._changed.wait_for(lambda: not self._handlers, timeout=1.0)


def _shut(handler: WSGIRequestHandler) -> None:
    with suppress(OSError):
        handler.connection.shutdown(socket.SHUT_RDWR)


def check_bind_host(host: str, allow_remote: bool) -> None:
    if host not in LOOPBACK and not allow_remote:
        raise ValueError(
            f"refusing to listen on {host!r}: the fake accepts test credentials and must not face a network; "
            "pass allow_remote=True (awsfake serve --allow-remote) to bind a non-loopback address"
        )


@contextmanager
def serve_app(
    app: Callable[..., Any],
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    allow_remote: bool = False,
    idle_timeout: float | None = None,
    limits: Limits | None = None,
    tls: ssl.SSLContext | None = None,
    early_error: EarlyError | None = None,
    before_body: BeforeBody | None = None,
) -> Iterator[RunningServer]:
    """Serve `app` until the block ends; port 0 picks a free port (read it back from `.port` or `.url`).

    `idle_timeout` is a shortcut for `limits=Limits(idle_timeout=...)`; `tls` serves https with that context.
    """
    check_bind_host(host, allow_remote)
    limits = limits or Limits()
    if idle_timeout is not None:
        limits = Limits(idle_timeout, limits.head_deadline, limits.request_deadline, limits.grace)
    server = _Server(host, port, app, limits=limits, tls=tls, early_error=early_error, before_body=before_body)
    bound_port = server.socket.getsockname()[1]
    url_host = f"[{host}]" if ":" in host else host
    scheme = "https" if tls is not None else "http"
    running = RunningServer(host, bound_port, f"{scheme}://{url_host}:{bound_port}", server.connections, server)
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
        server.stop_connections(limits.grace)
