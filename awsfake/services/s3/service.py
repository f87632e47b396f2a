"""Amazon S3: buckets, objects, listings, copies and multipart uploads, kept in memory.

S3 is a REST service: `route` names the action (`s3_addressing`); the request's headers, XML bodies and listings
are read by `s3_headers`, `s3_bodies` and `s3_listing`. Bucket names are one namespace shared by every account, as
on AWS. An unimplemented subresource answers NotImplemented (501) rather than something it is not.
"""

from __future__ import annotations

from typing import Any

from awsfake.errors import Fault, method_not_allowed, no_such_key, not_implemented
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
    response_overrides,
)
from awsfake.services.s3.listing import Listings, decode_token, encode_token
from awsfake.services.s3.model import (
    Bucket,
    S3Object,
    Upload,
    argument,
    big_int,
    bucket_arn,
    etag_of,
    first,
    now,
    owner_of,
)
from awsfake.services.s3.multipart import MultipartUploads
from awsfake.services.s3.post_object import answer, is_browser_upload, store_call, upload_of
from awsfake.services.s3.saved import SavedState

__all__ = ["S3", "S3Object"]


MAX_KEY_BYTES = 1024


class S3(SavedState, Listings, MultipartUploads, Service):
    """S3's bucket and object operations. `buckets` maps a bucket name to its state (read it in tests)."""

    name = "s3"
    buckets: dict[str, Bucket]
    uploads: dict[str, Upload]

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
                self.buckets[name] = Bucket(name, call.caller.account_id, region, now())
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
            self.saved.touch("bucket", bucket.name)
            for upload_id in [u.upload_id for u in self.uploads.values() if u.bucket == bucket.name]:
                del self.uploads[upload_id]
                self.saved.touch("upload", upload_id)
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
            self.touch_object(bucket.name, key)
        checksum = dict([obj.checksum]) if obj.checksum else {}
        return Result(None, headers={"ETag": obj.etag, **SSE, **checksum})

    def get_object(self, call: Call) -> Result:
        return self._read_object(call, with_body=True)

    def head_object(self, call: Call) -> Result:
        return self._read_object(call, with_body=False)

    def delete_object(self, call: Call) -> Result:
        _, key = self._object_address(call)
        with self.lock:
            bucket = self._bucket(call)
            bucket.objects.pop(key, None)
            self.touch_object(bucket.name, key)
        return Result(None, status=204)

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
                bucket.objects.pop(key, None)
                self.touch_object(bucket.name, key)
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
            self.touch_object(bucket.name, key)
        result = {"ETag": copy.etag, "LastModified": copy.last_modified}
        return Result({**result}, root="CopyObjectResult")

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
        name, _ = locate(call.host, call.path)
        return self._owned(name, call)

    def _owned(self, name: str, call: Call) -> Bucket:
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
        status, first, last = 200, 0, obj.size - 1
        if span is not None:
            status, (first, last) = 206, span
            headers["Content-Range"] = f"bytes {first}-{last}/{obj.size}"
        elif obj.checksum and (call.headers.get("x-amz-checksum-mode") or "").upper() == "ENABLED":
            headers[obj.checksum[0]] = obj.checksum[1]  # the client checks the body against it
            headers["x-amz-checksum-type"] = "FULL_OBJECT"
        headers["Content-Length"] = str(last + 1 - first)
        headers.update(response_overrides(call.query))
        return Result(obj.data.stream(first, last) if with_body else b"", status=status, headers=headers)


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
