"""Listing a bucket: pages of keys after a marker, rolled up at a delimiter into common prefixes; the
ListObjects and ListObjectsV2 operations (`Listings`, a mixin of `S3`).

A continuation token is the base64 of a tag and the last key or common prefix returned (AWS's own tokens are
opaque; unconfirmed format), so a forged or garbled token is InvalidArgument.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from awsfake.errors import Fault
from awsfake.services import Call, Result
from awsfake.services.s3.model import Bucket, S3Object, argument, first, owner_of

__all__ = ["MAX_KEYS", "ListPage", "ListQuery", "Listings", "decode_token", "encode_token", "list_page", "listed"]


MAX_KEYS = 1000


@dataclass
class ListQuery:
    prefix: str
    delimiter: str
    max_keys: int
    encoding: str | None

    @classmethod
    def parse(cls, query: Mapping[str, list[str]]) -> ListQuery:
        raw = first(query, "max-keys")
        try:
            max_keys = MAX_KEYS if raw is None else int(raw)
        except ValueError:
            max_keys = -1
        if max_keys < 0:
            raise Fault(
                "InvalidArgument",
                "Provided max-keys not an integer or within integer range",
                extras=argument("max-keys", raw or ""),
            )
        encoding = first(query, "encoding-type")
        if encoding is not None and encoding != "url":
            raise Fault(
                "InvalidArgument",
                "Invalid Encoding Method specified in Request",
                extras=argument("encoding-type", encoding),
            )
        return cls(first(query, "prefix") or "", first(query, "delimiter") or "", min(max_keys, MAX_KEYS), encoding)

    def encode(self, value: str) -> str:
        return quote(value, safe="/") if self.encoding == "url" else value


@dataclass
class ListPage:
    objects: list[S3Object]
    prefixes: list[str]
    truncated: bool
    last: str  # the last key or common prefix returned: where the next page starts


def list_page(objects: Mapping[str, S3Object], prefix: str, delimiter: str, after: str, max_keys: int) -> ListPage:
    """One page of a listing: keys after `after` under `prefix`, rolled up at `delimiter` into common prefixes."""
    page = ListPage([], [], False, after)
    skip = after if delimiter and after.endswith(delimiter) else None  # resuming after a common prefix
    for key in sorted(k for k in objects if k > after and k.startswith(prefix)):
        if skip is not None and key.startswith(skip):
            continue
        rest = key[len(prefix) :]
        cut = rest.find(delimiter) if delimiter else -1
        entry = prefix + rest[: cut + len(delimiter)] if cut >= 0 else None
        if entry is not None and page.prefixes and page.prefixes[-1] == entry:
            continue
        if len(page.objects) + len(page.prefixes) >= max_keys:
            page.truncated = max_keys > 0
            break
        if entry is not None:
            page.prefixes.append(entry)
            page.last = entry
        else:
            page.objects.append(objects[key])
            page.last = key
    return page


def listed(obj: S3Object, q: ListQuery, owner: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Key": q.encode(obj.key),
        "LastModified": obj.last_modified,
        "ETag": obj.etag,
        "Size": obj.size,
    }
    if owner is not None:
        entry["Owner"] = owner_of(owner)
    entry["StorageClass"] = "STANDARD"
    return entry


_TOKEN_TAG = "awsfake-list:"


def encode_token(last: str) -> str:
    return base64.urlsafe_b64encode((_TOKEN_TAG + last).encode()).decode()


def decode_token(token: str) -> str:
    try:
        text = base64.b64decode(token.encode(), altchars=b"-_", validate=True).decode()
    except (binascii.Error, ValueError):
        text = ""
    if not text.startswith(_TOKEN_TAG):
        raise Fault(
            "InvalidArgument",
            "The continuation token provided is incorrect",
            extras=argument("continuation-token", token),
        )
    return text[len(_TOKEN_TAG) :]


class Listings:
    """The listing operations; `S3` provides the lock and the bucket lookup declared here."""

    lock: threading.RLock

    def _bucket(self, call: Call) -> Bucket:
        raise NotImplementedError

    def list_objects_v2(self, call: Call) -> Result:
        q = ListQuery.parse(call.query)
        token = first(call.query, "continuation-token")
        start_after = first(call.query, "start-after")
        marker = decode_token(token) if token is not None else (start_after or "")
        with self.lock:
            bucket = self._bucket(call)
            page = list_page(bucket.objects, q.prefix, q.delimiter, marker, q.max_keys)
        body: dict[str, Any] = {"Name": bucket.name, "Prefix": q.encode(q.prefix)}
        if q.delimiter:
            body["Delimiter"] = q.encode(q.delimiter)
        body["MaxKeys"] = q.max_keys
        if q.encoding:
            body["EncodingType"] = q.encoding
        body["KeyCount"] = len(page.objects) + len(page.prefixes)
        body["IsTruncated"] = page.truncated
        if token is not None:
            body["ContinuationToken"] = token
        if page.truncated:
            body["NextContinuationToken"] = encode_token(page.last)
        if start_after is not None:
            body["StartAfter"] = q.encode(start_after)
        owner = first(call.query, "fetch-owner") == "true"
        body["Contents"] = [listed(o, q, bucket.owner if owner else None) for o in page.objects]
        body["CommonPrefixes"] = [{"Prefix": q.encode(p)} for p in page.prefixes]
        return Result(body, root="ListBucketResult")

    def list_objects(self, call: Call) -> Result:
        q = ListQuery.parse(call.query)
        marker = first(call.query, "marker") or ""
        with self.lock:
            bucket = self._bucket(call)
            page = list_page(bucket.objects, q.prefix, q.delimiter, marker, q.max_keys)
        body: dict[str, Any] = {"Name": bucket.name, "Prefix": q.encode(q.prefix), "Marker": q.encode(marker)}
        if page.truncated and q.delimiter:
            body["NextMarker"] = q.encode(page.last)  # AWS sends NextMarker only with a delimiter
        body["MaxKeys"] = q.max_keys
        if q.delimiter:
            body["Delimiter"] = q.encode(q.delimiter)
        if q.encoding:
            body["EncodingType"] = q.encoding
        body["IsTruncated"] = page.truncated
        body["Contents"] = [listed(o, q, bucket.owner) for o in page.objects]
        body["CommonPrefixes"] = [{"Prefix": q.encode(p)} for p in page.prefixes]
        return Result(body, root="ListBucketResult")
