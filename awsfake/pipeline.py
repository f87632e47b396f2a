"""The one-way path of a request: bytes -> `request` -> `auth` -> stub or service -> family -> bytes, plus the
journal record of what happened.

The service's family (from the catalogue) does everything wire-shaped: parsing parameters, naming the operation,
rendering the result or the error. Nothing here asks which family it has.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs

from awsfake import auth
from awsfake.catalog import CATALOG, ServiceInfo, info_for
from awsfake.doubles import redact
from awsfake.doubles.journal import Record
from awsfake.errors import Fault
from awsfake.families import Response
from awsfake.request import Request, Unreadable, read_body, read_head
from awsfake.services import Call, Result

if TYPE_CHECKING:
    from awsfake.accounts import Accounts
    from awsfake.services import Service
    from awsfake.store.blobs import Blobs
    from awsfake.store.saved import Store
    from awsfake.stubs import Stubs

__all__ = ["Endpoint", "Exchange", "body_limit", "record_of", "respond"]


class Endpoint(Protocol):
    """What the pipeline reads of the endpoint it runs for (`awsfake.endpoint.FakeAWS`)."""

    region: str
    sigv2: bool
    max_body_size: int
    max_object_size: int
    blobs: Blobs
    accounts: Accounts
    stubs: Stubs
    store: Store

    def service(self, name: str) -> Service | None: ...


_S3 = CATALOG["s3"]
_NO_PARAMS: Mapping[str, Any] = MappingProxyType({})  # an exchange's until its call has some (shared, read-only)


class Exchange:
    """What one request has revealed so far, for the answer and the journal. (A plain class with slots: one is made
    for every request, and a dataclass's default factories cost more than the rest of it.)"""

    __slots__ = (
        "access_key_id",
        "action",
        "drop",
        "fault",
        "info",
        "params",
        "region",
        "request",
        "started",
        "verified",
    )

    def __init__(self, request: Request | None = None) -> None:
        self.started = time.time()
        self.info: ServiceInfo = _S3  # until the request names its service
        self.request = request
        self.region = ""
        self.action = ""
        self.access_key_id = ""
        self.verified = False
        self.params: Mapping[str, Any] = _NO_PARAMS
        self.drop = False  # a stub asked for the connection to be cut mid-answer
        self.fault: Fault | None = None  # the refusal answered, if any (its message and details go to the journal)

    def error(self, fault: Fault) -> Response:
        """`fault` in the family of the service it names, else of the service this exchange is for (which, when
        it is the one named, is the row the request picked: CloudWatch spoken in CBOR, say)."""
        self.fault = fault
        info = info_for(fault.service, self.request) if fault.service and fault.service != self.info.name else self.info
        return info.family.answer(info, fault)


def respond(fake: Endpoint, environ: dict[str, Any], exchange: Exchange) -> Response:
    """The answer to one request; every failure AWS would report is rendered here, in the service's family."""
    request = read_head(environ)
    try:
        read_body(environ, request, body_limit(fake, request), fake.blobs)
    except Unreadable as unreadable:
        exchange.request = unreadable.request
        exchange.info = auth.guess_info(unreadable.request)
        family = exchange.info.family
        return exchange.error(unreadable.fault or family.body_too_large(unreadable.max_body or 0))
    exchange.request = request
    if (size := request.index.get("x-amz-decoded-content-length")) and _over(size, fake.max_object_size):
        exchange.info = auth.guess_info(request)
        return exchange.error(exchange.info.family.body_too_large(fake.max_object_size))
    try:
        verified = auth.verify(request, fake.accounts, fake.blobs, fake.sigv2)  # (in order: keywords cost more)
    except Fault as fault:
        exchange.info = info_for(fault.service, request) if fault.service else auth.guess_info(request)
        exchange.access_key_id, exchange.region = auth.presented_scope(request, fake.region)
        return exchange.error(fault)
    info = exchange.info = verified.info
    exchange.region, exchange.verified = verified.region, True
    exchange.access_key_id = verified.identity.access_key_id
    try:
        service = fake.service(info.name)
        call = _call(request, verified, exchange, service)
        result = _dispatch(fake, call, exchange, service)
    except Fault as fault:
        return exchange.error(fault)
    family = info.family
    return family.render_result(info, exchange.action, result, family.new_request_id())


def body_limit(fake: Endpoint, request: Request) -> int:
    """Objects (S3) may be up to `max_object_size`, plus what aws-chunked framing adds; documents (every other
    service) up to `max_body_size`. The service is guessed from the head, as it must be before the body is read."""
    if not auth.guess_info(request).objects or (request.method == "POST" and _is_form(request)):
        return fake.max_body_size  # (a browser POST form is parsed in memory)
    if request.index.get("x-amz-decoded-content-length") is None:
        return fake.max_object_size
    return fake.max_object_size + fake.max_object_size // 64 + 65536  # the decoded length is checked on its own


def _is_form(request: Request) -> bool:
    return request.method == "POST" and (request.header("content-type") or "").lower().startswith("multipart/")


def _over(size: str, limit: int) -> bool:
    return size.isascii() and size.isdigit() and (len(size) > 19 or int(size) > limit)


def _call(request: Request, verified: auth.Verified, exchange: Exchange, service: Service | None) -> Call:
    """The service's view of the request: plain values, the operation and its parameters parsed by the family.
    (`Call`'s fields are given in order: a dataclass's keyword arguments cost twice as much to take.)"""
    info = verified.info
    call = Call(
        info.name,  # service
        "",  # action
        verified.region,
        verified.identity.caller,
        request.method,
        request.index.get("host", ""),  # host
        request.path(),
        parse_qs(request.raw_query, keep_blank_values=True) if request.raw_query else {},  # query
        request.header_map,  # headers
        verified.body,
        {},  # params (the family's, below; given rather than made by the field's default factory)
    )
    call.action, call.params = info.family.operation(info, request, call, service)
    exchange.action, exchange.params = call.action, call.params
    return call


def _dispatch(fake: Endpoint, call: Call, exchange: Exchange, service: Service | None) -> Result:
    stubs = fake.stubs
    stub = stubs.take(call.service, call.action) if stubs.rules else None  # (usually there is none: no call)
    if stub is not None:
        stub.calls.append(call)
        exchange.drop = stub.drop
        return stub.answer(call)
    operation = service.operation_for(call.action) if service else None
    if operation is None:
        raise exchange.info.family.unknown_operation(exchange.info, call.action, call.method, call.path)
    store = fake.store
    if not store.keeps:  # in memory: nothing to save, the operation is just called
        return operation(call)
    return store.run(operation, call)  # what the operation changed is saved in one transaction


def record_of(exchange: Exchange, status: int, error: str | None, request_id: str) -> Record:
    """The journal's record of one exchange answered `status` (`error`: the AWS error code, None for success),
    secrets redacted and the body cut to its first 64 KiB (`doubles.redact`)."""
    request = exchange.request
    if request is None:
        method = path = ""
        headers: tuple[tuple[str, str], ...] = ()
        body = b""
        connection_id = None
    else:
        method, path, connection_id = request.method, request.raw_path, request.connection_id
        raw = request.body.head(redact.BODY_LIMIT)
        headers, body = redact.request_kept(request, raw)
    fault = exchange.fault
    return Record.of(
        {
            "method": method,
            "path": path,
            "service": exchange.info.name,
            "region": exchange.region,
            "action": exchange.action,
            "access_key_id": exchange.access_key_id,
            "verified": exchange.verified,
            "status": status,
            "error": error,
            "connection_id": connection_id,
            "request_id": request_id,
            "time": exchange.started,
            "params": redact.mapping(exchange.params),
            "headers": headers,
            "body": body,
            "message": fault.message if fault is not None else "",
            "details": _details(exchange) if fault is not None else {},
        }
    )


_DEBUGGER_DETAILS = ("CanonicalRequest", "StringToSign", "AWSAccessKeyId", "Region", "HeadersNotSigned")
_QUERY_DATE = re.compile(r"X-Amz-Date=([0-9TZ]{16})")


def _details(exchange: Exchange) -> dict[str, str]:
    """A refusal's details for the journal (and the console's signature debugger): a listed few of the error's
    elements (the canonical request's session token is already redacted) and the X-Amz-Date presented."""
    request = exchange.request
    if exchange.fault is None or exchange.verified or request is None:
        return {}
    details = {k: v for k, v in exchange.fault.extras.items() if k in _DEBUGGER_DETAILS}
    in_query = _QUERY_DATE.search(request.raw_query)
    date = request.header("x-amz-date") or (in_query.group(1) if in_query else None)
    if date:
        details["X-Amz-Date"] = date
    return details
