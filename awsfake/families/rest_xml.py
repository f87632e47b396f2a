"""REST-XML (S3): the operation comes from the service's own `route`; results are XML documents under
`Result.root` (lists become repeated elements); errors are `<Error>` with `x-amz-request-id` / `x-amz-id-2`."""

from __future__ import annotations

import binascii
import itertools
import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from awsfake.errors import (
    S3_MISMATCH,
    Fault,
    entity_too_large,
    method_not_allowed,
    not_implemented,
    unsupported_auth_mechanism,
)
from awsfake.families.base import Denial, Family, Response, Spoken
from awsfake.families.xml import document, element, enclose

if TYPE_CHECKING:
    from awsfake.request import Request
    from awsfake.services import Call, Result, Service

__all__ = ["RestXml"]

# Request ids are no secrets: drawn from a generator of our own (seeded from the system's randomness, untouched by
# a test's random.seed) rather than with a system call each.
_RANDOM = random.Random()
_HOST_ID = binascii.b2a_base64(_RANDOM.randbytes(36), newline=False).decode()  # 48 characters
_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS"})
_MALFORMED = Denial("AuthorizationHeaderMalformed", 400, "{s3detail}")
_PRESIGN = Denial("AuthorizationQueryParametersError", 400, "{s3detail}")


class RestXml(Family):
    name = "rest-xml"
    denial_extras = True
    denials: ClassVar[Mapping[str, Denial]] = {
        "missing": Denial("AccessDenied", 403, "Access Denied"),
        "unknown_key": Denial(
            "InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records."
        ),
        "bad_token": Denial("InvalidToken", 400, "The provided token is malformed or otherwise invalid."),
        "expired_token": Denial("ExpiredToken", 400, "The provided token has expired."),
        "mismatch": Denial("SignatureDoesNotMatch", 403, S3_MISMATCH),
        "skewed": Denial(
            "RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large."
        ),
        "scope": _MALFORMED,
        "incomplete": _MALFORMED,
        "query_params": _PRESIGN,
        "no_date": Denial("AccessDenied", 403, "AWS authentication requires a valid Date or x-amz-date header"),
        "unsigned_headers": Denial(
            "AccessDenied", 403, "There were headers present in the request which were not signed"
        ),
        "presign_expired": Denial("AccessDenied", 403, "Request has expired"),
        "presign_future": Denial("AccessDenied", 403, "Request is not yet valid"),
    }

    # S3's ids are 16 upper-case hex digits: counted from a random start (one C call each; unique in a process)
    new_request_id = staticmethod(map("%016X".__mod__, itertools.count(_RANDOM.getrandbits(63))).__next__)

    def operation(
        self, info: Spoken, request: Request, call: Call, service: Service | None
    ) -> tuple[str, dict[str, Any]]:
        """REST operations are found by the service (method, path, query, headers): see `Service.route`."""
        return (service.route(call) if service else ""), {}

    def document(self, info: Spoken, action: str, result: Result, request_id: str) -> tuple[bytes, str | None]:
        """The tree under `Result.root` (or its single top-level key); no body at all for an empty result."""
        if result.body is None:  # the commonest: an answer of headers alone (PutObject, DeleteObject...)
            return b"", None
        body = _document(info, result)
        return body, ("application/xml" if body else None)

    def id_headers(self, request_id: str) -> list[tuple[str, str]]:
        """S3's request id, and its extended id (`x-amz-id-2`: 64 base64 characters, here this process's random
        48 and the request id's 16 hex digits, which are base64 characters too)."""
        return [("x-amz-request-id", request_id), ("x-amz-id-2", _HOST_ID + request_id)]

    def render_error(self, info: Spoken, fault: Fault, request_id: str) -> Response:
        headers = [("Content-Type", "application/xml"), *self.id_headers(request_id)]
        fields = [("Code", fault.code), ("Message", fault.message), *fault.extras.items()]
        fields += [("RequestId", request_id), ("HostId", headers[-1][1])]  # a list: an extra may repeat a name
        text = enclose("Error", "".join(element(name, value) for name, value in fields))
        return Response(fault.status, headers, document(text), request_id)

    def unknown_operation(self, info: Spoken, action: str, method: str, path: str) -> Fault:
        """A method S3 never accepts is MethodNotAllowed (naming the kind of resource); else NotImplemented."""
        if method not in _METHODS:
            return method_not_allowed(method, _resource_type(path))
        return not_implemented()

    def body_too_large(self, max_size: int) -> Fault:
        return entity_too_large(max_size)

    def unsupported_algorithm(self, info: Spoken, algorithm: str) -> Fault:
        return unsupported_auth_mechanism(info.name)


def _resource_type(path: str) -> str:
    bucket, _, key = path.lstrip("/").partition("/")
    return "OBJECT" if key else "BUCKET" if bucket else "SERVICE"


def _document(info: Spoken, result: Result) -> bytes:
    tree = result.body
    root_name = result.root
    if tree is None:
        return b""
    if root_name is None:
        if not (isinstance(tree, dict) and len(tree) == 1):
            raise TypeError("an S3 result needs Result.root, or a body with exactly one top-level element")
        root_name, tree = next(iter(tree.items()))
    return document(element(root_name, tree, namespace=info.namespace))
