"""S3 versioning: a bucket's versioning state, each key's versions and delete markers, and ListObjectVersions.

A bucket's `objects` stays what a plain GET sees (the latest version, or nothing under a delete marker); a
versioned bucket's `Versions` keeps every version beside it, newest last. Enabling versioning makes the objects
already there "null" versions, as AWS does; while suspended, writes and deletes replace the "null" version.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from awsfake.errors import Fault, malformed_xml
from awsfake.services import Call, Result
from awsfake.services.s3.bodies import parse_xml_body
from awsfake.services.s3.configuration import NAMESPACE
from awsfake.services.s3.listing import ListQuery
from awsfake.services.s3.model import Bucket, S3Object, first, now, owner_of
from awsfake.store.saved import Saved

__all__ = ["NULL", "ObjectVersions", "Version", "Versions", "no_such_version", "parse_status", "versions_page"]

NULL = "null"
_STATUSES = ("Enabled", "Suspended")


@dataclass
class Version:
    key: str
    version_id: str
    obj: S3Object | None  # None: a delete marker
    last_modified: datetime


@dataclass
class Versions:
    """One bucket's versioning: `status` is "" (never enabled), Enabled or Suspended."""

    status: str = ""
    history: dict[str, list[Version]] = field(default_factory=dict)  # key -> versions, newest last

    def set_status(self, status: str, objects: Mapping[str, S3Object]) -> None:
        if not self.status:
            for key, obj in objects.items():
                self.history[key] = [Version(key, NULL, obj, obj.last_modified)]
        self.status = status

    def stored(self, key: str, obj: S3Object) -> str | None:
        """Record a write; the version id to report (None: the bucket is not versioned)."""
        if not self.status:
            return None
        return self._add(key, obj, obj.last_modified)

    def deleted(self, key: str, objects: dict[str, S3Object]) -> str | None:
        """A DeleteObject without a version id: a delete marker's id (None: not versioned, the object is gone)."""
        objects.pop(key, None)
        if not self.status:
            return None
        return self._add(key, None, now())

    def removed(self, key: str, version_id: str, objects: dict[str, S3Object]) -> Version | None:
        """Delete one version for good; the latest remaining one becomes what a plain GET sees."""
        versions = self.history.get(key, [])
        found = next((v for v in versions if v.version_id == version_id), None)
        if found is None:
            if version_id == NULL and not self.status and key in objects:  # an unversioned object is "null"
                return Version(key, NULL, objects.pop(key), now())
            return None
        versions.remove(found)
        latest = versions[-1] if versions else None
        if latest is not None and latest.obj is not None:
            objects[key] = latest.obj
        else:
            objects.pop(key, None)
        if not versions:
            del self.history[key]
        return found

    def find(self, key: str, version_id: str, objects: Mapping[str, S3Object]) -> Version | None:
        if not self.status:
            obj = objects.get(key)
            return Version(key, NULL, obj, obj.last_modified) if obj is not None and version_id == NULL else None
        return next((v for v in self.history.get(key, []) if v.version_id == version_id), None)

    def latest(self, key: str) -> Version | None:
        versions = self.history.get(key)
        return versions[-1] if versions else None

    def _add(self, key: str, obj: S3Object | None, when: datetime) -> str:
        versions = self.history.setdefault(key, [])
        version_id = secrets.token_urlsafe(24) if self.status == "Enabled" else NULL
        if version_id == NULL:
            versions[:] = [v for v in versions if v.version_id != NULL]
        versions.append(Version(key, version_id, obj, when))
        return version_id


def parse_status(body: bytes) -> str:
    """The Status of a PutBucketVersioning body (Enabled or Suspended)."""
    root = parse_xml_body(body) if body.strip() else None
    found = root.iter(f"{{{NAMESPACE}}}Status", "Status") if root is not None else iter(())
    status = next((e.text or "" for e in found), None)
    if status not in _STATUSES:
        raise malformed_xml()
    return status


def no_such_version(key: str, version_id: str) -> Fault:
    return Fault(
        "NoSuchVersion", "The specified version does not exist.", 404, extras={"Key": key, "VersionId": version_id}
    )


def versions_page(
    name: str, versions: Versions, objects: Mapping[str, S3Object], query: Mapping[str, list[str]], owner: str
) -> dict[str, Any]:
    """ListObjectVersions' result: keys in order, each key's versions newest first, paged by key and version."""
    q = ListQuery.parse(query)
    key_marker = first(query, "key-marker") or ""
    id_marker = first(query, "version-id-marker") or ""
    rows = _rows(versions, objects, q.prefix, key_marker, id_marker)
    body: dict[str, Any] = {"Name": name, "Prefix": q.encode(q.prefix), "KeyMarker": q.encode(key_marker)}
    body["VersionIdMarker"] = id_marker
    body["MaxKeys"] = q.max_keys
    if q.delimiter:
        body["Delimiter"] = q.encode(q.delimiter)
    if q.encoding:
        body["EncodingType"] = q.encoding
    shown, prefixes, truncated = _page(rows, q)
    body["IsTruncated"] = truncated
    if truncated and shown:
        body["NextKeyMarker"] = q.encode(shown[-1][0].key)
        body["NextVersionIdMarker"] = shown[-1][0].version_id
    entries = [(_entry(v, latest, q, owner), v.obj is None) for v, latest in shown]
    body["Version"] = [entry for entry, marker in entries if not marker]
    body["DeleteMarker"] = [entry for entry, marker in entries if marker]
    body["CommonPrefixes"] = [{"Prefix": q.encode(p)} for p in prefixes]
    return body


def _rows(
    versions: Versions, objects: Mapping[str, S3Object], prefix: str, key_marker: str, id_marker: str
) -> list[tuple[Version, bool]]:
    """(version, is latest) for every version after the markers, keys ascending, newest first within a key."""
    if versions.status:
        history = versions.history
    else:
        history = {k: [Version(k, NULL, o, o.last_modified)] for k, o in objects.items()}
    rows: list[tuple[Version, bool]] = []
    for key in sorted(k for k in history if k.startswith(prefix) and k >= key_marker):
        newest_first = list(reversed(history[key]))
        if key == key_marker:
            ids = [v.version_id for v in newest_first]
            if not id_marker or id_marker not in ids:
                continue
            newest_first = newest_first[ids.index(id_marker) + 1 :]
            rows.extend((v, False) for v in newest_first)
            continue
        rows.extend((v, i == 0) for i, v in enumerate(newest_first))
    return rows


def _page(rows: list[tuple[Version, bool]], q: ListQuery) -> tuple[list[tuple[Version, bool]], list[str], bool]:
    shown: list[tuple[Version, bool]] = []
    prefixes: list[str] = []
    for version, latest in rows:
        if len(shown) + len(prefixes) >= q.max_keys:
            return shown, prefixes, True
        if q.delimiter and q.delimiter in version.key[len(q.prefix) :]:
            cut = version.key.index(q.delimiter, len(q.prefix)) + len(q.delimiter)
            if version.key[:cut] not in prefixes:
                prefixes.append(version.key[:cut])
            continue
        shown.append((version, latest))
    return shown, prefixes, False


def _entry(version: Version, latest: bool, q: ListQuery, owner: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Key": q.encode(version.key),
        "VersionId": version.version_id,
        "IsLatest": latest,
        "LastModified": version.last_modified,
    }
    if version.obj is not None:
        entry.update(ETag=version.obj.etag, Size=version.obj.size, StorageClass="STANDARD")
    entry["Owner"] = owner_of(owner)
    return entry


class ObjectVersions:
    """The versioning operations, a mixin of `S3`: it provides the lock, the buckets and the bucket lookup."""

    lock: threading.RLock
    versioning: dict[str, Versions]  # bucket name -> its versions
    saved: Saved

    def _bucket(self, call: Call) -> Bucket:
        raise NotImplementedError

    def versions_of(self, bucket: Bucket) -> Versions:
        found = self.versioning.get(bucket.name)
        if found is None:
            found = self.versioning[bucket.name] = Versions()
        return found

    def get_bucket_versioning(self, call: Call) -> Result:
        with self.lock:
            status = self.versions_of(self._bucket(call)).status
        return Result({"Status": status} if status else {}, root="VersioningConfiguration")

    def put_bucket_versioning(self, call: Call) -> Result:
        status = parse_status(call.body.read())
        with self.lock:
            bucket = self._bucket(call)
            self.versions_of(bucket).set_status(status, bucket.objects)
            self.saved.touch("versions", bucket.name)
        return Result(None)

    def list_object_versions(self, call: Call) -> Result:
        with self.lock:
            bucket = self._bucket(call)
            body = versions_page(bucket.name, self.versions_of(bucket), bucket.objects, call.query, bucket.owner)
        return Result(body, root="ListVersionsResult")
