"""Amazon SNS: topics, their attributes, subscriptions, and publishing.

Every accepted Publish is appended to `SNS.published` (a list of `Published`, in order) so a test can assert on
what its code sent. Confirmed `sqs` subscriptions are delivered to the same endpoint's SQS queues (found through
`peers`, or `SNS.sqs` when set), honouring RawMessageDelivery and FilterPolicy; no other protocol is
delivered. Topics are per region and account, named by their ARN `arn:aws:sns:REGION:ACCOUNT:NAME`.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from awsfake.errors import Fault
from awsfake.services import Call, Map, Result, Service
from awsfake.services.fifo import FifoErrors, message_ids
from awsfake.services.sns.delivery import (
    QueueSink,
    attribute_values,
    check_filter_policy,
    envelope,
    matches,
    sqs_attributes,
)

__all__ = ["SNS", "Published", "Subscription", "Topic"]

PAGE_SIZE = 100
MAX_MESSAGE_BYTES = 256 * 1024
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_FIFO_NAME = re.compile(r"^[A-Za-z0-9_-]{1,251}\.fifo$")
_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):(?P<name>[A-Za-z0-9_.-]+)$")
_SETTABLE = frozenset(
    {
        *("DisplayName", "Policy", "DeliveryPolicy", "KmsMasterKeyId", "SignatureVersion", "TracingConfig"),
        *("ContentBasedDeduplication", "ArchivePolicy", "DataProtectionPolicy", "FifoThroughputScope"),
    }
)
_FEEDBACK = frozenset(
    f"{protocol}{suffix}"
    for protocol in ("HTTP", "Firehose", "Lambda", "SQS", "Application")
    for suffix in ("SuccessFeedbackRoleArn", "SuccessFeedbackSampleRate", "FailureFeedbackRoleArn")
)
_PROTOCOLS = ("http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose")
_CONFIRMED_AT_ONCE = ("sqs", "lambda", "application", "sms", "firehose")
_DELIVERY_POLICY = {
    "http": {
        "defaultHealthyRetryPolicy": {
            "minDelayTarget": 20,
            "maxDelayTarget": 20,
            "numRetries": 3,
            "numMaxDelayRetries": 0,
            "numNoDelayRetries": 0,
            "numMinDelayRetries": 0,
            "backoffFunction": "linear",
        },
        "disableSubscriptionOverrides": False,
        "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
    }
}


@dataclass
class Topic:
    arn: str
    owner: str
    attributes: dict[str, str]
    tags: dict[str, str] = field(default_factory=dict)
    sequence: int = 0
    dedup: dict[str, tuple[float, str]] = field(default_factory=dict)

    @property
    def fifo(self) -> bool:
        return self.attributes.get("FifoTopic") == "true"


@dataclass
class Subscription:
    arn: str
    topic_arn: str
    protocol: str
    endpoint: str
    owner: str
    confirmed: bool
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Published:
    """One accepted Publish, as the caller sent it."""

    message_id: str
    topic_arn: str
    message: str
    subject: str | None
    message_structure: str | None
    attributes: dict[str, dict[str, str]]
    group_id: str | None
    deduplication_id: str | None
    sequence_number: str | None
    timestamp: float


class SNS(Service):
    """SNS's topic operations. `topics` maps ARN to `Topic`; `published` lists every accepted Publish."""

    name = "sns"
    sqs: QueueSink | None = None
    topics: dict[str, Topic]
    subscriptions: dict[str, Subscription]
    published: list[Published]

    def reset(self) -> None:
        with self.lock:
            self.topics = {}
            self.subscriptions = {}
            self.published = []

    # --- topics --------------------------------------------------------------------------------------------

    def create_topic(self, call: Call) -> Result:
        name = _required(call.params, "Name")
        requested = string_map(call.params, "Attributes")
        fifo = requested.get("FifoTopic", "false").lower() == "true"
        _check_topic_name(name, fifo)
        for attribute in requested:
            if attribute not in _SETTABLE and attribute not in _FEEDBACK and attribute != "FifoTopic":
                raise _invalid("Attributes Reason: Unknown attribute " + attribute)
        arn = f"arn:aws:sns:{call.region}:{call.caller.account_id}:{name}"
        attributes = {k: v for k, v in requested.items() if k != "FifoTopic"}
        if fifo:
            attributes = {"FifoTopic": "true", "ContentBasedDeduplication": "false", **attributes}
        tags = structures(call.params, "Tags")
        with self.lock:
            existing = self.topics.get(arn)
            if existing is None:
                tag_map = {t.get("Key", ""): t.get("Value", "") for t in tags}
                self.topics[arn] = Topic(arn, call.caller.account_id, attributes, tag_map)
            elif any(existing.attributes.get(k) != v for k, v in attributes.items()):
                raise _invalid("Attributes Reason: Topic already exists with different attributes")
        return Result({"TopicArn": arn})

    def list_topics(self, call: Call) -> Result:
        prefix = f"arn:aws:sns:{call.region}:{call.caller.account_id}:"
        with self.lock:
            arns = sorted(a for a in self.topics if a.startswith(prefix))
        page, token = _page(arns, _text(call.params, "NextToken"))
        body: dict[str, Any] = {"Topics": [{"TopicArn": a} for a in page]}
        if token:
            body["NextToken"] = token
        return Result(body)

    def delete_topic(self, call: Call) -> Result:
        arn = _topic_arn(call.params, "TopicArn")
        with self.lock:
            if arn in self.topics:
                self._topic(arn, call)  # another account's topic is not ours to delete
            self.topics.pop(arn, None)
            for sub_arn in [s.arn for s in self.subscriptions.values() if s.topic_arn == arn]:
                del self.subscriptions[sub_arn]
        return Result({})

    def get_topic_attributes(self, call: Call) -> Result:
        arn = _topic_arn(call.params, "TopicArn")
        with self.lock:
            topic = self._topic(arn, call)
            subs = [s for s in self.subscriptions.values() if s.topic_arn == arn]
            attributes = {
                "Policy": topic.attributes.get("Policy") or _default_policy(topic),
                "Owner": topic.owner,
                "SubscriptionsPending": str(sum(1 for s in subs if not s.confirmed)),
                "TopicArn": topic.arn,
                "EffectiveDeliveryPolicy": json.dumps(_DELIVERY_POLICY, separators=(",", ":")),
                "SubscriptionsConfirmed": str(sum(1 for s in subs if s.confirmed)),
                "DisplayName": topic.attributes.get("DisplayName", ""),
                "SubscriptionsDeleted": "0",
                **{k: v for k, v in topic.attributes.items() if k not in ("Policy", "DisplayName")},
            }
        return Result({"Attributes": Map(attributes)})

    def set_topic_attributes(self, call: Call) -> Result:
        arn = _topic_arn(call.params, "TopicArn")
        name = _required(call.params, "AttributeName")
        value = _text(call.params, "AttributeValue") or ""
        if name not in _SETTABLE and name not in _FEEDBACK:
            raise _invalid("AttributeName")
        with self.lock:
            topic = self._topic(arn, call)
            if name in ("ContentBasedDeduplication", "FifoThroughputScope") and not topic.fifo:
                raise _invalid(f"AttributeName Reason: {name} is only valid for FIFO topics")
            topic.attributes[name] = value
        return Result({})

    # --- subscriptions -------------------------------------------------------------------------------------

    def subscribe(self, call: Call) -> Result:
        arn = _topic_arn(call.params, "TopicArn")
        protocol = _required(call.params, "Protocol").lower()
        endpoint = _text(call.params, "Endpoint") or ""
        _check_endpoint(protocol, endpoint)
        attributes = string_map(call.params, "Attributes")
        for name, value in attributes.items():
            _check_subscription_attribute(name, value)
        with self.lock:
            self._topic(arn, call)
            sub = next(
                (
                    s
                    for s in self.subscriptions.values()
                    if (s.topic_arn, s.protocol, s.endpoint) == (arn, protocol, endpoint)
                ),
                None,
            )
            if sub is None:
                sub = Subscription(
                    f"{arn}:{uuid.uuid4()}", arn, protocol, endpoint, call.caller.account_id,
                    protocol in _CONFIRMED_AT_ONCE, attributes,
                )  # fmt: skip
                self.subscriptions[sub.arn] = sub
        shown = (
            sub.arn
            if sub.confirmed or _text(call.params, "ReturnSubscriptionArn") == "true"
            else "pending confirmation"
        )
        return Result({"SubscriptionArn": shown})

    def get_subscription_attributes(self, call: Call) -> Result:
        with self.lock:
            sub = self._subscription(_required(call.params, "SubscriptionArn"))
            attributes = {
                "Owner": sub.owner,
                "RawMessageDelivery": "false",
                "TopicArn": sub.topic_arn,
                "Endpoint": sub.endpoint,
                "Protocol": sub.protocol,
                "PendingConfirmation": "false" if sub.confirmed else "true",
                "ConfirmationWasAuthenticated": "true" if sub.confirmed else "false",
                "SubscriptionArn": sub.arn,
                **sub.attributes,
            }
        return Result({"Attributes": Map(attributes)})

    def set_subscription_attributes(self, call: Call) -> Result:
        name = _required(call.params, "AttributeName")
        value = str(_text(call.params, "AttributeValue") or "")
        _check_subscription_attribute(name, value)
        with self.lock:
            self._subscription(_required(call.params, "SubscriptionArn")).attributes[name] = value
        return Result({})

    def unsubscribe(self, call: Call) -> Result:
        arn = _required(call.params, "SubscriptionArn")
        if not _TOPIC_ARN.match(arn.rsplit(":", 1)[0]):
            raise _invalid("SubscriptionArn")
        with self.lock:
            if self.subscriptions.pop(arn, None) is None:
                raise Fault("NotFound", "Subscription does not exist", 404)
        return Result({})

    def list_subscriptions(self, call: Call) -> Result:
        with self.lock:
            subs = sorted(
                (s for s in self.subscriptions.values() if s.owner == call.caller.account_id), key=lambda s: s.arn
            )
        return self._subscription_page(subs, _text(call.params, "NextToken"))

    def list_subscriptions_by_topic(self, call: Call) -> Result:
        arn = _topic_arn(call.params, "TopicArn")
        with self.lock:
            self._topic(arn, call)
            subs = sorted((s for s in self.subscriptions.values() if s.topic_arn == arn), key=lambda s: s.arn)
        return self._subscription_page(subs, _text(call.params, "NextToken"))

    # --- publishing ----------------------------------------------------------------------------------------

    def publish(self, call: Call) -> Result:
        params = call.params
        arn = _publish_target(params)
        message = _text(params, "Message")
        if message is None:
            raise Fault(
                "ValidationError",
                "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not "
                "be null",
            )
        _check_message(message, _text(params, "Subject"), _text(params, "MessageStructure"))
        attributes = message_attributes(params)
        with self.lock:
            topic = self._topic(arn, call)
            group, dedup = _fifo_ids(topic, params, message)
            duplicate = topic.dedup.get(dedup) if dedup else None
            if duplicate is not None and duplicate[0] + 300 > time.time():
                return Result({"MessageId": duplicate[1]})
            sequence = None
            if topic.fifo:
                topic.sequence += 1
                sequence = f"{topic.sequence:020d}"
            record = Published(
                str(uuid.uuid4()), arn, message, _text(params, "Subject"), _text(params, "MessageStructure"),
                attributes, group, dedup, sequence, time.time(),
            )  # fmt: skip
            if dedup:
                topic.dedup[dedup] = (record.timestamp, record.message_id)
            self.published.append(record)
            targets = [s for s in self.subscriptions.values() if s.topic_arn == arn and s.protocol == "sqs"]
        self._deliver(record, targets)
        body = {"MessageId": record.message_id}
        if sequence:
            body["SequenceNumber"] = sequence
        return Result(body)

    # --- internals -----------------------------------------------------------------------------------------

    def _deliver(self, record: Published, targets: list[Subscription]) -> None:
        """Hand the message to each matching SQS subscription (outside SNS's lock: SQS takes its own)."""
        sink = self.sqs or cast("QueueSink | None", self.peers("sqs"))
        if sink is None:
            return
        for sub in targets:
            message = _for_protocol(record, "sqs")
            if not _passes_filter(sub, record, message):
                continue
            if sub.attributes.get("RawMessageDelivery") == "true":
                body, attributes = message, sqs_attributes(record.attributes)
            else:
                body, attributes = (
                    envelope(
                        message_id=record.message_id, topic_arn=record.topic_arn, subscription_arn=sub.arn,
                        message=message, subject=record.subject, attributes=record.attributes,
                        timestamp=record.timestamp,
                    ),
                    {},
                )  # fmt: skip
            sink.deliver(
                sub.endpoint, body, attributes, group_id=record.group_id, deduplication_id=record.deduplication_id
            )

    def _subscription(self, arn: str) -> Subscription:
        sub = self.subscriptions.get(arn)
        if sub is None:
            raise Fault("NotFound", "Subscription does not exist", 404)
        return sub

    def _topic(self, arn: str, call: Call) -> Topic:
        """The topic, if the caller's account owns it: there are no topic policies to grant others access."""
        with self.lock:
            topic = self.topics.get(arn)
        if topic is None:
            raise Fault("NotFound", "Topic does not exist", 404)
        if topic.owner != call.caller.account_id:
            raise Fault(
                "AuthorizationError",
                f"User: {call.caller.arn} is not authorized to perform: SNS:{call.action} on resource: {arn}",
                403,
            )
        return topic

    def _subscription_page(self, subs: list[Subscription], token: Any) -> Result:
        page, next_token = _page(subs, token)
        entries = [
            {
                "SubscriptionArn": s.arn if s.confirmed else "PendingConfirmation",
                "Owner": s.owner,
                "Protocol": s.protocol,
                "Endpoint": s.endpoint,
                "TopicArn": s.topic_arn,
            }
            for s in page
        ]
        body: dict[str, Any] = {"Subscriptions": entries}
        if next_token:
            body["NextToken"] = next_token
        return Result(body)


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
        data_type = _text(fields, "DataType") or ""
        kind = data_type.split(".", 1)[0]
        field_name = "BinaryValue" if kind == "Binary" else "StringValue"
        if kind not in ("String", "Number", "Binary"):
            raise Fault(
                "ParameterValueInvalid",
                f"The message attribute '{name}' has an invalid message attribute type, the set of supported type "
                "prefixes is Binary, Number, and String.",
            )
        text = _text(fields, field_name)
        if not text:
            raise Fault(
                "ParameterValueInvalid",
                f"The message attribute '{name}' must contain non-empty message attribute value for message "
                f"attribute type '{kind}'.",
            )
        out[name] = {"DataType": data_type, field_name: text}
    return out


def _text(params: Mapping[str, Any], name: str) -> str | None:
    """A scalar parameter; a structure sent where text belongs counts as absent."""
    value = params.get(name)
    return value if isinstance(value, str) else None


def _required(params: Mapping[str, Any], name: str) -> str:
    value = _text(params, name)
    if value is None or value == "":
        raise _invalid(name)
    return str(value)


def _invalid(what: str) -> Fault:
    return Fault("InvalidParameter", f"Invalid parameter: {what}")


def _topic_arn(params: Mapping[str, Any], name: str) -> str:
    arn = _required(params, name)
    if not _TOPIC_ARN.match(arn):
        raise _invalid(name)
    return arn


def _publish_target(params: Mapping[str, Any]) -> str:
    targets = [n for n in ("TopicArn", "TargetArn", "PhoneNumber") if params.get(n)]
    if not targets:
        raise _invalid("TopicArn or TargetArn Reason: no value for required parameter")
    if len(targets) > 1:
        raise _invalid("TopicArn Reason: Only one of TopicArn, TargetArn or PhoneNumber may be specified")
    if targets[0] == "PhoneNumber":
        raise _invalid("PhoneNumber Reason: SMS is not emulated")
    return _topic_arn(params, targets[0])


def _check_topic_name(name: str, fifo: bool) -> None:
    if fifo and not _FIFO_NAME.match(name):
        raise _invalid(
            "Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, "
            "numbers, underscores, and hyphens, and must be between 1 and 256 characters long."
        )
    if not fifo and not _NAME.match(name):
        raise _invalid("Topic Name")


def _check_message(message: str, subject: Any, structure: Any) -> None:
    if message == "":
        raise _invalid("Empty message")
    if len(message.encode()) > MAX_MESSAGE_BYTES:
        raise _invalid("Message too long")
    if subject is not None and (
        subject == "" or len(subject) > 100 or any(ord(c) < 32 for c in subject) or not subject.isascii()
    ):
        raise _invalid("Subject")
    if structure is None:
        return
    if structure != "json":
        raise _invalid("MessageStructure")
    try:
        document = json.loads(message)
    except (ValueError, RecursionError):
        raise _invalid("Message Structure - JSON message body failed to parse") from None
    if not isinstance(document, dict) or not isinstance(document.get("default"), str):
        raise _invalid("Message Structure - No default entry in JSON message body")


_FIFO_ERRORS = FifoErrors(
    dedup_not_allowed=lambda _: _invalid(
        "MessageDeduplicationId Reason: The request includes a parameter that is not valid for this topic type"
    ),
    group_required=lambda: _invalid("The MessageGroupId parameter is required for FIFO topics"),
    dedup_required=lambda: _invalid(
        "The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"
    ),
)


def _fifo_ids(topic: Topic, params: Mapping[str, Any], message: str) -> tuple[str | None, str | None]:
    group, dedup = _text(params, "MessageGroupId"), _text(params, "MessageDeduplicationId")
    content_based = topic.attributes.get("ContentBasedDeduplication") == "true"
    return message_ids(topic.fifo, content_based, group, str(dedup) if dedup else None, message, _FIFO_ERRORS)


def _check_subscription_attribute(name: str, value: str) -> None:
    if name not in ("RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "DeliveryPolicy", "RedrivePolicy"):
        raise _invalid("AttributeName")
    if name == "RawMessageDelivery" and value not in ("true", "false"):
        raise _invalid("Attributes Reason: RawMessageDelivery: Invalid value [" + value + "]. Must be true or false.")
    if name == "FilterPolicy" and value:
        check_filter_policy(value)
    if name == "FilterPolicyScope" and value not in ("MessageAttributes", "MessageBody"):
        raise _invalid("Attributes Reason: FilterPolicyScope: Invalid value [" + value + "].")


def _for_protocol(record: Published, protocol: str) -> str:
    """With MessageStructure json, each protocol gets its own entry, or the default one."""
    if record.message_structure != "json":
        return record.message
    document = json.loads(record.message)
    return str(document.get(protocol, document["default"]))


def _passes_filter(sub: Subscription, record: Published, message: str) -> bool:
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


def _check_endpoint(protocol: str, endpoint: str) -> None:
    if protocol not in _PROTOCOLS:
        raise _invalid(f"Amazon SNS does not support this protocol string: {protocol}")
    if protocol in ("http", "https") and not endpoint.lower().startswith(protocol + "://"):
        raise _invalid("Endpoint must match the specified protocol")
    if protocol == "sqs" and not endpoint.startswith("arn:aws:sqs:"):
        raise _invalid("SQS endpoint ARN")
    if protocol in ("email", "email-json") and "@" not in endpoint:
        raise _invalid("Email address")


def _page(items: list[Any], token: Any) -> tuple[list[Any], str | None]:
    """One page of at most PAGE_SIZE items; the token is the offset of the next page."""
    try:
        start = int(token) if token else 0
    except ValueError:
        raise _invalid("NextToken") from None
    if start < 0 or start > len(items):
        raise _invalid("NextToken")
    page = items[start : start + PAGE_SIZE]
    return page, str(start + PAGE_SIZE) if start + PAGE_SIZE < len(items) else None


def _default_policy(topic: Topic) -> str:
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
