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

from awsfake.catalog import CATALOG, ServiceInfo, info_for
from awsfake.families import json as json_family
from awsfake.families import query
from awsfake.families.base import Family
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
        assert _outcome(lambda: info.family.render_result(info, "SendMessage", Result(tree), "r").body) == expected


@settings(max_examples=600, deadline=None, database=None)
@given(
    tree=TREES,
    headers=st.dictionaries(st.sampled_from(["x-amz-meta-a", "Content-Type", "x-amzn-RequestId"]), _PLAIN, max_size=1),
    status=st.sampled_from([200, 201]),
)
def test_a_json_answer_is_rendered_as_every_family_renders_it(tree: Any, headers: dict[str, str], status: int) -> None:
    """The JSON family writes a flat object of plain text with no headers of its own at once: the same status,
    headers and bytes as the families' general rendering (its document and the request id's header)."""
    info = CATALOG["sqs"]
    result = Result(tree, None, status, headers)
    expected = _outcome(lambda: Family.render_result(info.family, info, "SendMessage", result, "8104f121-1"))
    assert _outcome(lambda: info.family.render_result(info, "SendMessage", result, "8104f121-1")) == expected


@settings(max_examples=600, deadline=None, database=None)
@given(
    info=ROWS | st.just(info_for("ec2")),  # EC2's family is the query family with a document of its own
    action=st.sampled_from(["GetCallerIdentity", "Publish", "SendMessage"]),
    tree=TREES,
    headers=st.dictionaries(st.sampled_from(["x-amz-meta-a", "Content-Type", "x-amzn-RequestId"]), _PLAIN, max_size=1),
    status=st.sampled_from([200, 201]),
    rid=_LEAVES,
)
def test_a_query_answer_is_rendered_as_every_family_renders_it(
    info: ServiceInfo, action: str, tree: Any, headers: dict[str, str], status: int, rid: Any
) -> None:
    """The query family writes a tree of plain text with no headers of its own at once: the same status, headers
    and bytes as the families' general rendering (its document and the request id's header), or the same refusal
    of a name XML refuses; the first time (the template made) and again (the template used)."""
    rid = rid if isinstance(rid, str) else "8104f121-1"
    result = Result(tree, None, status, headers)
    expected = _outcome(lambda: Family.render_result(info.family, info, action, result, rid))
    for _ in range(2):
        assert _outcome(lambda: info.family.render_result(info, action, result, rid)) == expected


# A few trees of one shape and a few of others, asked for in any order: the same tree comes again (the text up to
# the request id kept), after another of its shape (its leaves replaced) or of another shape.
_SEQUENCES = st.lists(
    st.tuples(
        st.sampled_from(
            [
                {"UserId": "AIDA1", "Account": "000000000000", "Arn": "arn:aws:iam::000000000000:root"},
                {"UserId": "AIDA2", "Account": "000000000000", "Arn": "arn:aws:iam::000000000000:user/x"},
                {"UserId": "AIDA1", "Account": "000000000000", "Arn": "a&b"},
                {"Account": "000000000000", "UserId": "AIDA1", "Arn": "arn:aws:iam::000000000000:root"},
                {"QueueUrl": "http://127.0.0.1/000000000000/q"},
                {"QueueUrl": "%s"},
            ]
        ),
        _LEAVES,
    ),
    min_size=1,
    max_size=8,
)


def _answered_as_written(info: ServiceInfo, tree: dict[str, Any], rid: str) -> None:
    """One query answer and one JSON answer of `tree`, each against its writer."""
    shaped = info.query_shapes.result("GetCallerIdentity", tree)
    expected = _outcome(lambda: query._written(info, "GetCallerIdentity", shaped, rid).encode())
    assert _outcome(lambda: info.family.document(info, "GetCallerIdentity", Result(tree), rid)[0]) == expected
    sqs = CATALOG["sqs"]
    expected = _outcome(lambda: json_family.JSON.encode(tree).encode())
    assert _outcome(lambda: sqs.family.render_result(sqs, "GetQueueUrl", Result(dict(tree)), rid).body) == expected


@settings(max_examples=300, deadline=None, database=None)
@given(sequence=_SEQUENCES, info=ROWS)
def test_answers_asked_again_are_what_the_writers_write(sequence: list[tuple[Any, Any]], info: ServiceInfo) -> None:
    for tree, rid in sequence:
        _answered_as_written(info, tree, rid if isinstance(rid, str) else "3f0c-1")
