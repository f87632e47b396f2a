"""What the HTTP server and its connection handlers share: the answers hooks give, the limits, the connection
record, and the server as a handler sees it (`Serving`), so that `handler` needs nothing from `server`."""

from __future__ import annotations

import ssl
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

__all__ = ["Answer", "BeforeBody", "Connection", "EarlyError", "Limits", "Serving", "now"]


if sys.platform != "win32":
    # The kernel's monotonic clock, for deadlines. Not `time.monotonic`: a test that freezes or moves time
    # (freezegun) replaces that everywhere, and a deadline taken on one clock and checked on the other passes at once
    # (or never). A partial: no Python frame for a clock read on every request.
    now: Callable[[], float] = partial(time.clock_gettime, time.CLOCK_MONOTONIC)
else:  # pragma: no cover - no clock_gettime there
    now = time.monotonic


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


class Serving(Protocol):
    """The server as its handlers see it: the app and its hooks, the limits, the address it listens on, whether it
    is stopping, and the call a handler makes when its connection ends. `awsfake.server` implements it."""

    app: Any
    limits: Limits
    tls: ssl.SSLContext | None
    early_error: EarlyError
    before_body: BeforeBody | None
    host: str
    port: int
    stopping: bool

    def closed(self, handler: Any) -> None: ...
