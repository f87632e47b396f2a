"""SQS's query-protocol names: how older SDKs name what the JSON protocol calls `Attributes`, `Entries`,
`QueueUrls`... (`Attribute.N.Name`, `SendMessageBatchRequestEntry.N.Id`, repeated `<QueueUrl>` elements).

The service reads and writes its JSON names only; the query family calls `QUERY_SHAPES` (SQS's catalogue row for
form-encoded requests names it) on the way in and out. The names are those of SQS's query API reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from awsfake.services.sqs.params import url

if TYPE_CHECKING:
    from awsfake.services import Call

__all__ = ["QUERY_SHAPES", "SqsQueryShapes"]

# query name -> JSON name, for lists (`X.N`) at any depth
_LISTS = {
    "AttributeName": "AttributeNames",
    "MessageAttributeName": "MessageAttributeNames",
    "MessageSystemAttributeName": "MessageSystemAttributeNames",
    "TagKey": "TagKeys",
    "AWSAccountId": "AWSAccountIds",
    "ActionName": "Actions",
    "SendMessageBatchRequestEntry": "Entries",
    "DeleteMessageBatchRequestEntry": "Entries",
    "ChangeMessageVisibilityBatchRequestEntry": "Entries",
    "StringListValue": "StringListValues",
    "BinaryListValue": "BinaryListValues",
}
# query name -> (JSON name, key field, value field), for maps (`X.N.Name` / `X.N.Value`)
_MAPS = {
    "Attribute": ("Attributes", "Name", "Value"),
    "MessageAttribute": ("MessageAttributes", "Name", "Value"),
    "MessageSystemAttribute": ("MessageSystemAttributes", "Name", "Value"),
    "Tag": ("Tags", "Key", "Value"),
}
# (operation, query name) -> JSON name where one operation spells it its own way
_OWN_NAMES = {("CreateQueue", "Tag"): "tags"}

# JSON result name -> query element, for lists that the query answer flattens
_RESULT_LISTS = {
    "QueueUrls": "QueueUrl",
    "queueUrls": "QueueUrl",
    "Messages": "Message",
    "Failed": "BatchResultErrorEntry",
    "Results": "ListMessageMoveTasksResultEntry",
    "StringListValues": "StringListValue",
    "BinaryListValues": "BinaryListValue",
}
# JSON result name -> (query element, key field, value field), for maps
_RESULT_MAPS = {
    "Attributes": ("Attribute", "Name", "Value"),
    "MessageAttributes": ("MessageAttribute", "Name", "Value"),
    "Tags": ("Tag", "Key", "Value"),
}


class SqsQueryShapes:
    """SQS's query dialect (see the module docstring); lists in its answers are flattened."""

    item_tag = None

    def params(self, action: str, params: dict[str, Any], call: Call) -> dict[str, Any]:
        """The JSON names; a request posted to the queue's own URL (older SDKs do) names its queue there."""
        out = _renamed(action, params)
        parts = [part for part in call.path.split("/") if part]
        if "QueueUrl" not in out and len(parts) == 2:
            out["QueueUrl"] = url(call.host, parts[0], parts[1])
        return out

    def result(self, action: str, body: Any) -> Any:
        if not isinstance(body, Mapping):
            return body
        entry = {"Successful": f"{action}ResultEntry"}
        return _answer(body, entry)


QUERY_SHAPES = SqsQueryShapes()


def _renamed(action: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name in _MAPS:
            json_name, key, field = _MAPS[name]
            out[_OWN_NAMES.get((action, name), json_name)] = _pairs(action, value, key, field)
        elif name in _LISTS:
            out[_LISTS[name]] = [_nested(action, item) for item in _listed(value)]
        else:
            out[name] = _nested(action, value)
    return out


def _nested(action: str, value: Any) -> Any:
    return _renamed(action, value) if isinstance(value, dict) else value


def _listed(value: Any) -> list[Any]:
    """A numbered list; a single unnumbered value (`AttributeName=All`, as boto 2 sends it) is a list of one."""
    return value if isinstance(value, list) else [value]


def _pairs(action: str, value: Any, key: str, field: str) -> Any:
    """`[{Name: n, Value: v}, ...]` as `{n: v}`; anything else passes unchanged for the service to refuse."""
    if not isinstance(value, list) or not all(isinstance(item, dict) and key in item for item in value):
        return value
    return {item[key]: _nested(action, item.get(field, "")) for item in value}


def _answer(body: Mapping[str, Any], lists: Mapping[str, str]) -> dict[str, Any]:
    """A JSON-named result tree under its query names: maps become name/value pairs, lists are renamed."""
    out: dict[str, Any] = {}
    for name, value in body.items():
        if name in _RESULT_MAPS and isinstance(value, Mapping):
            element, key, field = _RESULT_MAPS[name]
            out[element] = [{key: k, field: _answered(v, lists)} for k, v in value.items()]
        elif name in lists or name in _RESULT_LISTS:
            out[lists.get(name) or _RESULT_LISTS[name]] = [_answered(item, lists) for item in value]
        else:
            out[name] = _answered(value, lists)
    return out


def _answered(value: Any, lists: Mapping[str, str]) -> Any:
    return _answer(value, lists) if isinstance(value, Mapping) else value
