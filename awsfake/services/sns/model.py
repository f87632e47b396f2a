"""SNS's state as plain data: topics, subscriptions, and the record of each accepted Publish."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

__all__ = ["Published", "Subscription", "Topic"]


@dataclass
class Topic:
    arn: str
    owner: str
    attributes: dict[str, str]
    tags: dict[str, str] = field(default_factory=dict)
    sequence: int = 0
    dedup: dict[str, Published] = field(default_factory=dict)  # deduplication id -> the message it published

    @cached_property
    def fifo(self) -> bool:
        """Kept once read (every Publish asks): `FifoTopic` is set when the topic is made and never changed."""
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


@dataclass(frozen=True, init=False)
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

    def __init__(
        self,
        message_id: str,
        topic_arn: str,
        message: str,
        subject: str | None,
        message_structure: str | None,
        attributes: dict[str, dict[str, str]],
        group_id: str | None,
        deduplication_id: str | None,
        sequence_number: str | None,
        timestamp: float,
    ) -> None:
        """The fields in one update of the instance's `__dict__`: a frozen dataclass's own `__init__` sets each
        through `object.__setattr__`, at four times the cost (one record per Publish)."""
        self.__dict__.update(
            message_id=message_id,
            topic_arn=topic_arn,
            message=message,
            subject=subject,
            message_structure=message_structure,
            attributes=attributes,
            group_id=group_id,
            deduplication_id=deduplication_id,
            sequence_number=sequence_number,
            timestamp=timestamp,
        )
