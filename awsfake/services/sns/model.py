"""SNS's state as plain data: topics, subscriptions, and the record of each accepted Publish."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Published", "Subscription", "Topic"]


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
