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
        """Bytes are sent as they are, a `Body` or `Stream` (an object's bytes) chunk by chunk from its file unless
        it is held in memory; a result tree becomes the family's document. The headers: the result's, then the
        document's Content-Type (or a streamed body's Content-Length, unless given), then the request id's."""
        raw = result.body
        kind = type(raw)
        if kind is not dict and (kind is Stream or isinstance(raw, _RAW)):
            if kind is Stream:  # S3 GetObject's
                stream = raw
            elif isinstance(raw, (bytes, bytearray)):
                headers = [*result.headers.items(), *self.id_headers(request_id)]
                return Response(result.status, headers, bytes(raw), request_id)
            else:
                stream = raw.stream() if isinstance(raw, Body) else raw
            if stream.held is not None:
                headers = [*result.headers.items(), *self.id_headers(request_id)]
                return Response(result.status, headers, stream.held, request_id)
            headers = [*result.headers.items()]
            if not any(name.lower() == "content-length" for name, _ in headers):
                headers.append(("Content-Length", str(stream.size)))
            headers += self.id_headers(request_id)
            return Response(result.status, headers, b"", request_id, stream=stream)
        body, content_type = self.document(info, action, result, request_id)  # a tree (or None)
        headers = [*result.headers.items()] if result.headers else []
        if content_type:
            headers.append(("Content-Type", content_type))
        headers += self.id_headers(request_id)
        return Response(result.status, headers, body, request_id)

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


_RAW = (bytes, bytearray, Body, Stream)  # a result body sent as it is, not a tree


class Templates:
    """A family's documents for structures of text leaves only (the commonest answers: ids, ARNs, checksums), each
    written once per shape by the family's own writer with `%s` for every leaf, then filled in. Only leaves the
    writer copies as they are (`plain`: no escaping) are filled in; a shape whose text holds another `%` gets no
    template. At most 1,024 shapes are kept.

    Each template keeps the leaves of the last tree it was filled with: the same tree again (a caller asking who it
    is, the URL of a queue) needs only what follows it (`more`: the request id) checked and filled in."""

    def __init__(self, plain: Callable[[str], bool]) -> None:
        self._plain = plain
        self._templates: dict[Hashable, _Template] = {}

    def written(self, shape: tuple[Hashable, ...], tree: Any, write: Callable[..., str], *more: str) -> str | None:
        """`write(tree, *more)` when `tree` is a `dict` of `str` values that, with `more`, are all plain, from the
        template for `shape` (all that the text depends on but the tree's names and the leaves); else None."""
        if type(tree) is not dict or not tree:
            return None
        leaves = (*tree.values(),)
        everything = leaves + more
        for leaf in everything:
            if type(leaf) is not str:
                return None
        key = (*shape, *tree)
        template = self._templates.get(key)
        if template is None:
            template = _Template(write(dict.fromkeys(tree, "%s"), *("%s" for _ in more)), len(leaves), len(more))
            if len(self._templates) < 1024:
                self._templates[key] = template
        if not template.middle:
            return None
        if leaves == template.last:  # exact `str`s equal to plain ones: the same text
            if more and not self._plain("".join(more)):
                return None
            kept = template.kept
            if kept is None or kept[0] != leaves:  # the tree's second time: its text kept
                kept = template.kept = (leaves, template.head + template.tree_part % leaves + template.between)
            return kept[1] + template.more_part % more + template.tail
        if not self._plain("".join(everything)):
            return None
        template.last = leaves
        return template.head + template.middle % everything + template.tail


class _Template:
    """A template cut at its `%s`s (filled in with `%`, which reads its text character by character): the text
    before the first; `middle`, from there to the end of the last; the tail; and `middle` again in three parts:
    the tree's leaves, the text between, `more`'s. All empty when the text holds another `%`: no template.

    `last` is the plain leaves it was last filled with; `kept`, leaves that came twice and the text up to `more`
    (each a tuple replaced whole: a thread reads the old or the new)."""

    __slots__ = ("between", "head", "kept", "last", "middle", "more_part", "tail", "tree_part")

    def __init__(self, text: str, leaves: int, more: int) -> None:
        self.last: tuple[str, ...] = ()
        self.kept: tuple[tuple[str, ...], str] | None = None
        self.head = self.middle = self.tail = self.tree_part = self.between = self.more_part = ""
        if text.count("%") != leaves + more or text.count("%s") != leaves + more:
            return
        first, last = text.index("%s"), text.rindex("%s") + 2
        tree_end = first
        for _ in range(leaves):
            tree_end = text.index("%s", tree_end) + 2
        more_start = text.index("%s", tree_end) if more else tree_end
        self.head, self.middle, self.tail = text[:first], text[first:last], text[last:]
        self.tree_part, self.between = text[first:tree_end], text[tree_end:more_start]
        self.more_part = text[more_start:last]


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
