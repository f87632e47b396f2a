"""Amazon S3: buckets, objects, listings, copies and multipart uploads, kept in memory.

S3 is a REST service: `route` names the action (`addressing`); the request's headers, XML bodies and listings
are read by `headers`, `bodies` and `listing`; bucket configurations, ACLs and CORS preflight are `settings`;
regions are `regions`. Bucket names are one namespace shared by every account, as on AWS. An unimplemented
subresource answers NotImplemented (501) rather than something it is not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from awsfake.errors import Fault, method_not_allowed, not_implemented
from awsfake.services import Call, Result, Service
from awsfake.services.s3.addressing import action_for, check_bucket_name, locate
from awsfake.services.s3.bodies import location_constraint, parse_delete, parse_tagging
from awsfake.services.s3.headers import (
    SSE,
    check_conditions,
    check_content_md5,
    check_copy_conditions,
    check_tags,
    check_write_conditions,
    header_tags,
    object_checksum,
    object_fields,
    object_headers,
    parse_copy_source,
    parse_range,
    plain_request,
    response_overrides,
)
from awsfake.services.s3.listing import Listings
from awsfake.services.s3.model import (
    DEFAULT_CONTENT_TYPE,
    Bucket,
    S3Object,
    Upload,
    argument,
    bucket_arn,
    etag_of,
    first,
    now,
)
from awsfake.services.s3.multipart import MultipartUploads
from awsfake.services.s3.notifications import Notifications
from awsfake.services.s3.object_acl import ObjectAcls, object_grants
from awsfake.services.s3.post_object import answer, is_browser_upload, store_call, upload_of
from awsfake.services.s3.regions import check_signed_for, location_of
from awsfake.services.s3.saved import SavedState
from awsfake.services.s3.settings import BucketSettings, creation_settings
from awsfake.services.s3.version_headers import (
    DELETE_MARKER,
    chosen,
    copy_source_version,
    marker_headers,
    source_version,
    version_header,
)
from awsfake.services.s3.versions import ObjectVersions

__all__ = ["S3", "S3Object"]


MAX_KEY_BYTES = 1024


class S3(SavedState, Listings, MultipartUploads, BucketSettings, ObjectAcls, ObjectVersions, Notifications, Service):
    """S3's bucket and object operations. `buckets` maps a bucket name to its state (read it in tests)."""

    name = "s3"
    # called by mixins, never by a request
    helpers = Service.helpers | {"notifying", "setting_operation", "touch_object", "versions_of"}
    buckets: dict[str, Bucket]
    uploads: dict[str, Upload]

    def reset(self) -> None:
        with self.lock:
            self.buckets = {}
            self.uploads = {}
            self.versioning = {}

    # --- routing -------------------------------------------------------------------------------------------

    def route(self, call: Call) -> str:
        if is_browser_upload(call):
            return "PostObject"
        return action_for(call.method, call.host, call.path, call.query, call.headers)

    def operation(self, action: str) -> Callable[[Call], Result] | None:
        """The configuration actions share one handler per verb (`settings`); the others are methods."""
        return self.notifying(action, self.setting_operation(action) or super().operation(action))

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
                bucket = Bucket(name, call.caller.account_id, region, now())
                creation_settings(bucket, call.headers)
                self.buckets[name] = bucket
                self.saved.touch("bucket", name)
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
        return Result(location_of(bucket.region), root="LocationConstraint")

    def delete_bucket(self, call: Call) -> Result:
        with self.lock:
            bucket = self._bucket(call)
            if bucket.objects or self.versions_of(bucket).history:
                raise Fault(
                    "BucketNotEmpty",
                    "The bucket you tried to delete is not empty",
                    409,
                    extras={"BucketName": bucket.name},
                )
            del self.buckets[bucket.name]
            self.versioning.pop(bucket.name, None)
            self.saved.touch("bucket", bucket.name)
            self.saved.touch("versions", bucket.name)
            for upload_id in [u.upload_id for u in self.uploads.values() if u.bucket == bucket.name]:
                del self.uploads[upload_id]
                self.saved.touch("upload", upload_id)
        return Result(None, status=204)

    # --- objects -------------------------------------------------------------------------------------------

    def put_object(self, call: Call) -> Result:
        name, key = self._object_address(call)
        plain = plain_request(call.headers)  # none of the optional headers below: each would read as absent
        if plain:
            content_type = call.headers.get("Content-Type") or DEFAULT_CONTENT_TYPE
            obj = S3Object(key, call.body, etag_of(call.body), now(), content_type)
        else:
            check_content_md5(call.headers, call.body)
            content_type, metadata, headers = object_fields(call.headers)
            obj = S3Object(key, call.body, etag_of(call.body), now(), content_type, metadata, headers)
            obj.tags = header_tags(call.headers)
            obj.checksum = object_checksum(call.headers, call.body)
        self.lock.acquire()  # not `with`, which costs twice as much (~2.4k instructions): every write takes it
        try:
            bucket = self._addressed(name, call)
            if not plain:
                check_write_conditions(call.headers, bucket.objects.get(key), key)
                obj.grants = object_grants(bucket, call.headers)
            bucket.objects[key] = obj
            versions = self.versions_of(bucket)
            version_id = versions.stored(key, obj) if versions.status else None  # a version only where versioned
            self.touch_object(bucket.name, key)
        finally:
            self.lock.release()
        answered = {"ETag": obj.etag, **SSE}
        if obj.checksum:
            answered[obj.checksum[0]] = obj.checksum[1]
        if version_id:
            answered.update(version_header(version_id))
        return Result(None, None, 200, answered)  # positional: cheaper

    def get_object(self, call: Call) -> Result:
        return self._read_object(call, True)  # with its body

    def head_object(self, call: Call) -> Result:
        return self._read_object(call, False)  # without

    def delete_object(self, call: Call) -> Result:
        _, key = self._object_address(call)
        version_id = first(call.query, "versionId")
        with self.lock:
            bucket = self._bucket(call)
            versions = self.versions_of(bucket)
            if version_id is None:
                headers = marker_headers(versions.deleted(key, bucket.objects))
            else:
                gone = versions.removed(key, version_id, bucket.objects)
                headers = {**version_header(version_id), **(DELETE_MARKER if gone and not gone.obj else {})}
            self.touch_object(bucket.name, key)
        return Result(None, status=204, headers=headers)

    def delete_objects(self, call: Call) -> Result:
        """Multi-object delete; the body must carry an integrity check (Content-MD5 or a flexible checksum)."""
        check_content_md5(call.headers, call.body)
        if call.headers.get("Content-MD5") is None and object_checksum(call.headers, call.body) is None:
            raise Fault("InvalidRequest", "Missing required header for this request: Content-MD5")
        keys, quiet = parse_delete(call.body.read())
        deleted: list[dict[str, Any]] = []
        with self.lock:
            bucket = self._bucket(call)
            for key in keys:
                marker = self.versions_of(bucket).deleted(key, bucket.objects)
                self.touch_object(bucket.name, key)
                deleted.append(
                    {"Key": key, **({"DeleteMarker": True, "DeleteMarkerVersionId": marker} if marker else {})}
                )
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
            copy.grants = object_grants(bucket, call.headers)  # an ACL is not copied: the request's, else private
            bucket.objects[key] = copy
            version = version_header(self.versions_of(bucket).stored(key, copy))
            self.touch_object(bucket.name, key)
        result = {"ETag": copy.etag, "LastModified": copy.last_modified}
        return Result({**result}, root="CopyObjectResult", headers={**version, **source_version(call.headers)})

    # --- tags ----------------------------------------------------------------------------------------------

    def get_object_tagging(self, call: Call) -> Result:
        obj = self._object(call)
        tags = [{"Key": k, "Value": v} for k, v in obj.tags.items()]
        return Result({"TagSet": {"Tag": tags}}, root="Tagging")

    def put_object_tagging(self, call: Call) -> Result:
        tags = check_tags(parse_tagging(call.body.read()))
        with self.lock:
            self._object(call).tags = tags
            self.touch_object(*self._object_address(call))
        return Result(None)

    def delete_object_tagging(self, call: Call) -> Result:
        with self.lock:
            self._object(call).tags = {}
            self.touch_object(*self._object_address(call))
        return Result(None, status=204)

    # --- state access --------------------------------------------------------------------------------------

    def _bucket(self, call: Call) -> Bucket:
        """The bucket the request addresses; the request must be signed for the bucket's region."""
        return self._addressed(locate(call.host, call.path)[0], call)

    def _addressed(self, name: str, call: Call) -> Bucket:
        """`_bucket` when the request's bucket name is known already. (One dict read, which no other thread can
        see half done: no lock for it; a caller that goes on to use the bucket holds the lock.)"""
        bucket = self.buckets.get(name)
        if bucket is None:
            raise Fault("NoSuchBucket", "The specified bucket does not exist", 404, extras={"BucketName": name})
        if call.region != bucket.region:  # signed for the bucket's region: nothing to check
            check_signed_for(call, bucket.region)
        if bucket.owner != call.caller.account_id:
            raise Fault("AccessDenied", "Access Denied", 403)
        return bucket

    def _owned(self, name: str, call: Call) -> Bucket:
        """The named bucket, if the caller's account owns it: there are no bucket policies to grant others access."""
        bucket = self.buckets.get(name)  # one dict read: see `_addressed`
        if bucket is None:
            raise Fault("NoSuchBucket", "The specified bucket does not exist", 404, extras={"BucketName": name})
        if bucket.owner != call.caller.account_id:
            raise Fault("AccessDenied", "Access Denied", 403)
        return bucket

    def _object_address(self, call: Call) -> tuple[str, str]:
        bucket, key = locate(call.host, call.path)
        key = key or ""
        if len(key) > MAX_KEY_BYTES // 4 and len(key.encode()) > MAX_KEY_BYTES:  # UTF-8: at most 4 bytes a character
            raise Fault(
                "KeyTooLongError",
                "Your key is too long",
                extras={"Size": str(len(key.encode())), "MaxSizeAllowed": str(MAX_KEY_BYTES)},
            )
        return bucket, key

    def _object(self, call: Call) -> S3Object:
        return self._version(call)[0]

    def _version(self, call: Call) -> tuple[S3Object, dict[str, str]]:
        """The object a request names (its `versionId`, else the latest) and its version headers."""
        name, key = self._object_address(call)
        self.lock.acquire()  # not `with`, which costs twice as much (~2.4k instructions): every read takes it
        try:
            bucket = self._addressed(name, call)
            if not call.query:  # no versionId: the latest, which in a bucket never versioned has no version header
                obj = bucket.objects.get(key)
                versions = self.versioning.get(name)
                if obj is not None and (versions is None or not versions.status):
                    return obj, {}
            version_id = first(call.query, "versionId") if call.query else None
            return chosen(self.versions_of(bucket), key, version_id, bucket.objects)
        finally:
            self.lock.release()

    def _copy_source(self, call: Call) -> S3Object:
        header = call.headers.get("x-amz-copy-source", "")
        bucket_name, key = parse_copy_source(header)
        with self.lock:
            bucket = self._owned(bucket_name, call)
            return chosen(self.versions_of(bucket), key, copy_source_version(header), bucket.objects)[0]

    def _read_object(self, call: Call, with_body: bool) -> Result:
        obj, version = self._version(call)
        plain = plain_request(call.headers)  # no condition, range or checksum mode: each would read as absent
        not_modified = not plain and check_conditions(call.headers, obj)
        headers = object_headers(obj)
        if version:
            headers.update(version)
        if not_modified:
            return Result(b"", status=304, headers={"ETag": obj.etag, "Last-Modified": headers["Last-Modified"]})
        size = obj.data.size  # not the property: a call less
        span = None if plain else parse_range(call.headers.get("Range"), size)
        status, first, last = 200, 0, size - 1
        if span is not None:
            status, (first, last) = 206, span
            headers["Content-Range"] = f"bytes {first}-{last}/{size}"
        elif obj.checksum and not plain and (call.headers.get("x-amz-checksum-mode") or "").upper() == "ENABLED":
            headers[obj.checksum[0]] = obj.checksum[1]  # the client checks the body against it
            headers["x-amz-checksum-type"] = "FULL_OBJECT"
        headers["Content-Length"] = str(last + 1 - first)
        if call.query:  # response-content-type and the like (presigned download links)
            headers.update(response_overrides(call.query))
        return Result(obj.data.stream(first, last) if with_body else b"", None, status, headers)  # positional: cheaper
