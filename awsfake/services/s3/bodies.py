"""S3's XML request bodies (CreateBucketConfiguration, Delete, CompleteMultipartUpload), parsed safely.

lxml never resolves entities or fetches anything, and a document with a DTD is refused outright (MalformedXML).
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from awsclient.errors import parse_xml
from awsfake.errors import Fault, malformed_xml
from awsfake.services import Call

__all__ = ["MAX_DELETE_OBJECTS", "location_constraint", "parse_complete", "parse_delete", "parse_tagging"]


MAX_DELETE_OBJECTS = 1000


def _parse_xml(body: bytes) -> etree._Element:
    """The body's root, read by awsclient's safe parser (no entities, no network)."""
    try:
        root = parse_xml(body)
    except etree.XMLSyntaxError:
        root = None
    if root is None or _has_doctype(root):  # no DTDs: entities never expand
        raise malformed_xml()
    return root


def _has_doctype(root: etree._Element) -> bool:
    doctype: str = getattr(root.getroottree().docinfo, "doctype", "")
    return bool(doctype)


def _local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _child(element: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in element if _local(c) == name), None)


def _children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    return (c for c in element if _local(c) == name)


def parse_delete(body: bytes) -> tuple[list[str], bool]:
    """The keys and Quiet flag of a DeleteObjects request body."""
    root = _parse_xml(body)
    if _local(root) != "Delete":
        raise malformed_xml()
    keys = []
    for item in _children(root, "Object"):
        key = _child(item, "Key")
        if key is None:
            raise malformed_xml()
        keys.append(key.text or "")
    if not keys or len(keys) > MAX_DELETE_OBJECTS:
        raise malformed_xml()
    quiet = _child(root, "Quiet")
    return keys, quiet is not None and (quiet.text or "").strip().lower() == "true"


def parse_complete(body: bytes) -> list[tuple[int, str]]:
    """(part number, ETag without quotes) pairs of a CompleteMultipartUpload body, in the order sent."""
    root = _parse_xml(body) if body.strip() else None
    if root is None or _local(root) != "CompleteMultipartUpload":
        raise malformed_xml()
    parts = []
    for part in _children(root, "Part"):
        number, etag = _child(part, "PartNumber"), _child(part, "ETag")
        if number is None or etag is None or not _ascii_digits((number.text or "").strip()):
            raise malformed_xml()
        parts.append((int((number.text or "").strip()), (etag.text or "").strip().strip('"')))
    if not parts:
        raise malformed_xml()
    return parts


def location_constraint(call: Call) -> str:
    """The bucket's region from CreateBucketConfiguration, checked against the region the request was signed for."""
    constraint = ""
    body = call.body.read()
    if body.strip():
        root = _parse_xml(body)
        found = _child(root, "LocationConstraint")
        constraint = (found.text or "").strip() if found is not None else ""
    if constraint == "us-east-1":
        raise Fault(
            "InvalidLocationConstraint",
            "The specified location-constraint is not valid",
            extras={"LocationConstraint": constraint},
        )
    region = "eu-west-1" if constraint == "EU" else constraint or "us-east-1"
    if region != call.region:
        raise Fault(
            "IllegalLocationConstraintException",
            f"The {constraint or 'unspecified'} location constraint is incompatible for the region specific "
            "endpoint this request was sent to.",
        )
    return region


def parse_tagging(body: bytes) -> list[tuple[str, str]]:
    """The (key, value) pairs of a PutObjectTagging body: `<Tagging><TagSet><Tag><Key/><Value/>`."""
    root = _parse_xml(body) if body.strip() else None
    tag_set = _child(root, "TagSet") if root is not None and _local(root) == "Tagging" else None
    if tag_set is None:
        raise malformed_xml()
    pairs = []
    for tag in _children(tag_set, "Tag"):
        key, value = _child(tag, "Key"), _child(tag, "Value")
        if key is None or value is None:
            raise malformed_xml()
        pairs.append((key.text or "", value.text or ""))
    if len({k for k, _ in pairs}) != len(pairs):
        raise Fault("InvalidTag", "Cannot provide multiple Tags with the same key")
    return pairs


def _ascii_digits(text: str) -> bool:
    """0-9 only: str.isdigit also accepts characters such as superscripts that int() refuses."""
    return text.isascii() and text.isdigit()
