"""The query family (SNS, STS, IAM, ...): `Action` and fields from the form body or the query string; results are
`<XResponse><XResult>…</XResult><ResponseMetadata>…` (lists are `<member>`s, maps `<entry><key/><value/>`);
errors are `<ErrorResponse><Error><Type/><Code/><Message/>`."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import unquote

from awsfake.errors import Fault, invalid_action
from awsfake.families.base import (
    PLAIN_SHAPES,
    Denial,
    Family,
    QueryShapes,
    Response,
    Spoken,
    Templates,
    new_uuid_id,
)
from awsfake.families.xml import document, element, enclose, is_plain, text

if TYPE_CHECKING:
    from awsfake.request import Request
    from awsfake.services import Call, Result, Service

__all__ = ["PLAIN_SHAPES", "QUERY_DENIALS", "Query", "QueryShapes", "fields_of", "form_fields", "nest"]

_INVALID_TOKEN = "The security token included in the request is invalid."
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key"
    " and signing method. Consult the service documentation for details."
)
_SIGNATURE = Denial("SignatureDoesNotMatch", 403, "{detail}")
_INCOMPLETE = Denial("IncompleteSignature", 400, "{detail}")

QUERY_DENIALS = {
    "missing": Denial("MissingAuthenticationToken", 403, "Request is missing Authentication Token"),
    "unknown_key": Denial("InvalidClientTokenId", 403, _INVALID_TOKEN),
    "bad_token": Denial("InvalidClientTokenId", 403, _INVALID_TOKEN),
    "expired_token": Denial("ExpiredToken", 403, "The security token included in the request is expired"),
    "mismatch": Denial("SignatureDoesNotMatch", 403, _MISMATCH + "{detail}"),
    "skewed": _SIGNATURE,
    "scope": _SIGNATURE,
    "incomplete": _INCOMPLETE,
    "query_params": _INCOMPLETE,
    "no_date": _INCOMPLETE,
    "unsigned_headers": _INCOMPLETE,
    "presign_expired": _SIGNATURE,
    "presign_future": _SIGNATURE,
}


def nest(fields: dict[str, str]) -> dict[str, Any]:
    """Flat wire fields as plain nested values: `X.member.N` and `X.N` become lists, `X.entry.N.key/value` (or
    `.Name/.Value`) dicts, other dotted names nested dicts. Numbering starts at 1 and stops at the first gap.

    A name sent both as a value and as a prefix (`A=1&A.b=2`) keeps the structure; nothing here raises."""
    for name in fields:
        if "." in name:
            break
    else:  # no dotted name (STS, SNS Publish...): the fields are the tree (the family's own dict: not copied)
        return fields
    tree: dict[str, Any] = {}
    for name, value in fields.items():
        if "." not in name:  # the commonest field: no path to walk
            if not isinstance(tree.get(name), dict):
                tree[name] = value
            continue
        *path, last = name.split(".")
        node = tree
        for part in path:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if not isinstance(node.get(last), dict):
            node[last] = value
    return {name: _shape(value) for name, value in tree.items()}


_MAP_KEYS = ("key", "Name", "Key")
_MAP_VALUES = ("value", "Value")


def _shape(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if set(node) == {"entry"} and isinstance(node["entry"], dict):
        return _entries(node["entry"])
    if set(node) == {"member"} and isinstance(node["member"], dict):
        return _numbered(node["member"])
    if node and all(name.isdigit() for name in node):
        return _numbered(node)
    return {name: _shape(value) for name, value in node.items()}


def _numbered(node: dict[str, Any]) -> list[Any]:
    items: list[Any] = []
    while str(len(items) + 1) in node:
        items.append(_shape(node[str(len(items) + 1)]))
    return items


def _entries(node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for entry in _numbered(node):
        key = next((entry[k] for k in _MAP_KEYS if isinstance(entry, dict) and isinstance(entry.get(k), str)), None)
        if key is None:
            break
        out[key] = next((entry[v] for v in _MAP_VALUES if v in entry), "")
    return out


def _written(info: Spoken, action: str, tree: Any, request_id: str) -> str:
    """A query answer's text: `tree` (None: no result element) and the request id."""
    inner = f"<ResponseMetadata><RequestId>{text(request_id)}</RequestId></ResponseMetadata>"
    if tree is not None:
        inner = element(f"{action}Result", tree, info.query_shapes.item_tag) + inner
    return enclose(f"{action}Response", inner, namespace=info.namespace)


_TEMPLATES = Templates(is_plain)


def _flat(info: Spoken, action: str, tree: dict[Any, Any], request_id: str) -> str | None:
    """`_written`'s text of a tree of text leaves written as they are (printable ASCII without markup: ids, ARNs),
    with a request id alike, filled into the writer's text for its names with `%s` for each leaf and the id; None
    for any other (the writer writes it). A template is kept per namespace, action and names (1,024 at most)."""
    leaves = (*tree.values(), request_id)
    for leaf in leaves:
        if type(leaf) is not str:
            return None
    joined = "".join(leaves)
    if not (joined.isascii() and joined.isprintable()) or "&" in joined or "<" in joined or ">" in joined:
        return None
    key = (info.namespace, action, *tree)
    template = _ANSWERS.get(key)
    if template is None:
        template = _answer_template(info, action, tuple(tree))
        if len(_ANSWERS) < 1024:
            _ANSWERS[key] = template
    return template % leaves if template else None


def _answer_template(info: Spoken, action: str, names: tuple[Any, ...]) -> str:
    """The writer's text for a tree of these names with `%s` for each leaf and the request id; "" (no template)
    when its text holds another `%` (in the namespace, the action or a name). A name XML refuses is refused here
    as the writer refuses it."""
    text = _written(info, action, dict.fromkeys(names, "%s"), "%s")
    return text if text.count("%") == len(names) + 1 == text.count("%s") else ""


_ANSWERS: dict[tuple[Any, ...], str] = {}


def form_fields(request: Request, body: bytes) -> dict[str, str]:
    """The query family's fields: a form-encoded POST body, else the URL's query string (last value wins)."""
    content_type = request.index.get("content-type") or ""
    if request.method == "POST" and (_FORM_TYPES.get(content_type) or _is_form(content_type)):  # the memo first
        text = body.decode("latin-1")
    else:
        text = request.raw_query
    if "%" not in text and len(text) <= _FIELD_CACHE_MAX_LEN:
        return _kept_fields(text)
    return _escaped_form(text)


def _kept_fields(text: str) -> dict[str, str]:
    """`fields_of(text)`, read once per distinct text and copied (the caller's own: its parameters may be changed):
    a short form without escapes that a client repeats verbatim (`Action=GetCallerIdentity&Version=2011-06-15`,
    `Action=ListQueues...`), or the fields before an escaped form's last (`_escaped_form`)."""
    known = _KEPT.get(text)
    if known is None:
        known = fields_of(text)
        if len(_KEPT) >= 512:  # bounded: strangers choose forms
            _KEPT.clear()
        _KEPT[text] = known
    return known.copy()


_KEPT: dict[str, dict[str, str]] = {}


def _escaped_form(text: str) -> dict[str, str]:
    """`fields_of(text)` of a form with escapes. An SDK writes a request's fields in one order, the one that
    changes from call to call mostly last (`Action=Publish&Version=...&TopicArn=...&Message=...`,
    `...&QueueUrl=...&MessageBody=...`): the fields before the last are read once per distinct text (at most
    `_HEAD_MAX_LEN` characters) and copied, and the last read into the copy (a later value wins, as it does)."""
    head, _, last = text.rpartition("&")
    if len(head) > _HEAD_MAX_LEN:
        return fields_of(text)
    fields = _kept_fields(head)
    if "%" in last and len(last) <= _FIELD_CACHE_MAX_LEN:  # the usual last field (what `_read_fields` does)
        name, value = _decoded(last)
        fields[name] = value
        return fields
    return _read_fields(fields, last)


_HEAD_MAX_LEN = 1024  # a few names, an ARN or queue URL


def _is_form(content_type: str) -> bool:
    """Whether a Content-Type is a form's (its media type, once per distinct value: a client sends one or two)."""
    known = _FORM_TYPES.get(content_type)
    if known is None:
        known = content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded"
        if len(_FORM_TYPES) < 64 and len(content_type) <= 256:  # a client's are few and short
            _FORM_TYPES[content_type] = known
    return known


_FORM_TYPES: dict[str, bool] = {}


def fields_of(text: str) -> dict[str, str]:
    """`dict(parse_qsl(text, keep_blank_values=True))`."""
    return _read_fields({}, text)


def _read_fields(fields: dict[str, str], text: str) -> dict[str, str]:
    """`fields` with those of `text` added (`parse_qsl`'s reading, later values winning), its loop written for the
    common case: a field with no `%` is taken as it is (its `+`s made spaces), one with escapes decoded once per
    distinct field."""
    for field in text.split("&"):
        if field:
            if "%" in field:
                name, value = _decoded(field) if len(field) <= _FIELD_CACHE_MAX_LEN else _decode(field)
            else:
                name, _, value = field.partition("=")
                if "+" in field:
                    name, value = name.replace("+", " "), value.replace("+", " ")
            fields[name] = value
    return fields


def _decode(field: str) -> tuple[str, str]:
    name, _, value = field.replace("+", " ").partition("=")
    return _unquote(name) if "%" in name else name, _unquote(value)


def _unquote(text: str) -> str:
    """`unquote(text)`. An SDK escapes every character but ASCII letters, digits and `-_.~`, mostly ASCII ones
    (spaces, punctuation): each such escape is one character, found in a table, with no bytes made. The escapes
    of other bytes (UTF-8's) take `_unquote_bytes`."""
    if "%" not in text:
        return text
    parts = text.split("%")
    out = [parts[0]]
    try:
        for part in parts[1:]:
            out.append(_CHARACTER[part[:2]])
            out.append(part[2:])
    except KeyError:  # not an ASCII character's escape
        return _unquote_bytes(text)
    return "".join(out)


def _unquote_bytes(text: str) -> str:
    """`unquote(text)` of ASCII text with escapes of any byte, in one pass over them: ASCII text is read by
    `unquote` as `unquote_to_bytes(text).decode("utf-8", "replace")`. A `%` not followed by two hex digits, and
    text that is not ASCII, take `unquote` itself."""
    if not text.isascii():
        return unquote(text)
    parts = text.encode().split(b"%")
    out = [parts[0]]
    try:
        for part in parts[1:]:
            out.append(_BYTE[part[:2]])
            out.append(part[2:])
    except KeyError:
        return unquote(text)
    return b"".join(out).decode("utf-8", "replace")


_HEX_DIGITS = "0123456789ABCDEFabcdef"
_BYTE = {(a + b).encode(): bytes.fromhex(a + b) for a in _HEX_DIGITS for b in _HEX_DIGITS}  # b"3a" -> b":"
_CHARACTER = {(a + b): chr(int(a + b, 16)) for a in _HEX_DIGITS[:8] for b in _HEX_DIGITS}  # "3a" -> ":"

# Even so, the escaped fields a client sends repeat (SDKs escape every `:` and `/`:
# `TopicArn=arn%3Aaws%3Asns%3A...`, `QueueUrl=http%3A%2F%2F...`): each distinct one is decoded once. Strangers
# choose fields: at most 512 are kept, of at most `_FIELD_CACHE_MAX_LEN` characters.
_decoded = lru_cache(maxsize=512)(_decode)
_FIELD_CACHE_MAX_LEN = 256


class Query(Family):
    name = "query"
    denials: ClassVar[Mapping[str, Denial]] = QUERY_DENIALS

    new_request_id = staticmethod(new_uuid_id)  # no frame of its own

    def operation(
        self, info: Spoken, request: Request, call: Call, service: Service | None
    ) -> tuple[str, dict[str, Any]]:
        params = nest(form_fields(request, call.body.read()))
        action = params.get("Action", "")
        if not action or not isinstance(action, str):
            raise Fault("MissingAction", "Missing Action")
        shapes = info.query_shapes
        return action, params if shapes is PLAIN_SHAPES else shapes.params(action, params, call)  # plain: as sent

    def render_result(self, info: Spoken, action: str, result: Result, request_id: str) -> Response:
        """A tree with no headers of its own (every answer of a service with the plain shapes) is written here at
        once: of plain text leaves (the commonest: ids, ARNs) from its template (`_flat`), else by the writer, as
        `document` would (its templates take no other tree); any other result, and any answer of a family with a
        document of its own (EC2's), as every family renders it (`Family.render_result`), to the same bytes and
        headers."""
        tree = result.body
        if (
            type(tree) is dict
            and not result.headers
            and info.query_shapes is PLAIN_SHAPES
            and type(self).document is Query.document
        ):
            written = _flat(info, action, tree, request_id)
            if written is None:
                written = _written(info, action, tree, request_id)
            headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
            return Response(result.status, headers, written.encode(), request_id)
        return super().render_result(info, action, result, request_id)

    def document(self, info: Spoken, action: str, result: Result, request_id: str) -> tuple[bytes, str | None]:
        """A result tree as `<XResponse><XResult>…</XResult><ResponseMetadata>…` (text leaves only: from a
        template of `_written`'s own text, `Templates`)."""
        tree, shapes = result.body, info.query_shapes
        if tree is not None and shapes is not PLAIN_SHAPES:  # the plain shapes' names are the wire's own
            tree = shapes.result(action, tree)
        written = _TEMPLATES.written(
            (info.namespace, action), tree, lambda leaves, rid: _written(info, action, leaves, rid), request_id
        )
        if written is None:
            written = _written(info, action, tree, request_id)
        return written.encode(), "text/xml"

    def render_error(self, info: Spoken, fault: Fault, request_id: str) -> Response:
        error = {
            "Type": "Sender" if fault.sender else "Receiver",
            "Code": (info.query_errors or {}).get(fault.code, fault.code),
            "Message": fault.message,
        }
        text = element("ErrorResponse", {"Error": error, "RequestId": request_id}, namespace=info.namespace)
        headers = [("Content-Type", "text/xml"), *self.id_headers(request_id)]
        return Response(fault.status, headers, document(text, declaration=False), request_id)

    def unknown_operation(self, info: Spoken, action: str, method: str, path: str) -> Fault:
        return invalid_action(action)

    def body_too_large(self, max_size: int) -> Fault:
        return Fault("RequestEntityTooLarge", "Request body is too large", 413)
