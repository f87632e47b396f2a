"""Amazon S3: buckets, objects, listings, copies and multipart uploads, kept in memory.

S3 is a REST service: `route` names the action (`s3_addressing`); the request's headers, XML bodies and listings
are read by `s3_headers`, `s3_bodies` and `s3_listing`. Bucket names are one namespace shared by every account, as
on AWS. An unimplemented subresource answers NotImplemented (501) rather than something it is not.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from awsfake.errors import Fault, method_not_allowed, no_such_key, not_implemented
from awsfake.services import Call, Result, Service
from awsfake.services.s3.addressing import action_for, check_bucket_name, locate
from awsfake.services.s3.bodies import location_constraint, parse_complete, parse_delete, parse_tagging
from awsfake.services.s3.headers import (
    SSE,
    check_conditions,
    check_content_md5,
    check_copy_conditions,
    check_tags,
    check_write_conditions,
    copy_range,
    header_tags,
    object_checksum,
    object_fields,
    object_headers,
    parse_copy_source,
    parse_range,
    response_overrides,
)
from awsfake.services.s3.listing import ListQuery, decode_token, encode_token, list_page, listed
from awsfake.services.s3.model import S3Object, argument, big_int, bucket_arn, etag_of, first, now, owner_of
from awsfake.services.s3.post_object import answer, is_browser_upload, store_call, upload_of

__all__ = ["S3", "S3Object"]


MIN_PART_SIZE = 5 * 1024 * 1024
MAX_KEY_BYTES = 1024


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
    tags: dict[str, str] = field(default_factory=dict)
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
        if is_browser_upload(call):
            return "PostObject"
        return action_for(call.method, call.host, call.path, call.query, call.headers)

    def not_implemented(self, call: Call) -> Result:
        """Subresources we do not emulate are refused plainly rather than answered as if they were something else."""
        raise not_implemented()

    def post_object(self, call: Call) -> Result:
        """A browser upload (its form already verified by auth): stored as PutObject stores it."""
        upload = upload_of(call)
        stored = self.put_object(store_call(call, upload))
        return answer(upload, stored.headers.get("ETag", ""), call.host)

    def method_not_allowed(self, call: Call) -> Result:
        raise method_not_allowed(call.method.upper(), "OBJECT" if locate(call.host, call.path)[1] else "BUCKET")

    # --- buckets -------------------------------------------------------------------------------------------

    def list_buckets(self, call: Call) -> Result:
        prefix = first(call.query, "prefix") or ""
        limit = _max_buckets(first(call.query, "max-buckets"))
        token = first(call.query, "continuation-token")
        after = decode_token(token) if token else ""
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
            {"Name": b.name, "CreationDate": b.created, "BucketRegion": b.region, "BucketArn": bucket_arn(b.name)}
            for b in page
        ]
        body: dict[str, Any] = {"Buckets": {"Bucket": entries}, "Owner": owner_of(call.caller.account_id)}
        if len(mine) > len(page):
            body["ContinuationToken"] = encode_token(page[-1].name)
        if prefix:
            body["Prefix"] = prefix
        return Result(body, root="ListAllMyBucketsResult")

    def create_bucket(self, call: Call) -> Result:
        name, _ = locate(call.host, call.path)
        check_bucket_name(name)
        region = location_constraint(call)
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
                self.buckets[name] = _Bucket(name, call.caller.account_id, region, now())
        return Result(None, headers={"Location": f"/{name}", "x-amz-bucket-arn": bucket_arn(name)})

    def head_bucket(self, call: Call) -> Result:
        bucket = self._bucket(call)
        return Result(
            None,
            headers={
                "x-amz-bucket-region": bucket.region,
                "x-amz-bucket-arn": bucket_arn(bucket.name),
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
        content_type, metadata, headers = object_fields(call.headers)
        obj = S3Object(key, call.body, etag_of(call.body), now(), content_type, metadata, headers)
        obj.tags = header_tags(call.headers)
        obj.checksum = object_checksum(call.headers, call.body)
        with self.lock:
            bucket = self._bucket(call)
            check_write_conditions(call.headers, bucket.objects.get(key), key)
            bucket.objects[key] = obj
        checksum = dict([obj.checksum]) if obj.checksum else {}
        return Result(None, headers={"ETag": obj.etag, **SSE, **checksum})

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
        """Multi-object delete; the body must carry an integrity check (Content-MD5 or a flexible checksum)."""
        check_content_md5(call.headers, call.body)
        if call.headers.get("Content-MD5") is None and object_checksum(call.headers, call.body) is None:
            raise Fault("InvalidRequest", "Missing required header for this request: Content-MD5")
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
                extras=argument("x-amz-metadata-directive", directive),
            )
        if directive == "REPLACE":
            content_type, metadata, headers = object_fields(call.headers)
        else:
            content_type, metadata, headers = source.content_type, dict(source.metadata), dict(source.headers)
        tagging = (call.headers.get("x-amz-tagging-directive") or "COPY").upper()
        if tagging not in ("COPY", "REPLACE"):
            raise Fault(
                "InvalidArgument", "Unknown tagging directive.", extras=argument("x-amz-tagging-directive", tagging)
            )
        tags = header_tags(call.headers) if tagging == "REPLACE" else dict(source.tags)
        with self.lock:
            bucket = self._bucket(call)
            if bucket.objects.get(key) is source and directive == "COPY":
                raise Fault(
                    "InvalidRequest",
                    "This copy request is illegal because it is trying to copy an object to itself without changing "
                    "the object's metadata, storage class, website redirect location or encryption attributes.",
                )
            copy = S3Object(key, source.data, etag_of(source.data), now(), content_type, metadata, headers)
            copy.checksum = source.checksum
            copy.tags = tags
            bucket.objects[key] = copy
        result = {"ETag": copy.etag, "LastModified": copy.last_modified}
        return Result({**result}, root="CopyObjectResult")

    # --- tags ----------------------------------------------------------------------------------------------

    def get_object_tagging(self, call: Call) -> Result:
        obj = self._object(call)
        tags = [{"Key": k, "Value": v} for k, v in obj.tags.items()]
        return Result({"TagSet": {"Tag": tags}}, root="Tagging")

    def put_object_tagging(self, call: Call) -> Result:
        tags = check_tags(parse_tagging(call.body))
        with self.lock:
            self._object(call).tags = tags
        return Result(None)

    def delete_object_tagging(self, call: Call) -> Result:
        with self.lock:
            self._object(call).tags = {}
        return Result(None, status=204)

    # --- listings ------------------------------------------------------------------------------------------

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

    # --- multipart uploads ---------------------------------------------------------------------------------

    def create_multipart_upload(self, call: Call) -> Result:
        bucket_name, key = self._object_address(call)
        content_type, metadata, headers = object_fields(call.headers)
        upload = _Upload(secrets.token_urlsafe(48), bucket_name, key, content_type, metadata, headers, now())
        upload.tags = header_tags(call.headers)
        with self.lock:
            self._bucket(call)
            self.uploads[upload.upload_id] = upload
        return Result(
            {"Bucket": bucket_name, "Key": key, "UploadId": upload.upload_id}, root="InitiateMultipartUploadResult"
        )

    def list_multipart_uploads(self, call: Call) -> Result:
        prefix = first(call.query, "prefix") or ""
        limit = _max_uploads(first(call.query, "max-uploads"))
        key_marker = first(call.query, "key-marker") or ""
        id_marker = first(call.query, "upload-id-marker") or ""
        with self.lock:
            bucket = self._bucket(call)
            uploads = sorted(
                (u for u in self.uploads.values() if u.bucket == bucket.name and u.key.startswith(prefix)),
                key=lambda u: (u.key, u.initiated, u.upload_id),
            )
        uploads = _after_markers(uploads, key_marker, id_marker)
        page = uploads[:limit]
        owner = owner_of(bucket.owner)
        body: dict[str, Any] = {
            "Bucket": bucket.name,
            "KeyMarker": key_marker,
            "UploadIdMarker": id_marker,
        }
        if len(uploads) > len(page):
            body["NextKeyMarker"], body["NextUploadIdMarker"] = page[-1].key, page[-1].upload_id
        body.update({"Prefix": prefix, "MaxUploads": limit, "IsTruncated": len(uploads) > len(page)})
        body["Upload"] = [
            {
                "UploadId": u.upload_id,
                "Key": u.key,
                "Initiated": u.initiated,
                "StorageClass": "STANDARD",
                "Owner": owner,
                "Initiator": owner,
            }
            for u in page
        ]
        return Result(body, root="ListMultipartUploadsResult")

    def upload_part(self, call: Call) -> Result:
        number = _part_number(first(call.query, "partNumber"))
        check_content_md5(call.headers, call.body)
        etag = etag_of(call.body)
        with self.lock:
            upload = self._upload(call)
            upload.parts[number] = (etag, call.body)
        return Result(None, headers={"ETag": etag})

    def upload_part_copy(self, call: Call) -> Result:
        number = _part_number(first(call.query, "partNumber"))
        source = self._copy_source(call)
        check_copy_conditions(call.headers, source)
        first_byte, last_byte = copy_range(call.headers.get("x-amz-copy-source-range"), source.size)
        data = source.data[first_byte : last_byte + 1]
        etag = etag_of(data)
        with self.lock:
            upload = self._upload(call)
            upload.parts[number] = (etag, data)
        return Result({"ETag": etag, "LastModified": now()}, root="CopyPartResult")

    def complete_multipart_upload(self, call: Call) -> Result:
        requested = parse_complete(call.body)
        with self.lock:
            upload = self._upload(call)
            check_write_conditions(call.headers, self._bucket(call).objects.get(upload.key), upload.key)
            data = assemble(upload, requested)
            digest = hashlib.md5(b"".join(bytes.fromhex(upload.parts[n][0].strip('"')) for n, _ in requested))
            etag = f'"{digest.hexdigest()}-{len(requested)}"'
            obj = S3Object(upload.key, data, etag, now(), upload.content_type, upload.metadata, upload.headers)
            obj.tags = dict(upload.tags)
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
        return self._owned(name, call)

    def _owned(self, name: str, call: Call) -> _Bucket:
        """The named bucket, if the caller's account owns it: there are no bucket policies to grant others access."""
        with self.lock:
            bucket = self.buckets.get(name)
        if bucket is None:
            raise Fault("NoSuchBucket", "The specified bucket does not exist", 404, extras={"BucketName": name})
        if bucket.owner != call.caller.account_id:
            raise Fault("AccessDenied", "Access Denied", 403)
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
            raise no_such_key(key)
        return obj

    def _upload(self, call: Call) -> _Upload:
        upload_id = first(call.query, "uploadId") or ""
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
            obj = self._owned(bucket_name, call).objects.get(key)
        if obj is None:
            raise no_such_key(key)
        return obj

    def _read_object(self, call: Call, *, with_body: bool) -> Result:
        obj = self._object(call)
        not_modified = check_conditions(call.headers, obj)
        headers = object_headers(obj)
        if not_modified:
            return Result(b"", status=304, headers={"ETag": obj.etag, "Last-Modified": headers["Last-Modified"]})
        span = parse_range(call.headers.get("Range"), obj.size)
        status, data = 200, obj.data
        if span is not None:
            first, last = span
            status, data = 206, obj.data[first : last + 1]
            headers["Content-Range"] = f"bytes {first}-{last}/{obj.size}"
        elif obj.checksum and (call.headers.get("x-amz-checksum-mode") or "").upper() == "ENABLED":
            headers[obj.checksum[0]] = obj.checksum[1]  # the client checks the body against it
            headers["x-amz-checksum-type"] = "FULL_OBJECT"
        headers["Content-Length"] = str(len(data))
        headers.update(response_overrides(call.query))
        return Result(data if with_body else b"", status=status, headers=headers)


def _max_buckets(raw: str | None) -> int:
    if raw is None:
        return 10000
    if not (raw.isascii() and raw.isdigit()) or not 1 <= big_int(raw) <= 10000:
        raise Fault(
            "InvalidArgument",
            "Argument max-buckets must be an integer between 1 and 10000.",
            extras=argument("max-buckets", raw),
        )
    return int(raw)


def _max_uploads(raw: str | None) -> int:
    if raw is None:
        return 1000
    if not (raw.isascii() and raw.isdigit()):
        raise Fault(
            "InvalidArgument",
            "Provided max-uploads not an integer or within integer range",
            extras=argument("max-uploads", raw),
        )
    return max(min(big_int(raw), 1000), 1)


def _after_markers(uploads: list[_Upload], key_marker: str, id_marker: str) -> list[_Upload]:
    """Uploads after the key marker; with an upload-id marker, after that upload of the marker key."""
    if not key_marker:
        return uploads
    if id_marker:
        index = next((i for i, u in enumerate(uploads) if u.upload_id == id_marker and u.key == key_marker), None)
        if index is not None:
            return uploads[index + 1 :]
    return [u for u in uploads if u.key > key_marker]


def _part_number(raw: str | None) -> int:
    try:
        number = int(raw or "")
    except ValueError:
        number = 0
    if not 1 <= number <= 10000:
        raise Fault(
            "InvalidArgument",
            "Part number must be an integer between 1 and 10000, inclusive",
            extras=argument("partNumber", raw or ""),
        )
    return number


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
