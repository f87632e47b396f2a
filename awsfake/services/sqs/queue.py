"""A queue's state: its attributes, messages, tags and FIFO bookkeeping (plain data, guarded by SQS's lock)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Message", "Queue"]


@dataclass
class Message:
    """One message as the queue holds it."""

    message_id: str
    body: str
    attributes: dict[str, dict[str, str]]  # name -> {"DataType", "StringValue" | "BinaryValue" (base64)}
    sender_id: str
    sent_at: float
    visible_at: float
    group_id: str | None = None
    dedup_id: str | None = None
    sequence_number: str | None = None
    receive_count: int = 0
    first_received_at: float | None = None
    receipt_handle: str | None = None  # the latest one; older handles no longer delete the message


@dataclass
class Queue:
    name: str
    account_id: str
    region: str
    attributes: dict[str, str]
    created_at: float
    modified_at: float
    messages: list[Message] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    sequence: int = 0
    dedup: dict[str, tuple[float, str]] = field(default_factory=dict)  # dedup id -> (sent at, message id)

    @property
    def fifo(self) -> bool:
        return self.attributes.get("FifoQueue") == "true"

    @property
    def arn(self) -> str:
        return f"arn:aws:sqs:{self.region}:{self.account_id}:{self.name}"
