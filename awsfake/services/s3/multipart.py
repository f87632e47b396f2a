"""S3's multipart uploads: create, upload parts (or copy them), list, complete (the parts assembled and checked)
and abort. A mixin of `S3`: the methods use its lock, its uploads and its bucket and object lookups."""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from awsfake.errors import Fault
from awsfake.services import Call, Result
from awsfake.services.s3.bodies import parse_complete
from awsfake.services.s3.headers import (
    check_content_md5,
    check_copy_conditions,
    check_write_conditions,
    copy_range,
    header_tags,
    object_fields,
)
from awsfake.services.s3.model import Bucket, S3Object, Upload, argument, big_int, etag_of, first, now, owner_of
from awsfake.services.s3.object_acl import object_grants
from awsfake.services.s3.version_headers import version_header
from awsfake.services.s3.versions import Versions
from awsfake.store.blobs import Blobs
from awsfake.store.body import Body, BodyWriter
from awsfake.store.saved import Saved

__all__ = ["MIN_PART_SIZE", "MultipartUploads", "assemble", "checked_parts"]

MIN_PART_SIZE = 5 * 1024 * 1024


class MultipartUploads:
    """The multipart operations; `S3` provides the state and lookups declared here."""

    lock: threading.RLock
    uploads: dict[str, Upload]
    versions_of: Callable[[Bucket], Versions]  # ObjectVersions's
    blobs: Blobs
    saved: Saved

    def _bucket(self, call: Call) -> Bucket:
        raise NotImplementedError

    def _object_address(self, call: Call) -> tuple[str, str]:
        raise NotImplementedError

    def _copy_source(self, call: Call) -> S3Object:
        raise NotImplementedError

    def touch_object(self, bucket: str, key: str) -> None:
        raise NotImplementedError

    def create_multipart_upload(self, call: Call) -> Result:
        bucket_name, key = self._object_address(call)
        content_type, metadata, headers = object_fields(call.headers)
        upload = Upload(secrets.token_urlsafe(48), bucket_name, key, content_type, metadata, headers, now())
        upload.tags = header_tags(call.headers)
        with self.lock:
            upload.grants = object_grants(self._bucket(call), call.headers)
            self.uploads[upload.upload_id] = upload
            self.saved.touch("upload", upload.upload_id)
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
            self.saved.touch("upload", upload.upload_id)
        return Result(None, headers={"ETag": etag})

    def upload_part_copy(self, call: Call) -> Result:
        number = _part_number(first(call.query, "partNumber"))
        source = self._copy_source(call)
        check_copy_conditions(call.headers, source)
        first_byte, last_byte = copy_range(call.headers.get("x-amz-copy-source-range"), source.size)
        data = _copied(source.data, first_byte, last_byte, self.blobs)
        etag = etag_of(data)
        with self.lock:
            upload = self._upload(call)
            upload.parts[number] = (etag, data)
            self.saved.touch("upload", upload.upload_id)
        return Result({"ETag": etag, "LastModified": now()}, root="CopyPartResult")

    def complete_multipart_upload(self, call: Call) -> Result:
        requested = parse_complete(call.body.read())
        with self.lock:
            upload = self._upload(call)
            check_write_conditions(call.headers, self._bucket(call).objects.get(upload.key), upload.key)
            parts = checked_parts(upload, requested)
        data = assemble(parts, self.blobs)  # gigabytes may be copied: other requests go on meanwhile
        with self.lock:
            upload = self._upload(call)  # not aborted or completed meanwhile
            check_write_conditions(call.headers, self._bucket(call).objects.get(upload.key), upload.key)
            digest = hashlib.md5(b"".join(part.md5 for part in parts))
            etag = f'"{digest.hexdigest()}-{len(requested)}"'
            obj = S3Object(upload.key, data, etag, now(), upload.content_type, upload.metadata, upload.headers)
            obj.tags = dict(upload.tags)
            obj.grants = upload.grants
            bucket = self._bucket(call)
            bucket.objects[upload.key] = obj
            version = version_header(self.versions_of(bucket).stored(upload.key, obj))
            del self.uploads[upload.upload_id]
            self.saved.touch("upload", upload.upload_id)
            self.touch_object(upload.bucket, upload.key)
        location = f"http://{call.host}/{quote(upload.bucket)}/{quote(upload.key)}"
        body = {"Location": location, "Bucket": upload.bucket, "Key": upload.key, "ETag": etag}
        return Result(body, root="CompleteMultipartUploadResult", headers=version)

    def abort_multipart_upload(self, call: Call) -> Result:
        with self.lock:
            upload = self._upload(call)
            del self.uploads[upload.upload_id]
            self.saved.touch("upload", upload.upload_id)
        return Result(None, status=204)

    def list_parts(self, call: Call) -> Result:
        with self.lock:
            upload = self._upload(call)
            parts = [
                {"PartNumber": n, "LastModified": upload.initiated, "ETag": etag, "Size": data.size}
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

    def _upload(self, call: Call) -> Upload:
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


def _after_markers(uploads: list[Upload], key_marker: str, id_marker: str) -> list[Upload]:
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


def checked_parts(upload: Upload, requested: list[tuple[int, str]]) -> list[Body]:
    """The listed parts' bodies: ascending, uploaded with matching ETags, all but the last ≥5 MiB."""
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
        if index < len(requested) - 1 and stored[1].size < MIN_PART_SIZE:
            raise Fault(
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed size",
                extras={
                    "ProposedSize": str(stored[1].size),
                    "MinSizeAllowed": str(MIN_PART_SIZE),
                    "PartNumber": str(number),
                    "ETag": etag,
                },
            )
        chunks.append(stored[1])
    return chunks


def assemble(parts: list[Body], blobs: Blobs | None) -> Body:
    """The object's body: the parts copied chunk by chunk into a new one (its ETag is made of the parts' MD5s, so
    the copy is not hashed again)."""
    writer = BodyWriter(blobs, hashed=False)
    for part in parts:
        for chunk in part.stream():
            writer.write(chunk)
    return writer.finish()


def _copied(source: Body, first: int, last: int, blobs: Blobs | None) -> Body:
    """Bytes `first`..`last` of `source` as a body of their own (UploadPartCopy)."""
    writer = BodyWriter(blobs)
    for chunk in source.stream(first, last):
        writer.write(chunk)
    return writer.finish()
