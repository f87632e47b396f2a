"""What S3 keeps for an object, and the small values S3 reports about things (ETags, owners, times)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

from awsfake.store.body import Body

__all__ = [
    "DEFAULT_CONTENT_TYPE",
    "Bucket",
    "S3Object",
    "Upload",
    "argument",
    "big_int",
    "bucket_arn",
    "etag_of",
    "first",
    "now",
    "owner_of",
]


DEFAULT_CONTENT_TYPE = "binary/octet-stream"


@dataclass
class S3Object:
    """One stored object: its body (in memory or a file, see `awsfake.store.body`), and what S3 returns about it."""

    key: str
    data: Body
    etag: str  # quoted, as on the wire
    last_modified: datetime
    content_type: str = DEFAULT_CONTENT_TYPE
    metadata: dict[str, str] = field(default_factory=dict)  # x-amz-meta-* names without the prefix, lowercased
    headers: dict[str, str] = field(default_factory=dict)  # STORED_HEADERS that were sent
    tags: dict[str, str] = field(default_factory=dict)
    checksum: tuple[str, str] | None = None  # (x-amz-checksum-ALGORITHM header, base64 value) of the whole object
    grants: tuple[tuple[str, str, str], ...] = ()  # the ACL (acl.Grant); () the owner's FULL_CONTROL

    @property
    def size(self) -> int:
        return self.data.size


def now() -> datetime:
    """Now, to the second (S3 reports whole seconds), through time.time so freezegun controls it; the datetime is
    made once per second (every write asks)."""
    global _latest
    second = int(time.time())
    latest = _latest
    if latest[0] != second:
        latest = _latest = (second, datetime.fromtimestamp(second, tz=timezone.utc))
    return latest[1]


_latest = (0, datetime.fromtimestamp(0, tz=timezone.utc))  # (a second, its datetime): the last `now()`


def etag_of(data: Body) -> str:
    return data.etag()


def owner_of(account_id: str) -> dict[str, str]:
    """S3's canonical user id is 64 hex characters; ours is derived from the account id so it is stable."""
    return {"ID": hashlib.sha256(f"awsfake-canonical:{account_id}".encode()).hexdigest()}


def bucket_arn(name: str) -> str:
    return f"arn:aws:s3:::{name}"


def first(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def big_int(digits: str) -> int:
    """int() of a digit string of any length: Python refuses more than 4300 digits, and past 19 digits every
    limit we compare with is exceeded anyway, so such a number reads as 10**19."""
    significant = digits.lstrip("0") or "0"
    return int(significant) if len(significant) <= 19 else 10**19


def argument(name: str, value: str) -> dict[str, str]:
    return {"ArgumentName": name, "ArgumentValue": value}


@dataclass
class Bucket:
    name: str
    owner: str  # account id
    region: str
    created: datetime
    objects: dict[str, S3Object] = field(default_factory=dict)
    # subresource -> the configuration document put (None: deleted); see services/s3/configuration.py
    settings: dict[str, bytes | None] = field(default_factory=dict)
    grants: tuple[tuple[str, str, str], ...] = ()  # the ACL (acl.Grant); () the owner's FULL_CONTROL


@dataclass
class Upload:
    upload_id: str
    bucket: str
    key: str
    content_type: str
    metadata: dict[str, str]
    headers: dict[str, str]
    initiated: datetime
    tags: dict[str, str] = field(default_factory=dict)
    grants: tuple[tuple[str, str, str], ...] = ()  # the completed object's ACL, as asked at creation (acl.Grant)
    parts: dict[int, tuple[str, Body]] = field(default_factory=dict)  # number -> (quoted etag, data)
