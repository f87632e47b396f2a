"""What the HTTP server and its connection handlers share: the answers hooks give, the limits, the connection
record, and the server as a handler sees it (`Serving`), so that `handler` needs nothing from `server`."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any, Protocol

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

__all__ = ["Answer", "BeforeBody", "Connection", "EarlyError", "Limits", "Serving"]


@dataclass(frozen=True)
class Answer:
    """A whole HTTP answer, for the hooks that answer outside the WSGI call (early errors, `before_body`)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    reason: str = ""  # the status line's phrase; empty: the standard one


class EarlyError(Protocol):
    """The app's answer to a request the server refused before the app could run (400, 414, 431, ...)."""

    def __call__(self, status: int) -> Answer: ...


class BeforeBody(Protocol):
    """For `Expect: 100-continue`: the app's refusal, decided from the head alone, or None to ask for the body."""

    def __call__(self, environ: dict[str, Any]) -> Answer | None: ...


@dataclass(frozen=True)
class Limits:
    """How long the server waits: for a request to start (idle), for its head, for the whole request (head and
    body, from its first byte), and for requests in flight when it stops."""

    idle_timeout: float = 60.0
    head_deadline: float = 30.0
    request_deadline: float = 600.0
    grace: float = 30.0


@dataclass
class Connection:
    """One TCP connection the server accepted; `closed_at` is set when it ends, from either side."""

    id: int
    peer: str
    opened_at: float
    closed_at: float | None = None
    requests: int = 0


class Serving(ThreadedWSGIServer):
    """The server as its handlers see it: the hooks and limits they read and the calls they make at each step of a
    connection's life. `awsfake.server` implements it."""

    app: Any
    limits: Limits
    tls: ssl.SSLContext | None
    early_error: EarlyError
    before_body: BeforeBody | None

    def opened(self, handler: WSGIRequestHandler) -> Connection:
        raise NotImplementedError

    def waiting(self, handler: WSGIRequestHandler) -> bool:
        raise NotImplementedError

    def started_request(self, handler: WSGIRequestHandler) -> None:
        raise NotImplementedError

    def finished_request(self, handler: WSGIRequestHandler) -> bool:
        raise NotImplementedError

    def closed(self, handler: WSGIRequestHandler) -> None:
        raise NotImplementedError
