"""Object ACLs (GetObjectAcl, PutObjectAcl, and the `x-amz-acl` / `x-amz-grant-*` of PutObject, CopyObject,
CreateMultipartUpload and a browser POST's `acl` field): kept with the object (with its version, when `versionId`
names one), checked and rendered as bucket ACLs are (`acl`, `settings.check_acl`). A mixin of `S3`: it uses S3's
lock and lookups."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from awsfake.services import Call, Result
from awsfake.services.s3.acl import Grant, acl_document, requested_grants
from awsfake.services.s3.model import Bucket, S3Object, owner_of
from awsfake.services.s3.settings import check_acl

__all__ = ["ObjectAcls", "object_grants"]


def object_grants(bucket: Bucket, headers: Mapping[str, str]) -> tuple[Grant, ...]:
    """A new object's grants from its canned `x-amz-acl` or `x-amz-grant-*` headers; refused while the bucket's
    ownership is enforced unless they grant the owner alone, and while it blocks public ACLs if they are public."""
    return check_acl(bucket, requested_grants(headers, owner_of(bucket.owner)["ID"]))


class ObjectAcls:
    """The object ACL operations; `S3` provides the state and lookups declared here."""

    lock: threading.RLock

    def _bucket(self, call: Call) -> Bucket:
        raise NotImplementedError

    def _version(self, call: Call) -> tuple[S3Object, dict[str, str]]:
        raise NotImplementedError

    def _object_address(self, call: Call) -> tuple[str, str]:
        raise NotImplementedError

    def touch_object(self, bucket: str, key: str) -> None:
        raise NotImplementedError

    def get_object_acl(self, call: Call) -> Result:
        with self.lock:
            obj, _ = self._version(call)
            owner = self._bucket(call).owner
            grants = obj.grants
        return Result(acl_document(owner_of(owner)["ID"], grants), headers={"Content-Type": "application/xml"})

    def put_object_acl(self, call: Call) -> Result:
        body = call.body.read()
        with self.lock:
            obj, _ = self._version(call)
            bucket = self._bucket(call)
            obj.grants = check_acl(bucket, requested_grants(call.headers, owner_of(bucket.owner)["ID"], body))
            self.touch_object(*self._object_address(call))
        return Result(None)
