"""`FakeAWS`: the test-facing endpoint (a WSGI app) and its state: keys, services, stubs, the request journal.

What happens to one request is `awsfake.pipeline`'s. Every request ends in an AWS-shaped answer: a bug in a
handler becomes the family's InternalError (500), and the exception is kept so the test thread can re-raise it
with `check()`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

from awsfake import auth, expect, pipeline
from awsfake.accounts import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCOUNT_ID,
    DEFAULT_ARN,
    DEFAULT_SECRET_ACCESS_KEY,
    Accounts,
    Identity,
)
from awsfake.catalog import info_for
from awsfake.doubles.error_log import ErrorLog
from awsfake.doubles.journal import BODY_LIMIT, Journal, Record
from awsfake.errors import Fault, internal_error
from awsfake.families import Response
from awsfake.request import DEFAULT_MAX_BODY, MAX_OBJECT_SIZE, read_head
from awsfake.server import DROP_CONNECTION, Answer, RunningServer, serve_app
from awsfake.services import Call, Service
from awsfake.services.emulated import emulated
from awsfake.services.native import NATIVE
from awsfake.store.saved import DiskStore, Store
from awsfake.stubs import Stub, Stubs, make_fault

__all__ = ["FakeAWS"]

_STATUS_LINES = {s.value: f"{s.value} {s.phrase}" for s in HTTPStatus}


class FakeAWS:
    """A strict fake AWS endpoint (a WSGI app) with its state: keys, services, stubs and the request journal.

    One pair of credentials is always accepted: `DEFAULT_ACCESS_KEY_ID` / `DEFAULT_SECRET_ACCESS_KEY`. Services
    serve whichever region the client signed for (an S3 bucket answers only requests signed for its own region);
    `region` is the fake's home region (`awsfake serve` exports it to clients).
    `services` overrides implementations by service name (tests of the machinery use small test services);
    `journal_limit` keeps only that many newest records in `requests` (None: all). `max_body_size` bounds the
    bodies of document services (64 MiB), `max_object_size` S3's objects and parts (5 GiB, as AWS): bodies above
    1 MiB are spooled to files, so memory does not grow with them. `data_dir` keeps the services' state there
    (SQLite and files, `awsfake.store`) and finds it again on the next start; without it state is in memory.
    `sigv2`: S3 also verifies Signature Version 2 (header and presigned), which AWS refuses for buckets created
    since June 2020.
    """

    def __init__(
        self,
        region: str = "us-east-1",
        *,
        max_body_size: int = DEFAULT_MAX_BODY,
        max_object_size: int = MAX_OBJECT_SIZE,
        services: Mapping[str, type[Service]] | None = None,
        on_request: Callable[[Record], None] | None = None,
        journal_limit: int | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        sigv2: bool = False,
    ) -> None:
        self.region = region
        self.sigv2 = sigv2
        self.url: str | None = None  # set while serving
        self.max_body_size = max_body_size
        self.max_object_size = max_object_size
        self.store = DiskStore(data_dir) if data_dir is not None else Store()
        self.blobs = self.store.blobs
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
        if data_dir is not None:  # saved state comes back now (STS sessions must verify before STS is called)
            for name in NATIVE:
                self.service(name)

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
        if name in self._services:  # read without the lock: an instance is added whole, once, and stays
            return self._services[name]
        with self._lock:
            if name not in self._services:
                cls = self._overrides.get(name) or NATIVE.get(name)
                instance = (
                    cls(self.accounts, self.service, self.store)
                    if cls
                    else emulated(name, self.accounts, self.service, self.store)
                )
                if instance is not None:
                    self.store.restore(instance)
                self._services[name] = instance
            return self._services[name]

    def close(self) -> None:
        """Release the data directory's database (a `FakeAWS` with `data_dir` is done with)."""
        self.store.close()

    def reset(self) -> None:
        """Forget service state, stubs, the journal, recorded errors and STS sessions; added keys stay."""
        with self._lock:
            instances = [s for s in self._services.values() if s is not None]
        self._errors.clear()
        for instance in instances:
            with instance.lock:
                instance.reset()
        self.store.clear()
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
        served = serve_app(
            self, host, port, allow_remote=allow_remote, early_error=self.early_error, before_body=self.before_body
        )
        with served as running:
            self.url = running.url
            try:
                yield running
            finally:
                self.url = None
        self.store.tidy()  # the connections are done: a body released after the last commit has its file deleted

    # ------------------------------------------------------------ the server's hooks (awsfake.server)

    def early_error(self, status: int) -> Answer:
        """A request the server could not parse: S3's answer (400 and an `<Error>`), as AWS's endpoints give."""
        info = info_for("s3")
        return _answer(info.family.answer(info, _early_fault(status)))

    def before_body(self, environ: dict[str, Any]) -> Answer | None:
        """`Expect: 100-continue`: the refusal the head alone decides (see `awsfake.expect`), journaled as usual."""
        exchange = pipeline.Exchange(request=read_head(environ))
        assert exchange.request is not None
        exchange.info = auth.guess_info(exchange.request)
        exchange.access_key_id, exchange.region = auth.presented_scope(exchange.request, self.region)
        limit = pipeline.body_limit(self, exchange.request)
        fault = expect.refusal(environ, exchange.request, exchange.info, self.accounts, limit, sigv2=self.sigv2)
        if fault is None:
            return None
        response = exchange.error(fault)
        self._journal(exchange, response)
        return _answer(response)

    # ------------------------------------------------------------ WSGI

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        exchange = pipeline.Exchange()
        try:
            response = pipeline.respond(self, environ, exchange)
        except Exception as exc:  # the catch-all: a bug answers in AWS's shape, and the test can re-raise it
            self._errors.record(exc)
            response = exchange.error(internal_error())
        try:
            self._journal(exchange, response)
        except Exception as exc:  # an on_request hook that fails must not cost the client its answer
            self._errors.record(exc)
        if exchange.drop:
            environ[DROP_CONNECTION] = True
        start_response(_STATUS_LINES.get(response.status) or f"{response.status} Unknown", response.headers)
        if response.stream is not None and not exchange.drop:
            return response.stream
        return [response.body]

    def _journal(self, exchange: pipeline.Exchange, response: Response) -> None:
        """The exchange's record into the journal (and to `on_request`). Without a hook, the record of an exchange
        whose body is within the 64 KiB a record keeps is made when the journal is next read: a record costs a
        tenth of a small request to make, and most are never read. The exchange is finished with, so what the
        record is made of no longer changes; a larger body (or its file) is not held alive by the journal."""
        status, error, request_id = response.status, response.error_code, response.request_id
        request = exchange.request
        if self.on_request is None and (request is None or request.body.size <= BODY_LIMIT):  # (held in memory)
            self.requests.append_later(pipeline.record_of, exchange, status, error, request_id)
            return
        record = pipeline.record_of(exchange, status, error, request_id)
        self.requests.append(record)
        if self.on_request is not None:
            self.on_request(record)


def _early_fault(status: int) -> Fault:
    """S3's words for a request refused before it could be read (always answered 400, as S3 does)."""
    if status == 431:
        return Fault("RequestHeaderSectionTooLarge", "Your request header section exceeds the maximum allowed size.")
    if status == 414:
        return Fault("KeyTooLongError", "Your key is too long")
    return Fault("BadRequest", "An error occurred when parsing the HTTP request.")


def _answer(response: Response) -> Answer:
    return Answer(response.status, response.headers, response.body)
