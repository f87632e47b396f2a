"""What the pipeline needs from a protocol family (one wire format), and the pieces every family shares.

A family turns a verified request into (operation, plain nested values), a `Result` or a `Fault` into a
`Response`, and names its own answers to auth failures, unknown operations and oversized bodies. The pipeline
asks the family and never looks at which family it has; adding a wire format is a new module with a `Family`
subclass and a row in `families.FAMILIES`.
"""

from __future__ import annotations

import itertools
import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from awsfake.errors import Fault, internal_error
from awsfake.store.body import Body, Stream

if TYPE_CHECKING:
    from awsfake.request import Request
    from awsfake.services import Call, Result, Service

__all__ = [
    "DENIAL_KINDS",
    "PLAIN_SHAPES",
    "XML_DECLARATION",
    "Denial",
    "Family",
    "PlainShapes",
    "QueryShapes",
    "Response",
    "Spoken",
    "Templates",
    "new_uuid_id",
    "xml_text",
]

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

# The kinds of authentication failure auth reports; each family answers every one of them.
DENIAL_KINDS = frozenset(
    {
        "missing",  # no signature at all
        "unknown_key",  # an access key id no account has
        "bad_token",  # session token missing, extra or wrong
        "expired_token",  # the session has expired
        "mismatch",  # the signature is not the one we compute
        "skewed",  # the signing time is more than 15 minutes off
        "scope",  # the credential scope is wrong (terminator, date)
        "incomplete",  # the Authorization header is malformed
        "query_params",  # presigned-URL parameters missing or malformed
        "no_date",  # no X-Amz-Date / Date header
        "unsigned_headers",  # headers that must be signed are not
        "presign_expired",  # a presigned URL used after its expiry
        "presign_future",  # a presigned URL used before its signing time
    }
)


class QueryShapes(Protocol):
    """A query service's own wire names: SQS's query dialect names its fields `Attribute.N.Name` where its JSON
    names them `Attributes`, and flattens its lists. The service sees one set of names whichever it was sent."""

    @property
    def item_tag(self) -> str | None:
        """The element of a list item in results (`member`), or None: lists are flattened."""

    def params(self, action: str, params: dict[str, Any], call: Call) -> dict[str, Any]:
        """The decoded query fields under the names the service reads."""

    def result(self, action: str, body: Any) -> Any:
        """A result tree under the names the query answer carries."""


class PlainShapes:
    """The query services written for the query protocol: their names are the wire's own."""

    item_tag = "member"

    def params(self, action: str, params: dict[str, Any], call: Call) -> dict[str, Any]:
        return params

    def result(self, action: str, body: Any) -> Any:
        return body


PLAIN_SHAPES = PlainShapes()


class Spoken(Protocol):
    """What a family reads of a service's catalogue row (`awsfake.catalog.ServiceInfo` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def namespace(self) -> str: ...

    @property
    def target_prefix(self) -> str: ...

    @property
    def json_content_type(self) -> str: ...

    @property
    def query_errors(self) -> Mapping[str, str] | None: ...

    @property
    def query_shapes(self) -> QueryShapes: ...


@dataclass(frozen=True)
class Denial:
    """One auth failure as a family reports it. `message` may hold `{detail}` (the query/JSON explanation) or
    `{s3detail}` (S3's), filled by auth."""

    code: str
    status: int
    message: str


@dataclass
class Response:
    """An answer; `stream`, when set, is sent instead of `body`, chunk by chunk (an object's bytes)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    request_id: str = ""
    error_code: str | None = None
    stream: Stream | None = None


class Family(ABC):
    """One wire format. Instances are stateless; the service's catalogue row (`Spoken`) is passed in."""

    name: ClassVar[str]
    # kind (one of DENIAL_KINDS) -> the family's code, status and message
    denials: ClassVar[Mapping[str, Denial]]
    # whether denials carry S3's extra elements (AWSAccessKeyId, StringToSign, ...)
    denial_extras: ClassVar[bool] = False

    def denial(self, info: Spoken, kind: str) -> Denial:
        """How this family reports `kind` of auth failure for `info`'s service."""
        return self.denials[kind]

    @abstractmethod
    def new_request_id(self) -> str:
        """A fresh request id in this family's shape."""

    @abstractmethod
    def operation(
        self, info: Spoken, request: Request, call: Call, service: Service | None
    ) -> tuple[str, dict[str, Any]]:
        """(operation name, parameters as plain nested values) of a verified request; `call.body` is its payload."""

    def render_result(self, info: Spoken, action: str, result: Result, request_id: str) -> Response:
        """Bytes are sent as they are, a `Body` or `Stream` (an object's bytes) chunk by chunk from its file; a
        result tree becomes the family's document."""
        raw = result.body
        headers = [*result.headers.items()] if result.headers else []
        if type(raw) is dict or not isinstance(raw, (bytes, bytearray, Body, Stream)):  # a tree (or None)
            body, content_type = self.document(info, action, result, request_id)
            if content_type:
                headers.append(("Content-Type", content_type))
            headers += self.id_headers(request_id)
            return Response(result.status, headers, body, request_id)
        stream = None
        if isinstance(raw, (bytes, bytearray)):
            body = bytes(raw)
        else:
            stream = raw.stream() if isinstance(raw, Body) else raw
            held = stream.held()
            if held is not None:
                body, stream = held, None
            else:
                body = b""
                if not any(name.lower() == "content-length" for name, _ in headers):
                    headers.append(("Content-Length", str(stream.size)))
        headers += self.id_headers(request_id)
        return Response(result.status, headers, body, request_id, stream=stream)

    @abstractmethod
    def document(self, info: Spoken, action: str, result: Result, request_id: str) -> tuple[bytes, str | None]:
        """A result tree as this family's body, and its content type (None: no body, no type)."""

    def id_headers(self, request_id: str) -> list[tuple[str, str]]:
        """The headers that carry the request id."""
        return [("x-amzn-RequestId", request_id)]

    @abstractmethod
    def render_error(self, info: Spoken, fault: Fault, request_id: str) -> Response: ...

    @abstractmethod
    def unknown_operation(self, info: Spoken, action: str, method: str, path: str) -> Fault:
        """The family's answer to an operation the service does not have."""

    @abstractmethod
    def body_too_large(self, max_size: int) -> Fault:
        """The family's answer to a body over the endpoint's limit."""

    def unsupported_algorithm(self, info: Spoken, algorithm: str) -> Fault:
        """An Authorization header with another scheme than SigV4 (SigV2, say)."""
        return self.deny(info, "incomplete", detail=f"Unsupported AWS 'algorithm': '{algorithm}'")

    def deny(
        self,
        info: Spoken,
        kind: str,
        *,
        detail: str = "",
        s3detail: str = "",
        extras: dict[str, str] | None = None,
    ) -> Fault:
        """The `Fault` for `kind` of auth failure, tagged with its service so the pipeline renders it here."""
        denial = self.denial(info, kind)
        message = denial.message.replace("{detail}", detail).replace("{s3detail}", s3detail)
        shown = extras if self.denial_extras else None
        return Fault(denial.code, message, denial.status, extras=shown, service=info.name)

    def internal_error(self) -> Fault:
        return internal_error()

    def answer(self, info: Spoken, fault: Fault) -> Response:
        """Render `fault` with a fresh request id (the pipeline's one call for errors)."""
        response = self.render_error(info, fault, self.new_request_id())
        response.headers.extend(fault.headers.items())
        response.error_code = fault.code
        return response


class Templates:
    """A family's documents for structures of text leaves only (the commonest answers: ids, ARNs, checksums), each
    written once per shape by the family's own writer with `%s` for every leaf, then filled in. Only leaves the
    writer copies as they are (`plain`: no escaping) are filled in; a shape whose text holds another `%` gets no
    template. At most 1,024 shapes are kept."""

    def __init__(self, plain: Callable[[str], bool]) -> None:
        self._plain = plain
        self._parts: dict[Hashable, tuple[str, str, str]] = {}

    def written(self, shape: tuple[Hashable, ...], tree: Any, write: Callable[..., str], *more: str) -> str | None:
        """`write(tree, *more)` when `tree` is a `dict` of `str` values that, with `more`, are all plain, from the
        template for `shape` (all that the text depends on but the tree's names and the leaves); else None."""
        if type(tree) is not dict or not tree:
            return None
        leaves = (*tree.values(), *more)
        for leaf in leaves:
            if type(leaf) is not str:
                return None
        if not self._plain("".join(leaves)):
            return None
        key = (*shape, *tree)
        parts = self._parts.get(key)
        if parts is None:
            parts = _split(write(dict.fromkeys(tree, "%s"), *("%s" for _ in more)), len(leaves))
            if len(self._parts) < 1024:
                self._parts[key] = parts
        head, middle, tail = parts
        return head + middle % leaves + tail if middle else None


def _split(template: str, leaves: int) -> tuple[str, str, str]:
    """A template as the text before its first `%s`, from there to the end of its last (filled in with `%`, which
    reads it character by character), and the rest; all empty when it holds another `%`: no template."""
    if template.count("%") != leaves or template.count("%s") != leaves:
        return "", "", ""
    first, last = template.index("%s"), template.rindex("%s") + 2
    return template[:first], template[first:last], template[last:]


# The counter starts at 16**12 + 1: `hex(n)` is then "0x1" and the 12 hex digits of the id's last group (up to
# 16**12 ids), cheaper than a format spec.
_ids = itertools.count(16**12 + 1)
_ID_PREFIX = str(uuid.uuid4())[:24]


def new_uuid_id() -> str:
    """A UUID-shaped id (request ids, SQS and SNS message ids): a random prefix per process and a counter (cheap,
    unique, where `uuid.uuid4()` costs ~2 µs)."""
    return _ID_PREFIX + hex(next(_ids))[3:]


# Characters XML 1.0 cannot carry: C0 controls but tab, LF and CR; surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text XML 1.0 can carry. AWS writes such characters as references no XML 1.0 parser accepts (S3 keys: hence
    `encoding-type=url`); here they become U+FFFD, so the document stays readable."""
    return _NOT_XML.sub("\ufffd", text) if _NOT_XML.search(text) else text
