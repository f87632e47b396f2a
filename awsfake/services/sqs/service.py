"""Amazon SQS (the JSON protocol current SDKs speak): queues, messages, visibility timeouts, FIFO ordering.

Queues are per region and account; a queue URL names its account and queue (`/ACCOUNT/NAME`), and the URLs we
return use the host the request was sent to, so the client can call us back with them. Time comes from
`time.time()`, so freezegun moves visibility timeouts and delays.

Errors carry the JSON shape name as their code (`QueueDoesNotExist`); the endpoint's JSON renderer adds the
query-era code SQS also sends (`x-amzn-query-error: AWS.SimpleQueueService.NonExistentQueue;Sender`).

Long polling (`WaitTimeSeconds`) waits for a message at most `max_wait_seconds` (1 s by default, not AWS's 20) so
a test never stalls; a message sent meanwhile wakes the waiter at once. Queue attributes are checked in
`attributes`, message bodies and attributes in `messages`.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from awsfake.errors import Fault
from awsfake.services import Call, Map, Result, Service
from awsfake.services.sqs.attributes import (
    all_attributes,
    check_same_attributes,
    known_attribute,
    redrive_policy,
    validated_attributes,
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
    check_name,
    check_strings,
    decode_token,
    expire_dedup,
    expire_messages,
    fifo_ids,
    int_param,
    make_handle,
    no_queue,
    optional,
    parse_handle,
    parse_url,
    required,
    string_list,
    string_map,
    url,
)
from awsfake.services.sqs.queue import Message, Queue
from awsfake.services.sqs.saved import SavedQueues

__all__ = ["SQS"]

RECREATE_AFTER = 60.0  # seconds before a deleted queue's name may be used again
POLL_SLICE = 0.05


class SQS(SavedQueues, Service):
    """SQS's queue and message operations. `queues` maps (region, account, name) to a `Queue` (read it in tests)."""

    name = "sqs"
    max_wait_seconds: float = 1.0
    queues: dict[tuple[str, str, str], Queue]

    def reset(self) -> None:
        with self.lock:
            self.queues = {}
            self.deleted: dict[tuple[str, str, str], float] = {}  # queue key -> when it was deleted
            self._arrival = threading.Condition(self.lock)

    def operation(self, action: str) -> Callable[[Call], Result] | None:
        """The operation, behind a check that string parameters are strings (JSON can carry any type)."""
        method = super().operation(action)
        if method is None:
            return None

        def checked(call: Call) -> Result:
            check_strings(call.params)
            return method(call)

        return checked

    # --- queues --------------------------------------------------------------------------------------------

    def create_queue(self, call: Call) -> Result:
        name = required(call.params, "QueueName")
        requested = string_map(call.params.get("Attributes"), "Attributes")
        fifo = requested.get("FifoQueue", "false").lower() == "true"
        check_name(name, fifo)
        attributes = validated_attributes(requested, fifo=fifo, creating=True)
        key = (call.region, call.caller.account_id, name)
        now = time.time()
        with self.lock:
            self._check_redrive_target(attributes)
            existing = self.queues.get(key)
            if existing is None and now - self.deleted.get(key, -RECREATE_AFTER) < RECREATE_AFTER:
                raise Fault(
                    "QueueDeletedRecently",
                    "You must wait 60 seconds after deleting a queue before you can create another with the same name.",
                )
            if existing is None:
                queue = Queue(name, call.caller.account_id, call.region, attributes, now, now)
                queue.tags = string_map(call.params.get("tags"), "tags")
                self.queues[key] = queue
                self.touch_queue(queue)
            else:
                check_same_attributes(existing, requested)
        return Result({"QueueUrl": url(call.host, call.caller.account_id, name)})

    def get_queue_url(self, call: Call) -> Result:
        name = required(call.params, "QueueName")
        account = optional(call.params, "QueueOwnerAWSAccountId") or call.caller.account_id
        with self.lock:
            if (call.region, account, name) not in self.queues:
                raise no_queue()
        if account != call.caller.account_id:
            raise Fault("AccessDenied", "Access to the resource is denied.", 403)
        return Result({"QueueUrl": url(call.host, account, name)})

    def list_queues(self, call: Call) -> Result:
        prefix = optional(call.params, "QueueNamePrefix") or ""
        limit = int_param(call.params, "MaxResults", 1000, 1, 1000)
        after = decode_token(optional(call.params, "NextToken"))
        with self.lock:
            names = sorted(
                name
                for region, account, name in self.queues
                if region == call.region and account == call.caller.account_id and name.startswith(prefix)
            )
        names = [n for n in names if n > after]
        page = names[:limit] if "MaxResults" in call.params else names[:1000]
        body: dict[str, Any] = {}
        if page:
            body["QueueUrls"] = [url(call.host, call.caller.account_id, n) for n in page]
        if "MaxResults" in call.params and len(names) > len(page):
            body["NextToken"] = base64.b64encode(page[-1].encode()).decode()
        return Result(body)

    def delete_queue(self, call: Call) -> Result:
        with self.lock:
            queue = self._queue(call)
            key = (queue.region, queue.account_id, queue.name)
            del self.queues[key]
            self.touch_queue(queue)
            self.deleted[key] = time.time()
        return Result({})

    def purge_queue(self, call: Call) -> Result:
        with self.lock:
            self._queue(call).messages.clear()
        return Result({})

    def get_queue_attributes(self, call: Call) -> Result:
        names = string_list(call.params.get("AttributeNames"), "AttributeNames")
        with self.lock:
            queue = self._queue(call)
            everything = all_attributes(queue, time.time())
        if "All" in names:
            wanted = list(everything)
        else:
            unknown = [n for n in names if n not in everything and not known_attribute(n)]
            if unknown:
                raise Fault("InvalidAttributeName", f"Unknown Attribute {unknown[0]}.")
            wanted = [n for n in names if n in everything]
        body: dict[str, Any] = {}
        if wanted:
            body["Attributes"] = Map({n: everything[n] for n in wanted})
        return Result(body)

    def set_queue_attributes(self, call: Call) -> Result:
        requested = string_map(call.params.get("Attributes"), "Attributes")
        with self.lock:
            queue = self._queue(call)
            changes = validated_attributes(requested, fifo=queue.fifo, creating=False)
            self._check_redrive_target(changes)
            queue.attributes.update(changes)
            queue.modified_at = time.time()
        return Result({})

    def tag_queue(self, call: Call) -> Result:
        tags = string_map(call.params.get("Tags"), "Tags")
        with self.lock:
            self._queue(call).tags.update(tags)
        return Result({})

    def untag_queue(self, call: Call) -> Result:
        keys = string_list(call.params.get("TagKeys"), "TagKeys")
        with self.lock:
            queue = self._queue(call)
            for key in keys:
                queue.tags.pop(key, None)
        return Result({})

    def list_queue_tags(self, call: Call) -> Result:
        with self.lock:
            tags = dict(self._queue(call).tags)
        return Result({"Tags": Map(tags)} if tags else {})

    # --- messages ------------------------------------------------------------------------------------------

    def send_message(self, call: Call) -> Result:
        with self.lock:
            queue = self._queue(call)
            message = self._enqueue(queue, call.params, call.caller.account_id)
        return Result(sent(message))

    def send_message_batch(self, call: Call) -> Result:
        entries = batch_entries(call.params)
        successful, failed = [], []
        with self.lock:
            queue = self._queue(call)
            for entry in entries:
                try:
                    message = self._enqueue(queue, entry, call.caller.account_id)
                except Fault as fault:
                    failed.append(batch_failure(entry["Id"], fault))
                else:
                    successful.append({"Id": entry["Id"], **sent(message)})
        return Result({"Successful": successful, "Failed": failed})

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
            while not taken and slices > 0:
                self._arrival.wait(POLL_SLICE)
                slices -= 1
                taken = self._take(queue, count, timeout)
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
        entries = batch_entries(call.params)
        successful, failed = [], []
        with self.lock:
            queue = self._queue(call)
            for entry in entries:
                try:
                    self._delete(queue, str(entry.get("ReceiptHandle") or ""))
                except Fault as fault:
                    failed.append(batch_failure(entry["Id"], fault))
                else:
                    successful.append({"Id": entry["Id"]})
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
        return True

    # --- internals (call with the lock held) ---------------------------------------------------------------

    def _queue(self, call: Call) -> Queue:
        url = required(call.params, "QueueUrl")
        account, name = parse_url(url)
        queue = self.queues.get((call.region, account, name))
        if queue is None:
            raise no_queue()
        if account != call.caller.account_id:  # no queue policies: only the owner's account may use a queue
            raise Fault("AccessDenied", f"Access to the resource {url} is denied.", 403)
        self.touch_queue(queue)  # an operation on a queue may change it (receiving moves visibility)
        return queue

    def _enqueue(self, queue: Queue, params: Mapping[str, Any], sender: str) -> Message:
        body = params.get("MessageBody")
        if not isinstance(body, str) or body == "":
            raise Fault("MissingParameter", "The request must contain the parameter MessageBody.")
        check_body(body, queue)
        attributes = message_attributes(params.get("MessageAttributes"))
        now = time.time()
        if queue.fifo and params.get("DelaySeconds") is not None:  # FIFO queues delay only queue-wide
            raise Fault(
                "InvalidParameterValue",
                f"Value {params['DelaySeconds']} for parameter DelaySeconds is invalid. Reason: The request include "
                "parameter that is not valid for this queue type.",
            )
        delay = int_param(params, "DelaySeconds", int(queue.attributes["DelaySeconds"]), 0, 900)
        group, dedup = fifo_ids(queue, params, body)
        if queue.fifo and dedup is not None:
            expire_dedup(queue, now)
            seen = queue.dedup.get(dedup)
            if seen is not None:
                return next((m for m in queue.messages if m.message_id == seen[1]), None) or Message(
                    seen[1], body, attributes, sender, seen[0], seen[0], group, dedup
                )
        message = Message(str(uuid.uuid4()), body, attributes, sender, now, now + delay, group, dedup)
        if queue.fifo:
            queue.sequence += 1
            message.sequence_number = f"{queue.sequence:020d}"
            if dedup is not None:
                queue.dedup[dedup] = (now, message.message_id)
        queue.messages.append(message)
        self._arrival.notify_all()
        return message

    def _take(self, queue: Queue, count: int, timeout: int) -> list[Message]:
        now = time.time()
        expire_messages(queue, now)
        busy_groups = {m.group_id for m in queue.messages if queue.fifo and m.visible_at > now and m.receive_count}
        redrive = redrive_policy(queue.attributes.get("RedrivePolicy"))
        taken: list[Message] = []
        for message in list(queue.messages):
            if len(taken) == count:
                break
            if message.visible_at > now or (queue.fifo and message.group_id in busy_groups):
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

    def _check_redrive_target(self, attributes: Mapping[str, str]) -> None:
        policy = redrive_policy(attributes.get("RedrivePolicy"))
        if policy is not None and arn_key(policy[0]) not in self.queues:
            raise Fault(
                "InvalidParameterValue",
                f"Value {attributes['RedrivePolicy']} for parameter RedrivePolicy is invalid. Reason: Dead letter "
                "target does not exist.",
            )

    def _delete(self, queue: Queue, handle: str) -> None:
        message_id = parse_handle(handle, queue)
        for index, message in enumerate(queue.messages):
            if message.message_id == message_id and message.receipt_handle == handle:
                del queue.messages[index]
                return
