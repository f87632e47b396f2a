"""FIFO message rules shared by SNS topics and SQS queues: which ids a message needs, and its deduplication id.

Each service words the failures its own way (`FifoErrors`); the rules are the same: a standard target refuses a
deduplication id, a FIFO one demands a group id, and takes a deduplication id or hashes the body when the target
has content-based deduplication.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from awsfake.errors import Fault

__all__ = ["FifoErrors", "message_ids"]


@dataclass(frozen=True)
class FifoErrors:
    """A service's own errors for the FIFO rules."""

    dedup_not_allowed: Callable[[str], Fault]  # given the id sent
    group_required: Callable[[], Fault]
    dedup_required: Callable[[], Fault]


def message_ids(
    fifo: bool, content_based: bool, group: str | None, dedup: str | None, body: str, errors: FifoErrors
) -> tuple[str | None, str | None]:
    """(group id, deduplication id) of a message sent to a target (`dedup` None when not sent)."""
    if not fifo:
        if dedup is not None:
            raise errors.dedup_not_allowed(dedup)
        return (str(group) if group else None), None
    if not group:
        raise errors.group_required()
    if dedup is None:
        if not content_based:
            raise errors.dedup_required()
        dedup = hashlib.sha256(body.encode()).hexdigest()
    return str(group), str(dedup)
