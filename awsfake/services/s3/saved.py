"""S3's saved state (`awsfake.store`): one record per bucket (without its objects; its configuration, ACL and
notification settings with it), per object (`bucket/key`), per multipart upload, and per versioned bucket's
versions. A mixin of `S3`: it reads the service's dicts.

A versions record names the files of the old versions it holds, so the store keeps those files while any version
refers to them (in memory, the version's `Body` keeps its file alive the same way)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from awsfake.services.s3.model import Bucket, Upload
from awsfake.services.s3.versions import Versions
from awsfake.store.saved import Saved

__all__ = ["SavedState"]


class SavedState:
    buckets: dict[str, Bucket]
    uploads: dict[str, Upload]
    versioning: dict[str, Versions]
    saved: Saved

    def touch_object(self, bucket: str, key: str) -> None:
        """The object `key` of `bucket` changed (or is gone): save it with the request's other changes."""
        if not self.saved.keeps:
            return
        self.saved.touch("object", f"{bucket}/{key}")
        if bucket in self.versioning:  # its versions changed with it
            self.saved.touch("versions", bucket)

    def state_of(self, kind: str, key: str) -> Any:
        if kind == "bucket":
            bucket = self.buckets.get(key)
            return replace(bucket, objects={}) if bucket else None
        if kind == "object":
            name, _, object_key = key.partition("/")
            holder = self.buckets.get(name)
            return holder.objects.get(object_key) if holder else None
        if kind == "versions":
            versions = self.versioning.get(key)
            return versions if versions and (versions.status or versions.history) else None
        return self.uploads.get(key)

    def restore(self, kind: str, key: str, value: Any) -> None:
        """Buckets come back before their objects and versions (records are restored in order of kind)."""
        if kind == "bucket":
            self.buckets[key] = value
        elif kind == "object" and (bucket := self.buckets.get(key.partition("/")[0])) is not None:
            bucket.objects[value.key] = value
        elif kind == "upload":
            self.uploads[key] = value
        elif kind == "versions" and key in self.buckets:
            self.versioning[key] = value
