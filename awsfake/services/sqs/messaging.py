"""SQS's message operations: send (one or a batch), receive (with long polling and dead-letter redrive), delete,
change visibility, and delivery from SNS. A mixin of `SQS`: the methods use its lock, its queues, its arrival
condition and its queue lookup."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from awsfake.errors import Fault
from awsfake.families.base import new_uuid_id
from awsfake.services import Call, Result
from awsfake.services.sqs.attributes import (
    redrive_policy,
)
from awsfake.services.sqs.messages import (
    check_body,
    message_attributes,
    received,
    sent,
    wanted,
)
from awsfake.services.sqs.params import (
    arn_key,
    batch_entries,
    batch_failure,
    check_strings,
    expire_dedup,
    expire_messages,
    fifo_ids,
    int_param,
    make_handle,
    parse_handle,
    required,
    string_list,
)
from awsfake.services.sqs.queue import Message, Queue

__all__ = ["POLL_SLICE", "Messaging"]

POLL_SLICE = 0.05


class Messaging:
    """The message operations; `SQS` provides the state and the lookup declared here."""

    lock: threading.RLock
    queues: dict[tuple[str, str, str], Queue]
    max_wait_seconds: float
    _arrival: threading.Condition
    _waiting = 0  # receivers waiting on `_arrival` (a send wakes them; with none, it skips the notify's steps)

    def _queue(self, call: Call) -> Queue:
        raise NotImplementedError

    def touch_queue(self, queue: Queue) -> None:
        raise NotImplementedError

    def send_message(self, call: Call) -> Result:
        """A plain send (QueueUrl and MessageBody alone, both text, to a standard queue) skips the string check and
        the optional parameters' readings, which would find nothing. (The lock is taken without `with`, which
        costs twice the two calls here.)"""
        params = call.params
        body: Any = params.get("MessageBody")
        plain = len(params) == 2 and type(body) is str and body != "" and type(params.get("QueueUrl")) is str
        if not plain:
            check_strings(params)
        self.lock.acquire()
        try:
            queue = self._queue(call)
            if plain and "FifoQueue" not in queue.attributes:  # a FIFO queue's has it (a standard queue's none)
                answer = self._sent_plain(queue, body, call.caller.account_id)
            else:
                answer = sent(self._enqueue(queue, params, call.caller.account_id))
        finally:
            self.lock.release()
        return Result(answer)

    def send_message_batch(self, call: Call) -> Result:
        return self._batch(call, lambda queue, entry: sent(self._enqueue(queue, entry, call.caller.account_id)))

    def receive_message(self, call: Call) -> Result:
        params = call.params
        count = int_param(params, "MaxNumberOfMessages", 1, 1, 10, reason="Must be between 1 and 10, if provided.")
        wait = int_param(params, "WaitTimeSeconds", -1, 0, 20, reason="Must be >= 0 and <= 20, if provided.")
        timeout = int_param(params, "VisibilityTimeout", -1, 0, 43200)
        system = wanted(params.get("MessageSystemAttributeNames"), params.get("AttributeNames"))
        custom = string_list(params.get("MessageAttributeNames"), "MessageAttributeNames")
        with self.lock:
            queue = self._queue(call)
            if wait < 0:
                wait = int(queue.attributes["ReceiveMessageWaitTimeSeconds"])
            if timeout < 0:
                timeout = int(queue.attributes["VisibilityTimeout"])
            taken = self._take(queue, count, timeout)
            slices = int(min(wait, self.max_wait_seconds) / POLL_SLICE)
            self._waiting += 1
            try:
                while not taken and slices > 0:
                    self._arrival.wait(POLL_SLICE)
                    slices -= 1
                    taken = self._take(queue, count, timeout)
            finally:
                self._waiting -= 1
            if not taken:
                return Result({})
            return Result({"Messages": [received(m, system, custom) for m in taken]})

    def delete_message(self, call: Call) -> Result:
        handle = required(call.params, "ReceiptHandle")
        with self.lock:
            queue = self._queue(call)
            self._delete(queue, handle)
        return Result({})

    def delete_message_batch(self, call: Call) -> Result:
        def delete(queue: Queue, entry: dict[str, Any]) -> dict[str, Any]:
            self._delete(queue, str(entry.get("ReceiptHandle") or ""))
            return {}

        return self._batch(call, delete)

    def _batch(self, call: Call, each: Callable[[Queue, dict[str, Any]], dict[str, Any]]) -> Result:
        """A batch operation: `each` entry in order, under the lock; an entry's fault fails only that entry."""
        entries = batch_entries(call.params)
        successful, failed = [], []
        with self.lock:
            queue = self._queue(call)
            for entry in entries:
                try:
                    done = each(queue, entry)
                except Fault as fault:
                    failed.append(batch_failure(entry["Id"], fault))
                else:
                    successful.append({"Id": entry["Id"], **done})
        return Result({"Successful": successful, "Failed": failed})

    def change_message_visibility(self, call: Call) -> Result:
        handle = required(call.params, "ReceiptHandle")
        timeout = int_param(call.params, "VisibilityTimeout", 0, 0, 43200)
        now = time.time()
        with self.lock:
            queue = self._queue(call)
            message_id = parse_handle(handle, queue)
            message = next((m for m in queue.messages if m.message_id == message_id), None)
            if message is None or message.receipt_handle != handle or message.visible_at <= now:
                raise Fault(
                    "InvalidParameterValue",
                    f"Value {handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is "
                    "not available for visibility timeout change.",
                )
            message.visible_at = now + timeout
        return Result({})

    def deliver(
        self,
        queue_arn: str,
        body: str,
        attributes: dict[str, dict[str, str]],
        *,
        group_id: str | None = None,
        deduplication_id: str | None = None,
    ) -> bool:
        """Enqueue a message from another service (SNS); False when the queue is missing or refuses it."""
        params: dict[str, Any] = {"MessageBody": body, "MessageAttributes": attributes or None}
        if group_id is not None:
            params["MessageGroupId"] = group_id
        if deduplication_id is not None:
            params["MessageDeduplicationId"] = deduplication_id
        with self.lock:
            queue = self.queues.get(arn_key(queue_arn))
            if queue is None:
                return False
            try:
                self._enqueue(queue, params, "sns.amazonaws.com")
            except Fault:
                return False
            self.touch_queue(queue)  # the operations that send have touched it already, through `_queue`
        return True

    def _enqueue(self, queue: Queue, params: Mapping[str, Any], sender: str) -> Message:
        body = params.get("MessageBody")
        if not isinstance(body, str) or body == "":
            raise Fault("MissingParameter", "The request must contain the parameter MessageBody.")
        check_body(body, queue)
        sent_attributes = params.get("MessageAttributes")
        attributes = message_attributes(sent_attributes) if sent_attributes is not None else {}
        now = time.time()
        fifo = queue.fifo
        sent_delay = params.get("DelaySeconds")
        if sent_delay is None:
            delay = int(queue.attributes["DelaySeconds"])
        elif fifo:  # FIFO queues delay only queue-wide
            raise Fault(
                "InvalidParameterValue",
                f"Value {sent_delay} for parameter DelaySeconds is invalid. Reason: The request include "
                "parameter that is not valid for this queue type.",
            )
        else:
            delay = int_param(params, "DelaySeconds", 0, 0, 900)
        if fifo or "MessageGroupId" in params or "MessageDeduplicationId" in params:
            group, dedup = fifo_ids(queue, params, body)
        else:  # what the FIFO rules give a standard queue's message that names neither id
            group = dedup = None
        if fifo and dedup is not None:
            expire_dedup(queue, now)
            seen = queue.dedup.get(dedup)
            if seen is not None:
                return next((m for m in queue.messages if m.message_id == seen[1]), None) or Message(
                    seen[1], body, attributes, sender, seen[0], seen[0], group, dedup
                )
        message = Message(new_uuid_id(), body, attributes, sender, now, now + delay, group, dedup)
        if fifo:
            queue.sequence += 1
            message.sequence_number = f"{queue.sequence:020d}"
            if dedup is not None:
                queue.dedup[dedup] = (now, message.message_id)
        queue.messages.append(message)
        if self._waiting:
            self._arrival.notify_all()
        return message

    def _sent_plain(self, queue: Queue, body: str, sender: str) -> dict[str, Any]:
        """What `_enqueue` makes of a standard queue's message with no parameter but its body (appended), and what
        `sent` answers for it."""
        check_body(body, queue)
        now = time.time()
        delay = queue.attributes["DelaySeconds"]  # "0" unless set: no `int` to read
        message = Message(new_uuid_id(), body, {}, sender, now, now if delay == "0" else now + int(delay))
        queue.messages.append(message)
        if self._waiting:
            self._arrival.notify_all()
        return {"MD5OfMessageBody": hashlib.md5(body.encode()).hexdigest(), "MessageId": message.message_id}

    def _take(self, queue: Queue, count: int, timeout: int) -> list[Message]:
        now = time.time()
        expire_messages(queue, now)
        fifo = queue.fifo
        busy_groups = {m.group_id for m in queue.messages if m.visible_at > now and m.receive_count} if fifo else set()
        redrive = redrive_policy(queue.attributes.get("RedrivePolicy"))
        taken: list[Message] = []
        for message in list(queue.messages):
            if len(taken) == count:
                break
            if message.visible_at > now or (fifo and message.group_id in busy_groups):
                continue
            if (
                redrive is not None
                and message.receive_count >= redrive[1]
                and self._dead_letter(queue, message, redrive[0])
            ):
                continue
            message.receive_count += 1
            message.first_received_at = message.first_received_at or now
            message.visible_at = now + timeout
            message.receipt_handle = make_handle(queue, message)
            taken.append(message)
        return taken

    def _dead_letter(self, queue: Queue, message: Message, target_arn: str) -> bool:
        """Move a message received maxReceiveCount times to its dead-letter queue (if that queue still exists)."""
        target = self.queues.get(arn_key(target_arn))
        if target is None:
            return False
        queue.messages.remove(message)
        message.receipt_handle = None
        target.messages.append(message)
        self.touch_queue(target)
        return True

    def _delete(self, queue: Queue, handle: str) -> None:
        message_id = parse_handle(handle, queue)
        for index, message in enumerate(queue.messages):
            if message.message_id == message_id and message.receipt_handle == handle:
                del queue.messages[index]
                return
