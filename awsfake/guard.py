"""Nothing reaches real AWS: while the guard is armed, a request for any host but loopback fails before it is signed.

Environment variables steer only the clients made after they are set. A client made earlier (at import time, as
AWS recommends for Lambda handlers, or in a fixture outside the fake) keeps the endpoint and the credentials it was
made with, so isolating the environment alone can still let it reach AWS with a developer's real key. The guard
catches those: it wraps the two places every request passes through, botocore's `Endpoint.make_request` (boto3,
the AWS CLI run in-process, and aiobotocore, whose endpoint inherits it) and awsclient's connection pools, and
refuses any URL whose host is not loopback. It is installed on first arming and costs one integer test per request
while disarmed.
"""

from __future__ import annotations

import functools
import ipaddress
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

__all__ = ["RealAWSBlocked", "armed", "is_loopback"]

HOW_TO_FIX = (
    "Make the client inside the test (or in a fixture that uses aws_fake), or isolate the whole run from its start "
    "so clients made at import time use the fake too: `aws_isolate = true` in the pytest ini file, or "
    "`pytest --aws-isolate`. Outside pytest, make the client inside `with fake_aws():`."
)


class RealAWSBlocked(RuntimeError):
    """A client tried to send a request to a host other than loopback while the fake was in use."""


class _State:
    """How many isolations are armed now (nested or in several threads), and whether the hooks are in place."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.armed = 0
        self.installed = False


_state = _State()


@contextmanager
def armed() -> Iterator[None]:
    """Refuse every botocore and awsclient request for a non-loopback host until the block ends."""
    _install()
    with _state.lock:
        _state.armed += 1
    try:
        yield
    finally:
        with _state.lock:
            _state.armed -= 1


def is_loopback(host: str) -> bool:
    """`localhost` (and names under it) or an address in 127.0.0.0/8 or ::1: the only hosts a test may reach."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _install() -> None:
    with _state.lock:
        if _state.installed:
            return
        _state.installed = True
    import botocore.endpoint

    botocore.endpoint.Endpoint.make_request = _guard_botocore(botocore.endpoint.Endpoint.make_request)
    import awsclient.pools

    awsclient.pools.pool_for = _guard_awsclient(awsclient.pools.pool_for)


def _guard_botocore(make_request: Callable[..., Any]) -> Any:
    """botocore has resolved the URL (from the client's endpoint, region and bucket) but not yet signed."""

    @functools.wraps(make_request)
    def guarded(endpoint: Any, operation_model: Any, request_dict: dict[str, Any]) -> Any:
        if _state.armed:
            url = str(request_dict.get("url", ""))
            if not is_loopback(urlsplit(url).hostname or ""):
                client = f"the botocore client for {operation_model.service_model.service_name!r}"
                raise RealAWSBlocked(_message(client, operation_model.name, url))
        return make_request(endpoint, operation_model, request_dict)

    return guarded


def _guard_awsclient(pool_for: Callable[[str, str, int], Any]) -> Any:
    """Every awsclient request takes a connection pool for its origin first."""

    @functools.wraps(pool_for)
    def guarded(scheme: str, host: str, port: int) -> Any:
        if _state.armed and not is_loopback(host):
            raise RealAWSBlocked(_message("awsclient", "a request", f"{scheme}://{host}:{port}/"))
        return pool_for(scheme, host, port)

    return guarded


def _message(client: str, operation: str, url: str) -> str:
    where = url.partition("?")[0]
    return (
        f"awsfake refused to let {client} send {operation} to {where}: while the fake is in use, only loopback "
        f"hosts can be reached, and this client points at real AWS (it was made outside the fake's environment, "
        f"or with an explicit endpoint). {HOW_TO_FIX}"
    )
