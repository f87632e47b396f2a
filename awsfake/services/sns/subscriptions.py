"""SNS's subscription operations: subscribe, their attributes, unsubscribe and the listings. A mixin of `SNS`: the
methods use its lock, its subscriptions, its saved state and its topic lookup."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from awsfake.errors import Fault
from awsfake.services import Call, Map, Result
from awsfake.services.sns.model import Subscription, Topic
from awsfake.services.sns.params import (
    TOPIC_ARN,
    check_endpoint,
    check_subscription_attribute,
    invalid,
    page_of,
    required,
    string_map,
    text_param,
    topic_arn,
)
from awsfake.store.saved import Saved

__all__ = ["Subscriptions"]

_CONFIRMED_AT_ONCE = ("sqs", "lambda", "application", "sms", "firehose")


class Subscriptions:
    """The subscription operations; `SNS` provides the state and the lookup declared here."""

    lock: threading.RLock
    subscriptions: dict[str, Subscription]
    saved: Saved

    def _topic(self, arn: str, call: Call) -> Topic:
        raise NotImplementedError

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

    def _subscription(self, arn: str) -> Subscription:
        sub = self.subscriptions.get(arn)
        if sub is None:
            raise Fault("NotFound", "Subscription does not exist", 404)
        self.saved.touch("subscription", arn)  # its attributes may be about to change
        return sub

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
