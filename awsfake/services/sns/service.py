"""Amazon SNS: topics, their attributes, subscriptions, and publishing.

Every accepted Publish is appended to `SNS.published` (a list of `Published`, in order) so a test can assert on
what its code sent. Confirmed `sqs` subscriptions are delivered to the same endpoint's SQS queues (found through
`peers`, or `SNS.sqs` when set), honouring RawMessageDelivery and FilterPolicy; no other protocol is
delivered. Topics are per region and account, named by their ARN `arn:aws:sns:REGION:ACCOUNT:NAME`.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, cast

from awsfake.errors import Fault
from awsfake.services import Call, Map, Result, Service
from awsfake.services.sns.delivery import (
    QueueSink,
    envelope,
    sqs_attributes,
)
from awsfake.services.sns.model import Published, Subscription, Topic
from awsfake.services.sns.params import (
    TOPIC_ARN,
    check_endpoint,
    check_message,
    check_subscription_attribute,
    check_topic_name,
    default_policy,
    fifo_ids,
    for_protocol,
    invalid,
    message_attributes,
    page_of,
    passes_filter,
    publish_target,
    required,
    string_map,
    structures,
    text_param,
    topic_arn,
)
from awsfake.services.sns.saved import SavedTopics

__all__ = ["SNS", "Published", "Subscription", "Topic"]

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


class SNS(SavedTopics, Service):
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
        name = required(call.params, "Name")
        requested = string_map(call.params, "Attributes")
        fifo = requested.get("FifoTopic", "false").lower() == "true"
        check_topic_name(name, fifo)
        for attribute in requested:
            if attribute not in _SETTABLE and attribute not in _FEEDBACK and attribute != "FifoTopic":
                raise invalid("Attributes Reason: Unknown attribute " + attribute)
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
                self.saved.touch("topic", arn)
            elif any(existing.attributes.get(k) != v for k, v in attributes.items()):
                raise invalid("Attributes Reason: Topic already exists with different attributes")
        return Result({"TopicArn": arn})

    def list_topics(self, call: Call) -> Result:
        prefix = f"arn:aws:sns:{call.region}:{call.caller.account_id}:"
        with self.lock:
            arns = sorted(a for a in self.topics if a.startswith(prefix))
        page, token = page_of(arns, text_param(call.params, "NextToken"))
        body: dict[str, Any] = {"Topics": [{"TopicArn": a} for a in page]}
        if token:
            body["NextToken"] = token
        return Result(body)

    def delete_topic(self, call: Call) -> Result:
        arn = topic_arn(call.params, "TopicArn")
        with self.lock:
            if arn in self.topics:
                self._topic(arn, call)  # another account's topic is not ours to delete
            self.topics.pop(arn, None)
            self.saved.touch("topic", arn)
            for sub_arn in [s.arn for s in self.subscriptions.values() if s.topic_arn == arn]:
                del self.subscriptions[sub_arn]
                self.saved.touch("subscription", sub_arn)
        return Result({})

    def get_topic_attributes(self, call: Call) -> Result:
        arn = topic_arn(call.params, "TopicArn")
        with self.lock:
            topic = self._topic(arn, call)
            subs = [s for s in self.subscriptions.values() if s.topic_arn == arn]
            attributes = {
                "Policy": topic.attributes.get("Policy") or default_policy(topic),
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
        arn = topic_arn(call.params, "TopicArn")
        name = required(call.params, "AttributeName")
        value = text_param(call.params, "AttributeValue") or ""
        if name not in _SETTABLE and name not in _FEEDBACK:
            raise invalid("AttributeName")
        with self.lock:
            topic = self._topic(arn, call)
            if name in ("ContentBasedDeduplication", "FifoThroughputScope") and not topic.fifo:
                raise invalid(f"AttributeName Reason: {name} is only valid for FIFO topics")
            topic.attributes[name] = value
        return Result({})

    # --- subscriptions -------------------------------------------------------------------------------------

    def subscribe(self, call: Call) -> Result:
        arn = topic_arn(call.params, "TopicArn")
        protocol = required(call.params, "Protocol").lower()
        endpoint = text_param(call.params, "Endpoint") or ""
        check_endpoint(protocol, endpoint)
        attributes = string_map(call.params, "Attributes")
        for name, value in attributes.items():
            check_subscription_attribute(name, value)
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
                self.saved.touch("subscription", sub.arn)
        shown = (
            sub.arn
            if sub.confirmed or text_param(call.params, "ReturnSubscriptionArn") == "true"
            else "pending confirmation"
        )
        return Result({"SubscriptionArn": shown})

    def get_subscription_attributes(self, call: Call) -> Result:
        with self.lock:
            sub = self._subscription(required(call.params, "SubscriptionArn"))
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
        name = required(call.params, "AttributeName")
        value = str(text_param(call.params, "AttributeValue") or "")
        check_subscription_attribute(name, value)
        with self.lock:
            self._subscription(required(call.params, "SubscriptionArn")).attributes[name] = value
        return Result({})

    def unsubscribe(self, call: Call) -> Result:
        arn = required(call.params, "SubscriptionArn")
        if not TOPIC_ARN.match(arn.rsplit(":", 1)[0]):
            raise invalid("SubscriptionArn")
        with self.lock:
            if self.subscriptions.pop(arn, None) is None:
                raise Fault("NotFound", "Subscription does not exist", 404)
            self.saved.touch("subscription", arn)
        return Result({})

    def list_subscriptions(self, call: Call) -> Result:
        with self.lock:
            subs = sorted(
                (s for s in self.subscriptions.values() if s.owner == call.caller.account_id), key=lambda s: s.arn
            )
        return self._subscription_page(subs, text_param(call.params, "NextToken"))

    def list_subscriptions_by_topic(self, call: Call) -> Result:
        arn = topic_arn(call.params, "TopicArn")
        with self.lock:
            self._topic(arn, call)
            subs = sorted((s for s in self.subscriptions.values() if s.topic_arn == arn), key=lambda s: s.arn)
        return self._subscription_page(subs, text_param(call.params, "NextToken"))

    # --- publishing ----------------------------------------------------------------------------------------

    def publish(self, call: Call) -> Result:
        params = call.params
        arn = publish_target(params)
        message = text_param(params, "Message")
        if message is None:
            raise Fault(
                "ValidationError",
                "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not "
                "be null",
            )
        check_message(message, text_param(params, "Subject"), text_param(params, "MessageStructure"))
        attributes = message_attributes(params)
        with self.lock:
            topic = self._topic(arn, call)
            group, dedup = fifo_ids(topic, params, message)
            duplicate = topic.dedup.get(dedup) if dedup else None
            if duplicate is not None and duplicate[0] + 300 > time.time():
                return Result({"MessageId": duplicate[1]})
            sequence = None
            if topic.fifo:
                topic.sequence += 1
                sequence = f"{topic.sequence:020d}"
            record = Published(
                str(uuid.uuid4()), arn, message, text_param(params, "Subject"), text_param(params, "MessageStructure"),
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
            message = for_protocol(record, "sqs")
            if not passes_filter(sub, record, message):
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
        self.saved.touch("subscription", arn)  # its attributes may be about to change
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
        self.saved.touch("topic", arn)  # its attributes, tags or FIFO sequence may be about to change
        return topic

    def _subscription_page(self, subs: list[Subscription], token: Any) -> Result:
        page, next_token = page_of(subs, token)
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
