"""SNS's saved state (`awsfake.store`): topics and subscriptions, one record each, by ARN. The `published` log is
not kept: it is a record of calls, not state. A mixin of `SNS`."""

from __future__ import annotations

from typing import Any

from awsfake.services.sns.model import Subscription, Topic

__all__ = ["SavedTopics"]


class SavedTopics:
    topics: dict[str, Topic]
    subscriptions: dict[str, Subscription]

    def state_of(self, kind: str, key: str) -> Any:
        return (self.topics if kind == "topic" else self.subscriptions).get(key)

    def restore(self, kind: str, key: str, value: Any) -> None:
        (self.topics if kind == "topic" else self.subscriptions)[key] = value
