"""EC2's own query dialect: requests parsed like the query family; results are `<XResponse><requestId/>…` (lists
are `<item>`s); errors are `<Response><Errors><Error>` with `<RequestID>`; most auth failures are AuthFailure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from awsfake.families.base import Denial, Response, Spoken
from awsfake.families.query import Query
from awsfake.families.xml import content, document, element, enclose

if TYPE_CHECKING:
    from awsfake.errors import Fault
    from awsfake.services import Result

__all__ = ["Ec2"]

_AUTH_FAILURE = Denial("AuthFailure", 401, "AWS was not able to validate the provided access credentials")
_EXPIRED = Denial("RequestExpired", 400, "Request has expired.")
_EXPIRY_KINDS = frozenset({"expired_token", "skewed", "presign_expired", "presign_future"})


class Ec2(Query):
    name = "ec2"
    denials: ClassVar[Mapping[str, Denial]] = {
        kind: _EXPIRED if kind in _EXPIRY_KINDS else _AUTH_FAILURE for kind in Query.denials
    }

    def document(self, info: Spoken, action: str, result: Result, request_id: str) -> tuple[bytes, str | None]:
        """A result tree as `<XResponse><requestId/>…` (lists are `<item>`s)."""
        inner = element("requestId", request_id) + content(result.body, "item")
        return document(enclose(f"{action}Response", inner, namespace=info.namespace)), "text/xml;charset=UTF-8"

    def render_error(self, info: Spoken, fault: Fault, request_id: str) -> Response:
        error = {"Code": fault.code, "Message": fault.message}
        text = element("Response", {"Errors": {"Error": error}, "RequestID": request_id})
        headers = [("Content-Type", "text/xml;charset=UTF-8"), *self.id_headers(request_id)]
        return Response(fault.status, headers, document(text), request_id)
