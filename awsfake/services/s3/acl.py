"""Bucket and object ACLs as AWS has them: the owner's FULL_CONTROL, the grants a request asks for (a canned
`x-amz-acl`, `x-amz-grant-*` headers or an AccessControlPolicy body, one of them only), ACLs refused where the
bucket's object ownership is `BucketOwnerEnforced` (the default since 2023) unless they grant only the owner, and
public ACLs refused where the bucket's public access block has `BlockPublicAcls` (ownership is checked first)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from lxml import etree

from awsfake.errors import Fault
from awsfake.services.s3.bodies import parse_xml_body
from awsfake.services.s3.configuration import NAMESPACE

__all__ = [
    "CANNED",
    "GRANT_HEADERS",
    "Grant",
    "acl_document",
    "check_acl_allowed",
    "check_public_acl",
    "grants_of",
    "is_public",
    "requested_grants",
]

# (grantee type, its ID / URI / EmailAddress, permission). An ACL is kept whole, as AWS shows it: a canned ACL's
# grants after the owner's FULL_CONTROL, a header's or body's as listed (AWS adds no owner grant to those); the
# empty ACL is the default, the owner's FULL_CONTROL alone.
Grant = tuple[str, str, str]

_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
_AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
_LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
_GROUPS = frozenset({_ALL_USERS, _AUTHENTICATED, _LOG_DELIVERY})
_PUBLIC_GROUPS = frozenset({_ALL_USERS, _AUTHENTICATED})  # a grant to either makes an ACL public

# canned ACL -> the grants it adds to the owner's FULL_CONTROL (`grants_of`)
CANNED: dict[str, tuple[Grant, ...]] = {
    "private": (),
    "bucket-owner-read": (),
    "bucket-owner-full-control": (),
    "public-read": (("Group", _ALL_USERS, "READ"),),
    "public-read-write": (("Group", _ALL_USERS, "READ"), ("Group", _ALL_USERS, "WRITE")),
    "authenticated-read": (("Group", _AUTHENTICATED, "READ"),),
    "log-delivery-write": (("Group", _LOG_DELIVERY, "WRITE"), ("Group", _LOG_DELIVERY, "READ_ACP")),
    "aws-exec-read": (),
}

# grant header -> the permission it grants
GRANT_HEADERS: Mapping[str, str] = {
    "x-amz-grant-read": "READ",
    "x-amz-grant-write": "WRITE",
    "x-amz-grant-read-acp": "READ_ACP",
    "x-amz-grant-write-acp": "WRITE_ACP",
    "x-amz-grant-full-control": "FULL_CONTROL",
}

# a grant header's grantee key -> (grantee type, the element that names it)
_GRANTEE_KEYS: Mapping[str, tuple[str, str]] = {
    "id": ("CanonicalUser", "ID"),
    "uri": ("Group", "URI"),
    "emailAddress": ("AmazonCustomerByEmail", "EmailAddress"),
}
_FIELDS = dict(_GRANTEE_KEYS.values())  # grantee type -> its element
_HEX = frozenset("0123456789abcdef")

# grantee type -> AWS's check of the value, and its error (code, message) when the check fails
_CHECKS: Mapping[str, tuple[Callable[[str], bool], str, str]] = {
    "CanonicalUser": (lambda value: len(value) == 64 and _HEX.issuperset(value), "InvalidArgument", "Invalid id"),
    "Group": (lambda value: value in _GROUPS, "InvalidArgument", "Invalid group uri"),
    "AmazonCustomerByEmail": (
        lambda value: "@" in value.strip("@"),
        "UnresolvableGrantByEmailAddress",
        "The e-mail address you provided does not match any account on record.",
    ),
}


def grants_of(canned: str | None, owner_id: str) -> tuple[Grant, ...]:
    """The ACL of a canned ACL header (None: private, the default ACL); an unknown name is AWS's InvalidArgument."""
    name = canned or "private"
    if name not in CANNED:
        raise Fault("InvalidArgument", "", extras={"ArgumentName": "x-amz-acl", "ArgumentValue": name})
    added = CANNED[name]
    return (("CanonicalUser", owner_id, "FULL_CONTROL"), *added) if added else ()


def requested_grants(headers: Mapping[str, str], owner_id: str, body: bytes = b"") -> tuple[Grant, ...]:
    """The grants a request asks for: its AccessControlPolicy body (Put...Acl), its `x-amz-grant-*` headers, else
    its canned `x-amz-acl`. Asking in two ways is AWS's InvalidRequest (headers) or UnexpectedContent (a body)."""
    canned = headers.get("x-amz-acl")
    granting = [(name, headers[name]) for name in GRANT_HEADERS if headers.get(name) is not None]
    if body.strip():
        if canned is not None or granting:
            raise Fault("UnexpectedContent", "This request does not support content")
        return body_grants(body)
    if not granting:
        return grants_of(canned, owner_id)
    if canned is not None:
        raise Fault("InvalidRequest", "Specifying both Canned ACLs and Header Grants is not allowed")
    return tuple(grant for name, value in granting for grant in header_grants(name, value))


def header_grants(name: str, value: str) -> tuple[Grant, ...]:
    """The grants of one `x-amz-grant-*` header: comma-separated `id="..."`, `uri="..."`, `emailAddress="..."`."""
    grants = []
    for item in value.split(","):
        key, equals, grantee = (part.strip() for part in item.strip().partition("="))
        if not equals or key not in _GRANTEE_KEYS:
            raise Fault("InvalidArgument", "Argument format not recognized", extras=_argument(name, item.strip()))
        kind = _GRANTEE_KEYS[key][0]
        grantee = grantee.strip('"')
        valid, code, message = _CHECKS[kind]
        if not valid(grantee):
            raise Fault(code, message, extras=_argument(key, grantee))
        grants.append((kind, grantee, GRANT_HEADERS[name]))
    return tuple(grants)


def body_grants(body: bytes) -> tuple[Grant, ...]:
    """The grants of an AccessControlPolicy body."""
    root = parse_xml_body(body)
    grants = []
    for grant in root.iter("{*}Grant"):
        permission = next((e.text or "" for e in grant.iter("{*}Permission")), "").strip()
        for kind, element in _FIELDS.items():
            value = next((e.text or "" for e in grant.iter(f"{{*}}{element}")), "").strip()
            if value:
                grants.append((kind, value, permission))
                break
    return tuple(grants)


def _argument(name: str, value: str) -> dict[str, str]:
    return {"ArgumentName": name, "ArgumentValue": value}


def is_public(grants: tuple[Grant, ...]) -> bool:
    """AWS's meaning of a public ACL: a grant to AllUsers or AuthenticatedUsers."""
    return any(kind == "Group" and value in _PUBLIC_GROUPS for kind, value, _ in grants)


def check_acl_allowed(enforced: bool, grants: tuple[Grant, ...], owner_id: str, *, creating: bool) -> None:
    """With BucketOwnerEnforced, only ACLs that grant the owner alone are accepted."""
    if not enforced or all(g[:2] == ("CanonicalUser", owner_id) for g in grants):
        return
    if creating:
        raise Fault(
            "InvalidBucketAclWithObjectOwnership",
            "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
        )
    raise Fault("AccessControlListNotSupported", "The bucket does not allow ACLs")


def check_public_acl(blocked: bool, grants: tuple[Grant, ...], *, creating: bool) -> None:
    """With BlockPublicAcls, a request that sets a public ACL is refused: CreateBucket's own error, else 403."""
    if not blocked or not is_public(grants):
        return
    if creating:
        raise Fault(
            "InvalidBucketAclWithBlockPublicAccessError",
            "Bucket cannot have public ACLs set with BlockPublicAccess enabled",
        )
    raise Fault("AccessDenied", "Access Denied", 403)


def acl_document(owner_id: str, grants: tuple[Grant, ...]) -> bytes:
    """GetBucketAcl's and GetObjectAcl's AccessControlPolicy: the owner and the ACL's grants (the default ACL: the
    owner's FULL_CONTROL)."""
    root = etree.Element(f"{{{NAMESPACE}}}AccessControlPolicy", nsmap={None: NAMESPACE, "xsi": _XSI})  # type: ignore[dict-item]
    etree.SubElement(etree.SubElement(root, f"{{{NAMESPACE}}}Owner"), f"{{{NAMESPACE}}}ID").text = owner_id
    grant_list = etree.SubElement(root, f"{{{NAMESPACE}}}AccessControlList")
    for grant in _shown(owner_id, grants):
        _grant(grant_list, grant)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + bytes(etree.tostring(root, encoding="utf-8"))


def _shown(owner_id: str, grants: tuple[Grant, ...]) -> tuple[Grant, ...]:
    """The grants an ACL shows: the owner's FULL_CONTROL for the default ACL and before (uri, permission) pairs,
    the group grants a canned ACL added when grants were saved so (a data directory of an earlier version)."""
    if grants and len(grants[0]) == 3:
        return grants
    return (("CanonicalUser", owner_id, "FULL_CONTROL"), *(("Group", *grant[-2:]) for grant in grants))


def _grant(parent: etree._Element, grant: Grant) -> None:
    kind, value, permission = grant
    element = etree.SubElement(parent, f"{{{NAMESPACE}}}Grant")
    grantee = etree.SubElement(element, f"{{{NAMESPACE}}}Grantee", {f"{{{_XSI}}}type": kind})
    etree.SubElement(grantee, f"{{{NAMESPACE}}}{_FIELDS.get(kind, 'ID')}").text = value
    etree.SubElement(element, f"{{{NAMESPACE}}}Permission").text = permission
