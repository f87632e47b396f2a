"""A FakeAWS served behind its console (`/_awsfake/`), as `awsfake serve` serves it, for the console tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from awsfake import FakeAWS
from awsfake.console import Console
from awsfake.server import RunningServer, serve_app


@contextmanager
def served_console(fake: FakeAWS | None = None) -> Iterator[tuple[FakeAWS, RunningServer]]:
    fake = fake or FakeAWS()
    console = Console(fake)
    with serve_app(console, early_error=fake.early_error, before_body=console.before_body) as running:
        fake.url = running.url
        yield fake, running
    fake.check()


class CanonicalRequests(logging.Handler):
    """botocore's own canonical requests, as it logs them at DEBUG (what a person would paste in the debugger)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("CanonicalRequest:"):
            self.seen.append(message.removeprefix("CanonicalRequest:\n"))


@contextmanager
def canonical_requests() -> Iterator[CanonicalRequests]:
    logger = logging.getLogger("botocore.auth")
    handler, level = CanonicalRequests(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
