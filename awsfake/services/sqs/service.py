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
from awsfake.services.sqs.messaging import Messaging
from awsfake.services.sqs.params import (
    arn_key,
    check_name,
    check_strings,
    decode_token,
    int_param,
    no_queue,
    optional,
    queue_url,
    required,
    string_list,
    string_map,
    url,
)
from awsfake.services.sqs.queue import Queue
from awsfake.services.sqs.saved import SavedQueues

__all__ = ["SQS"]

RECREATE_AFTER = 60.0  # seconds before a deleted queue's name may be used again


class SQS(SavedQueues, Messaging, Service):
    """SQS's queue and message operations. `queues` maps (region, account, name) to a `Queue` (read it in tests)."""

    name = "sqs"
    helpers = Service.helpers | {"deliver", "touch_queue"}  # called by peers or mixins, never by a request
    max_wait_seconds: float = 1.0
    queues: dict[tuple[str, str, str], Queue]

    def reset(self) -> None:
        with self.lock:
            self.queues = {}
            self.deleted: dict[tuple[str, str, str], float] = {}  # queue key -> when it was deleted
            self._arrival = threading.Condition(self.lock)

    def operation(self, action: str) -> Callable[[Call], Result] | None:
        """The operation, behind a check that string parameters are strings (JSON can carry any type); SendMessage
        checks its own (a plain send needs no check)."""
        method = super().operation(action)
        if method is None or action == "SendMessage":
            return method

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

    # --- internals (call with the lock held) ---------------------------------------------------------------

    def _queue(self, call: Call) -> Queue:
        url, account, name = queue_url(call.params)
        queue = self.queues.get((call.region, account, name))
        if queue is None:
            raise no_queue()
        if account != call.caller.account_id:  # no queue policies: only the owner's account may use a queue
            raise Fault("AccessDenied", f"Access to the resource {url} is denied.", 403)
        if self.saved.keeps:
            self.touch_queue(queue)  # an operation on a queue may change it (receiving moves visibility)
        return queue

    def _check_redrive_target(self, attributes: Mapping[str, str]) -> None:
        policy = redrive_policy(attributes.get("RedrivePolicy"))
        if policy is not None and arn_key(policy[0]) not in self.queues:
            raise Fault(
                "InvalidParameterValue",
                f"Value {attributes['RedrivePolicy']} for parameter RedrivePolicy is invalid. Reason: Dead letter "
                "target does not exist.",
            )
