"""The families' XML writer (`awsfake.families.xml`, strings) against lxml building the same tree as elements.

Over generated trees (any names, any text: markup characters, CR, characters XML 1.0 cannot carry, surrogates;
every scalar kind; structures, `Map`s, lists and tuples, nested) both give the same bytes, or both refuse the
tree (a name that is no XML name). The one deliberate difference: a name in Clark notation (`{ns}local`), which lxml
reads as a namespaced name, is refused by the writer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from awsfake.families.base import xml_text
from awsfake.families.xml import _scalar, element
from awsfake.services import Map

# ------------------------------------------------------------ the reference: the tree built with lxml


def _lxml(name: str, value: Any, item_tag: str | None, namespace: str) -> bytes:
    nsmap: Any = {None: namespace} if namespace else None
    root = etree.Element(name, nsmap=nsmap)
    _fill(root, value, item_tag)
    return bytes(etree.tostring(root, encoding="utf-8"))


def _fill(parent: Any, value: Any, item_tag: str | None) -> None:
    if isinstance(value, str):
        parent.text = xml_text(value)
    elif isinstance(value, Map):
        for key, item in value.items():
            entry = etree.SubElement(parent, "entry")
            etree.SubElement(entry, "key").text = xml_text(str(key))
            _fill(etree.SubElement(entry, "value"), item, item_tag)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if item is None:
                continue
            if isinstance(item, (list, tuple)) and item_tag is None:
                for each in item:
                    _fill(etree.SubElement(parent, key), each, item_tag)
            else:
                _fill(etree.SubElement(parent, key), item, item_tag)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _fill(etree.SubElement(parent, item_tag or "member"), item, item_tag)
    elif value is not None:
        parent.text = xml_text(_scalar(value))


# ------------------------------------------------------------ generated trees

_MARKUP = st.sampled_from(["&", "<", ">", '"', "'", "\r", "\n", "\t", "]]>", "&amp;", "\x00", "\x0b", "\x7f"])
_UNCARRIABLE = st.sampled_from(["\ud800", "\udfff", "\ufffe", "\uffff", "\x1f", "\x85", "\u2028", "\U0001f600"])
_ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
TEXT = st.lists(st.one_of(_MARKUP, _UNCARRIABLE, _ANY_CHAR, st.text(max_size=5)), max_size=8).map("".join)
PLAIN_NAMES = st.sampled_from(["Arn", "member", "item", "entry", "Key", "a.b-c_d", "é", "_x", "xmlns"])
NAMES = st.one_of(
    PLAIN_NAMES,
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,8}", fullmatch=True),
    st.text(max_size=6).filter(lambda name: not name.startswith("{")),
)
SCALARS = st.one_of(
    st.none(),
    TEXT,
    st.booleans(),
    st.integers(),
    st.floats(),
    st.datetimes(),
    st.datetimes(timezones=st.just(timezone.utc)),
    st.binary(max_size=12),
)
TREES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(NAMES, inner, max_size=4),
        st.dictionaries(TEXT, inner, max_size=3).map(Map),
    ),
    max_leaves=12,
)
NAMESPACES = st.sampled_from(["", "http://s3.amazonaws.com/doc/2006-03-01/", "https://sns.amazonaws.com/doc/a&b/"])


def _both(name: str, value: Any, item_tag: str | None, namespace: str) -> tuple[object, object]:
    """Each renderer's bytes, or the kind of error it raised."""
    outcomes: list[object] = []
    for render in (_lxml, lambda *a: element(a[0], a[1], a[2], namespace=a[3]).encode()):
        try:
            outcomes.append(render(name, value, item_tag, namespace))
        except (ValueError, TypeError):
            outcomes.append("refused")
    return outcomes[0], outcomes[1]


@settings(max_examples=800, deadline=None, database=None)
@given(name=NAMES, value=TREES, item_tag=st.sampled_from([None, "member", "item"]), namespace=NAMESPACES)
def test_the_writer_writes_what_lxml_writes(name: str, value: Any, item_tag: str | None, namespace: str) -> None:
    reference, written = _both(name, value, item_tag, namespace)
    assert written == reference


@settings(max_examples=500, deadline=None, database=None)
@given(text=TEXT)
def test_any_text_is_escaped_as_lxml_escapes_it(text: str) -> None:
    assert element("Message", text).encode() == _lxml("Message", text, None, "")


@pytest.mark.parametrize("name", ["{urn:x}Key", "{}Key"])
def test_a_name_in_clark_notation_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="Invalid tag name"):
        element("Root", {name: "value"})
