"""Bucket and object ACLs as AWS has them: the owner's FULL_CONTROL, the canned ACLs' grants, and ACLs refused where
the bucket's object ownership is `BucketOwnerEnforced` (the default since 2023) unless they grant only the owner."""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from awsfake.errors import Fault
from awsfake.services.s3.bodies import parse_xml_body
from awsfake.services.s3.configuration import NAMESPACE

__all__ = ["CANNED", "acl_document", "check_acl_allowed", "grants_of", "requested_grants"]

_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
_AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
_LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"

# canned ACL -> the grants it adds to the owner's FULL_CONTROL (group URI, permission)
CANNED: dict[str, tuple[tuple[str, str], ...]] = {
    "private": (),
    "bucket-owner-read": (),
    "bucket-owner-full-control": (),
    "public-read": ((_ALL_USERS, "READ"),),
    "public-read-write": ((_ALL_USERS, "READ"), (_ALL_USERS, "WRITE")),
    "authenticated-read": ((_AUTHENTICATED, "READ"),),
    "log-delivery-write": ((_LOG_DELIVERY, "WRITE"), (_LOG_DELIVERY, "READ_ACP")),
    "aws-exec-read": (),
}


def grants_of(canned: str | None) -> tuple[tuple[str, str], ...]:
    """The group grants of a canned ACL header (None: private); an unknown name is AWS's InvalidArgument."""
    name = canned or "private"
    if name not in CANNED:
        raise Fault("InvalidArgument", "", extras={"ArgumentName": "x-amz-acl", "ArgumentValue": name})
    return CANNED[name]


def requested_grants(headers: Mapping[str, str], body: bytes = b"") -> tuple[tuple[str, str], ...]:
    """The group grants a Put...Acl asks for: its AccessControlPolicy body, else its canned `x-amz-acl` header."""
    return body_grants(body) if body.strip() else grants_of(headers.get("x-amz-acl"))


def body_grants(body: bytes) -> tuple[tuple[str, str], ...]:
    """The group grants of an AccessControlPolicy body (grants to the owner are implied)."""
    root = parse_xml_body(body)
    grants = []
    for grant in root.iter("{*}Grant"):
        uri = next((e.text or "" for e in grant.iter("{*}URI")), "")
        permission = next((e.text or "" for e in grant.iter("{*}Permission")), "")
        if uri:
            grants.append((uri.strip(), permission.strip()))
    return tuple(grants)


def check_acl_allowed(enforced: bool, grants: tuple[tuple[str, str], ...], *, creating: bool) -> None:
    """With BucketOwnerEnforced, only ACLs that grant the owner alone are accepted."""
    if not enforced or not grants:
        return
    if creating:
        raise Fault(
            "InvalidBucketAclWithObjectOwnership",
            "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
        )
    raise Fault("AccessControlListNotSupported", "The bucket does not allow ACLs")


def acl_document(owner_id: str, grants: tuple[tuple[str, str], ...]) -> bytes:
    """GetBucketAcl's and GetObjectAcl's AccessControlPolicy: the owner, its FULL_CONTROL, then the group grants."""
    root = etree.Element(f"{{{NAMESPACE}}}AccessControlPolicy", nsmap={None: NAMESPACE, "xsi": _XSI})  # type: ignore[dict-item]
    etree.SubElement(etree.SubElement(root, f"{{{NAMESPACE}}}Owner"), f"{{{NAMESPACE}}}ID").text = owner_id
    grant_list = etree.SubElement(root, f"{{{NAMESPACE}}}AccessControlList")
    _grant(grant_list, "CanonicalUser", "ID", owner_id, "FULL_CONTROL")
    for uri, permission in grants:
        _grant(grant_list, "Group", "URI", uri, permission)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + bytes(etree.tostring(root, encoding="utf-8"))


def _grant(parent: etree._Element, kind: str, field: str, value: str, permission: str) -> None:
    grant = etree.SubElement(parent, f"{{{NAMESPACE}}}Grant")
    grantee = etree.SubElement(grant, f"{{{NAMESPACE}}}Grantee", {f"{{{_XSI}}}type": kind})
    etree.SubElement(grantee, f"{{{NAMESPACE}}}{field}").text = value
    etree.SubElement(grant, f"{{{NAMESPACE}}}Permission").text = permission
