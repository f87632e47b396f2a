"""Amazon SQS: the service (`service`), queue state (`queue`), attribute and message rules, query-era codes."""

from __future__ import annotations

from awsfake.services.sqs.queue import Message, Queue
from awsfake.services.sqs.service import SQS

__all__ = ["SQS", "Message", "Queue"]
