"""The JSON family (DynamoDB, KMS, SQS, ...): `X-Amz-Target: Prefix.Operation` and a JSON object body; errors are
`{"__type", "message"}`. A query-compatible service (`ServiceInfo.query_errors`, SQS) names its errors by their
shape and also sends `x-amzn-query-error: Code;Sender` so SDKs report the query-era code; it reports auth failures
as the query family does."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from awsfake.errors import Fault
from awsfake.families.base import Denial, Family, Response, Spoken, new_uuid_id
from awsfake.families.query import QUERY_DENIALS
from awsfake.families.xml import aware

if TYPE_CHECKING:
    from awsfake.request import Request
    from awsfake.services import Call, Result, Service

__all__ = ["Json", "json_default"]

_MISMATCH = QUERY_DENIALS["mismatch"].message
_SIGNATURE = Denial("InvalidSignatureException", 400, "{detail}")
_INCOMPLETE = Denial("IncompleteSignatureException", 400, "{detail}")
_INVALID_TOKEN = Denial("UnrecognizedClientException", 400, "The security token included in the request is invalid.")


class Json(Family):
    name = "json"
    denials: ClassVar[Mapping[str, Denial]] = {
        "missing": Denial("MissingAuthenticationTokenException", 400, "Request is missing Authentication Token"),
        "unknown_key": _INVALID_TOKEN,
        "bad_token": _INVALID_TOKEN,
        "expired_token": Denial("ExpiredTokenException", 400, "The security token included in the request is expired"),
        "mismatch": Denial("InvalidSignatureException", 400, _MISMATCH),
        "skewed": _SIGNATURE,
        "scope": _SIGNATURE,
        "incomplete": _INCOMPLETE,
        "query_params": _INCOMPLETE,
        "no_date": _INCOMPLETE,
        "unsigned_headers": _INCOMPLETE,
        "presign_expired": _SIGNATURE,
        "presign_future": _SIGNATURE,
    }

    def denial(self, info: Spoken, kind: str) -> Denial:
        return QUERY_DENIALS[kind] if info.query_errors is not None else self.denials[kind]

    def new_request_id(self) -> str:
        return new_uuid_id()

    def operation(
        self, info: Spoken, request: Request, call: Call, service: Service | None
    ) -> tuple[str, dict[str, Any]]:
        """(operation, params); the target must carry the service's own prefix."""
        prefix, dot, action = (request.header("x-amz-target") or "").partition(".")
        if not dot or prefix != info.target_prefix or not action:
            raise self.unknown_operation(info, action, request.method, "/")
        if not call.body.strip():
            return action, {}
        try:
            params = json.loads(call.body)
        except (ValueError, RecursionError):  # RecursionError: nesting too deep for the decoder
            params = None
        if not isinstance(params, dict):
            raise Fault("SerializationException", "Start of structure or map found where not expected.")
        return action, params

    def render_result(self, info: Spoken, action: str, result: Result, request_id: str) -> Response:
        headers = list(result.headers.items())
        if isinstance(result.body, (bytes, bytearray)):
            body = bytes(result.body)
        else:
            headers.append(("Content-Type", info.json_content_type))
            body = json.dumps({} if result.body is None else result.body, default=json_default).encode()
        return Response(result.status, [*headers, ("x-amzn-RequestId", request_id)], body, request_id)

    def render_error(self, info: Spoken, fault: Fault, request_id: str) -> Response:
        headers = [("Content-Type", info.json_content_type), ("x-amzn-RequestId", request_id)]
        error_type = fault.code
        if info.query_errors is not None:
            query_code = info.query_errors.get(fault.code, fault.code)
            shapes = {query: shape for shape, query in info.query_errors.items()}
            error_type = f"com.amazonaws.{info.name}#{shapes.get(fault.code, fault.code)}"
            headers.append(("x-amzn-query-error", f"{query_code};{'Sender' if fault.sender else 'Receiver'}"))
        body = json.dumps({"__type": error_type, "message": fault.message}).encode()
        return Response(fault.status, headers, body, request_id)

    def unknown_operation(self, info: Spoken, action: str, method: str, path: str) -> Fault:
        return Fault("UnknownOperationException", "")

    def body_too_large(self, max_size: int) -> Fault:
        return Fault("RequestEntityTooLargeException", "Request body is too large", 413)


def json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return aware(value).timestamp()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    raise TypeError(f"cannot render {type(value).__name__} in a JSON result")
