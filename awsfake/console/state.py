"""What each service holds, as plain JSON-ready values, for `/_awsfake/state` and the state browser.

A table of dumpers, one per service with state worth showing, each reading the attributes the service documents
for tests (`S3.buckets`, `SQS.queues`, `SNS.topics` and `subscriptions`) under the service's lock. A service
without a dumper (STS keeps no resources) is listed with its name only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from awsfake.services import Service
from awsfake.services.native import NATIVE
from awsfake.services.s3 import S3
from awsfake.services.sns import SNS
from awsfake.services.sqs import SQS

if TYPE_CHECKING:
    from awsfake.endpoint import FakeAWS
    from awsfake.store.body import Body

__all__ = ["MESSAGE_PREVIEW", "snapshot", "stored_object"]

MESSAGE_PREVIEW = 4096  # characters of a message body shown; the dashboard is for looking, not for copying queues


def snapshot(fake: FakeAWS) -> dict[str, Any]:
    """Every implemented service's state, and DynamoDB's tables: `{"s3": {"buckets": [...]}, "sqs": {...}, ...}`."""
    state: dict[str, Any] = {}
    for name in NATIVE:
        service = fake.service(name)
        dump = _DUMPERS.get(name)
        if service is None:
            continue
        with service.lock:
            state[name] = dump(service) if dump is not None else {}
    state["dynamodb"] = {"tables": _dynamodb_tables()}
    return state


def _dynamodb_tables() -> list[dict[str, Any]]:
    """DynamoDB's tables as moto holds them (DynamoDB is answered through moto): none until moto has served one,
    and moto is never imported for a look."""
    if "moto.dynamodb" not in sys.modules:
        return []
    from moto.backends import get_backend

    tables = []
    for account, regions in get_backend("dynamodb").items():
        for region, backend in regions.items():
            for name, table in backend.tables.items():
                items = sum(1 for _ in table.all_items())
                tables.append({"name": name, "account": account, "region": region, "items": items})
    return sorted(tables, key=lambda t: (t["account"], t["region"], t["name"]))


def _iso(moment: datetime | float) -> str:
    if isinstance(moment, float | int):
        moment = datetime.fromtimestamp(moment, tz=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _s3(service: Service) -> dict[str, Any]:
    assert isinstance(service, S3)
    buckets = []
    for bucket in sorted(service.buckets.values(), key=lambda b: b.name):
        objects = [
            {
                "key": obj.key,
                "size": obj.size,
                "etag": obj.etag,
                "last_modified": _iso(obj.last_modified),
                "content_type": obj.content_type,
            }
            for obj in sorted(bucket.objects.values(), key=lambda o: o.key)
        ]
        buckets.append(
            {"name": bucket.name, "region": bucket.region, "created": _iso(bucket.created), "objects": objects}
        )
    return {"buckets": buckets, "multipart_uploads": len(service.uploads)}


def _sqs(service: Service) -> dict[str, Any]:
    assert isinstance(service, SQS)
    queues = []
    for queue in sorted(service.queues.values(), key=lambda q: (q.region, q.name)):
        messages = [
            {
                "message_id": m.message_id,
                "body": m.body[:MESSAGE_PREVIEW],
                "sent": _iso(m.sent_at),
                "receive_count": m.receive_count,
                "group_id": m.group_id,
            }
            for m in queue.messages
        ]
        queues.append(
            {
                "name": queue.name,
                "region": queue.region,
                "account": queue.account_id,
                "arn": queue.arn,
                "attributes": dict(queue.attributes),
                "messages": messages,
            }
        )
    return {"queues": queues}


def _sns(service: Service) -> dict[str, Any]:
    assert isinstance(service, SNS)
    topics = []
    for topic in sorted(service.topics.values(), key=lambda t: t.arn):
        subscriptions = [
            {"arn": s.arn, "protocol": s.protocol, "endpoint": s.endpoint, "confirmed": s.confirmed}
            for s in service.subscriptions.values()
            if s.topic_arn == topic.arn
        ]
        topics.append({"arn": topic.arn, "attributes": dict(topic.attributes), "subscriptions": subscriptions})
    return {"topics": topics, "published": len(service.published)}


_DUMPERS: dict[str, Callable[[Service], dict[str, Any]]] = {"s3": _s3, "sqs": _sqs, "sns": _sns}


def stored_object(fake: FakeAWS, bucket: str, key: str) -> tuple[Body, str] | None:
    """An S3 object's body and content type, for the state browser's download link (streamed from its file)."""
    service = fake.service("s3")
    if not isinstance(service, S3):
        return None
    with service.lock:
        found = service.buckets.get(bucket)
        obj = found.objects.get(key) if found is not None else None
        return (obj.data, obj.content_type) if obj is not None else None
