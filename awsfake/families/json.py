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

__all__ = ["JSON", "Json", "json_default"]

# The query family's denials under the JSON protocol's names, all answered with 400.
_JSON_CODES = {
    "MissingAuthenticationToken": "MissingAuthenticationTokenException",
    "InvalidClientTokenId": "UnrecognizedClientException",
    "ExpiredToken": "ExpiredTokenException",
    "SignatureDoesNotMatch": "InvalidSignatureException",
    "IncompleteSignature": "IncompleteSignatureException",
}


class Json(Family):
    name = "json"
    denials: ClassVar[Mapping[str, Denial]] = {
        kind: Denial(_JSON_CODES[denial.code], 400, denial.message) for kind, denial in QUERY_DENIALS.items()
    }

    def denial(self, info: Spoken, kind: str) -> Denial:
        return QUERY_DENIALS[kind] if info.query_errors is not None else self.denials[kind]

    new_request_id = staticmethod(new_uuid_id)  # no frame of its own

    def operation(
        self, info: Spoken, request: Request, call: Call, service: Service | None
    ) -> tuple[str, dict[str, Any]]:
        """(operation, params); the target must carry the service's own prefix."""
        prefix, dot, action = (request.index.get("x-amz-target") or "").partition(".")
        if not dot or prefix != info.target_prefix or not action:
            raise self.unknown_operation(info, action, request.method, "/")
        raw = call.body.read()
        try:
            params = _loads(raw)
        except (ValueError, RecursionError):  # RecursionError: nesting too deep for the decoder
            params = {} if not raw or raw.isspace() else None  # no body (or white space) is no parameter
        if not isinstance(params, dict):
            raise Fault("SerializationException", "Start of structure or map found where not expected.")
        return action, params

    def render_result(self, info: Spoken, action: str, result: Result, request_id: str) -> Response:
        """A flat object of plain text with no headers of its own (the commonest answer: ids, URLs, checksums, or
        nothing) is written here at once; any other result as every family renders it (`Family.render_result`), to
        the same bytes and headers. A family with a document of its own (CBOR's) renders every answer so."""
        tree = result.body
        if type(tree) is dict and not result.headers and type(self).document is Json.document:
            written = _flat(tree)
            if written is not None:
                headers = [("Content-Type", info.json_content_type), ("x-amzn-RequestId", request_id)]
                return Response(result.status, headers, written.encode(), request_id)
        return super().render_result(info, action, result, request_id)

    def document(self, info: Spoken, action: str, result: Result, request_id: str) -> tuple[bytes, str | None]:
        """The result tree as JSON (a flat object of plain text is written by `render_result` itself)."""
        tree = result.body
        return JSON.encode({} if tree is None else tree).encode(), info.json_content_type

    def render_error(self, info: Spoken, fault: Fault, request_id: str) -> Response:
        headers = [("Content-Type", info.json_content_type), *self.id_headers(request_id)]
        error_type = fault.code
        if info.query_errors is not None:
            query_code = info.query_errors.get(fault.code, fault.code)
            shapes = {query: shape for shape, query in info.query_errors.items()}
            error_type = f"com.amazonaws.{info.name}#{shapes.get(fault.code, fault.code)}"
            headers.append(("x-amzn-query-error", f"{query_code};{'Sender' if fault.sender else 'Receiver'}"))
        body = JSON.encode({"__type": error_type, "message": fault.message}).encode()
        return Response(fault.status, headers, body, request_id)

    def unknown_operation(self, info: Spoken, action: str, method: str, path: str) -> Fault:
        return Fault("UnknownOperationException", "")

    def body_too_large(self, max_size: int) -> Fault:
        return Fault("RequestEntityTooLargeException", "Request body is too large", 413)


def _loads(raw: bytes) -> Any:
    """`json.loads(raw)`. An SDK's body (a UTF-8 object, nothing around it) is decoded as `loads` would decode it
    (`detect_encoding` finds UTF-8 when the second byte is not NUL) and read by the decoder's `raw_decode`: `loads`
    spends more on its checks and white-space scans than the decoder on a small document. Anything else, and a
    document that does not end where the body does, goes through `json.loads`."""
    if raw and raw[0] == _OPEN and raw[-1] == _CLOSE and raw[1]:  # `{`, `}`, a second byte not NUL
        text = raw.decode("utf-8", "surrogatepass")
        value, end = _DECODER.raw_decode(text)
        if end == len(text):
            return value
    return json.loads(raw)


_DECODER = json.JSONDecoder()
_OPEN, _CLOSE = b"{}"


def json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return aware(value).timestamp()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    raise TypeError(f"cannot render {type(value).__name__} in a JSON result")


JSON = json.JSONEncoder(default=json_default)
"""`json.dumps(value, default=json_default)`, the encoder made once instead of per call."""


def _flat(tree: dict[Any, Any]) -> str | None:
    """`JSON.encode(tree)` for an object of text leaves the encoder writes as they are (printable ASCII but `"` and
    `\\`: ids, URLs, checksums, the commonest answers), filled into the encoder's text of its names with `%s` for
    each leaf; None for any other (the encoder writes it). A template is kept per tuple of names (1,024 at most)."""
    leaves = tuple(tree.values())
    for leaf in leaves:
        if type(leaf) is not str:
            return None
    joined = "".join(leaves)
    if not (joined.isascii() and joined.isprintable()) or '"' in joined or "\\" in joined:
        return None
    names = tuple(tree)
    template = _OBJECTS.get(names)
    if template is None:
        template = _object_template(names)
        if len(_OBJECTS) < 1024:
            _OBJECTS[names] = template
    return template % leaves if template else None


def _object_template(names: tuple[Any, ...]) -> str:
    """The encoder's text of an object of these names with `%s` for each value; "" (no template) unless every name
    is text without `%`."""
    if not all(type(name) is str and "%" not in name for name in names):
        return ""
    return JSON.encode(dict.fromkeys(names, "%s"))


_OBJECTS: dict[tuple[Any, ...], str] = {}
