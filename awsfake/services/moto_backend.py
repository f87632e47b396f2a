"""Answering a verified request with moto: the request goes in-process to moto's backends, moto's answer comes back.

moto (a well-kept emulator of 100+ AWS services) is imported on the first request it answers, never before. The
request is handed to moto as botocore would have sent it to AWS itself: at the service's AWS host name (from the
model's endpoint prefix and the signed region), with the signed headers and body, which is the path moto's own
`mock_aws` serves. Nothing is patched: moto's decorator mode (which intercepts every botocore call in the process)
is never started, so clients talking to the fake over sockets stay untouched.

The account moto serves is the caller's, from the fake's key registry (STS sessions included), passed the way
moto's server reads it (the `x-moto-account-id` header); whatever a client sent under that name is replaced.
moto's state is process-wide: `reset()` forgets all of it, and `claim()` starts it afresh for an endpoint's first
use (so a new `FakeAWS` never sees what an earlier one left in moto).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

__all__ = ["MotoAnswer", "MotoRequest", "answer", "backend_name", "claim", "hosts_for", "reset"]

ACCOUNT_HEADER = "x-moto-account-id"
_ANY_ACCOUNT = "123456789012"  # routes are the same in every account: any account's backend lists them

_lock = threading.Lock()
_claimed: weakref.WeakSet[Any] = weakref.WeakSet()


@dataclass(frozen=True)
class MotoRequest:
    """A verified request for one service model. `target` is the path with its raw query (`/p?a=b`)."""

    endpoint_prefix: str
    region: str
    account_id: str
    method: str
    target: str
    headers: Sequence[tuple[str, str]]
    body: bytes
    global_endpoint: str = ""


@dataclass(frozen=True)
class MotoAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def hosts_for(endpoint_prefix: str, region: str, global_endpoint: str = "") -> tuple[str, ...]:
    """The AWS host names botocore may call for this service and region, most likely first."""
    regional = f"{endpoint_prefix}.{region}.amazonaws.com"
    others = (f"{endpoint_prefix}.amazonaws.com", f"{endpoint_prefix}.{region}.api.aws")
    return (global_endpoint, regional, *others) if global_endpoint else (regional, *others)


def backend_name(endpoint_prefix: str, region: str = "us-east-1", global_endpoint: str = "") -> str | None:
    """moto's name for the backend serving this service, or None when moto has none."""
    found = _locate(endpoint_prefix, region, global_endpoint)
    return found[1] if found else None


def answer(request: MotoRequest) -> MotoAnswer | None:
    """moto's answer to `request`, or None when moto does not emulate the service or this operation."""
    found = _locate(request.endpoint_prefix, request.region, request.global_endpoint)
    if found is None:
        return None
    url = found[0] + request.target
    handler = _handler(found[1], url.partition("?")[0])
    if handler is None:
        return None
    handed = _handed(_prepared(request, url))
    from werkzeug.exceptions import HTTPException

    try:
        status, headers, body = handler(*handed)
    except HTTPException as exc:  # werkzeug-style errors some backends raise instead of returning
        status, headers, body = exc.code or 500, dict(exc.get_headers()), exc.get_body()
    except NotImplementedError:  # moto knows the service but not this operation
        return None
    return MotoAnswer(int(status), _header_list(headers), body if isinstance(body, bytes) else str(body).encode())


def claim(owner: Any) -> None:
    """`owner` (one endpoint's state) starts using moto: the first time, moto starts afresh. moto keeps one state per
    process, so the newest endpoint wins; an older one still serving sees its moto state gone."""
    with _lock:
        if owner in _claimed:
            return
        _claimed.add(owner)
    reset()


def reset() -> None:
    """Forget everything moto holds, in every account and region (a no-op while moto was never used)."""
    import sys

    if "moto.core.base_backend" not in sys.modules:
        return
    from moto.core.base_backend import BackendDict
    from moto.core.model_instances import reset_model_data

    with _lock:
        BackendDict.reset()
        reset_model_data()


@lru_cache(maxsize=1024)
def _locate(endpoint_prefix: str, region: str, global_endpoint: str) -> tuple[str, str] | None:
    """(base URL, moto backend) for the first of the service's host names a moto backend serves."""
    from moto.backend_index import backend_url_patterns

    for host in hosts_for(endpoint_prefix, region, global_endpoint):
        base = f"https://{host}"
        for name, pattern in backend_url_patterns:
            if pattern.match(base + "/"):
                return base, str(name)
    return None


def _handler(backend: str, url: str) -> Callable[..., Any] | None:
    for pattern, handler in _routes(backend):
        if pattern.match(url):
            return handler
    return None


@lru_cache(maxsize=256)
def _routes(backend: str) -> tuple[tuple[re.Pattern[str], Callable[..., Any]], ...]:
    """A backend's URL routes (the same for every account and region, so any instance's will do)."""
    from moto import backends
    from moto.core.base_backend import BackendDict

    with _lock:
        backend_dict = backends.get_backend(cast(Any, backend))  # typed per literal backend name
        if isinstance(backend_dict, BackendDict):
            regions = backend_dict[_ANY_ACCOUNT]
            instance = regions["us-east-1"] if "us-east-1" in regions else regions["aws"]
        else:
            instance = backend_dict["global"]
        return tuple((re.compile(url), handler) for url, handler in instance.urls.items())


def _prepared(request: MotoRequest, url: str) -> Any:
    from botocore.awsrequest import AWSPreparedRequest, HeadersDict

    headers = HeadersDict()
    for name, value in request.headers:
        if name.lower() != ACCOUNT_HEADER:
            headers[name] = value
    headers[ACCOUNT_HEADER] = request.account_id
    return AWSPreparedRequest(request.method, url, headers, request.body, False)


def _handed(prepared: Any) -> tuple[Any, str, Any]:
    """A handler's arguments (request, URL, headers), as the installed moto's `mock_aws` passes them: up to 5.2.1 the
    botocore request itself; from 5.2.2 on, moto's own request type built from it (its handlers read attributes only
    that type has), with the URL as that request spells it."""
    from moto.core import request as moto_request

    if not hasattr(moto_request, "Request") or not hasattr(moto_request.Request, "from_primitives"):
        return prepared, prepared.url, prepared.headers
    normalized: Any = moto_request.normalize_request(prepared)  # typed as werkzeug's Request up to moto 5.2.1
    return normalized, normalized.raw_url, normalized.headers


def _header_list(headers: Mapping[str, Any] | Sequence[tuple[str, Any]]) -> list[tuple[str, str]]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(name), str(value)) for name, value in items if str(name).lower() != "status"]
