"""S3 event notifications to the same endpoint's SQS queues and SNS topics: the bucket's
NotificationConfiguration, the `s3:TestEvent` sent when it is put, and AWS's event records (`eventVersion` 2.1)
for objects created and removed, filtered by event name, key prefix and suffix.

Events are sent for the operations of `EVENTS` once they succeed (`S3.operation` wraps them), so the handlers
know nothing of notifications. Lambda and EventBridge destinations are kept in the document but not invoked.
The request ids inside an event are fresh ids, not those of the answer the client saw (unconfirmed otherwise).
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol, cast
from urllib.parse import quote_plus

from lxml import etree

from awsfake.errors import Fault, malformed_xml
from awsfake.services import Call, Peers, Result, Service
from awsfake.services.s3.addressing import locate
from awsfake.services.s3.bodies import parse_delete, parse_xml_body
from awsfake.services.s3.configuration import NAMESPACE
from awsfake.services.s3.model import Bucket, owner_of
from awsfake.services.sns.delivery import QueueSink
from awsfake.store.saved import Saved

__all__ = ["EVENTS", "Notifications", "Target", "targets_of"]

# operation -> the event it causes (DeleteObject that leaves a marker: ObjectRemoved:DeleteMarkerCreated)
EVENTS = {
    "PutObject": "ObjectCreated:Put",
    "CopyObject": "ObjectCreated:Copy",
    "CompleteMultipartUpload": "ObjectCreated:CompleteMultipartUpload",
    "DeleteObject": "ObjectRemoved:Delete",
    "DeleteObjects": "ObjectRemoved:Delete",
}
_KINDS = {"QueueConfiguration": ("Queue", "sqs"), "TopicConfiguration": ("Topic", "sns")}
_SUBJECT = "Amazon S3 Notification"
_EMPTY = f'<?xml version="1.0" encoding="UTF-8"?>\n<NotificationConfiguration xmlns="{NAMESPACE}"/>'.encode()
_sequence = itertools.count(int(time.time() * 1000) << 16)


class TopicSink(Protocol):
    """Where S3 publishes for `TopicConfiguration`s: the SNS service (`SNS.notify`)."""

    def notify(self, topic_arn: str, message: str, subject: str | None = None) -> bool: ...


@dataclass(frozen=True)
class Target:
    service: str  # "sqs" or "sns"
    arn: str
    config_id: str
    events: tuple[str, ...]
    prefix: str
    suffix: str

    def wants(self, event: str, key: str) -> bool:
        """`s3:ObjectCreated:*` matches every ObjectCreated event; the key must have the prefix and suffix."""
        named = any(p == f"s3:{event}" or (p.endswith(":*") and f"s3:{event}".startswith(p[:-1])) for p in self.events)
        return named and key.startswith(self.prefix) and key.endswith(self.suffix)


def targets_of(document: bytes) -> list[Target]:
    root = parse_xml_body(document)
    targets = []
    for element in root:
        kind = _KINDS.get(etree.QName(element).localname if isinstance(element.tag, str) else "")
        if kind is None:
            continue
        rules = {_text(r, "Name").lower(): _text(r, "Value") for r in element.iter(f"{{{NAMESPACE}}}FilterRule")}
        events = tuple((e.text or "").strip() for e in element.iter(f"{{{NAMESPACE}}}Event"))
        arn = _text(element, kind[0])
        targets.append(
            Target(kind[1], arn, _text(element, "Id"), events, rules.get("prefix", ""), rules.get("suffix", ""))
        )
    return targets


def _text(element: Any, name: str) -> str:
    found = element.find(f"{{{NAMESPACE}}}{name}")
    return (found.text or "").strip() if found is not None else ""


def _canonical(body: bytes) -> bytes:
    """The configuration in S3's namespace, each destination given an Id when it has none (as AWS does)."""
    root = parse_xml_body(body) if body.strip() else None
    if root is None or etree.QName(root).localname != "NotificationConfiguration":
        raise malformed_xml()
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = f"{{{NAMESPACE}}}{etree.QName(element).localname}"
    for element in root:
        if etree.QName(element).localname in _KINDS and element.find(f"{{{NAMESPACE}}}Id") is None:
            element.insert(0, etree.Element(f"{{{NAMESPACE}}}Id"))
            element[0].text = str(uuid.uuid4())
    etree.cleanup_namespaces(root, top_nsmap={None: NAMESPACE})  # type: ignore[dict-item]
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + bytes(etree.tostring(root, encoding="utf-8"))


def _stamp() -> str:
    now = datetime.fromtimestamp(time.time(), tz=timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _to_queue(service: Service, target: Target, message: str) -> bool:
    return cast("QueueSink", service).deliver(target.arn, message, {})


def _to_topic(service: Service, target: Target, message: str) -> bool:
    return cast("TopicSink", service).notify(target.arn, message, _SUBJECT)


_SENDERS: dict[str, Callable[[Service, Target, str], bool]] = {"sqs": _to_queue, "sns": _to_topic}


def _send(peers: Peers, target: Target, message: str) -> bool:
    """Hand one message to the queue or topic; False when the destination does not exist."""
    service = peers(target.service)
    return service is not None and _SENDERS[target.service](service, target, message)


def _record(
    event: str, bucket: Bucket, call: Call, target: Target, key: str, details: dict[str, Any]
) -> dict[str, Any]:
    """One event record as AWS writes it (the key URL-encoded, spaces as `+`)."""
    obj: dict[str, Any] = {"key": quote_plus(key, safe="/"), **details, "sequencer": f"{next(_sequence):016X}"}
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": bucket.region,
        "eventTime": _stamp(),
        "eventName": event,
        "userIdentity": {"principalId": f"AWS:{call.caller.user_id or call.caller.access_key_id}"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": os.urandom(8).hex().upper(), "x-amz-id-2": uuid.uuid4().hex},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": target.config_id,
            "bucket": {
                "name": bucket.name,
                "ownerIdentity": {"principalId": owner_of(bucket.owner)["ID"]},
                "arn": f"arn:aws:s3:::{bucket.name}",
            },
            "object": obj,
        },
    }


class Notifications:
    """The notification operations and the events of `EVENTS`, a mixin of `S3` (its lock, buckets, lookup, peers)."""

    lock: threading.RLock
    buckets: dict[str, Bucket]
    peers: Peers
    saved: Saved

    def _bucket(self, call: Call) -> Bucket:
        raise NotImplementedError

    def get_bucket_notification_configuration(self, call: Call) -> Result:
        with self.lock:
            document = self._bucket(call).settings.get("notification") or _EMPTY
        return Result(document, headers={"Content-Type": "application/xml"})

    def put_bucket_notification_configuration(self, call: Call) -> Result:
        """Store the configuration and send each destination AWS's `s3:TestEvent`; a missing one is refused."""
        document = _canonical(call.body.read())
        with self.lock:
            bucket = self._bucket(call)
        test = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": _stamp(), "Bucket": bucket.name}
        test.update(RequestId=os.urandom(8).hex().upper(), HostId=uuid.uuid4().hex)
        unreachable = [t.arn for t in targets_of(document) if not _send(self.peers, t, json.dumps(test))]
        if unreachable:
            raise Fault(
                "InvalidArgument",
                "Unable to validate the following destination configurations",
                extras={"ArgumentName": unreachable[0], "ArgumentValue": "The destination does not exist"},
            )
        with self.lock:
            bucket.settings["notification"] = document
            self.saved.touch("bucket", bucket.name)
        return Result(None)

    def notifying(self, action: str, method: Callable[[Call], Result] | None) -> Callable[[Call], Result] | None:
        """`method`, sending the bucket's events after it succeeds when `action` causes one."""
        event = EVENTS.get(action)
        if method is None or event is None:
            return method

        def notified(call: Call) -> Result:
            result = method(call)
            self._emit(event, call, result)
            return result

        return notified

    def _emit(self, event: str, call: Call, result: Result) -> None:
        name, key = locate(call.host, call.path)
        bucket = self.buckets.get(name)  # a dict read each, atomic: the lock is taken only for a bucket that notifies
        if bucket is None or not bucket.settings.get("notification"):
            return
        with self.lock:
            document = bucket.settings.get("notification")
            if not document:
                return
            records = self._records(event, bucket, call, result, key or "")
        for target in targets_of(document):
            for key_name, event_name, details in records:
                if target.wants(event_name, key_name):
                    message = {"Records": [_record(event_name, bucket, call, target, key_name, details)]}
                    _send(self.peers, target, json.dumps(message))

    def _records(
        self, event: str, bucket: Bucket, call: Call, result: Result, key: str
    ) -> list[tuple[str, str, dict[str, Any]]]:
        """(key, event name, object details) for each object the operation created or removed."""
        version = {"versionId": result.headers["x-amz-version-id"]} if "x-amz-version-id" in result.headers else {}
        if event.startswith("ObjectCreated"):
            obj = bucket.objects.get(key)
            if obj is None:
                return []
            return [(key, event, {"size": obj.size, "eTag": obj.etag.strip('"'), **version})]
        if call.body and not key:  # DeleteObjects: every key asked for
            return [(k, event, {}) for k in parse_delete(call.body.read())[0]]
        marker = "x-amz-delete-marker" in result.headers and "versionId" not in call.query
        return [(key, "ObjectRemoved:DeleteMarkerCreated" if marker else event, version)]
