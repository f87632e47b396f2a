"""The REST-JSON family (Lambda, API Gateway, Step Functions' neighbours, ...): the operation is the method and
path against the model's request URIs; members travel in URI labels, the query string, headers and a JSON body
(or a raw payload). Errors carry their code in `x-amzn-ErrorType` and a JSON body with `message`.

A stub's result is laid out as the operation's output says: header-bound members go to headers, the status-code
member to the status line, a payload member is the whole body, the rest is the JSON body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from awsfake.catalogue import Bindings, Clues, Operation, catalogue
from awsfake.errors import Fault, serialization
from awsfake.families.base import Denial, Family, Response, Spoken, new_uuid_id
from awsfake.families.json import JSON, Json

if TYPE_CHECKING:
    from awsfake.request import Request
    from awsfake.services import Call, Result, Service

__all__ = ["RestJson", "bound_params", "laid_out"]


class RestJson(Family):
    name = "rest-json"
    # The JSON protocol's codes and messages; REST services behind AWS's front door answer every denial with 403.
    denials: ClassVar[Mapping[str, Denial]] = {
        kind: Denial(denial.code, 403, denial.message) for kind, denial in Json.denials.items()
    }

    new_request_id = staticmethod(new_uuid_id)  # no frame of its own

    def operation(
        self, info: Spoken, request: Request, call: Call, service: Service | None
    ) -> tuple[str, dict[str, Any]]:
        model = catalogue().get(info.name)
        match = catalogue().route(model, Clues(request.method, request.raw_path, request.raw_query)) if model else None
        if match is None:
            raise self.unknown_operation(info, "", request.method, request.raw_path)
        operation = match.operation
        params = bound_params(operation.input, match.labels, call.query, call.headers)
        params.update(_body_params(operation.input, call.body.read()))
        return operation.name, params

    def render_result(self, info: Spoken, action: str, result: Result, request_id: str) -> Response:
        """A result tree is laid out as the operation's output says (headers, status code, payload, body)."""
        if isinstance(result.body, (bytes, bytearray)):
            return super().render_result(info, action, result, request_id)
        status, headers, body = laid_out(_operation(info, action), result.body or {}, result.status)
        headers = [*result.headers.items(), *headers, *self.id_headers(request_id)]
        return Response(status, headers, body, request_id)

    def document(self, info: Spoken, action: str, result: Result, request_id: str) -> tuple[bytes, str | None]:
        _, _, body = laid_out(_operation(info, action), result.body or {}, result.status)
        return body, "application/json"

    def render_error(self, info: Spoken, fault: Fault, request_id: str) -> Response:
        headers = [
            ("Content-Type", "application/json"),
            *self.id_headers(request_id),
            ("x-amzn-ErrorType", fault.code),
        ]
        body = JSON.encode({"message": fault.message}).encode()
        return Response(fault.status, headers, body, request_id)

    def unknown_operation(self, info: Spoken, action: str, method: str, path: str) -> Fault:
        return Fault("UnknownOperationException", f"No operation of {info.name} answers {method} {path}", 404)

    def body_too_large(self, max_size: int) -> Fault:
        return Fault("RequestEntityTooLargeException", f"Request must be smaller than {max_size} bytes", 413)


def _operation(info: Spoken, action: str) -> Operation | None:
    model = catalogue().get(info.name)
    return model.operations.get(action) if model else None


def bound_params(
    bindings: Bindings, labels: Mapping[str, str], query: Mapping[str, list[str]], headers: Mapping[str, str]
) -> dict[str, Any]:
    """Members carried outside the body: URI labels, query-string fields (a repeated field is a list), headers."""
    params: dict[str, Any] = {bindings.labels.get(name, name): value for name, value in labels.items()}
    for wire, member in bindings.query.items():
        if wire in query:
            values = query[wire]
            params[member] = values[0] if len(values) == 1 else list(values)
    lowered = {name.lower(): value for name, value in headers.items()}
    for wire, member in bindings.headers.items():
        if wire.lower() in lowered:
            params[member] = lowered[wire.lower()]
    return params


def _body_params(bindings: Bindings, body: bytes) -> dict[str, Any]:
    if bindings.payload and bindings.payload_type in ("blob", "string"):
        return {bindings.payload: body} if body else {}
    if not body.strip():
        return {}
    try:
        decoded = json.loads(body)
    except (ValueError, RecursionError):
        decoded = None
    if not isinstance(decoded, dict):
        raise serialization("Start of structure or map found where not expected.")
    if bindings.payload:
        return {bindings.payload: decoded}
    return {bindings.body_names.get(name, name): value for name, value in decoded.items()}


def laid_out(
    operation: Operation | None, tree: Mapping[str, Any], status: int
) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of a result tree following the operation's output bindings."""
    out = operation.output if operation else Bindings()
    if operation and status == 200:
        status = operation.status
    members: Mapping[str, Any] = dict(tree)
    bound = {*out.headers.values(), out.status}
    headers = [(wire, _header_text(members[member])) for wire, member in out.headers.items() if member in members]
    if out.status and out.status in members:
        status = int(members[out.status])
    members = {name: value for name, value in members.items() if name not in bound}
    if out.payload:
        payload = members.get(out.payload)
        if isinstance(payload, (bytes, bytearray)):
            return status, headers, bytes(payload)
        if isinstance(payload, str) and out.payload_type != "structure":
            return status, headers, payload.encode()
        members = payload if isinstance(payload, Mapping) else {}
    else:
        wire = {member: name for name, member in out.body_names.items()}
        members = {wire.get(name, name): value for name, value in members.items()}
    body = JSON.encode(members).encode()
    return status, [("Content-Type", "application/json"), *headers], body


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
