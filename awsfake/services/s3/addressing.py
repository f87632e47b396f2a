"""Which bucket, key and action an S3 request addresses: virtual-hosted or path style, method and subresources.

Virtual-hosted style puts the bucket in the host: `bucket.localhost:PORT` (RFC 6761 loopback names) or
`bucket.s3[.REGION].amazonaws.com`; any other host is path style, `/bucket/key`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from awsfake.auth.virtual_host import virtual_bucket
from awsfake.errors import Fault
from awsfake.services.s3.configuration import SETTINGS
from awsfake.services.s3.model import first

__all__ = ["action_for", "check_bucket_name", "locate"]


# Subresources we answer; any other subresource in the query is NotImplemented rather than silently ignored.
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")

_SUBRESOURCES = frozenset(
    {
        *("acl", "accelerate", "analytics", "cors", "encryption", "intelligent-tiering", "inventory", "lifecycle"),
        *("logging", "metrics", "notification", "object-lock", "ownershipControls", "policy", "policyStatus"),
        *("publicAccessBlock", "replication", "requestPayment", "restore", "retention", "legal-hold", "select"),
        *("tagging", "torrent", "versioning", "versions", "website", "attributes"),
    }
)


# object subresource -> method -> action
_OBJECT_SUBRESOURCES = {
    "tagging": {"GET": "GetObjectTagging", "PUT": "PutObjectTagging", "DELETE": "DeleteObjectTagging"},
    "acl": {"GET": "GetObjectAcl", "PUT": "PutObjectAcl"},
}
_VERBS = {"GET": "Get", "PUT": "Put", "DELETE": "Delete"}
# bucket subresource -> its operations' stem (the stored ones are services/s3/configuration.SETTINGS)
_CONFIGURED = {
    **{setting.subresource: setting.operation for setting in SETTINGS.values()},
    "acl": "BucketAcl",
    "versioning": "BucketVersioning",
    "notification": "BucketNotificationConfiguration",
}


def action_for(method: str, host: str, path: str, query: Mapping[str, list[str]], headers: Mapping[str, str]) -> str:
    """The S3 action a request names; NotImplemented for subresources we do not emulate."""
    bucket, key = locate(host, path)
    method = method.upper()
    if not bucket:
        return "ListBuckets" if method == "GET" else "MethodNotAllowed"
    if method == "OPTIONS":
        return "PreflightRequest"
    if key is not None and query and (subresource := next((n for n in _OBJECT_SUBRESOURCES if n in query), None)):
        return _OBJECT_SUBRESOURCES[subresource].get(method, "MethodNotAllowed")
    if key is None and method == "GET" and "versions" in query:
        return "ListObjectVersions"
    if key is None and (configured := _configuration_action(method, query)):
        return configured
    if query and any(name in _SUBRESOURCES for name in query):
        return "NotImplemented"
    if key is None:
        return _bucket_action(method, query)
    return _object_action(method, query, headers)


def _configuration_action(method: str, query: Mapping[str, list[str]]) -> str | None:
    """GetBucketCors, PutPublicAccessBlock, DeleteBucketPolicy, GetBucketAcl...: a bucket configuration action."""
    verb = _VERBS.get(method)
    stem = next((_CONFIGURED[name] for name in query if name in _CONFIGURED), None)
    if verb is None or stem is None or (verb == "Delete" and stem == "BucketAcl"):
        return None
    return verb + stem


def locate(host: str, path: str) -> tuple[str, str | None]:
    """(bucket, key) addressed by a request; key is None for bucket-level requests, bucket "" for the service.

    S3 asks it of one request several times (routing, the operation, its event notifications), so the last
    answer is kept: one (host, path, answer) tuple, replaced whole, so a thread reads either the old or the new."""
    global _last
    last = _last
    if last[1] == path and last[0] == host:
        return last[2]
    found = _located(host, path)
    _last = (host, path, found)
    return found


_last: tuple[str, str, tuple[str, str | None]] = ("", "", ("", None))  # the last locate(host, path) and its answer


def _located(host: str, path: str) -> tuple[str, str | None]:
    bucket = virtual_bucket(host)
    if bucket is not None:
        key = path[1:] if path.startswith("/") else path
        return bucket, key or None
    rest = path[1:] if path.startswith("/") else path
    name, slash, key = rest.partition("/")
    return name, (key or None) if slash else None


def _bucket_action(method: str, query: Mapping[str, list[str]]) -> str:
    if method == "GET":
        if "location" in query:
            return "GetBucketLocation"
        if "uploads" in query:
            return "ListMultipartUploads"
        return "ListObjectsV2" if first(query, "list-type") == "2" else "ListObjects"
    if method == "POST" and "delete" in query:
        return "DeleteObjects"
    actions = {"PUT": "CreateBucket", "HEAD": "HeadBucket", "DELETE": "DeleteBucket"}
    return actions.get(method, "MethodNotAllowed")


def _object_action(method: str, query: Mapping[str, list[str]], headers: Mapping[str, str]) -> str:
    multipart = "uploadId" in query
    if method == "PUT":
        if multipart:
            return "UploadPartCopy" if "x-amz-copy-source" in headers else "UploadPart"
        return "CopyObject" if "x-amz-copy-source" in headers else "PutObject"
    if method == "POST":
        if "uploads" in query:
            return "CreateMultipartUpload"
        return "CompleteMultipartUpload" if multipart else "MethodNotAllowed"
    if method == "GET":
        return "ListParts" if multipart else "GetObject"
    if method == "DELETE":
        return "AbortMultipartUpload" if multipart else "DeleteObject"
    return "HeadObject" if method == "HEAD" else "MethodNotAllowed"


def check_bucket_name(name: str) -> None:
    """AWS's general-purpose bucket naming rules; raises InvalidBucketName."""
    valid = bool(_BUCKET_NAME.match(name)) and ".." not in name
    valid = valid and not _is_ip(name) and not name.startswith(("xn--", "sthree-"))
    valid = valid and not name.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3"))
    if not valid:
        raise Fault("InvalidBucketName", "The specified bucket is not valid.", extras={"BucketName": name})


def _is_ip(name: str) -> bool:
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True
