"""SNS's request parameters (nested values, as the query family decodes them), its checks on names, messages,
endpoints and attributes, and its paging (plain functions; the handlers in `service` hold the lock)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from awsfake.errors import Fault
from awsfake.services.fifo import FifoErrors, message_ids
from awsfake.services.sns.delivery import (
    attribute_values,
    check_filter_policy,
    matches,
)
from awsfake.services.sns.model import Published, Subscription, Topic

TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):(?P<name>[A-Za-z0-9_.-]+)$")

__all__ = [
    "TOPIC_ARN",
    "PublishFields",
    "check_endpoint",
    "check_message",
    "check_subscription_attribute",
    "check_topic_name",
    "default_policy",
    "fifo_ids",
    "fifo_rules",
    "for_protocol",
    "invalid",
    "message_attributes",
    "named_target",
    "page_of",
    "passes_filter",
    "publish_fields",
    "publish_target",
    "read_publish_fields",
    "required",
    "string_map",
    "structures",
    "text_param",
    "topic_arn",
]

PAGE_SIZE = 100
MAX_MESSAGE_BYTES = 256 * 1024
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_FIFO_NAME = re.compile(r"^[A-Za-z0-9_-]{1,251}\.fifo$")
_PROTOCOLS = ("http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose")


# --- parameters (nested values, as the query family decodes them) -----------------------------------------


def string_map(params: Mapping[str, Any], name: str) -> dict[str, str]:
    """A map parameter (`Attributes`) as str -> str; what is not a map of strings counts as absent."""
    value = params.get(name)
    if not isinstance(value, dict):
        return {}
    return {str(k): (v if isinstance(v, str) else "") for k, v in value.items()}


def structures(params: Mapping[str, Any], name: str) -> list[dict[str, str]]:
    """A list of structures (`Tags`) with their string fields."""
    value = params.get(name)
    if not isinstance(value, list):
        return []
    return [{k: v for k, v in item.items() if isinstance(v, str)} for item in value if isinstance(item, dict)]


def message_attributes(params: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Publish's MessageAttributes (name -> DataType and StringValue or BinaryValue), each checked."""
    value = params.get("MessageAttributes")
    out: dict[str, dict[str, str]] = {}
    for name, attribute in value.items() if isinstance(value, dict) else ():
        fields = attribute if isinstance(attribute, dict) else {}
        data_type = text_param(fields, "DataType") or ""
        kind = data_type.split(".", 1)[0]
        field_name = "BinaryValue" if kind == "Binary" else "StringValue"
        if kind not in ("String", "Number", "Binary"):
            raise Fault(
                "ParameterValueInvalid",
                f"The message attribute '{name}' has an invalid message attribute type, the set of supported type "
                "prefixes is Binary, Number, and String.",
            )
        text = text_param(fields, field_name)
        if not text:
            raise Fault(
                "ParameterValueInvalid",
                f"The message attribute '{name}' must contain non-empty message attribute value for message "
                f"attribute type '{kind}'.",
            )
        out[name] = {"DataType": data_type, field_name: text}
    return out


def text_param(params: Mapping[str, Any], name: str) -> str | None:
    """A scalar parameter; a structure sent where text belongs counts as absent."""
    value = params.get(name)
    return value if isinstance(value, str) else None


def required(params: Mapping[str, Any], name: str) -> str:
    value = text_param(params, name)
    if value is None or value == "":
        raise invalid(name)
    return str(value)


def invalid(what: str) -> Fault:
    return Fault("InvalidParameter", f"Invalid parameter: {what}")


def topic_arn(params: Mapping[str, Any], name: str) -> str:
    """A topic ARN parameter, checked. A client names the same few topics again and again: the first 1,024 ARNs
    found well-formed are remembered, if short (a topic's name is at most 256 characters; the pattern limits no
    length, so a stranger's longer one is checked each time, not kept)."""
    arn = required(params, name)
    if arn not in _WELL_FORMED:
        if not TOPIC_ARN.match(arn):
            raise invalid(name)
        if len(_WELL_FORMED) < 1024 and len(arn) <= _WELL_FORMED_MAX_LEN:
            _WELL_FORMED.add(arn)
    return arn


_WELL_FORMED: set[str] = set()
_WELL_FORMED_MAX_LEN = 512  # the longest partition, region and account with a 256-character name fit


def publish_target(params: Mapping[str, Any]) -> str:
    """The ARN Publish sends to. The usual request names a TopicArn alone, which `named_target` would take (and
    one it has taken before is well-formed: it is not checked again)."""
    arn = params.get("TopicArn")
    if arn and not params.get("TargetArn") and not params.get("PhoneNumber"):
        return arn if isinstance(arn, str) and arn in _WELL_FORMED else topic_arn(params, "TopicArn")
    return named_target(params)


# A Publish's (topic ARN, message, subject, message structure, message attributes).
PublishFields = tuple[str, str, str | None, str | None, dict[str, dict[str, str]]]


def publish_fields(params: Mapping[str, Any]) -> PublishFields:
    """The fields of a Publish (`PublishFields`), checked. The usual one sends a remembered TopicArn and a message
    of at most a quarter of the byte limit (it fits: a character is at most 4 bytes), and nothing else: taken as
    it is, where `read_publish_fields` would spend ~8,000 instructions finding no subject, structure or
    attributes in it."""
    arn, message = params.get("TopicArn"), params.get("Message")
    if (
        _PLAIN_PUBLISH.issuperset(params)
        and type(arn) is str
        and arn in _WELL_FORMED
        and type(message) is str
        and 0 < len(message) <= MAX_MESSAGE_BYTES // 4
    ):
        return arn, message, None, None, {}
    return read_publish_fields(params)


# The fields of a Publish that sends a message to a topic and nothing else (Action and Version come with every
# request of the query family).
_PLAIN_PUBLISH = frozenset({"Action", "Version", "TopicArn", "Message"})


def read_publish_fields(params: Mapping[str, Any]) -> PublishFields:
    """`publish_fields`, each parameter read and checked."""
    arn = publish_target(params)
    message = text_param(params, "Message")
    if message is None:
        raise Fault(
            "ValidationError",
            "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be "
            "null",
        )
    subject, structure = text_param(params, "Subject"), text_param(params, "MessageStructure")
    check_message(message, subject, structure)
    attributes = message_attributes(params) if "MessageAttributes" in params else {}
    return arn, message, subject, structure, attributes


def named_target(params: Mapping[str, Any]) -> str:
    """The one target a Publish names (TopicArn, TargetArn or PhoneNumber, which is not emulated), checked."""
    targets = [n for n in ("TopicArn", "TargetArn", "PhoneNumber") if params.get(n)]
    if not targets:
        raise invalid("TopicArn or TargetArn Reason: no value for required parameter")
    if len(targets) > 1:
        raise invalid("TopicArn Reason: Only one of TopicArn, TargetArn or PhoneNumber may be specified")
    if targets[0] == "PhoneNumber":
        raise invalid("PhoneNumber Reason: SMS is not emulated")
    return topic_arn(params, targets[0])


def check_topic_name(name: str, fifo: bool) -> None:
    if fifo and not _FIFO_NAME.match(name):
        raise invalid(
            "Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, "
            "numbers, underscores, and hyphens, and must be between 1 and 256 characters long."
        )
    if not fifo and not _NAME.match(name):
        raise invalid("Topic Name")


def check_message(message: str, subject: Any, structure: Any) -> None:
    if message == "":
        raise invalid("Empty message")
    if len(message.encode()) > MAX_MESSAGE_BYTES:
        raise invalid("Message too long")
    if subject is not None and (
        subject == "" or len(subject) > 100 or any(ord(c) < 32 for c in subject) or not subject.isascii()
    ):
        raise invalid("Subject")
    if structure is None:
        return
    if structure != "json":
        raise invalid("MessageStructure")
    try:
        document = json.loads(message)
    except (ValueError, RecursionError):
        raise invalid("Message Structure - JSON message body failed to parse") from None
    if not isinstance(document, dict) or not isinstance(document.get("default"), str):
        raise invalid("Message Structure - No default entry in JSON message body")


_FIFO_ERRORS = FifoErrors(
    dedup_not_allowed=lambda _: invalid(
        "MessageDeduplicationId Reason: The request includes a parameter that is not valid for this topic type"
    ),
    group_required=lambda: invalid("The MessageGroupId parameter is required for FIFO topics"),
    dedup_required=lambda: invalid(
        "The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"
    ),
)


def fifo_ids(topic: Topic, params: Mapping[str, Any], message: str) -> tuple[str | None, str | None]:
    """(group id, deduplication id) of a message published to `topic`. A standard topic's message that names
    neither gets none from the FIFO rules (`fifo_rules`), which are not asked."""
    if "MessageGroupId" not in params and "MessageDeduplicationId" not in params and not topic.fifo:
        return None, None
    return fifo_rules(topic, params, message)


def fifo_rules(topic: Topic, params: Mapping[str, Any], message: str) -> tuple[str | None, str | None]:
    """The FIFO rules (`awsfake.services.fifo`) applied to a Publish's ids, in SNS's words."""
    group, dedup = text_param(params, "MessageGroupId"), text_param(params, "MessageDeduplicationId")
    content_based = topic.attributes.get("ContentBasedDeduplication") == "true"
    return message_ids(topic.fifo, content_based, group, str(dedup) if dedup else None, message, _FIFO_ERRORS)


def check_subscription_attribute(name: str, value: str) -> None:
    if name not in ("RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "DeliveryPolicy", "RedrivePolicy"):
        raise invalid("AttributeName")
    if name == "RawMessageDelivery" and value not in ("true", "false"):
        raise invalid("Attributes Reason: RawMessageDelivery: Invalid value [" + value + "]. Must be true or false.")
    if name == "FilterPolicy" and value:
        check_filter_policy(value)
    if name == "FilterPolicyScope" and value not in ("MessageAttributes", "MessageBody"):
        raise invalid("Attributes Reason: FilterPolicyScope: Invalid value [" + value + "].")


def for_protocol(record: Published, protocol: str) -> str:
    """With MessageStructure json, each protocol gets its own entry, or the default one."""
    if record.message_structure != "json":
        return record.message
    document = json.loads(record.message)
    return str(document.get(protocol, document["default"]))


def passes_filter(sub: Subscription, record: Published, message: str) -> bool:
    text = sub.attributes.get("FilterPolicy")
    if not text:
        return True
    policy = check_filter_policy(text)
    if sub.attributes.get("FilterPolicyScope") == "MessageBody":
        try:
            values = json.loads(message)
        except ValueError:
            return False
        return isinstance(values, dict) and matches(policy, values)
    return matches(policy, attribute_values(record.attributes))


def check_endpoint(protocol: str, endpoint: str) -> None:
    if protocol not in _PROTOCOLS:
        raise invalid(f"Amazon SNS does not support this protocol string: {protocol}")
    if protocol in ("http", "https") and not endpoint.lower().startswith(protocol + "://"):
        raise invalid("Endpoint must match the specified protocol")
    if protocol == "sqs" and not endpoint.startswith("arn:aws:sqs:"):
        raise invalid("SQS endpoint ARN")
    if protocol in ("email", "email-json") and "@" not in endpoint:
        raise invalid("Email address")


def page_of(items: list[Any], token: Any) -> tuple[list[Any], str | None]:
    """One page of at most PAGE_SIZE items; the token is the offset of the next page."""
    try:
        start = int(token) if token else 0
    except ValueError:
        raise invalid("NextToken") from None
    if start < 0 or start > len(items):
        raise invalid("NextToken")
    page = items[start : start + PAGE_SIZE]
    return page, str(start + PAGE_SIZE) if start + PAGE_SIZE < len(items) else None


def default_policy(topic: Topic) -> str:
    actions = [
        "SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
        "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish",
    ]  # fmt: skip
    policy = {
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [
            {
                "Sid": "__default_statement_ID",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": actions,
                "Resource": topic.arn,
                "Condition": {"StringEquals": {"AWS:SourceOwner": topic.owner}},
            }
        ],
    }
    return json.dumps(policy, separators=(",", ":"))
