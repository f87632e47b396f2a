"""A message as SQS checks and reports it: body characters and size, attributes, their MD5s, what a receive shows."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Iterable, Mapping
from typing import Any

from awsfake.errors import Fault
from awsfake.services import Map
from awsfake.services.sqs.attributes import SMALLEST_MESSAGE_LIMIT
from awsfake.services.sqs.queue import Message, Queue

__all__ = ["Message", "attributes_md5", "check_body", "message_attributes", "received", "sent", "wanted"]


_VALID_BODY = re.compile("^[\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*$")

_FITS_ANY_QUEUE = SMALLEST_MESSAGE_LIMIT // 4  # characters: a body of at most this many fits the smallest limit

_SYSTEM_ATTRIBUTES = (
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "MessageDeduplicationId",
    "MessageGroupId",
    "SequenceNumber",
)


def check_body(body: str, queue: Queue) -> None:
    if not (body.isascii() and body.isprintable()) and not _VALID_BODY.match(body):  # printable ASCII is valid
        raise Fault(
            "InvalidMessageContents",
            "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to "
            "#xFFFD | #x10000 to #x10FFFF",
        )
    if len(body) <= _FITS_ANY_QUEUE:
        return
    limit = int(queue.attributes["MaximumMessageSize"])
    if len(body.encode()) > limit:
        raise Fault(
            "InvalidParameterValue",
            f"One or more parameters are invalid. Reason: Message must be shorter than {limit} bytes.",
        )


def message_attributes(value: Any) -> dict[str, dict[str, str]]:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > 10:
        raise Fault("InvalidParameterValue", "Number of message attributes cannot exceed 10.")
    out = {}
    for name, attribute in value.items():
        if not isinstance(attribute, dict) or not isinstance(attribute.get("DataType"), str):
            raise Fault("InvalidParameterValue", f"The message attribute '{name}' must contain a non-empty data type.")
        data_type = attribute["DataType"]
        kind = data_type.split(".", 1)[0]
        field_name = "BinaryValue" if kind == "Binary" else "StringValue"
        if kind not in ("String", "Number", "Binary") or not isinstance(attribute.get(field_name), str):
            raise Fault(
                "InvalidParameterValue",
                f"The message attribute '{name}' must contain a non-empty message attribute value for message "
                f"attribute type '{kind}'.",
            )
        if kind == "Binary":
            try:
                base64.b64decode(attribute[field_name], validate=True)
            except (binascii.Error, ValueError):
                raise Fault(
                    "InvalidParameterValue", f"The message attribute '{name}' has an invalid binary value."
                ) from None
        out[name] = {"DataType": data_type, field_name: attribute[field_name]}
    return out


def sent(message: Message) -> dict[str, Any]:
    body_md5 = hashlib.md5(message.body.encode()).hexdigest()
    if not message.attributes and not message.sequence_number:  # a standard queue's message without attributes
        return {"MD5OfMessageBody": body_md5, "MessageId": message.message_id}
    out: dict[str, Any] = {"MD5OfMessageBody": body_md5}
    if message.attributes:
        out["MD5OfMessageAttributes"] = attributes_md5(message.attributes)
    out["MessageId"] = message.message_id
    if message.sequence_number:
        out["SequenceNumber"] = message.sequence_number
    return out


def wanted(*lists: Any) -> set[str]:
    names = {n for values in lists if isinstance(values, list) for n in values if isinstance(n, str)}
    return set(_SYSTEM_ATTRIBUTES) if "All" in names else names & set(_SYSTEM_ATTRIBUTES)


def received(message: Message, system: set[str], custom: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "MessageId": message.message_id,
        "ReceiptHandle": message.receipt_handle,
        "MD5OfBody": _md5(message.body.encode()),
        "Body": message.body,
    }
    values = {
        "SenderId": message.sender_id,
        "SentTimestamp": str(int(message.sent_at * 1000)),
        "ApproximateReceiveCount": str(message.receive_count),
        "ApproximateFirstReceiveTimestamp": str(int((message.first_received_at or 0) * 1000)),
        "MessageGroupId": message.group_id,
        "MessageDeduplicationId": message.dedup_id,
        "SequenceNumber": message.sequence_number,
    }
    chosen = {n: v for n, v in values.items() if n in system and v is not None}
    if chosen:
        out["Attributes"] = Map(chosen)
    selected = {n: a for n, a in message.attributes.items() if _selected(n, custom)}
    if selected:
        out["MD5OfMessageAttributes"] = attributes_md5(selected)
        out["MessageAttributes"] = Map(selected)
    return out


def _selected(name: str, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        if pattern in ("All", ".*") or pattern == name:
            return True
        if pattern.endswith(".*") and name.startswith(pattern[:-1]):
            return True
    return False


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def attributes_md5(attributes: Mapping[str, Mapping[str, str]]) -> str:
    """MD5OfMessageAttributes as SQS computes it: names sorted, each field length-prefixed, a transport type byte."""
    digest = hashlib.md5()
    for name in sorted(attributes):
        attribute = attributes[name]
        _length_prefixed(digest, name.encode())
        _length_prefixed(digest, attribute["DataType"].encode())
        if "BinaryValue" in attribute:
            digest.update(b"\x02")
            _length_prefixed(digest, base64.b64decode(attribute["BinaryValue"]))
        else:
            digest.update(b"\x01")
            _length_prefixed(digest, attribute["StringValue"].encode())
    return digest.hexdigest()


def _length_prefixed(digest: Any, data: bytes) -> None:
    digest.update(struct.pack(">I", len(data)))
    digest.update(data)
