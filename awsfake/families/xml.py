"""Result trees as XML text, the way the XML families (REST-XML, query, EC2) write them.

The text is written as strings, not built as lxml elements: a query answer costs ~3 µs instead of ~9. It is the
text lxml would serialise, byte for byte: element names are checked by lxml itself (once per name), text is
escaped as libxml2 escapes it (`&`, `<`, `>` and CR), and what XML 1.0 cannot carry becomes U+FFFD first
(`xml_text`). `tests/fuzz/test_xml_writer.py` compares the two over generated trees.

A value's rendering: a string is the element's text; a `Map` is `<entry><key/><value/></entry>`s; any other
mapping is child elements in its order (None values left out); a list or tuple is `item_tag` children, or, when
`item_tag` is None (REST-XML), one element per item named for the field; None is nothing (`<a/>`); other scalars
are text (`true`/`false`, datetimes as ISO 8601 with milliseconds, bytes in base64, else `str`).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from lxml import etree

from awsfake.families.base import XML_DECLARATION, xml_text
from awsfake.services import Map

__all__ = ["aware", "content", "document", "element", "enclose", "is_plain", "text"]

# What the text of an element cannot hold as it is: what XML escapes, and what XML 1.0 cannot carry at all.
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def element(name: str, value: Any, item_tag: str | None = None, *, namespace: str = "") -> str:
    """`<name>` holding `value` (rendered as the module says), with a default `namespace` when given."""
    out: list[str] = []
    _element(out, name, value, item_tag, _xmlns(namespace) if namespace else "")
    return "".join(out)


def content(value: Any, item_tag: str | None = None) -> str:
    """What `element` would put between the tags."""
    out: list[str] = []
    _content(out, value, item_tag)
    return "".join(out)


def enclose(name: str, inner: str, *, namespace: str = "") -> str:
    """Already-written XML inside `<name>` (`<name/>` when there is none)."""
    tag = _NAMES.get(name) or _name(name)
    start = tag + _xmlns(namespace) if namespace else tag
    return f"<{start}>{inner}</{tag}>" if inner else f"<{start}/>"


def text(value: str) -> str:
    """`value` as an element's text (escaped, and what XML 1.0 cannot carry replaced)."""
    return _text(value)


def is_plain(text: str) -> bool:
    """Whether `text` is written as it is: printable ASCII without markup (`_text`'s first test)."""
    return text.isascii() and text.isprintable() and "&" not in text and "<" not in text and ">" not in text


def document(written: str, *, declaration: bool = True) -> bytes:
    """The encoded document, with the XML declaration AWS writes (the query family writes none)."""
    body = written.encode()
    return XML_DECLARATION + body if declaration else body


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _element(out: list[str], name: str, value: Any, item_tag: str | None, attributes: str = "") -> None:
    tag = _NAMES.get(name) or _name(name)
    if isinstance(value, str):  # the commonest value: a leaf
        out.append(f"<{tag}{attributes}>{_text(value)}</{tag}>")
        return
    start = len(out)
    out.append(f"<{tag}{attributes}>")
    _content(out, value, item_tag)
    if len(out) == start + 1:
        out[start] = f"<{tag}{attributes}/>"
    else:
        out.append(f"</{tag}>")


def _content(out: list[str], value: Any, item_tag: str | None) -> None:
    kind = type(value)  # the plain types first: `isinstance(value, Mapping)` is a call into the ABC machinery
    if kind is str:
        out.append(_text(value))
    elif kind is dict:
        _fields(out, value, item_tag)
    elif kind is list or kind is tuple:
        _items(out, value, item_tag)
    elif isinstance(value, str):
        out.append(_text(value))
    elif isinstance(value, Map):
        for key, item in value.items():
            out.append(f"<entry><key>{_text(str(key))}</key>")
            _element(out, "value", item, item_tag)
            out.append("</entry>")
    elif isinstance(value, Mapping):
        _fields(out, value, item_tag)
    elif isinstance(value, (list, tuple)):
        _items(out, value, item_tag)
    elif value is not None:
        out.append(_text(_scalar(value)))


def _fields(out: list[str], value: Mapping[str, Any], item_tag: str | None) -> None:
    for key, item in value.items():
        if type(item) is str:  # a leaf, written here (a call per leaf is a good part of a small document's cost)
            tag = _NAMES.get(key) or _name(key)
            out.append(f"<{tag}>{_text(item)}</{tag}>")
        elif item is None:
            continue
        elif item_tag is None and isinstance(item, (list, tuple)):
            for each in item:  # REST-XML lists are flattened: one element per item, named for the field
                _element(out, key, each, item_tag)
        else:
            _element(out, key, item, item_tag)


def _items(out: list[str], value: list[Any] | tuple[Any, ...], item_tag: str | None) -> None:
    for item in value:
        _element(out, item_tag or "member", item, item_tag)


def _text(text: str) -> str:
    if text.isascii():  # the common text: printable ASCII is escaped only for its markup characters
        if text.isprintable() and "&" not in text and "<" not in text and ">" not in text:
            return text
    elif _SPECIAL.search(text) is None:
        return text
    return xml_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


_NAMES: dict[str, str] = {}  # names checked (a dict: `lru_cache`'s call costs more than the check's lookup)


def _name(name: str) -> str:
    """`name` if it is a plain element name, else lxml's own ValueError (or TypeError) for it. A name in Clark
    notation (`{namespace}local`), which lxml would read as a namespaced name, is refused as well. The names a
    service writes are few: the first 1,024 are remembered (`_NAMES`), the others checked each time."""
    etree.Element(name)
    if name.startswith("{"):
        raise ValueError(f"Invalid tag name {name!r}")
    if len(_NAMES) < 1024:
        _NAMES[name] = name
    return name


@lru_cache(maxsize=64)
def _xmlns(namespace: str) -> str:
    """The default-namespace declaration (` xmlns="..."`), as lxml writes it (and refuses it), once per namespace."""
    nsmap: Any = {None: namespace}  # lxml's stubs do not accept the None key
    written = etree.tostring(etree.Element("a", nsmap=nsmap), encoding="unicode")
    return written[len("<a") : -len("/>")]


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        utc = aware(value).astimezone(timezone.utc)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    return str(value)
