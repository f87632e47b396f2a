"""The four protocol families' wire formats: parse requests, render results and faults. The only place for them.

- rest-xml (S3): the action comes from the service's `route`; results are XML documents under `Result.root`
  (lists become repeated elements); errors are `<Error>` with `x-amz-request-id` / `x-amz-id-2`.
- query (SNS, STS, IAM, ...): `Action` and fields from the form body or the query string; results are
  `<XResponse><XResult>…</XResult><ResponseMetadata>…` (lists are `<member>`s, maps `<entry><key/><value/>`).
- ec2: parsed like query; results are `<XResponse><requestId/>…` (lists are `<item>`s); errors `<Response><Errors>`.
- json: `X-Amz-Target: Prefix.Action` and a JSON object body; errors `{"__type", "message"}`. A query-compatible
  service (SQS) also sends `x-amzn-query-error: Code;Sender` so SDKs report the query-era code.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl

from lxml import etree

from awsfake.catalog import ServiceInfo
from awsfake.faults import Fault
from awsfake.services import Map, Result

__all__ = [
    "Response",
    "internal_error",
    "new_request_id",
    "parse_json",
    "parse_query",
    "render_fault",
    "render_result",
    "unknown_operation",
]

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

# SQS's modeled error shapes and the query-era codes AWS still reports for them in `x-amzn-query-error`.
SQS_QUERY_CODES = {
    "QueueDoesNotExist": "AWS.SimpleQueueService.NonExistentQueue",
    "QueueNameExists": "QueueAlreadyExists",
    "QueueDeletedRecently": "AWS.SimpleQueueService.QueueDeletedRecently",
    "PurgeQueueInProgress": "AWS.SimpleQueueService.PurgeQueueInProgress",
    "MessageNotInflight": "AWS.SimpleQueueService.MessageNotInflight",
    "BatchEntryIdsNotDistinct": "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
    "BatchRequestTooLong": "AWS.SimpleQueueService.BatchRequestTooLong",
    "EmptyBatchRequest": "AWS.SimpleQueueService.EmptyBatchRequest",
    "InvalidBatchEntryId": "AWS.SimpleQueueService.InvalidBatchEntryId",
    "TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
    "UnsupportedOperation": "AWS.SimpleQueueService.UnsupportedOperation",
    "InvalidIdFormat": "InvalidIdFormat",
    "ReceiptHandleIsInvalid": "ReceiptHandleIsInvalid",
    "InvalidAttributeName": "InvalidAttributeName",
    "InvalidAttributeValue": "InvalidAttributeValue",
    "InvalidMessageContents": "InvalidMessageContents",
    "OverLimit": "OverLimit",
    "RequestThrottled": "RequestThrottled",
}
_SQS_SHAPES = {query: shape for shape, query in SQS_QUERY_CODES.items()}


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    request_id: str = ""
    error_code: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_ids = itertools.count(1)
_ID_PREFIX = str(uuid.uuid4())[:24]


def new_request_id(info: ServiceInfo) -> str:
    """S3's ids are 16 upper-case hex digits; every other family uses a UUID-shaped id (random prefix + counter)."""
    if info.family == "rest-xml":
        return os.urandom(8).hex().upper()
    return f"{_ID_PREFIX}{next(_ids):012x}"


# ---------------------------------------------------------------- parsing


def parse_query(method: str, content_type: str, body: bytes, raw_query: str) -> dict[str, str]:
    """The query family's fields: a form-encoded POST body, else the URL's query string (last value wins)."""
    if method == "POST" and content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
        text = body.decode("latin-1")
    else:
        text = raw_query
    return dict(parse_qsl(text, keep_blank_values=True))


def parse_json(info: ServiceInfo, target: str, body: bytes) -> tuple[str, dict[str, Any]]:
    """(action, params) of a JSON-family request; the target must carry the service's own prefix."""
    prefix, dot, action = target.partition(".")
    if not dot or prefix != info.target_prefix or not action:
        raise unknown_operation(info, target)
    if not body.strip():
        return action, {}
    try:
        params = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nesting too deep for the decoder
        raise Fault("SerializationException", "Start of structure or map found where not expected.") from None
    if not isinstance(params, dict):
        raise Fault("SerializationException", "Start of structure or map found where not expected.")
    return action, params


def unknown_operation(info: ServiceInfo, action: str, method: str = "POST", path: str = "/") -> Fault:
    """The family's own answer to an action the service does not have.

    S3 refuses a method it never accepts with MethodNotAllowed (naming the method and the kind of resource), and
    anything else it does not implement with NotImplemented.
    """
    if info.family == "json":
        return Fault("UnknownOperationException", "")
    if info.family == "rest-xml":
        if method not in _S3_METHODS:
            return Fault(
                "MethodNotAllowed",
                "The specified method is not allowed against this resource.",
                405,
                extras={"Method": method, "ResourceType": _s3_resource_type(path)},
            )
        return Fault("NotImplemented", "A header you provided implies functionality that is not implemented", 501)
    return Fault("InvalidAction", f"The action {action} is not valid for this web service.")


_S3_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS"})


def _s3_resource_type(path: str) -> str:
    bucket, _, key = path.lstrip("/").partition("/")
    return "OBJECT" if key else "BUCKET" if bucket else "SERVICE"


def internal_error() -> Fault:
    return Fault("InternalError", "We encountered an internal error. Please try again.", 500, sender=False)


# ---------------------------------------------------------------- results


def render_result(info: ServiceInfo, action: str, result: Result, request_id: str) -> Response:
    headers = list(result.headers.items())
    if isinstance(result.body, (bytes, bytearray)):
        body = bytes(result.body)
    elif info.family == "json":
        headers.append(("Content-Type", info.json_content_type))
        body = json.dumps({} if result.body is None else result.body, default=_json_default).encode()
    elif info.family == "rest-xml":
        body = _s3_document(info, result)
        if body:
            headers.append(("Content-Type", "application/xml"))
    elif info.family == "ec2":
        body = _ec2_document(info, action, result.body, request_id)
        headers.append(("Content-Type", "text/xml;charset=UTF-8"))
    else:
        body = _query_document(info, action, result.body, request_id)
        headers.append(("Content-Type", "text/xml"))
    return Response(result.status, _with_request_id(info, headers, request_id), body, request_id)


def _with_request_id(info: ServiceInfo, headers: list[tuple[str, str]], request_id: str) -> list[tuple[str, str]]:
    if info.family == "rest-xml":
        host_id = base64.b64encode(os.urandom(48)).decode()
        return [*headers, ("x-amz-request-id", request_id), ("x-amz-id-2", host_id)]
    return [*headers, ("x-amzn-RequestId", request_id)]  # EC2 too (its body also carries the id)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return _aware(value).timestamp()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    raise TypeError(f"cannot render {type(value).__name__} in a JSON result")


def _query_document(info: ServiceInfo, action: str, tree: Any, request_id: str) -> bytes:
    root = etree.Element(f"{action}Response", nsmap=_nsmap(info.namespace))
    if tree is not None:
        _fill(etree.SubElement(root, f"{action}Result"), tree, "member")
    metadata = etree.SubElement(root, "ResponseMetadata")
    etree.SubElement(metadata, "RequestId").text = request_id
    return bytes(etree.tostring(root, xml_declaration=False, encoding="utf-8"))


def _ec2_document(info: ServiceInfo, action: str, tree: Any, request_id: str) -> bytes:
    root = etree.Element(f"{action}Response", nsmap=_nsmap(info.namespace))
    etree.SubElement(root, "requestId").text = request_id
    if tree is not None:
        _fill(root, tree, "item")
    return XML_DECLARATION + bytes(etree.tostring(root, encoding="utf-8"))


def _s3_document(info: ServiceInfo, result: Result) -> bytes:
    tree = result.body
    root_name = result.root
    if tree is None:
        return b""
    if root_name is None:
        if not (isinstance(tree, dict) and len(tree) == 1):
            raise TypeError("an S3 result needs Result.root, or a body with exactly one top-level element")
        root_name, tree = next(iter(tree.items()))
    root = etree.Element(root_name, nsmap=_nsmap(info.namespace))
    _fill(root, tree, None)
    return XML_DECLARATION + bytes(etree.tostring(root, encoding="utf-8"))


def _fill(parent: Any, value: Any, item_tag: str | None) -> None:
    """Render `value` as the content of `parent`. Lists: `item_tag` children, or repeated `parent`s if None."""
    if isinstance(value, Map):
        for key, item in value.items():
            entry = etree.SubElement(parent, "entry")
            etree.SubElement(entry, "key").text = _xml_text(str(key))
            _fill(etree.SubElement(entry, "value"), item, item_tag)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _child(parent, key, item, item_tag)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _fill(etree.SubElement(parent, item_tag or "member"), item, item_tag)
    elif value is not None:
        parent.text = _xml_text(_scalar(value))


def _child(parent: Any, name: str, value: Any, item_tag: str | None) -> None:
    if value is None:
        return
    if isinstance(value, (list, tuple)) and item_tag is None:
        for item in value:  # REST-XML lists are flattened: one element per item, named for the field
            _fill(etree.SubElement(parent, name), item, item_tag)
        return
    _fill(etree.SubElement(parent, name), value, item_tag)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        utc = _aware(value).astimezone(timezone.utc)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    return str(value)


def _nsmap(namespace: str) -> Any:
    """lxml's default-namespace map (its stubs do not accept the None key)."""
    return {None: namespace} if namespace else None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


# ---------------------------------------------------------------- faults


def render_fault(info: ServiceInfo, fault: Fault, request_id: str) -> Response:
    if info.family != "json":
        fault = _xml_safe(fault)
    if info.family == "rest-xml":
        response = _s3_error(info, fault, request_id)
    elif info.family == "json":
        response = _json_error(info, fault, request_id)
    elif info.family == "ec2":
        response = _ec2_error(fault, request_id)
    else:
        response = _query_error(info, fault, request_id)
    response.headers.extend(fault.headers.items())
    response.error_code = fault.code
    return response


# Characters XML 1.0 cannot carry: C0 controls but tab, LF and CR; surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Text XML 1.0 can carry. AWS writes such characters as references no XML 1.0 parser accepts (S3 keys: hence
    `encoding-type=url`); here they become U+FFFD, so the document stays readable."""
    return _NOT_XML.sub("\ufffd", text) if _NOT_XML.search(text) else text


def _xml_safe(fault: Fault) -> Fault:
    """Messages may echo what the client sent (an Authorization header, say); what XML can't hold becomes U+FFFD."""
    texts = [fault.code, fault.message, *fault.extras.values()]
    if not any(_NOT_XML.search(text) for text in texts):
        return fault
    clean = {name: _NOT_XML.sub("\ufffd", value) for name, value in fault.extras.items()}
    safe = Fault(
        fault.code,
        _NOT_XML.sub("\ufffd", fault.message),
        fault.status,
        extras=clean,
        sender=fault.sender,
        headers=fault.headers,
    )
    return safe


def _s3_error(info: ServiceInfo, fault: Fault, request_id: str) -> Response:
    root = etree.Element("Error")
    etree.SubElement(root, "Code").text = fault.code
    etree.SubElement(root, "Message").text = fault.message
    for name, value in fault.extras.items():
        etree.SubElement(root, name).text = value
    etree.SubElement(root, "RequestId").text = request_id
    headers = _with_request_id(info, [("Content-Type", "application/xml")], request_id)
    etree.SubElement(root, "HostId").text = headers[-1][1]
    body = XML_DECLARATION + bytes(etree.tostring(root, encoding="utf-8"))
    return Response(fault.status, headers, body, request_id)


def _query_error(info: ServiceInfo, fault: Fault, request_id: str) -> Response:
    root = etree.Element("ErrorResponse", nsmap=_nsmap(info.namespace))
    error = etree.SubElement(root, "Error")
    etree.SubElement(error, "Type").text = "Sender" if fault.sender else "Receiver"
    etree.SubElement(error, "Code").text = fault.code
    etree.SubElement(error, "Message").text = fault.message
    etree.SubElement(root, "RequestId").text = request_id
    body = bytes(etree.tostring(root, encoding="utf-8"))
    return Response(fault.status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body, request_id)


def _ec2_error(fault: Fault, request_id: str) -> Response:
    root = etree.Element("Response")
    error = etree.SubElement(etree.SubElement(root, "Errors"), "Error")
    etree.SubElement(error, "Code").text = fault.code
    etree.SubElement(error, "Message").text = fault.message
    etree.SubElement(root, "RequestID").text = request_id
    body = XML_DECLARATION + bytes(etree.tostring(root, encoding="utf-8"))
    headers = [("Content-Type", "text/xml;charset=UTF-8"), ("x-amzn-RequestId", request_id)]
    return Response(fault.status, headers, body, request_id)


def _json_error(info: ServiceInfo, fault: Fault, request_id: str) -> Response:
    headers = [("Content-Type", info.json_content_type), ("x-amzn-RequestId", request_id)]
    error_type = fault.code
    if info.query_compatible:
        query_code = SQS_QUERY_CODES.get(fault.code, fault.code)
        shape = _SQS_SHAPES.get(fault.code, fault.code)
        error_type = f"com.amazonaws.{info.name}#{shape}"
        headers.append(("x-amzn-query-error", f"{query_code};{'Sender' if fault.sender else 'Receiver'}"))
    body = json.dumps({"__type": error_type, "message": fault.message}).encode()
    return Response(fault.status, headers, body, request_id)
