"""Result trees as XML elements, the way the XML families (REST-XML, query, EC2) write them."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from lxml import etree

from awsfake.families.base import XML_DECLARATION, xml_text
from awsfake.services import Map

__all__ = ["aware", "document", "fill", "nsmap"]


def fill(parent: Any, value: Any, item_tag: str | None) -> None:
    """Render `value` as the content of `parent`. Lists: `item_tag` children, or repeated `parent`s if None."""
    if isinstance(value, Map):
        for key, item in value.items():
            entry = etree.SubElement(parent, "entry")
            etree.SubElement(entry, "key").text = xml_text(str(key))
            fill(etree.SubElement(entry, "value"), item, item_tag)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _child(parent, key, item, item_tag)
    elif isinstance(value, (list, tuple)):
        for item in value:
            fill(etree.SubElement(parent, item_tag or "member"), item, item_tag)
    elif value is not None:
        parent.text = xml_text(_scalar(value))


def _child(parent: Any, name: str, value: Any, item_tag: str | None) -> None:
    if value is None:
        return
    if isinstance(value, (list, tuple)) and item_tag is None:
        for item in value:  # REST-XML lists are flattened: one element per item, named for the field
            fill(etree.SubElement(parent, name), item, item_tag)
        return
    fill(etree.SubElement(parent, name), value, item_tag)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        utc = aware(value).astimezone(timezone.utc)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    return str(value)


def nsmap(namespace: str) -> Any:
    """lxml's default-namespace map (its stubs do not accept the None key)."""
    return {None: namespace} if namespace else None


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def document(root: Any, *, declaration: bool = True) -> bytes:
    """The serialised element, with the XML declaration AWS writes (the query family writes none)."""
    body = bytes(etree.tostring(root, encoding="utf-8"))
    return XML_DECLARATION + body if declaration else body
