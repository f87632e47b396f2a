"""S3's saved state (`awsfake.store`): one record per bucket (without its objects), per object (`bucket/key`)
and per multipart upload. A mixin of `S3`: it reads the service's dicts."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from awsfake.services.s3.model import Bucket, Upload
from awsfake.store.saved import Saved

__all__ = ["SavedState"]


class SavedState:
    buckets: dict[str, Bucket]
    uploads: dict[str, Upload]
    saved: Saved

    def touch_object(self, bucket: str, key: str) -> None:
        """The object `key` of `bucket` changed (or is gone): save it with the request's other changes."""
        self.saved.touch("object", f"{bucket}/{key}")

    def state_of(self, kind: str, key: str) -> Any:
        if kind == "bucket":
            bucket = self.buckets.get(key)
            return replace(bucket, objects={}) if bucket else None
        if kind == "object":
            name, _, object_key = key.partition("/")
            holder = self.buckets.get(name)
            return holder.objects.get(object_key) if holder else None
        return self.uploads.get(key)

    def restore(self, kind: str, key: str, value: Any) -> None:
        """Buckets come back before their objects (records are restored in order of kind)."""
        if kind == "bucket":
            self.buckets[key] = value
        elif kind == "object" and (bucket := self.buckets.get(key.partition("/")[0])) is not None:
            bucket.objects[value.key] = value
        elif kind == "upload":
            self.uploads[key] = value
