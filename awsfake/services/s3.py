"""Amazon S3: buckets, objects, listings, copies and multipart uploads, kept in memory.

S3 is a REST service: `route` names the action from the method, the host (virtual-hosted style
`bucket.localhost:PORT` or `bucket.s3.REGION.amazonaws.com`, else path style `/bucket/key`), the path and the
query's subresources. Bucket names are one namespace shared by every account, as on AWS.

Choices where AWS is not documented (unconfirmed against a captured response): a continuation token is the
base64 of the last key or common prefix returned; an unimplemented subresource answers NotImplemented (501).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import re
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, unquote

from lxml import etree
from werkzeug.http import http_date, parse_date

from awsfake.faults import Fault
from awsfake.services import Call, Result, Service

__all__ = ["S3", "S3Object"]

MIN_PART_SIZE = 5 * 1024 * 1024
MAX_KEYS = 1000
MAX_KEY_BYTES = 1024
MAX_METADATA_BYTES = 2048
MAX_DELETE_OBJECTS = 1000
DEFAULT_CONTENT_TYPE = "binary/octet-stream"
# Headers kept with an object and returned by GetObject/HeadObject as they were sent.
STORED_HEADERS = ("Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires")
# Subresources we answer; any other subresource in the query is NotImplemented rather than silently ignored.
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_VIRTUAL_AWS_HOST = re.compile(r"^(?P<bucket>.+)\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com$")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_SUBRESOURCES = frozenset(
    {
        *("acl", "accelerate", "analytics", "cors", "encryption", "intelligent-tiering", "inventory", "lifecycle"),
        *("logging", "metrics", "notification", "object-lock", "ownershipControls", "policy", "policyStatus"),
        *("publicAccessBlock", "replication", "requestPayment", "restore", "retention", "legal-hold", "select"),
        *("tagging", "torrent", "versioning", "versions", "website", "attributes"),
    }
)
# S3 encrypts every object at rest (SSE-S3) since January 2023 and says so on writes and reads.
_SSE = {"x-amz-server-side-encryption": "AES256"}
# GetObject's query parameters that override response headers (used by presigned download links).
_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}
_MALFORMED_XML = "The XML you provided was not well-formed or did not validate against our published schema"


@dataclass
class S3Object:
    """One stored object: its bytes, and what S3 returns about it."""

    key: str
    data: bytes
    etag: str  # quoted, as on the wire
    last_modified: datetime
    content_type: str = DEFAULT_CONTENT_TYPE
    metadata: dict[str, str] = field(default_factory=dict)  # x-amz-meta-* names without the prefix, lowercased
    headers: dict[str, str] = field(default_factory=dict)  # STORED_HEADERS that were sent

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class _Bucket:
    name: str
    owner: str  # account id
    region: str
    created: datetime
    objects: dict[str, S3Object] = field(default_factory=dict)


@dataclass
class _Upload:
    upload_id: str
    bucket: str
    key: str
    content_type: str
    metadata: dict[str, str]
    headers: dict[str, str]
    initiated: datetime
    parts: dict[int, tuple[str, bytes]] = field(default_factory=dict)  # number -> (quoted etag, data)


class S3(Service):
    """S3's bucket and object operations. `buckets` maps a bucket name to its state (read it in tests)."""

    name = "s3"
    buckets: dict[str, _Bucket]
    uploads: dict[str, _Upload]

    def reset(self) -> None:
        with self.lock:
            self.buckets = {}
            self.uploads = {}

    # --- routing -------------------------------------------------------------------------------------------

    def route(self, call: Call) -> str:
        bucket, key = locate(call.host, call.path)
        method = call.method.upper()
        query = call.query
        if not bucket:
            return "ListBuckets" if method == "GET" else "MethodNotAllowed"
        if any(name in _SUBRESOURCES for name in query):
            return "NotImplemented"
        if key is None:
            return _bucket_action(method, query)
        return _object_action(method, query, call.headers)

    def not_implemented(self, call: Call) -> Result:
        """Subresources we do not emulate are refused plainly rather than answered as if they were something else."""
        raise Fault("NotImplemented", "A header you provided implies functionality that is not implemented", 501)

    def method_not_allowed(self, call: Call) -> Result:
        raise Fault(
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
            405,
            extras={
                "Method": call.method.upper(),
                "ResourceType": "OBJECT" if locate(call.host, call.path)[1] else "BUCKET",
            },
        )

    # --- buckets -------------------------------------------------------------------------------------------

    def list_buckets(self, call: Call) -> Result:
        prefix = _first(call.query, "prefix") or ""
        limit = _max_buckets(_first(call.query, "max-buckets"))
        token = _first(call.query, "continuation-token")
        after = _decode_token(token) if token else ""
        with self.lock:
            mine = sorted(
                (
                    b
                    for b in self.buckets.values()
                    if b.owner == call.caller.account_id and b.name.startswith(prefix) and b.name > after
                ),
                key=lambda b: b.name,
            )
        page = mine[:limit]
        entries = [
            {"Name": b.name, "CreationDate": b.created, "BucketRegion": b.region, "BucketArn": _bucket_arn(b.name)}
            for b in page
        ]
        body: dict[str, Any] = {"Buckets": {"Bucket": entries}, "Owner": _owner(call.caller.account_id)}
        if len(mine) > len(page):
            body["ContinuationToken"] = _encode_token(page[-1].name)
        if prefix:
            body["Prefix"] = prefix
        return Result(body, root="ListAllMyBucketsResult")

    def create_bucket(self, call: Call) -> Result:
        name, _ = locate(call.host, call.path)
        check_bucket_name(name)
        region = _location_constraint(call)
        with self.lock:
            existing = self.buckets.get(name)
            if existing is not None:
                if existing.owner != call.caller.account_id:
                    raise Fault(
                        "BucketAlreadyExists",
                        "The requested bucket name is not available. The bucket namespace is shared by all users of "
                        "the system. Please select a different name and try again.",
                        409,
                        extras={"BucketName": name},
                    )
                # AWS keeps a legacy 200 for re-creating your own bucket in us-east-1 only.
                if existing.region != "us-east-1" or region != "us-east-1":
                    raise Fault(
                        "BucketAlreadyOwnedByYou",
                        "Your previous request to create the named bucket succeeded and you already own it.",
                        409,
                        extras={"BucketName": name},
                    )
            else:
                self.buckets[name] = _Bucket(name, call.caller.account_id, region, _now())
        return Result(None, headers={"Location": f"/{name}", "x-amz-bucket-arn": _bucket_arn(name)})

    def head_bucket(self, call: Call) -> Result:
        bucket = self._bucket(call)
        return Result(
            None,
            headers={
                "x-amz-bucket-region": bucket.region,
                "x-amz-bucket-arn": _bucket_arn(bucket.name),
                "x-amz-access-point-alias": "false",
            },
        )

    def get_bucket_location(self, call: Call) -> Result:
        bucket = self._bucket(call)
        # us-east-1 is reported as an empty constraint, as AWS does.
        return Result("" if bucket.region == "us-east-1" else bucket.region, root="LocationConstraint")

    def delete_bucket(self, call: Call) -> Result:
        with self.lock:
            bucket = self._bucket(call)
            if bucket.objects:
                raise Fault(
                    "BucketNotEmpty",
                    "The bucket you tried to delete is not empty",
                    409,
                    extras={"BucketName": bucket.name},
                )
            del self.buckets[bucket.name]
            for upload_id in [u.upload_id for u in self.uploads.values() if u.bucket == bucket.name]:
                del self.uploads[upload_id]
        return Result(None, status=204)

    # --- objects -------------------------------------------------------------------------------------------

    def put_object(self, call: Call) -> Result:
        _, key = self._object_address(call)
        check_content_md5(call.headers, call.body)
        content_type, metadata, headers = _object_fields(call.headers)
        obj = S3Object(key, call.body, _etag(call.body), _now(), content_type, metadata, headers)
        with self.lock:
            bucket = self._bucket(call)
            check_write_conditions(call.headers, bucket.objects.get(key), key)
            bucket.objects[key] = obj
        return Result(None, headers={"ETag": obj.etag, **_SSE})

    def get_object(self, call: Call) -> Result:
        return self._read_object(call, with_body=True)

    def head_object(self, call: Call) -> Result:
        return self._read_object(call, with_body=False)

    def delete_object(self, call: Call) -> Result:
        _, key = self._object_address(call)
        with self.lock:
            self._bucket(call).objects.pop(key, None)
        return Result(None, status=204)

    def delete_objects(self, call: Call) -> Result:
        check_content_md5(call.headers, call.body)
        keys, quiet = parse_delete(call.body)
        deleted: list[dict[str, Any]] = []
        with self.lock:
            bucket = self._bucket(call)
            for key in keys:
                bucket.objects.pop(key, None)
                deleted.append({"Key": key})
        body: dict[str, Any] = {} if quiet else {"Deleted": deleted}
        return Result(body, root="DeleteResult")

    def copy_object(self, call: Call) -> Result:
        _, key = self._object_address(call)
        source = self._copy_source(call)
        check_copy_conditions(call.headers, source)
        directive = (call.headers.get("x-amz-metadata-directive") or "COPY").upper()
        if directive not in ("COPY", "REPLACE"):
            raise Fault(
                "InvalidArgument",
                "Unknown metadata directive.",
                extras=_argument("x-amz-metadata-directive", directive),
            )
        if directive == "REPLACE":
            content_type, metadata, headers = _object_fields(call.headers)
        else:
            content_type, metadata, headers = source.content_type, dict(source.metadata), dict(source.headers)
        with self.lock:
            bucket = self._bucket(call)
            if bucket.objects.get(key) is source and directive == "COPY":
                raise Fault(
                    "InvalidRequest",
                    "This copy request is illegal because it is trying to copy an object to itself without changing "
                    "the object's metadata, storage class, website redirect location or encryption attributes.",
                )
            copy = S3Object(key, source.data, _etag(source.data), _now(), content_type, metadata, headers)
            bucket.objects[key] = copy
        result = {"ETag": copy.etag, "LastModified": copy.last_modified}
        return Result({**result}, root="CopyObjectResult")

    # --- listings ------------------------------------------------------------------------------------------

    def list_objects_v2(self, call: Call) -> Result:
        q = _ListQuery.parse(call.query)
        token = _first(call.query, "continuation-token")
        start_after = _first(call.query, "start-after")
        marker = _decode_token(token) if token is not None else (start_after or "")
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
            body["NextContinuationToken"] = _encode_token(page.last)
        if start_after is not None:
            body["StartAfter"] = q.encode(start_after)
        owner = _first(call.query, "fetch-owner") == "true"
        body["Contents"] = [_listed(o, q, bucket.owner if owner else None) for o in page.objects]
        body["CommonPrefixes"] = [{"Prefix": q.encode(p)} for p in page.prefixes]
        return Result(body, root="ListBucketResult")

    def list_objects(self, call: Call) -> Result:
        q = _ListQuery.parse(call.query)
        marker = _first(call.query, "marker") or ""
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
        body["Contents"] = [_listed(o, q, bucket.owner) for o in page.objects]
        body["CommonPrefixes"] = [{"Prefix": q.encode(p)} for p in page.prefixes]
        return Result(body, root="ListBucketResult")

    # --- multipart uploads ---------------------------------------------------------------------------------

    def create_multipart_upload(self, call: Call) -> Result:
        bucket_name, key = self._object_address(call)
        content_type, metadata, headers = _object_fields(call.headers)
        upload = _Upload(secrets.token_urlsafe(48), bucket_name, key, content_type, metadata, headers, _now())
        with self.lock:
            self._bucket(call)
            self.uploads[upload.upload_id] = upload
        return Result(
            {"Bucket": bucket_name, "Key": key, "UploadId": upload.upload_id}, root="InitiateMultipartUploadResult"
        )

    def upload_part(self, call: Call) -> Result:
        number = _part_number(_first(call.query, "partNumber"))
        check_content_md5(call.headers, call.body)
        etag = _etag(call.body)
        with self.lock:
            upload = self._upload(call)
            upload.parts[number] = (etag, call.body)
        return Result(None, headers={"ETag": etag})

    def complete_multipart_upload(self, call: Call) -> Result:
        requested = parse_complete(call.body)
        with self.lock:
            upload = self._upload(call)
            check_write_conditions(call.headers, self._bucket(call).objects.get(upload.key), upload.key)
            data = assemble(upload, requested)
            digest = hashlib.md5(b"".join(bytes.fromhex(upload.parts[n][0].strip('"')) for n, _ in requested))
            etag = f'"{digest.hexdigest()}-{len(requested)}"'
            obj = S3Object(upload.key, data, etag, _now(), upload.content_type, upload.metadata, upload.headers)
            self._bucket(call).objects[upload.key] = obj
            del self.uploads[upload.upload_id]
        location = f"http://{call.host}/{quote(upload.bucket)}/{quote(upload.key)}"
        body = {"Location": location, "Bucket": upload.bucket, "Key": upload.key, "ETag": etag}
        return Result(body, root="CompleteMultipartUploadResult")

    def abort_multipart_upload(self, call: Call) -> Result:
        with self.lock:
            upload = self._upload(call)
            del self.uploads[upload.upload_id]
        return Result(None, status=204)

    def list_parts(self, call: Call) -> Result:
        with self.lock:
            upload = self._upload(call)
            parts = [
                {"PartNumber": n, "LastModified": upload.initiated, "ETag": etag, "Size": len(data)}
                for n, (etag, data) in sorted(upload.parts.items())
            ]
        body = {
            "Bucket": upload.bucket,
            "Key": upload.key,
            "UploadId": upload.upload_id,
            "StorageClass": "STANDARD",
            "IsTruncated": False,
            "Part": parts,
        }
        return Result(body, root="ListPartsResult")

    # --- state access --------------------------------------------------------------------------------------

    def _bucket(self, call: Call) -> _Bucket:
        name, _ = locate(call.host, call.path)
        with self.lock:
            bucket = self.buckets.get(name)
        if bucket is None:
            raise Fault("NoSuchBucket", "The specified bucket does not exist", 404, extras={"BucketName": name})
        return bucket

    def _object_address(self, call: Call) -> tuple[str, str]:
        bucket, key = locate(call.host, call.path)
        key = key or ""
        if len(key.encode()) > MAX_KEY_BYTES:
            raise Fault(
                "KeyTooLongError",
                "Your key is too long",
                extras={"Size": str(len(key.encode())), "MaxSizeAllowed": str(MAX_KEY_BYTES)},
            )
        return bucket, key

    def _object(self, call: Call) -> S3Object:
        _, key = self._object_address(call)
        with self.lock:
            obj = self._bucket(call).objects.get(key)
        if obj is None:
            raise Fault("NoSuchKey", "The specified key does not exist.", 404, extras={"Key": key})
        return obj

    def _upload(self, call: Call) -> _Upload:
        upload_id = _first(call.query, "uploadId") or ""
        bucket, key = self._object_address(call)
        with self.lock:
            self._bucket(call)
            upload = self.uploads.get(upload_id)
        if upload is None or upload.bucket != bucket or upload.key != key:
            raise Fault(
                "NoSuchUpload",
                "The specified upload does not exist. The upload ID may be invalid, or the upload may have been "
                "aborted or completed.",
                404,
                extras={"UploadId": upload_id},
            )
        return upload

    def _copy_source(self, call: Call) -> S3Object:
        bucket_name, key = parse_copy_source(call.headers.get("x-amz-copy-source", ""))
        with self.lock:
            bucket = self.buckets.get(bucket_name)
            if bucket is None:
                raise Fault(
                    "NoSuchBucket", "The specified bucket does not exist", 404, extras={"BucketName": bucket_name}
                )
            obj = bucket.objects.get(key)
        if obj is None:
            raise Fault("NoSuchKey", "The specified key does not exist.", 404, extras={"Key": key})
        return obj

    def _read_object(self, call: Call, *, with_body: bool) -> Result:
        obj = self._object(call)
        not_modified = check_conditions(call.headers, obj)
        headers = _object_headers(obj)
        if not_modified:
            return Result(b"", status=304, headers={"ETag": obj.etag, "Last-Modified": headers["Last-Modified"]})
        span = parse_range(call.headers.get("Range"), obj.size)
        status, data = 200, obj.data
        if span is not None:
            first, last = span
            status, data = 206, obj.data[first : last + 1]
            headers["Content-Range"] = f"bytes {first}-{last}/{obj.size}"
        headers["Content-Length"] = str(len(data))
        headers.update(_response_overrides(call.query))
        return Result(data if with_body else b"", status=status, headers=headers)


# --- routing helpers (pure) --------------------------------------------------------------------------------


def locate(host: str, path: str) -> tuple[str, str | None]:
    """(bucket, key) addressed by a request; key is None for bucket-level requests, bucket "" for the service."""
    bucket = virtual_bucket(host)
    if bucket is not None:
        key = path[1:] if path.startswith("/") else path
        return bucket, key or None
    rest = path[1:] if path.startswith("/") else path
    name, slash, key = rest.partition("/")
    return name, (key or None) if slash else None


def virtual_bucket(host: str) -> str | None:
    """The bucket named by a virtual-hosted style Host header, or None for path style."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.lower().rstrip(".")
    if name.endswith(".localhost"):
        return name[: -len(".localhost")] or None
    match = _VIRTUAL_AWS_HOST.match(name)
    return match.group("bucket") if match else None


def _bucket_action(method: str, query: Mapping[str, list[str]]) -> str:
    if method == "GET":
        if "location" in query:
            return "GetBucketLocation"
        if "uploads" in query:
            return "NotImplemented"
        return "ListObjectsV2" if _first(query, "list-type") == "2" else "ListObjects"
    if method == "POST" and "delete" in query:
        return "DeleteObjects"
    actions = {"PUT": "CreateBucket", "HEAD": "HeadBucket", "DELETE": "DeleteBucket"}
    return actions.get(method, "MethodNotAllowed")


def _object_action(method: str, query: Mapping[str, list[str]], headers: Mapping[str, str]) -> str:
    multipart = "uploadId" in query
    if method == "PUT":
        if multipart:
            return "NotImplemented" if "x-amz-copy-source" in headers else "UploadPart"
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


# --- validation (pure) -------------------------------------------------------------------------------------


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


def check_content_md5(headers: Mapping[str, str], body: bytes) -> None:
    """Content-MD5, when sent, must be the base64 of 16 bytes and match the body."""
    sent = headers.get("Content-MD5")
    if sent is None:
        return
    try:
        digest = base64.b64decode(sent, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 16:
        raise Fault("InvalidDigest", "The Content-MD5 you specified is not valid.", extras={"Content-MD5": sent})
    calculated = hashlib.md5(body).digest()
    if digest != calculated:
        raise Fault(
            "BadDigest",
            "The Content-MD5 you specified did not match what we received.",
            extras={"ExpectedDigest": sent, "CalculatedDigest": base64.b64encode(calculated).decode()},
        )


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive byte span a Range header asks for; None for the whole object.

    A header that is not a single `bytes=` range is ignored (the whole object is sent), as AWS does.
    """
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match or match.group(1) == match.group(2) == "":
        return None
    first_s, last_s = match.groups()
    if first_s == "":
        suffix = int(last_s)
        if suffix == 0 or size == 0:
            raise _invalid_range(header, size)
        return max(size - suffix, 0), size - 1
    first = int(first_s)
    if last_s and int(last_s) < first:
        return None  # syntactically invalid: ignored
    if first >= size:
        raise _invalid_range(header, size)
    return first, min(int(last_s), size - 1) if last_s else size - 1


def _invalid_range(header: str, size: int) -> Fault:
    return Fault(
        "InvalidRange",
        "The requested range is not satisfiable",
        416,
        extras={"RangeRequested": header, "ActualObjectSize": str(size)},
    )


def check_conditions(headers: Mapping[str, str], obj: S3Object) -> bool:
    """Apply If-Match/If-Unmodified-Since (412) and If-None-Match/If-Modified-Since; True means 304 Not Modified."""
    if_match = headers.get("If-Match")
    if if_match is not None and not _etag_matches(if_match, obj.etag):
        raise _precondition_failed("If-Match")
    since = _http_time(headers.get("If-Unmodified-Since"))
    if if_match is None and since is not None and obj.last_modified > since:
        raise _precondition_failed("If-Unmodified-Since")
    if_none = headers.get("If-None-Match")
    if if_none is not None:
        return _etag_matches(if_none, obj.etag)
    modified_since = _http_time(headers.get("If-Modified-Since"))
    return modified_since is not None and obj.last_modified <= modified_since


def check_write_conditions(headers: Mapping[str, str], current: S3Object | None, key: str) -> None:
    """Conditional writes: If-None-Match `*` refuses to overwrite, If-Match requires the current ETag (412)."""
    if_none = headers.get("If-None-Match")
    if if_none is not None and current is not None and if_none.strip() == "*":
        raise _precondition_failed("If-None-Match")
    if_match = headers.get("If-Match")
    if if_match is None:
        return
    if current is None:
        raise Fault("NoSuchKey", "The specified key does not exist.", 404, extras={"Key": key})
    if not _etag_matches(if_match, current.etag):
        raise _precondition_failed("If-Match")


def check_copy_conditions(headers: Mapping[str, str], obj: S3Object) -> None:
    """The x-amz-copy-source-if-* preconditions; any that fails is 412."""
    if_match = headers.get("x-amz-copy-source-if-match")
    if if_match is not None and not _etag_matches(if_match, obj.etag):
        raise _precondition_failed("x-amz-copy-source-If-Match")
    if_none = headers.get("x-amz-copy-source-if-none-match")
    if if_none is not None and _etag_matches(if_none, obj.etag):
        raise _precondition_failed("x-amz-copy-source-If-None-Match")
    since = _http_time(headers.get("x-amz-copy-source-if-unmodified-since"))
    if if_match is None and since is not None and obj.last_modified > since:
        raise _precondition_failed("x-amz-copy-source-If-Unmodified-Since")
    modified = _http_time(headers.get("x-amz-copy-source-if-modified-since"))
    if if_none is None and modified is not None and obj.last_modified <= modified:
        raise _precondition_failed("x-amz-copy-source-If-Modified-Since")


def _etag_matches(header: str, etag: str) -> bool:
    wanted = {t.strip().removeprefix("W/").strip('"') for t in header.split(",")}
    return "*" in wanted or etag.strip('"') in wanted


def _precondition_failed(condition: str) -> Fault:
    return Fault(
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
        412,
        extras={"Condition": condition},
    )


def _http_time(value: str | None) -> datetime | None:
    return parse_date(value) if value else None


def parse_copy_source(header: str) -> tuple[str, str]:
    """(bucket, key) of `x-amz-copy-source`: `bucket/key` or `/bucket/key`, URL-encoded, `?versionId=` ignored."""
    source = header.split("?", 1)[0]
    source = unquote(source)
    bucket, slash, key = source.removeprefix("/").partition("/")
    if not bucket or not slash or not key:
        raise Fault(
            "InvalidArgument",
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            extras=_argument("x-amz-copy-source", header),
        )
    return bucket, key


def _max_buckets(raw: str | None) -> int:
    if raw is None:
        return 10000
    if not raw.isdigit() or not 1 <= int(raw) <= 10000:
        raise Fault(
            "InvalidArgument",
            "Argument max-buckets must be an integer between 1 and 10000.",
            extras=_argument("max-buckets", raw),
        )
    return int(raw)


def _response_overrides(query: Mapping[str, list[str]]) -> dict[str, str]:
    return {header: values[0] for name, header in _OVERRIDES.items() if (values := query.get(name))}


def _part_number(raw: str | None) -> int:
    try:
        number = int(raw or "")
    except ValueError:
        number = 0
    if not 1 <= number <= 10000:
        raise Fault(
            "InvalidArgument",
            "Part number must be an integer between 1 and 10000, inclusive",
            extras=_argument("partNumber", raw or ""),
        )
    return number


def _location_constraint(call: Call) -> str:
    """The bucket's region from CreateBucketConfiguration, checked against the region the request was signed for."""
    constraint = ""
    if call.body.strip():
        root = _parse_xml(call.body)
        found = _child(root, "LocationConstraint")
        constraint = (found.text or "").strip() if found is not None else ""
    if constraint == "us-east-1":
        raise Fault(
            "InvalidLocationConstraint",
            "The specified location-constraint is not valid",
            extras={"LocationConstraint": constraint},
        )
    region = "eu-west-1" if constraint == "EU" else constraint or "us-east-1"
    if region != call.region:
        raise Fault(
            "IllegalLocationConstraintException",
            f"The {constraint or 'unspecified'} location constraint is incompatible for the region specific "
            "endpoint this request was sent to.",
        )
    return region


# --- XML request bodies ------------------------------------------------------------------------------------

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


def _parse_xml(body: bytes) -> etree._Element:
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except etree.XMLSyntaxError:
        root = None
    if root is None or _has_doctype(root):  # no DTDs: entities never expand
        raise Fault("MalformedXML", _MALFORMED_XML)
    return root


def _has_doctype(root: etree._Element) -> bool:
    doctype: str = getattr(root.getroottree().docinfo, "doctype", "")
    return bool(doctype)


def _local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _child(element: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in element if _local(c) == name), None)


def _children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    return (c for c in element if _local(c) == name)


def parse_delete(body: bytes) -> tuple[list[str], bool]:
    """The keys and Quiet flag of a DeleteObjects request body."""
    root = _parse_xml(body)
    if _local(root) != "Delete":
        raise Fault("MalformedXML", _MALFORMED_XML)
    keys = []
    for item in _children(root, "Object"):
        key = _child(item, "Key")
        if key is None:
            raise Fault("MalformedXML", _MALFORMED_XML)
        keys.append(key.text or "")
    if not keys or len(keys) > MAX_DELETE_OBJECTS:
        raise Fault("MalformedXML", _MALFORMED_XML)
    quiet = _child(root, "Quiet")
    return keys, quiet is not None and (quiet.text or "").strip().lower() == "true"


def parse_complete(body: bytes) -> list[tuple[int, str]]:
    """(part number, ETag without quotes) pairs of a CompleteMultipartUpload body, in the order sent."""
    root = _parse_xml(body) if body.strip() else None
    if root is None or _local(root) != "CompleteMultipartUpload":
        raise Fault("MalformedXML", _MALFORMED_XML)
    parts = []
    for part in _children(root, "Part"):
        number, etag = _child(part, "PartNumber"), _child(part, "ETag")
        if number is None or etag is None or not (number.text or "").strip().isdigit():
            raise Fault("MalformedXML", _MALFORMED_XML)
        parts.append((int((number.text or "").strip()), (etag.text or "").strip().strip('"')))
    if not parts:
        raise Fault("MalformedXML", _MALFORMED_XML)
    return parts


def assemble(upload: _Upload, requested: list[tuple[int, str]]) -> bytes:
    """The object's bytes from the listed parts: ascending, uploaded with matching ETags, all but the last ≥5 MiB."""
    numbers = [n for n, _ in requested]
    if numbers != sorted(numbers) or len(set(numbers)) != len(numbers):
        raise Fault(
            "InvalidPartOrder",
            "The list of parts was not in ascending order. Parts must be ordered by part number.",
            extras={"UploadId": upload.upload_id},
        )
    chunks = []
    for index, (number, etag) in enumerate(requested):
        stored = upload.parts.get(number)
        if stored is None or stored[0].strip('"') != etag:
            raise Fault(
                "InvalidPart",
                "One or more of the specified parts could not be found.  The part may not have been uploaded, or "
                "the specified entity tag may not match the part's entity tag.",
                extras={"UploadId": upload.upload_id, "PartNumber": str(number), "ETag": etag},
            )
        if index < len(requested) - 1 and len(stored[1]) < MIN_PART_SIZE:
            raise Fault(
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed size",
                extras={
                    "ProposedSize": str(len(stored[1])),
                    "MinSizeAllowed": str(MIN_PART_SIZE),
                    "PartNumber": str(number),
                    "ETag": etag,
                },
            )
        chunks.append(stored[1])
    return b"".join(chunks)


# --- listings (pure) ---------------------------------------------------------------------------------------


@dataclass
class _ListQuery:
    prefix: str
    delimiter: str
    max_keys: int
    encoding: str | None

    @classmethod
    def parse(cls, query: Mapping[str, list[str]]) -> _ListQuery:
        raw = _first(query, "max-keys")
        try:
            max_keys = MAX_KEYS if raw is None else int(raw)
        except ValueError:
            max_keys = -1
        if max_keys < 0:
            raise Fault(
                "InvalidArgument",
                "Provided max-keys not an integer or within integer range",
                extras=_argument("max-keys", raw or ""),
            )
        encoding = _first(query, "encoding-type")
        if encoding is not None and encoding != "url":
            raise Fault(
                "InvalidArgument",
                "Invalid Encoding Method specified in Request",
                extras=_argument("encoding-type", encoding),
            )
        return cls(_first(query, "prefix") or "", _first(query, "delimiter") or "", min(max_keys, MAX_KEYS), encoding)

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


def _listed(obj: S3Object, q: _ListQuery, owner: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Key": q.encode(obj.key),
        "LastModified": obj.last_modified,
        "ETag": obj.etag,
        "Size": obj.size,
    }
    if owner is not None:
        entry["Owner"] = _owner(owner)
    entry["StorageClass"] = "STANDARD"
    return entry


_TOKEN_TAG = "awsfake-list:"


def _encode_token(last: str) -> str:
    return base64.urlsafe_b64encode((_TOKEN_TAG + last).encode()).decode()


def _decode_token(token: str) -> str:
    try:
        text = base64.b64decode(token.encode(), altchars=b"-_", validate=True).decode()
    except (binascii.Error, ValueError):
        text = ""
    if not text.startswith(_TOKEN_TAG):
        raise Fault(
            "InvalidArgument",
            "The continuation token provided is incorrect",
            extras=_argument("continuation-token", token),
        )
    return text[len(_TOKEN_TAG) :]


# --- small helpers -----------------------------------------------------------------------------------------


def _first(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _argument(name: str, value: str) -> dict[str, str]:
    return {"ArgumentName": name, "ArgumentValue": value}


def _now() -> datetime:
    """Now, to the second (S3 reports whole seconds), through time.time so freezegun controls it."""
    return datetime.fromtimestamp(int(time.time()), tz=timezone.utc)


def _etag(data: bytes) -> str:
    return f'"{hashlib.md5(data).hexdigest()}"'


def _owner(account_id: str) -> dict[str, str]:
    """S3's canonical user id is 64 hex characters; ours is derived from the account id so it is stable."""
    return {"ID": hashlib.sha256(f"awsfake-canonical:{account_id}".encode()).hexdigest()}


def _bucket_arn(name: str) -> str:
    return f"arn:aws:s3:::{name}"


def _object_fields(headers: Mapping[str, str]) -> tuple[str, dict[str, str], dict[str, str]]:
    """Content-Type, x-amz-meta-* and the other stored headers of a PutObject/CreateMultipartUpload request."""
    metadata = {
        name.lower()[len("x-amz-meta-") :]: value
        for name, value in _items(headers)
        if name.lower().startswith("x-amz-meta-")
    }
    size = sum(len(k) + len(v) for k, v in metadata.items())
    if size > MAX_METADATA_BYTES:
        raise Fault(
            "MetadataTooLarge",
            "Your metadata headers exceed the maximum allowed metadata size",
            extras={"Size": str(size), "MaxSizeAllowed": str(MAX_METADATA_BYTES)},
        )
    stored = {name: headers[name] for name in STORED_HEADERS if headers.get(name) is not None}
    encoding = [e.strip() for e in stored.get("Content-Encoding", "").split(",") if e.strip() != "aws-chunked"]
    stored.pop("Content-Encoding", None)
    if any(encoding):
        stored["Content-Encoding"] = ",".join(e for e in encoding if e)
    return headers.get("Content-Type") or DEFAULT_CONTENT_TYPE, metadata, stored


def _items(headers: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    items = getattr(headers, "items", None)
    yield from (items() if items is not None else ((k, headers[k]) for k in headers))


def _object_headers(obj: S3Object) -> dict[str, str]:
    headers = {
        "Content-Type": obj.content_type,
        "ETag": obj.etag,
        "Last-Modified": http_date(obj.last_modified),
        "Accept-Ranges": "bytes",
        **_SSE,
        **obj.headers,
    }
    for name, value in obj.metadata.items():
        headers[f"x-amz-meta-{name}"] = value
    return headers
