"""The JSON family's body reading (`_loads`) against `json.loads`, which it stands in for."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from awsfake.families.json import _loads

_PIECES = st.sampled_from(['{"a": 1}', "{", "}", '"', "\\", "\x00", " ", "\n", "[1]", "é", "\ud800", "1e999", "}}"])
_DOCUMENTS = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=8,
)
_ENCODINGS = st.sampled_from(["utf-8", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
BODIES = st.one_of(
    st.builds(lambda doc, encoding: json.dumps(doc).encode(encoding), _DOCUMENTS, _ENCODINGS),
    st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=8).map(
        lambda parts: "".join(parts).encode("utf-8", "surrogatepass")
    ),
    st.binary(max_size=12).map(lambda tail: b"{" + tail + b"}"),
)


def _outcome(read: Any, raw: bytes) -> Any:
    try:
        return ("value", repr(read(raw)))
    except (ValueError, RecursionError) as error:
        return ("refused", type(error).__name__)


@settings(max_examples=1000, deadline=None, database=None)
@given(raw=BODIES)
def test_a_body_reads_as_json_loads_reads_it(raw: bytes) -> None:
    assert _outcome(_loads, raw) == _outcome(json.loads, raw)
