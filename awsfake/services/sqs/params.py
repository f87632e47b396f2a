"""SQS's request parameters as its handlers read them, its names, URLs, receipt handles and tokens, and its
faults (plain functions over plain values; the handlers in `service` hold the lock)."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Mapping
from typing import Any

from awsfake.errors import Fault
from awsfake.services.fifo import FifoErrors, message_ids
from awsfake.services.sqs.codes import BATCH_CODES
from awsfake.services.sqs.queue import Message, Queue

__all__ = [
    "arn_key",
    "batch_entries",
    "batch_failure",
    "check_name",
    "check_strings",
    "decode_token",
    "expire_dedup",
    "expire_messages",
    "fifo_ids",
    "int_param",
    "make_handle",
    "no_queue",
    "optional",
    "parse_handle",
    "queue_url",
    "required",
    "string_list",
    "string_map",
    "url",
]

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_FIFO_NAME = re.compile(r"^[A-Za-z0-9_-]{1,75}\.fifo$")
DEDUP_WINDOW = 300.0


# --- faults ------------------------------------------------------------------------------------------------


def no_queue() -> Fault:
    return Fault("QueueDoesNotExist", "The specified queue does not exist.")


def batch_failure(entry_id: str, fault: Fault) -> dict[str, Any]:
    code = BATCH_CODES.get(fault.code, fault.code)
    return {"Id": entry_id, "SenderFault": fault.sender, "Code": code, "Message": fault.message}


# --- parameters --------------------------------------------------------------------------------------------


def required(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value:
        raise Fault("MissingParameter", f"The request must contain the parameter {name}.")
    return value


def optional(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is not None and not isinstance(value, str):
        raise Fault("InvalidParameterValue", f"The parameter {name} is invalid.")
    return value


def int_param(params: Mapping[str, Any], name: str, default: int, low: int, high: int, *, reason: str = "") -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
        valid = low <= value <= high and not isinstance(raw, bool)
    except (TypeError, ValueError, OverflowError):
        value, valid = 0, False
    if not valid:
        why = reason or f"Must be between {low} and {high}, if provided."
        raise Fault("InvalidParameterValue", f"Value {raw} for parameter {name} is invalid. Reason: {why}")
    return value


def string_map(value: Any, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise Fault("InvalidParameterValue", f"The parameter {name} is invalid.")
    return {str(k): v for k, v in value.items()}


def string_list(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Fault("InvalidParameterValue", f"The parameter {name} is invalid.")
    return value


def batch_entries(params: Mapping[str, Any]) -> list[dict[str, Any]]:
    entries = params.get("Entries")
    if not isinstance(entries, list) or not entries:
        raise Fault("EmptyBatchRequest", "There should be at least one SendMessageBatchRequestEntry in the request.")
    if len(entries) > 10:
        raise Fault(
            "TooManyEntriesInBatchRequest",
            f"Maximum number of entries per request are 10. You have sent {len(entries)}.",
        )
    ids = [e.get("Id") if isinstance(e, dict) else None for e in entries]
    if any(not isinstance(i, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,80}", i) for i in ids):
        raise Fault(
            "InvalidBatchEntryId",
            "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most "
            "80 letters long.",
        )
    if len(set(ids)) != len(ids):
        raise Fault("BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id.")
    for entry in entries:
        check_strings(entry)
    return entries


# Parameters (top level and in batch entries) that the SQS API models as strings.
_STRING_PARAMS = frozenset(
    {
        *("QueueUrl", "QueueName", "QueueNamePrefix", "QueueOwnerAWSAccountId", "NextToken", "MessageBody"),
        *("ReceiptHandle", "MessageGroupId", "MessageDeduplicationId", "ReceiveRequestAttemptId", "Id"),
    }
)


def check_strings(params: Mapping[str, Any]) -> None:
    """Refuse a non-string where SQS expects a string, before any handler trusts its type."""
    for name, value in params.items():
        if value is not None and not isinstance(value, str) and name in _STRING_PARAMS:
            raise Fault(
                "InvalidParameterValue", f"Value {value!r:.100} for parameter {name} is invalid. Reason: not a string."
            )


def check_name(name: str, fifo: bool) -> None:
    if fifo and not _FIFO_NAME.match(name):
        raise Fault(
            "InvalidParameterValue",
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end "
            "with .fifo suffix and be 1 to 80 in length.",
        )
    if not fifo and not _NAME.match(name):
        raise Fault(
            "InvalidParameterValue",
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
        )


_FIFO_ERRORS = FifoErrors(
    dedup_not_allowed=lambda dedup: Fault(
        "InvalidParameterValue",
        f"Value {dedup} for parameter MessageDeduplicationId is invalid. Reason: The request includes a "
        "parameter that is not valid for this queue type.",
    ),
    group_required=lambda: Fault("MissingParameter", "The request must contain the parameter MessageGroupId."),
    dedup_required=lambda: Fault(
        "InvalidParameterValue",
        "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
    ),
)


def fifo_ids(queue: Queue, params: Mapping[str, Any], body: str) -> tuple[str | None, str | None]:
    group, dedup = optional(params, "MessageGroupId"), optional(params, "MessageDeduplicationId")
    content_based = queue.attributes.get("ContentBasedDeduplication") == "true"
    return message_ids(queue.fifo, content_based, group, dedup, body, _FIFO_ERRORS)


def arn_key(arn: str) -> tuple[str, str, str]:
    parts = arn.split(":")
    return (parts[3], parts[4], parts[5]) if len(parts) == 6 else ("", "", "")


# --- urls, handles, tokens ---------------------------------------------------------------------------------


def url(host: str, account: str, name: str) -> str:
    return f"http://{host}/{account}/{name}"


def queue_url(params: Mapping[str, Any]) -> tuple[str, str, str]:
    """The QueueUrl parameter (required) and the (account, name) it names, whatever its host; a URL that names no
    queue is QueueDoesNotExist. A client names the same few queues again and again: the first 1,024 URLs read (of
    up to 1 KiB) are remembered."""
    url = params.get("QueueUrl")
    named = _NAMED.get(url) if type(url) is str else None
    if named is None:
        url = required(params, "QueueUrl")
        named = (url, *_parse_url(url))
        if len(_NAMED) < 1024 and len(url) <= 1024:
            _NAMED[url] = named
    return named


_NAMED: dict[str, tuple[str, str, str]] = {}


def _parse_url(url: str) -> tuple[str, str]:
    path = url.split("://", 1)[-1].partition("/")[2].split("?", 1)[0]
    parts = path.split("/")
    if len(parts) != 2 or not parts[0] or not parts[1]:  # empty segments do not count: `/123//q/` names a queue
        parts = [p for p in parts if p]
    if len(parts) != 2:
        raise no_queue()
    return parts[0], parts[1]


def make_handle(queue: Queue, message: Message) -> str:
    raw = f"{queue.arn} {message.message_id} {uuid.uuid4().hex}".encode()
    return base64.b64encode(raw).decode()


def parse_handle(handle: str, queue: Queue) -> str:
    """The message id inside a receipt handle we issued for this queue; anything else is ReceiptHandleIsInvalid."""
    try:
        arn, message_id, _ = base64.b64decode(handle, validate=True).decode().split(" ")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        arn, message_id = "", ""
    if arn != queue.arn or not message_id:
        raise Fault("ReceiptHandleIsInvalid", f'The input receipt handle "{handle}" is not a valid receipt handle.')
    return message_id


def decode_token(token: Any) -> str:
    if token is None:
        return ""
    try:
        return base64.b64decode(str(token), validate=True).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise Fault("InvalidParameterValue", "Invalid NextToken value.") from None


# --- results -----------------------------------------------------------------------------------------------


def expire_messages(queue: Queue, now: float) -> None:
    retention = int(queue.attributes["MessageRetentionPeriod"])
    queue.messages[:] = [m for m in queue.messages if m.sent_at + retention > now]


def expire_dedup(queue: Queue, now: float) -> None:
    for key in [k for k, (at, _) in queue.dedup.items() if at + DEDUP_WINDOW <= now]:
        del queue.dedup[key]
