"""`FakeAWS`: the test-facing endpoint (a WSGI app) and its state: keys, services, stubs, the request journal.

What happens to one request is `awsfake.pipeline`'s. Every request ends in an AWS-shaped answer: a bug in a
handler becomes the family's InternalError (500), and the exception is kept so the test thread can re-raise it
with `check()`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

from awsfake import pipeline
from awsfake.accounts import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCOUNT_ID,
    DEFAULT_ARN,
    DEFAULT_SECRET_ACCESS_KEY,
    Accounts,
    Identity,
)
from awsfake.doubles.error_log import ErrorLog
from awsfake.doubles.journal import Journal, Record
from awsfake.errors import internal_error
from awsfake.request import DEFAULT_MAX_BODY
from awsfake.server import DROP_CONNECTION, RunningServer, serve_app
from awsfake.services import Call, Service
from awsfake.services.emulated import emulated
from awsfake.services.native import NATIVE
from awsfake.stubs import Stub, Stubs, make_fault

__all__ = ["FakeAWS"]

_STATUS_LINES = {s.value: f"{s.value} {s.phrase}" for s in HTTPStatus}


class FakeAWS:
    """A strict fake AWS endpoint (a WSGI app) with its state: keys, services, stubs and the request journal.

    One pair of credentials is always accepted: `DEFAULT_ACCESS_KEY_ID` / `DEFAULT_SECRET_ACCESS_KEY`. S3 answers
    for `region` only (as a regional S3 endpoint does); other services serve whichever region the client signed for.
    `services` overrides implementations by service name (tests of the machinery use small test services);
    `journal_limit` keeps only that many newest records in `requests` (None: all).
    """

    def __init__(
        self,
        region: str = "us-east-1",
        *,
        max_body_size: int = DEFAULT_MAX_BODY,
        services: Mapping[str, type[Service]] | None = None,
        on_request: Callable[[Record], None] | None = None,
        journal_limit: int | None = None,
    ) -> None:
        self.region = region
        self.url: str | None = None  # set while serving
        self.max_body_size = max_body_size
        self.on_request = on_request
        self.accounts = Accounts()
        self.accounts.add(
            DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, account_id=DEFAULT_ACCOUNT_ID, arn=DEFAULT_ARN
        )
        self.requests = Journal(Record, journal_limit)
        self.stubs = Stubs()
        self._overrides = dict(services or {})
        self._services: dict[str, Service | None] = {}
        self._lock = threading.Lock()
        self._errors = ErrorLog()

    # ------------------------------------------------------------ the test-facing API

    def add_credentials(
        self,
        access_key_id: str,
        secret_access_key: str,
        *,
        session_token: str | None = None,
        expiration: float | None = None,
        account_id: str = DEFAULT_ACCOUNT_ID,
        arn: str | None = None,
    ) -> Identity:
        """Accept another key (optionally a session: token and expiry in epoch seconds); kept across `reset()`."""
        return self.accounts.add(
            access_key_id,
            secret_access_key,
            session_token=session_token,
            expiration=expiration,
            account_id=account_id,
            arn=arn,
        )

    def stub(
        self,
        service: str,
        action: str | None = None,
        *,
        status: int = 200,
        body: Any = None,
        error: Any = None,
        times: int | None = None,
        handler: Callable[[Call], Any] | None = None,
        headers: Mapping[str, str] | None = None,
        drop: bool = False,
    ) -> Stub:
        """Answer `service`'s `action` (None: any action) with `body`, an `error`, or `handler(call)`'s result.

        A callable `body` is taken as the handler.
        `error` is a code, (code, message) or (code, message, status), rendered in the service's own family.
        `times=None` answers for good; `times=n` answers n times, then the next stub (or the service) applies.
        `drop=True` cuts the connection mid-answer (headers and half the body sent), as a failing network would.
        """
        if times is not None and times < 1:
            raise ValueError("times must be a positive number of uses, or None for always")
        if callable(body) and handler is None:
            body, handler = None, body
        fault = make_fault(error) if error is not None else None
        stub = Stub(service, action, status, body, fault, handler, dict(headers or {}), times, drop=drop)
        return self.stubs.add(stub)

    def service(self, name: str) -> Service | None:
        """The live instance serving `name` (None while no implementation exists), e.g. to inspect its state."""
        with self._lock:
            if name not in self._services:
                cls = self._overrides.get(name) or NATIVE.get(name)
                self._services[name] = (
                    cls(self.accounts, self.service) if cls else emulated(name, self.accounts, self.service)
                )
            return self._services[name]

    def reset(self) -> None:
        """Forget service state, stubs, the journal, recorded errors and STS sessions; added keys stay."""
        with self._lock:
            instances = [s for s in self._services.values() if s is not None]
        self._errors.clear()
        for instance in instances:
            with instance.lock:
                instance.reset()
        self.stubs.clear()
        self.requests.clear()
        self.accounts.forget_sessions()

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised by handlers (answered as InternalError), oldest first."""
        return self._errors.errors

    def check(self) -> None:
        """Re-raise (in the calling thread) the first exception a handler raised since the last check."""
        self._errors.check()

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0, *, allow_remote: bool = False) -> Iterator[RunningServer]:
        """Serve on a background thread until the block ends; `.url`, `.port`, `.connections` on the yielded object."""
        with serve_app(self, host, port, allow_remote=allow_remote) as running:
            self.url = running.url
            try:
                yield running
            finally:
                self.url = None

    # ------------------------------------------------------------ WSGI

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        exchange = pipeline.Exchange()
        try:
            response = pipeline.respond(self, environ, exchange)
        except Exception as exc:  # the catch-all: a bug answers in AWS's shape, and the test can re-raise it
            self._errors.record(exc)
            response = exchange.error(internal_error())
        try:
            self._record(pipeline.record_of(exchange, response))
        except Exception as exc:  # an on_request hook that fails must not cost the client its answer
            self._errors.record(exc)
        if exchange.drop:
            environ[DROP_CONNECTION] = True
        start_response(_STATUS_LINES.get(response.status, f"{response.status} Unknown"), response.headers)
        return [response.body]

    def _record(self, record: Record) -> None:
        self.requests.append(record)
        if self.on_request is not None:
            self.on_request(record)
