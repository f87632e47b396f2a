"""The families' templates for text-leaf answers (`families.base.Templates`) against the writers they stand in for.

A structure of text leaves that need no escaping is filled into a template the family's own writer made once per
shape (`%s` for each leaf); anything else goes to the writer. Over generated structures (names valid, invalid, or
holding `%`; leaves plain or not, non-text leaves; namespaces with `%`), each answer, the first time and again, is
the writer's text, or both refuse the tree alike.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from awsfake.catalog import CATALOG, ServiceInfo
from awsfake.families import json as json_family
from awsfake.families import query
from awsfake.services import Result

_NAMES = st.one_of(
    st.sampled_from(["UserId", "Account", "Arn", "MessageId", "MD5OfMessageBody", "SequenceNumber", "a%s", "b%", "1x"]),
    st.text(max_size=6),
)
_PLAIN = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=12)
_LEAVES = st.one_of(
    _PLAIN,
    _PLAIN,
    st.sampled_from(["&", "<b>", '"q"', "a\\b", "\r", "\x7f", "é", "%s", "%", "%(x)s"]),
    st.text(max_size=6),
    st.none(),
    st.integers(),
)
TREES = st.one_of(st.dictionaries(_NAMES, _LEAVES, max_size=4), st.none(), st.lists(_PLAIN, max_size=2))
_STS = CATALOG["sts"]
ROWS = st.sampled_from(
    [
        _STS,
        CATALOG["sns"],
        CATALOG["sqs"].spoken_as("application/x-www-form-urlencoded"),
        dataclasses.replace(_STS, namespace="https://example.com/%s/100%"),
    ]
)


def _outcome(write: Any) -> Any:
    try:
        return write()
    except (ValueError, TypeError) as refused:
        return type(refused), str(refused)


@settings(max_examples=600, deadline=None, database=None)
@given(info=ROWS, action=st.sampled_from(["GetCallerIdentity", "Publish", "SendMessage"]), tree=TREES, rid=_LEAVES)
def test_a_query_answer_is_what_the_writer_writes(info: ServiceInfo, action: str, tree: Any, rid: Any) -> None:
    rid = rid if isinstance(rid, str) else "3f0c-1"
    shaped = None if tree is None else info.query_shapes.result(action, tree)
    expected = _outcome(lambda: query._written(info, action, shaped, rid).encode())
    for _ in range(2):  # the template made, then the template used
        assert _outcome(lambda: info.family.document(info, action, Result(tree), rid)[0]) == expected


@settings(max_examples=600, deadline=None, database=None)
@given(tree=TREES)
def test_a_json_answer_is_what_the_encoder_writes(tree: Any) -> None:
    info = CATALOG["sqs"]
    expected = _outcome(lambda: json_family.JSON.encode({} if tree is None else tree).encode())
    for _ in range(2):
        assert _outcome(lambda: info.family.document(info, "SendMessage", Result(tree), "r")[0]) == expected
