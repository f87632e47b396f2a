"""S3's bucket configuration operations: the stored configurations of `configuration.SETTINGS` (one handler for
all of them), bucket ACLs and CORS preflight. A mixin of `S3`: it uses S3's lock, buckets and bucket lookup."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping

from awsfake.errors import Fault
from awsfake.services import Call, Result
from awsfake.services.s3.acl import Grant, acl_document, check_acl_allowed, check_public_acl, requested_grants
from awsfake.services.s3.addressing import locate
from awsfake.services.s3.bodies import parse_xml_body
from awsfake.services.s3.configuration import (
    ACTIONS,
    SETTINGS,
    Setting,
    canonical,
    is_public_policy,
    missing,
    ownership_document,
)
from awsfake.services.s3.cors import preflight, rules_of
from awsfake.services.s3.model import Bucket, owner_of
from awsfake.store.saved import Saved

__all__ = ["BucketSettings", "blocks", "check_acl", "creation_settings", "enforced", "stored"]

_OWNERSHIP = SETTINGS["ownershipControls"]
_PUBLIC_ACCESS_BLOCK = SETTINGS["publicAccessBlock"]
_POLICY = SETTINGS["policy"]
_OWNERSHIPS = ("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter")


def creation_settings(bucket: Bucket, headers: Mapping[str, str]) -> None:
    """A new bucket's object ownership (`x-amz-object-ownership`, BucketOwnerEnforced by default) and ACL
    (`x-amz-acl` or `x-amz-grant-*`): one that grants others is refused while ownership is enforced, a public one
    while the (new, so default) public access block blocks public ACLs."""
    ownership = headers.get("x-amz-object-ownership")
    if ownership is not None:
        if ownership not in _OWNERSHIPS:
            raise Fault("InvalidArgument", "Invalid x-amz-object-ownership header: " + ownership)
        bucket.settings[_OWNERSHIP.subresource] = ownership_document(ownership)
    bucket.grants = check_acl(bucket, requested_grants(headers, owner_of(bucket.owner)["ID"]), creating=True)


def check_acl(bucket: Bucket, grants: tuple[Grant, ...], *, creating: bool = False) -> tuple[Grant, ...]:
    """`grants` if the bucket takes them for itself or an object in it: AWS checks object ownership first (ACLs
    disabled), then the public access block (a public ACL blocked). The default ACL reads neither setting."""
    if grants:
        check_acl_allowed(enforced(bucket), grants, owner_of(bucket.owner)["ID"], creating=creating)
        check_public_acl(blocks(bucket, "BlockPublicAcls"), grants, creating=creating)
    return grants


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
            if setting is _POLICY and blocks(bucket, "BlockPublicPolicy") and is_public_policy(document):
                raise Fault("AccessDenied", "Access Denied", 403)
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
        with self.lock:
            bucket = self._bucket(call)
            bucket.grants = check_acl(bucket, requested_grants(call.headers, owner_of(bucket.owner)["ID"], body))
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


def blocks(bucket: Bucket, name: str) -> bool:
    """Whether the bucket's public access block has `name` (BlockPublicAcls, BlockPublicPolicy, ...) on."""
    document = stored(bucket, _PUBLIC_ACCESS_BLOCK)
    if document is None:
        return False
    return any((e.text or "").strip().lower() == "true" for e in parse_xml_body(document).iter(f"{{*}}{name}"))
