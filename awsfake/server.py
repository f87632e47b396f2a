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
import selectors
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from awsfake.connection import Answer, BeforeBody, Connection, EarlyError, Limits, now
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


class _Server:
    """The listening socket, its accept thread (one thread per connection), and the register of live handlers,
    for a graceful stop. It is `awsfake.connection.Serving` to its handlers."""

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
        self.app = app
        self.limits = limits
        self.tls = tls
        self.early_error: EarlyError = early_error or plain_early_error
        self.before_body = before_body
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.create_server((host, port), family=family, backlog=128)
        self.host, self.port = self.listener.getsockname()[:2]  # SERVER_NAME and SERVER_PORT of each environ
        self.connections: list[Connection] = []
        self.stopping = False
        self._handlers: set[Handler] = set()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._wake, self._woken = socket.socketpair()  # wakes the accept thread to stop it

    @property
    def idle_timeout(self) -> float:
        return self.limits.idle_timeout

    def accept_loop(self) -> None:
        """Accept connections, each served by a thread of its own, until `stop_listening`."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.listener, selectors.EVENT_READ)
            selector.register(self._woken, selectors.EVENT_READ)
            while not self.stopping:
                for key, _ in selector.select():
                    if key.fileobj is self.listener:
                        self._accept()

    def _accept(self) -> None:
        try:
            sock, address = self.listener.accept()
        except OSError:  # the client gave up before we got to it
            return
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        record = Connection(next(_ids), "{}:{}".format(*address[:2]), now())
        handler = Handler(self, sock, address, record)
        with self._lock:
            self.connections.append(record)
            self._handlers.add(handler)
        thread = threading.Thread(target=handler.run, name=f"awsfake-{self.port}-{record.id}", daemon=True)
        thread.start()

    def closed(self, handler: Handler) -> None:
        """A handler's connection ended."""
        with self._lock:
            self._handlers.discard(handler)
            self._changed.notify_all()

    # -- stopping

    def stop_listening(self, accepting: threading.Thread) -> None:
        """No more connections: the accept thread ends and the listening socket closes."""
        with self._lock:
            self.stopping = True
        self._wake.send(b"x")
        accepting.join(timeout=10)
        for sock in (self.listener, self._wake, self._woken):
            sock.close()

    def stop_connections(self, grace: float) -> None:
        """Close idle connections now, let busy ones finish their request (up to `grace` s), and wait until every
        connection has ended, so nothing of this server outlives `serve_app`'s block.

        A handler marks itself busy when a request's first byte arrives and idle before it waits for the next
        one, then looks at `stopping`: whichever order the two threads run in, an idle connection is closed
        either here or by its own handler."""
        deadline = now() + grace
        with self._lock:
            self.stopping = True
            for handler in [h for h in self._handlers if not h.busy]:
                handler.shut()
            while self._handlers and now() < deadline:  # busy ones close after their answer
                self._changed.wait(deadline - now())
            for handler in list(self._handlers):
                handler.shut()
            self._changed.wait_for(lambda: not self._handlers, timeout=1.0)


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
    url_host = f"[{host}]" if ":" in host else host
    scheme = "https" if tls is not None else "http"
    running = RunningServer(host, server.port, f"{scheme}://{url_host}:{server.port}", server.connections, server)
    accepting = threading.Thread(target=server.accept_loop, name=f"awsfake-server-{server.port}", daemon=True)
    accepting.start()
    try:
        yield running
    finally:
        server.stop_listening(accepting)
        server.stop_connections(limits.grace)
