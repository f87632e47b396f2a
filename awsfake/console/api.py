"""The control plane's JSON: `health`, `reset`, `state` and `requests` (the journal, newest first, filtered)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from awsfake.console.state import snapshot
from awsfake.doubles.journal import Record

if TYPE_CHECKING:
    from awsfake.endpoint import FakeAWS

__all__ = ["health", "record_json", "records", "requests", "reset", "state"]

_STARTED = time.time()
_FILTERS = {"service": "service", "operation": "action", "status": "status", "verified": "verified"}


def json_response(value: Any, status: int = 200) -> Response:
    body = json.dumps(value, indent=1, sort_keys=True, default=str)
    return Response(body + "\n", status=status, content_type="application/json", headers={"Cache-Control": "no-store"})


def health(fake: FakeAWS, request: Request) -> Response:
    """200 once serving: a compose healthcheck or `curl --retry 10 --retry-connrefused` can wait on it."""
    return json_response(
        {"status": "ok", "region": fake.region, "url": fake.url, "uptime": round(time.time() - _STARTED, 3)}
    )


def reset(fake: FakeAWS, request: Request) -> Response:
    """POST only: forget every service's state, stubs and the journal (added keys stay), as `fake.reset()`."""
    fake.reset()
    return json_response({"reset": True})


def state(fake: FakeAWS, request: Request) -> Response:
    return json_response(snapshot(fake))


def requests(fake: FakeAWS, request: Request) -> Response:
    """`?service=sqs&operation=SendMessage&status=403&verified=false&limit=50`; newest first."""
    try:
        found = records(fake, request.args)
    except ValueError as exc:
        return json_response({"error": str(exc)}, status=400)
    return json_response([record_json(r) for r in found])


def records(fake: FakeAWS, args: Mapping[str, str]) -> list[Record]:
    wanted: dict[str, Any] = {}
    for name, field_name in _FILTERS.items():
        value = args.get(name)
        if value in (None, ""):
            continue
        wanted[field_name] = _typed(name, value)
    limit = int(args.get("limit") or 200)
    found = [r for r in reversed(list(fake.requests)) if all(getattr(r, k) == v for k, v in wanted.items())]
    return found[:limit]


def _typed(name: str, value: str) -> Any:
    if name == "status":
        if not value.isdigit():
            raise ValueError("status must be a number")
        return int(value)
    if name == "verified":
        if value not in ("true", "false"):
            raise ValueError("verified must be true or false")
        return value == "true"
    return value


def record_json(record: Record) -> dict[str, Any]:
    """A record as JSON values: bytes as their length (bodies stay in the process), everything else as is."""
    assert is_dataclass(record)
    out: dict[str, Any] = {}
    for field in fields(record):
        value = getattr(record, field.name)
        out[field.name] = _plain(value)
    out["operation"] = record.action
    out["caller"] = record.access_key_id
    out["verdict"] = record.error or "OK"
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"bytes": len(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
