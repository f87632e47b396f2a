"""The smithy-rpc-v2-cbor family (CloudWatch for SDKs that prefer it, and newer services): `POST
/service/<target prefix>/operation/<Operation>` with `smithy-protocol: rpc-v2-cbor` and a CBOR map as the body;
results are CBOR maps, errors `{"__type", "message"}` in CBOR. A query-compatible service (CloudWatch) also sends
`x-amzn-query-error: Code;Sender` and reports auth failures with the query family's codes, as JSON does.
"""

from __future__ import annotations

from datetime import timezone
from typing import TYPE_CHECKING, Any

from awsfake.catalogue import cbor_target
from awsfake.errors import Fault, serialization
from awsfake.families.base import Response, Spoken
from awsfake.families.json import Json

if TYPE_CHECKING:
    from awsfake.request import Request
    from awsfake.services import Call, Result, Service

__all__ = ["CBOR_HEADERS", "RpcV2Cbor", "decode", "encode"]

CBOR_HEADERS = (("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"))


def encode(value: Any) -> bytes:
    """CBOR as botocore reads it: timestamps as tag 1 (epoch seconds), blobs as byte strings."""
    import cbor2  # on the first CBOR request: most endpoints never see one

    return bytes(cbor2.dumps(value, datetime_as_timestamp=True, timezone=timezone.utc))


def decode(body: bytes) -> Any:
    """A CBOR document; any malformation is a ValueError."""
    import cbor2

    try:
        return cbor2.loads(body)
    except cbor2.CBORError as exc:
        raise ValueError(f"not CBOR: {exc}") from None


class RpcV2Cbor(Json):
    """Smithy's RPC v2 in CBOR: the JSON family's denials, request ids and size error, its own framing (the
    operation in the path, CBOR documents, the protocol header) and its own unknown-operation answer."""

    name = "smithy-rpc-v2-cbor"

    def operation(
        self, info: Spoken, request: Request, call: Call, service: Service | None
    ) -> tuple[str, dict[str, Any]]:
        found = cbor_target(request.raw_path)
        if found is None or found[0] != info.target_prefix:
            raise self.unknown_operation(info, "", request.method, request.raw_path)
        if not call.body:
            return found[1], {}
        try:
            params = decode(call.body.read())
        except (ValueError, RecursionError):
            params = None
        if not isinstance(params, dict):
            raise serialization("Expected a CBOR map as the request body.")
        return found[1], params

    def render_result(self, info: Spoken, action: str, result: Result, request_id: str) -> Response:
        response = super().render_result(info, action, result, request_id)
        if not isinstance(result.body, (bytes, bytearray)):
            response.headers.append(CBOR_HEADERS[1])  # the protocol header goes with every CBOR document
        return response

    def document(self, info: Spoken, action: str, result: Result, request_id: str) -> tuple[bytes, str | None]:
        return encode({} if result.body is None else result.body), CBOR_HEADERS[0][1]

    def render_error(self, info: Spoken, fault: Fault, request_id: str) -> Response:
        headers = [*CBOR_HEADERS, *self.id_headers(request_id)]
        error_type = fault.code
        if info.query_errors is not None:
            query_code = info.query_errors.get(fault.code, fault.code)
            error_type = f"com.amazonaws.{info.name}#{fault.code}"
            headers.append(("x-amzn-query-error", f"{query_code};{'Sender' if fault.sender else 'Receiver'}"))
        body = encode({"__type": error_type, "message": fault.message})
        return Response(fault.status, headers, body, request_id)

    def unknown_operation(self, info: Spoken, action: str, method: str, path: str) -> Fault:
        return Fault("UnknownOperationException", f"No operation of {info.name} answers {method} {path}", 404)
