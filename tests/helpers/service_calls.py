"""Building `Call`s for the pure service tests (no endpoint, no signatures): what the endpoint hands a service."""

from __future__ import annotations

from typing import Any, TypeVar

from werkzeug.datastructures import Headers

from awsfake.accounts import Accounts
from awsfake.catalog import info_for
from awsfake.families.query import nest
from awsfake.services import Call, Caller, Result, Service
from awsfake.store.body import Body

ACCOUNT = "123456789012"
CALLER = Caller("AKIDEXAMPLE", ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/tester", "AIDAEXAMPLEEXAMPLE1")
OTHER = Caller("AKIDOTHER", "210987654321", "arn:aws:iam::210987654321:user/other", "AIDAOTHEROTHEROTHE1")

S = TypeVar("S", bound=Service)


def new(cls: type[S]) -> S:
    return cls(Accounts())


def call(
    service: Service,
    action: str = "",
    *,
    method: str = "POST",
    host: str = "localhost:4566",
    path: str = "/",
    query: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    params: dict[str, Any] | None = None,
    region: str = "us-east-1",
    caller: Caller = CALLER,
) -> Result:
    """Route (REST services) and run one call, as the endpoint would after verifying it."""
    made = Call(
        service.name,
        action,
        region,
        caller,
        method,
        host,
        path,
        query or {},
        Headers(headers or {}),
        Body(body),
        _as_decoded(service, params or {}),
    )
    if not action:
        made.action = service.route(made)
    return service.handle(made)


def _as_decoded(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    """Query-family parameters as the family hands them over: flat wire names decoded into nested values."""
    return nest(params) if info_for(service.name).family.name == "query" else params
