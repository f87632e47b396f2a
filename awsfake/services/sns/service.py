"""Amazon SNS: topics, their attributes, subscriptions, and publishing.

Every accepted Publish is appended to `SNS.published` (a list of `Published`, in order) so a test can assert on
what its code sent. Confirmed `sqs` subscriptions are delivered to the same endpoint's SQS queues (found through
`peers`, or `SNS.sqs` when set), honouring RawMessageDelivery and FilterPolicy; no other protocol is
delivered. Topics are per region and account, named by their ARN `arn:aws:sns:REGION:ACCOUNT:NAME`.
"""

from __future__ import annotations

import json
import time
from typing import Any, cast

from awsfake.doubles.log import BoundedLog
from awsfake.errors import Fault
from awsfake.families.base import new_uuid_id
from awsfake.services import Call, Map, Result, Service
from awsfake.services.sns.delivery import (
    QueueSink,
    envelope,
    sqs_attributes,
)
from awsfake.services.sns.model import Published, Subscription, Topic
from awsfake.services.sns.params import (
    check_topic_name,
    default_policy,
    fifo_ids,
    for_protocol,
    invalid,
    page_of,
    passes_filter,
    publish_fields,
    required,
    string_map,
    structures,
    text_param,
    topic_arn,
)
from awsfake.services.sns.saved import SavedTopics
from awsfake.services.sns.subscriptions import Subscriptions

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


class SNS(SavedTopics, Subscriptions, Service):
    """SNS's topic operations. `topics` maps ARN to `Topic`; `published` lists the accepted Publishes, the newest
    `published_limit` of them (a server left running keeps its recent messages, not every one)."""

    name = "sns"
    helpers = Service.helpers | {"notify"}  # called by peers or mixins, never by a request
    sqs: QueueSink | None = None
    topics: dict[str, Topic]
    subscriptions: dict[str, Subscription]
    published: BoundedLog[Published]
    published_limit = 10_000

    def reset(self) -> None:
        with self.lock:
            self.topics = {}
            self.subscriptions = {}
            self.published = BoundedLog(self.published_limit)

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

    # --- publishing ----------------------------------------------------------------------------------------

    def publish(self, call: Call) -> Result:
        params = call.params
        arn, message, subject, structure, attributes = publish_fields(params)
        topic = self.topics.get(arn)
        if (
            topic is not None
            and not self.subscriptions  # most topics in a test have none
            and "MessageGroupId" not in params
            and "MessageDeduplicationId" not in params
            and topic.owner == call.caller.account_id
            and not topic.fifo
        ):  # SNS's state stays as it is: the message is only logged (the log has a lock of its own)
            message_id = new_uuid_id()
            self.published.append_later(
                Published, message_id, arn, message, subject, structure, attributes, None, None, None, time.time()
            )
            return Result({"MessageId": message_id})
        return self._publish(call, arn, message, subject, structure, attributes)

    def _publish(
        self, call: Call, arn: str, message: str, subject: str | None, structure: str | None, attributes: Any
    ) -> Result:
        """`publish` under the lock: a FIFO topic's message, one that names FIFO ids, one to deliver, one that is
        refused."""
        params = call.params
        with self.lock:
            topic = self._topic(arn, call)
            group, dedup = fifo_ids(topic, params, message)
            sequence = None
            if dedup:
                duplicate = topic.dedup.get(dedup)
                if duplicate is not None and duplicate.timestamp + 300 > time.time():  # accepted, not published
                    return Result({"MessageId": duplicate.message_id, "SequenceNumber": duplicate.sequence_number})
                topic.sequence += 1  # deduplication ids are FIFO topics' only
                sequence = f"{topic.sequence:020d}"
            message_id = new_uuid_id()
            fields = (message_id, arn, message, subject, structure, attributes, group, dedup, sequence, time.time())
            targets = self._sqs_subscribers(arn) if self.subscriptions else None
            if dedup or targets:  # the record is wanted now: to spot a repeat, to deliver
                record = Published(*fields)
                if dedup:
                    topic.dedup[dedup] = record
                self.published.append(record)
            else:  # made when `published` is next read: most records never are
                record = None
                self.published.append_later(Published, *fields)
        if record is not None and targets:
            self._deliver(record, targets)
        body = {"MessageId": message_id}
        if sequence:
            body["SequenceNumber"] = sequence
        return Result(body)

    def notify(self, topic_arn: str, message: str, subject: str | None = None) -> bool:
        """Publish for another service of this endpoint (S3 event notifications); False without such a topic."""
        with self.lock:
            if topic_arn not in self.topics:
                return False
            record = Published(new_uuid_id(), topic_arn, message, subject, None, {}, None, None, None, time.time())
            self.published.append(record)
            targets = self._sqs_subscribers(topic_arn)
        self._deliver(record, targets)
        return True

    # --- internals -----------------------------------------------------------------------------------------

    def _sqs_subscribers(self, topic_arn: str) -> list[Subscription]:
        """The topic's SQS subscriptions, the only ones delivered to (call with the lock held)."""
        if not self.subscriptions:  # most topics in a test have none
            return []
        return [s for s in self.subscriptions.values() if s.topic_arn == topic_arn and s.protocol == "sqs"]

    def _deliver(self, record: Published, targets: list[Subscription]) -> None:
        """Hand the message to each matching SQS subscription (outside SNS's lock: SQS takes its own)."""
        if not targets:
            return
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

    def _topic(self, arn: str, call: Call) -> Topic:
        """The topic, if the caller's account owns it: there are no topic policies to grant others access. (Every
        caller holds the lock: the topic is used under it.)"""
        topic = self.topics.get(arn)
        if topic is None:
            raise Fault("NotFound", "Topic does not exist", 404)
        if topic.owner != call.caller.account_id:
            raise Fault(
                "AuthorizationError",
                f"User: {call.caller.arn} is not authorized to perform: SNS:{call.action} on resource: {arn}",
                403,
            )
        if self.saved.keeps:
            self.saved.touch("topic", arn)  # its attributes, tags or FIFO sequence may be about to change
        return topic
