"""SQS's saved state (`awsfake.store`): one record per queue, its messages with it (a queue is saved whole after
each operation on it, which is simple and fine for development-sized queues). A mixin of `SQS`."""

from __future__ import annotations

from typing import Any

from awsfake.services.sqs.queue import Queue
from awsfake.store.saved import Saved

__all__ = ["SavedQueues"]


class SavedQueues:
    queues: dict[tuple[str, str, str], Queue]  # (region, account, name) -> queue
    saved: Saved

    def touch_queue(self, queue: Queue) -> None:
        """`queue` changed (or is gone): save it with the request's other changes."""
        if self.saved.keeps:
            self.saved.touch("queue", "/".join((queue.region, queue.account_id, queue.name)))

    def state_of(self, kind: str, key: str) -> Any:
        region, account, name = key.split("/")
        return self.queues.get((region, account, name))

    def restore(self, kind: str, key: str, value: Any) -> None:
        self.queues[(value.region, value.account_id, value.name)] = value
