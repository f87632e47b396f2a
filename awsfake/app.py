"""`FakeAWS`: the WSGI endpoint — read the request, verify its signature, answer from a stub or a service, render.

Data flows one way: bytes -> `incoming` -> `auth.verify` -> `stubs` or `services/<name>` -> `protocols` -> bytes.
Every request ends in an AWS-shaped answer: a bug in a handler becomes the family's InternalError (500), and the
exception is kept so the test thread can re-raise it with `check()`.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from awsfake import auth, post_policy, protocols
from awsfake.accounts import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCOUNT_ID,
    DEFAULT_ARN,
    DEFAULT_SECRET_ACCESS_KEY,
    Accounts,
    Identity,
)
from awsfake.catalog import ServiceInfo, info_for, service_class
from awsfake.doubles import redact
from awsfake.doubles.error_log import ErrorLog
from awsfake.doubles.journal import Journal, Record
from awsfake.faults import Fault
from awsfake.incoming import DEFAULT_MAX_BODY, HeaderMap, Incoming, read_incoming
from awsfake.server import DROP_CONNECTION, RunningServer, serve_app
from awsfake.services import Call, Caller, Result, Service
from awsfake.stubs import Stub, Stubs, make_fault

__all__ = ["FakeAWS"]

_CREDENTIAL = re.compile(r"Credential=([^/,\s&]+)/(?:[^/,\s&]*/([^/,\s&]*))?")
_STATUS_LINES = {s.value: f"{s.value} {s.phrase}" for s in HTTPStatus}


@dataclass
class _Exchange:
    """What one request has revealed so far, for the answer and the journal."""

    started: float
    info: ServiceInfo = field(default_factory=lambda: info_for("s3"))
    incoming: Incoming | None = None
    region: str = ""
    action: str = ""
    access_key_id: str = ""
    verified: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    drop: bool = False  # a stub asked for the connection to be cut mid-answer


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
                cls = self._overrides.get(name) or service_class(info_for(name))
                self._services[name] = cls(self.accounts) if cls else None
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
        exchange = _Exchange(time.time())
        try:
            response = self._respond(environ, exchange)
        except Exception as exc:  # the catch-all: a bug answers in AWS's shape, and the test can re-raise it
            self._errors.record(exc)
            response = protocols.render_fault(
                exchange.info, protocols.internal_error(), protocols.new_request_id(exchange.info)
            )
        try:
            self._record(exchange, response)
        except Exception as exc:  # an on_request hook that fails must not cost the client its answer
            self._errors.record(exc)
        if exchange.drop:
            environ[DROP_CONNECTION] = True
        start_response(_STATUS_LINES.get(response.status, f"{response.status} Unknown"), response.headers)
        return [response.body]

    def _respond(self, environ: dict[str, Any], exchange: _Exchange) -> protocols.Response:
        try:
            incoming = read_incoming(environ, self.max_body_size)
        except Fault as fault:
            exchange.incoming = getattr(fault, "incoming", None)
            if exchange.incoming is not None:
                exchange.info = auth.guess_info(exchange.incoming)
            return self._fault(exchange, _in_family(exchange.info, fault))
        exchange.incoming = incoming
        content_type = incoming.header("content-type") or ""
        has_auth = incoming.header("authorization") is not None or "X-Amz-Credential=" in incoming.raw_query
        if post_policy.is_post_upload(incoming.method, incoming.raw_path, content_type, has_auth):
            return self._post_upload(incoming, exchange)
        try:
            verified = auth.verify(incoming, self.accounts, self.region)
        except Fault as fault:
            exchange.info = getattr(fault, "info", None) or auth.guess_info(incoming)
            exchange.access_key_id, exchange.region = _presented_scope(incoming)
            return self._fault(exchange, fault)
        exchange.info, exchange.region, exchange.verified = verified.info, verified.region, True
        exchange.access_key_id = verified.identity.access_key_id
        try:
            call = self._call(incoming, verified, exchange)
            result = self._dispatch(call, exchange)
        except Fault as fault:
            return self._fault(exchange, fault)
        return protocols.render_result(exchange.info, exchange.action, result, protocols.new_request_id(exchange.info))

    def _post_upload(self, incoming: Incoming, exchange: _Exchange) -> protocols.Response:
        """A browser upload: the signed policy in the form is the authentication; the object is stored by PutObject."""
        exchange.info, exchange.region, exchange.action = info_for("s3"), self.region, "PostObject"
        try:
            bucket = incoming.path().strip("/")
            upload = post_policy.parse_upload(bucket, incoming.header("content-type") or "", incoming.body)
            exchange.access_key_id = upload.fields.get("x-amz-credential", "").split("/")[0]
            identity = post_policy.verify_upload(upload, self.accounts, self.region)
        except Fault as fault:
            return self._fault(exchange, fault)
        exchange.verified = True
        try:
            result = self._store_upload(upload, identity, incoming, exchange)
        except Fault as fault:
            return self._fault(exchange, fault)
        return protocols.render_result(exchange.info, "PostObject", result, protocols.new_request_id(exchange.info))

    def _store_upload(
        self, upload: post_policy.PostUpload, identity: Identity, incoming: Incoming, exchange: _Exchange
    ) -> Result:
        headers = [("host", incoming.host), *post_policy.object_headers(upload)]
        call = Call(
            service="s3",
            action="PutObject",
            region=self.region,
            caller=Caller(identity.access_key_id, identity.account_id, identity.arn, identity.user_id),
            method="PUT",
            host=incoming.host,
            path=f"/{upload.bucket}/{upload.key}",
            query={},
            headers=HeaderMap(headers),
            body=upload.file,
        )
        stored = self._dispatch(call, exchange)
        return post_policy.answer(upload, stored.headers.get("ETag", ""), incoming.host)

    def _fault(self, exchange: _Exchange, fault: Fault) -> protocols.Response:
        return protocols.render_fault(exchange.info, fault, protocols.new_request_id(exchange.info))

    def _call(self, incoming: Incoming, verified: auth.Verified, exchange: _Exchange) -> Call:
        """The service's view of the request: plain values, the action and its parameters parsed per family."""
        identity = verified.identity
        call = Call(
            service=verified.info.name,
            action="",
            region=verified.region,
            caller=Caller(identity.access_key_id, identity.account_id, identity.arn, identity.user_id),
            method=incoming.method,
            host=incoming.host,
            path=incoming.path(),
            query=parse_qs(incoming.raw_query, keep_blank_values=True),
            headers=HeaderMap(incoming.headers),
            body=verified.body,
        )
        call.action, call.params = self._action_and_params(verified.info, incoming, call)
        exchange.action, exchange.params = call.action, call.params
        return call

    def _action_and_params(self, info: ServiceInfo, incoming: Incoming, call: Call) -> tuple[str, dict[str, Any]]:
        if info.family == "json":
            return protocols.parse_json(info, incoming.header("x-amz-target") or "", call.body)
        if info.family == "rest-xml":
            service = self.service(info.name)
            return (service.route(call) if service else ""), {}
        params = protocols.parse_query(
            incoming.method, incoming.header("content-type") or "", call.body, incoming.raw_query
        )
        action = params.get("Action", "")
        if not action:
            raise Fault("MissingAction", "Missing Action")
        return action, params

    def _dispatch(self, call: Call, exchange: _Exchange) -> Result:
        stub = self.stubs.take(call.service, call.action)
        if stub is not None:
            stub.calls.append(call)
            exchange.drop = stub.drop
            return stub.answer(call)
        service = self.service(call.service)
        operation = service.operation(call.action) if service else None
        if operation is None:
            raise protocols.unknown_operation(exchange.info, call.action, call.method, call.path)
        return operation(call)

    def _record(self, exchange: _Exchange, response: protocols.Response) -> None:
        incoming = exchange.incoming
        record = Record(
            method=incoming.method if incoming else "",
            path=incoming.raw_path if incoming else "",
            service=exchange.info.name,
            region=exchange.region,
            action=exchange.action,
            access_key_id=exchange.access_key_id,
            verified=exchange.verified,
            status=response.status,
            error=response.error_code,
            connection_id=incoming.connection_id if incoming else None,
            request_id=response.request_id,
            time=exchange.started,
            params=redact.mapping(exchange.params),
            headers=redact.headers(incoming.headers) if incoming else (),
            body=redact.body(incoming.body, incoming.headers, incoming.raw_query) if incoming else b"",
        )
        self.requests.append(record)
        if self.on_request is not None:
            self.on_request(record)


def _presented_scope(incoming: Incoming) -> tuple[str, str]:
    """The access key id and region a refused request named (key ids are not secret), for the journal."""
    source = incoming.header("authorization") or incoming.raw_query.replace("%2F", "/").replace("%2f", "/")
    match = _CREDENTIAL.search(source)
    return (match.group(1), match.group(2) or "") if match else ("", "")


def _in_family(info: ServiceInfo, fault: Fault) -> Fault:
    """S3's body-size error, as the other families name it."""
    if fault.code != "EntityTooLarge" or info.family == "rest-xml":
        return fault
    if info.family == "json":
        return Fault("RequestEntityTooLargeException", "Request body is too large", 413)
    return Fault("RequestEntityTooLarge", "Request body is too large", 413)
