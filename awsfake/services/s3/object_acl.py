"""Object ACLs (GetObjectAcl, PutObjectAcl, and PutObject's `x-amz-acl`): kept with the object (with its version,
when `versionId` names one), rendered as bucket ACLs are (`acl`). A mixin of `S3`: it uses S3's lock and lookups."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from awsfake.services import Call, Result
from awsfake.services.s3.acl import acl_document, check_acl_allowed, requested_grants
from awsfake.services.s3.model import Bucket, S3Object, owner_of
from awsfake.services.s3.settings import enforced

__all__ = ["ObjectAcls", "object_grants"]


def object_grants(bucket: Bucket, headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """A new object's grants from its canned `x-amz-acl`; refused while the bucket's ownership is enforced unless
    they grant the owner alone (`private`, `bucket-owner-full-control`)."""
    grants = requested_grants(headers)
    if grants:  # `private` (no grants) is allowed whatever the ownership: its settings are not read
        check_acl_allowed(enforced(bucket), grants, creating=False)
    return grants


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
        grants = requested_grants(call.headers, call.body.read())
        with self.lock:
            obj, _ = self._version(call)
            check_acl_allowed(enforced(self._bucket(call)), grants, creating=False)
            obj.grants = grants
            self.touch_object(*self._object_address(call))
        return Result(None)
