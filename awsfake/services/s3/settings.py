"""S3's bucket configuration operations: the stored configurations of `configuration.SETTINGS` (one handler for
all of them), bucket ACLs and CORS preflight. A mixin of `S3`: it uses S3's lock, buckets and bucket lookup."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping

from awsfake.errors import Fault
from awsfake.services import Call, Result
from awsfake.services.s3.acl import acl_document, check_acl_allowed, grants_of, requested_grants
from awsfake.services.s3.addressing import locate
from awsfake.services.s3.configuration import ACTIONS, SETTINGS, Setting, canonical, missing, ownership_document
from awsfake.services.s3.cors import preflight, rules_of
from awsfake.services.s3.model import Bucket, owner_of
from awsfake.store.saved import Saved

__all__ = ["BucketSettings", "creation_settings", "enforced", "stored"]

_OWNERSHIP = SETTINGS["ownershipControls"]
_OWNERSHIPS = ("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter")


def creation_settings(bucket: Bucket, headers: Mapping[str, str]) -> None:
    """A new bucket's object ownership (`x-amz-object-ownership`, BucketOwnerEnforced by default) and ACL
    (`x-amz-acl`): a canned ACL that grants others is refused while ownership is enforced."""
    ownership = headers.get("x-amz-object-ownership")
    if ownership is not None:
        if ownership not in _OWNERSHIPS:
            raise Fault("InvalidArgument", "Invalid x-amz-object-ownership header: " + ownership)
        bucket.settings[_OWNERSHIP.subresource] = ownership_document(ownership)
    grants = grants_of(headers.get("x-amz-acl"))
    check_acl_allowed(enforced(bucket), grants, creating=True)
    bucket.grants = grants


class BucketSettings:
    """The configuration operations; `S3` provides the state and lookups declared here."""

    lock: threading.RLock
    buckets: dict[str, Bucket]
    saved: Saved

    def _bucket(self, call: Call) -> Bucket:
        raise NotImplementedError

    def setting_operation(self, action: str) -> Callable[[Call], Result] | None:
        """The handler of a configuration action (GetBucketCors, PutPublicAccessBlock, ...), None for others."""
        found = ACTIONS.get(action)
        if found is None:
            return None
        setting, verb = found
        return functools.partial(getattr(self, f"_{verb.lower()}_setting"), setting)

    def _get_setting(self, setting: Setting, call: Call) -> Result:
        with self.lock:
            bucket = self._bucket(call)
            document = stored(bucket, setting)
        if document is None:
            raise missing(setting, bucket.name)
        content_type = "application/xml" if setting.root else "application/json"
        return Result(document, headers={"Content-Type": content_type})

    def _put_setting(self, setting: Setting, call: Call) -> Result:
        document = canonical(setting, call.body.read())
        with self.lock:
            bucket = self._bucket(call)
            bucket.settings[setting.subresource] = document
            if setting is _OWNERSHIP and enforced(bucket):
                bucket.grants = ()  # enforcing ownership disables the ACL
            self.saved.touch("bucket", bucket.name)
        return Result(None, status=setting.put_status)

    def _delete_setting(self, setting: Setting, call: Call) -> Result:
        with self.lock:
            bucket = self._bucket(call)
            if setting.delete_restores_default:
                bucket.settings.pop(setting.subresource, None)
            else:
                bucket.settings[setting.subresource] = None
            self.saved.touch("bucket", bucket.name)
        return Result(None, status=204)

    # --- ACLs ----------------------------------------------------------------------------------------------

    def get_bucket_acl(self, call: Call) -> Result:
        with self.lock:
            bucket = self._bucket(call)
            grants = bucket.grants
        document = acl_document(owner_of(bucket.owner)["ID"], grants)
        return Result(document, headers={"Content-Type": "application/xml"})

    def put_bucket_acl(self, call: Call) -> Result:
        body = call.body.read()
        grants = requested_grants(call.headers, body)
        with self.lock:
            bucket = self._bucket(call)
            check_acl_allowed(enforced(bucket), grants, creating=False)
            bucket.grants = grants
            self.saved.touch("bucket", bucket.name)
        return Result(None)

    # --- CORS ----------------------------------------------------------------------------------------------

    def preflight_request(self, call: Call) -> Result:
        """A browser's unsigned OPTIONS: answered from the bucket's CORS rules (no owner check: it is anonymous)."""
        name, _ = locate(call.host, call.path)
        with self.lock:
            bucket = self.buckets.get(name)
            document = stored(bucket, SETTINGS["cors"]) if bucket is not None else None
        headers = preflight(rules_of(document) if document is not None else None, call.headers)
        return Result(b"", headers=headers)


def stored(bucket: Bucket, setting: Setting) -> bytes | None:
    """The bucket's document for `setting`: what was put, else the default (None: deleted or never set)."""
    if setting.subresource in bucket.settings:
        return bucket.settings[setting.subresource]
    return setting.default


def enforced(bucket: Bucket) -> bool:
    document = stored(bucket, _OWNERSHIP)
    return document is not None and b"BucketOwnerEnforced" in document
