"""What SNS hands a subscribed SQS queue: the notification envelope (or the raw message) and filter policies.

The envelope carries SNS's fields (`Type`, `MessageId`, `TopicArn`, `Subject`, `Message`, `Timestamp`,
`SignatureVersion`, `Signature`, `SigningCertURL`, `UnsubscribeURL`, `MessageAttributes`); the signature is a
placeholder, since no certificate exists to check it against. Filter policies support exact strings and numbers,
`prefix`, `suffix`, `equals-ignore-case`, `anything-but`, `exists` and `numeric` ranges, on message attributes
(the default scope) or on the top level of a JSON message body (`FilterPolicyScope: MessageBody`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timezone
from typing import Any, Protocol

from awsfake.errors import Fault

__all__ = ["QueueSink", "check_filter_policy", "envelope", "matches", "sqs_attributes"]


class QueueSink(Protocol):
    """Where SNS delivers `sqs` subscriptions: the SQS service (`SQS.deliver`)."""

    def deliver(
        self,
        queue_arn: str,
        body: str,
        attributes: dict[str, dict[str, str]],
        *,
        group_id: str | None = None,
        deduplication_id: str | None = None,
    ) -> bool: ...


def envelope(
    *,
    message_id: str,
    topic_arn: str,
    subscription_arn: str,
    message: str,
    subject: str | None,
    attributes: dict[str, dict[str, str]],
    timestamp: float,
) -> str:
    """The JSON notification an SQS subscriber receives when raw delivery is off."""
    region = topic_arn.split(":")[3]
    stamp = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    document: dict[str, Any] = {"Type": "Notification", "MessageId": message_id, "TopicArn": topic_arn}
    if subject is not None:
        document["Subject"] = subject
    document.update(
        {
            "Message": message,
            "Timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z",
            "SignatureVersion": "1",
            "Signature": base64.b64encode(hashlib.sha256(f"{message_id}{message}".encode()).digest()).decode(),
            "SigningCertURL": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-awsfake.pem",
            "UnsubscribeURL": (
                f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription_arn}"
            ),
        }
    )
    if attributes:
        document["MessageAttributes"] = {
            name: {"Type": a["DataType"], "Value": a.get("StringValue", a.get("BinaryValue", ""))}
            for name, a in attributes.items()
        }
    return json.dumps(document)


def sqs_attributes(attributes: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """SNS message attributes as SQS message attributes (raw delivery); SQS has no String.Array type."""
    out = {}
    for name, attribute in attributes.items():
        data_type = attribute["DataType"]
        out[name] = {**attribute, "DataType": "String" if data_type == "String.Array" else data_type}
    return out


def check_filter_policy(text: str) -> dict[str, Any]:
    """A FilterPolicy attribute as a dict; anything else is InvalidParameter."""
    try:
        policy = json.loads(text)
    except ValueError:
        raise Fault("InvalidParameter", "Invalid parameter: FilterPolicy: failed to parse JSON.") from None
    if not isinstance(policy, dict) or not _valid_rules(policy):
        raise Fault("InvalidParameter", "Invalid parameter: FilterPolicy: Filter policy is not valid.")
    return policy


_OPERATORS = frozenset({"prefix", "suffix", "equals-ignore-case", "anything-but", "exists", "numeric"})


def _valid_rules(policy: dict[str, Any]) -> bool:
    """Keys map to a list of conditions, or (MessageBody scope) to nested keys; operators are single-key objects."""
    for rule in policy.values():
        if isinstance(rule, dict):
            if not rule or not _valid_rules(rule):
                return False
        elif not isinstance(rule, list) or not rule or not all(_valid_condition(c) for c in rule):
            return False
    return True


def _valid_condition(condition: Any) -> bool:
    if isinstance(condition, dict):
        return len(condition) == 1 and next(iter(condition)) in _OPERATORS
    return condition is None or isinstance(condition, (str, int, float, bool))


def matches(policy: dict[str, Any], values: dict[str, Any]) -> bool:
    """Whether `values` (attribute name -> value, or the message body's top level) pass a filter policy."""
    for key, rule in policy.items():
        if isinstance(rule, dict):  # nested keys (MessageBody scope)
            inner = values.get(key)
            if not isinstance(inner, dict) or not matches(rule, inner):
                return False
        elif not any(_condition(condition, key in values, values.get(key)) for condition in rule):
            return False
    return True


def attribute_values(attributes: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Message attributes as the values filter policies compare: numbers as numbers, String.Array as lists."""
    out: dict[str, Any] = {}
    for name, attribute in attributes.items():
        value: Any = attribute.get("StringValue")
        if attribute["DataType"].startswith("Number"):
            value = _number(value)
        elif attribute["DataType"] == "String.Array":
            try:
                value = json.loads(value or "")
            except ValueError:
                value = None
        out[name] = value
    return out


def _condition(condition: Any, present: bool, value: Any) -> bool:
    if isinstance(condition, dict):
        return present and _operator(condition, value) if "exists" not in condition else condition["exists"] == present
    if not present:
        return False
    candidates = value if isinstance(value, list) else [value]
    return any(_equal(condition, candidate) for candidate in candidates)


def _operator(condition: dict[str, Any], value: Any) -> bool:
    candidates = value if isinstance(value, list) else [value]
    return any(_one_operator(condition, candidate) for candidate in candidates)


def _one_operator(condition: dict[str, Any], value: Any) -> bool:
    if len(condition) != 1:
        return False
    ((operator, argument),) = condition.items()
    text = value if isinstance(value, str) else None
    if operator == "prefix":
        return text is not None and text.startswith(str(argument))
    if operator == "suffix":
        return text is not None and text.endswith(str(argument))
    if operator == "equals-ignore-case":
        return text is not None and text.lower() == str(argument).lower()
    if operator == "anything-but":
        if isinstance(argument, dict):
            return not _one_operator(argument, value)
        excluded = argument if isinstance(argument, list) else [argument]
        return not any(_equal(e, value) for e in excluded)
    if operator == "numeric":
        return _numeric(argument, _number(value))
    return False


def _numeric(spec: list[Any], number: float | None) -> bool:
    if number is None or not isinstance(spec, list):
        return False
    checks = {
        "=": lambda a: number == a,
        "<": lambda a: number < a,
        "<=": lambda a: number <= a,
        ">": lambda a: number > a,
        ">=": lambda a: number >= a,
    }
    pairs = zip(spec[::2], spec[1::2], strict=False)
    return all(op in checks and _number(bound) is not None and checks[op](float(bound)) for op, bound in pairs)


def _equal(expected: Any, value: Any) -> bool:
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        return _number(value) == float(expected)
    return bool(expected == value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
