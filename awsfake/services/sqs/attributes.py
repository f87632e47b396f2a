"""Queue attributes as SQS checks and reports them: defaults, ranges, FIFO-only names, redrive policies."""

from __future__ import annotations

import json
from collections.abc import Mapping

from awsfake.errors import Fault
from awsfake.services.sqs.queue import Queue

__all__ = [
    "SMALLEST_MESSAGE_LIMIT",
    "all_attributes",
    "check_same_attributes",
    "known_attribute",
    "redrive_policy",
    "validated_attributes",
]


# Settable attributes: name -> (default, minimum, maximum) for the numeric ones, default only for the others.
_NUMERIC = {
    "DelaySeconds": ("0", 0, 900),
    "MaximumMessageSize": ("262144", 1024, 262144),
    "MessageRetentionPeriod": ("345600", 60, 1209600),
    "ReceiveMessageWaitTimeSeconds": ("0", 0, 20),
    "VisibilityTimeout": ("30", 0, 43200),
    "KmsDataKeyReusePeriodSeconds": ("300", 60, 86400),
}

# The least MaximumMessageSize a queue can have: a body of a quarter as many characters fits any queue (a character
# is at most 4 bytes of UTF-8), so its size need not be worked out.
SMALLEST_MESSAGE_LIMIT = _NUMERIC["MaximumMessageSize"][1]

_OTHER = {
    "Policy": None,
    "RedrivePolicy": None,
    "RedriveAllowPolicy": None,
    "KmsMasterKeyId": None,
    "SqsManagedSseEnabled": "true",
    "FifoQueue": None,
    "ContentBasedDeduplication": None,
    "DeduplicationScope": None,
    "FifoThroughputLimit": None,
}

_READ_ONLY = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
)

_FIFO_ONLY = ("FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit")


def validated_attributes(requested: Mapping[str, str], *, fifo: bool, creating: bool) -> dict[str, str]:
    """The queue's attributes: defaults (when creating) overlaid with the requested ones, each checked."""
    out: dict[str, str] = {}
    if creating:
        out = {n: d for n, (d, _, _) in _NUMERIC.items()}
        out.update({n: d for n, d in _OTHER.items() if d is not None})
        if fifo:
            out.update(
                {
                    "FifoQueue": "true",
                    "ContentBasedDeduplication": "false",
                    "DeduplicationScope": "queue",
                    "FifoThroughputLimit": "perQueue",
                }
            )
    for name, value in requested.items():
        if name not in _NUMERIC and name not in _OTHER:
            raise Fault("InvalidAttributeName", f"Unknown Attribute {name}.")
        if name in _NUMERIC:
            _, low, high = _NUMERIC[name]
            digits = value.strip().removeprefix("-")
            # ASCII digits only, and few enough for int() (it refuses more than 4300); every bound has < 20.
            if not (digits.isascii() and digits.isdigit() and len(digits) < 20) or not low <= int(value) <= high:
                raise Fault("InvalidAttributeValue", f"Invalid value for the parameter {name}.")
            value = str(int(value))
        if name in _FIFO_ONLY and not fifo and not (name == "FifoQueue" and value.lower() == "false" and creating):
            raise Fault("InvalidAttributeName", f"Unknown Attribute {name}.")
        if name == "FifoQueue" and not creating:
            raise Fault("InvalidAttributeValue", "Invalid value for the parameter FifoQueue.")
        if name in ("ContentBasedDeduplication", "SqsManagedSseEnabled", "FifoQueue"):
            value = value.lower()
            if value not in ("true", "false"):
                raise Fault("InvalidAttributeValue", f"Invalid value for the parameter {name}.")
        if name == "FifoQueue" and value == "false":
            continue
        if name == "RedrivePolicy" and value:
            redrive_policy(value)
        out[name] = value
    return out


def check_same_attributes(queue: Queue, requested: Mapping[str, str]) -> None:
    for name, value in requested.items():
        current = queue.attributes.get(name)
        if name == "FifoQueue" and value.lower() == "false" and current is None:
            continue
        if current is None or current.lower() != str(value).strip().lower():
            raise Fault(
                "QueueNameExists",
                f"A queue already exists with the same name and a different value for attribute {name}",
            )


def redrive_policy(value: str | None) -> tuple[str, int] | None:
    """(dead-letter queue ARN, maxReceiveCount) of a RedrivePolicy attribute; a malformed one is refused."""
    if not value:
        return None
    try:
        policy = json.loads(value)
        target, count = policy["deadLetterTargetArn"], int(policy["maxReceiveCount"])
        valid = isinstance(target, str) and target.startswith("arn:aws:sqs:") and 1 <= count <= 1000
    except (ValueError, TypeError, KeyError, RecursionError):
        valid = False
    if not valid:
        raise Fault(
            "InvalidParameterValue",
            f"Value {value} for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map "
            "with deadLetterTargetArn and a maxReceiveCount between 1 and 1000.",
        )
    return str(target), count


def all_attributes(queue: Queue, now: float) -> dict[str, str]:
    visible = sum(1 for m in queue.messages if m.visible_at <= now)
    in_flight = sum(1 for m in queue.messages if m.visible_at > now and m.receive_count)
    delayed = sum(1 for m in queue.messages if m.visible_at > now and not m.receive_count)
    values = {
        **queue.attributes,
        "ApproximateNumberOfMessages": str(visible),
        "ApproximateNumberOfMessagesNotVisible": str(in_flight),
        "ApproximateNumberOfMessagesDelayed": str(delayed),
        "CreatedTimestamp": str(int(queue.created_at)),
        "LastModifiedTimestamp": str(int(queue.modified_at)),
        "QueueArn": queue.arn,
    }
    return {n: values[n] for n in [*_READ_ONLY, *sorted(queue.attributes)] if n in values}


def known_attribute(name: str) -> bool:
    """A queue attribute SQS knows, settable or read-only (others are InvalidAttributeName)."""
    return name in _NUMERIC or name in _OTHER or name in _READ_ONLY
