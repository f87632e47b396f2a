"""The query family's form reading (`fields_of`, `_unquote`) against the standard library's `parse_qsl` and `unquote`
it stands in for."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awsfake.families.query import _escaped_form, _kept_fields, _unquote, fields_of

# "%3A" * 90 makes a field longer than the escaped fields `fields_of` keeps decoded
_PIECES = st.sampled_from(
    [
        "&",
        "=",
        "+",
        "%",
        "%2",
        "%41",
        "%3a",
        "%20",
        "%7F",
        "%80",
        "%e9",
        "%C3%A9",
        "%ZZ",
        "%%",
        "&&",
        "==",
        "é",
        "\x00",
        "%3A" * 90,
    ]
)
FORMS = st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=12).map("".join)


@settings(max_examples=1000, deadline=None, database=None)
@given(text=FORMS)
def test_fields_of_reads_a_form_as_parse_qsl_does(text: str) -> None:
    """Twice: the second reading of a field with escapes, or of a short form without, or of the fields before the
    last, is the cached one."""
    expected = list(dict(parse_qsl(text, keep_blank_values=True)).items())
    assert list(fields_of(text).items()) == expected
    assert list(fields_of(text).items()) == expected
    assert list(_escaped_form(text).items()) == expected
    assert list(_escaped_form(text).items()) == expected
    if "%" not in text:
        assert list(_kept_fields(text).items()) == expected
        assert list(_kept_fields(text).items()) == expected


# Text as an SDK escapes it (`quote(..., safe="-_.~")`: ASCII, every `%` followed by two hex digits, of either
# case), and with the pieces that make `_unquote` hand over to `unquote`: a broken escape, non-ASCII text.
_SDK_TEXT = st.text(max_size=20).map(lambda text: quote(text, safe="-_.~"))
_ESCAPED = st.lists(
    st.one_of(_SDK_TEXT, _SDK_TEXT.map(str.lower), st.sampled_from(["%", "%2", "%zz", "%C3", "é", "+", "%25"])),
    max_size=6,
).map("".join)


@settings(max_examples=1000, deadline=None, database=None)
@given(text=_ESCAPED)
def test_unquote_decodes_as_the_standard_library_does(text: str) -> None:
    assert _unquote(text) == unquote(text)


# A request as an SDK writes it: the action, the version, then the operation's fields, each value escaped (a name
# is not); the same few first fields with a last one that changes, or the same again.
_SDK_FIELDS = st.lists(
    st.tuples(st.sampled_from(["TopicArn", "QueueUrl", "Message", "Subject", "Action", "Name"]), st.text(max_size=12)),
    max_size=4,
)


@settings(max_examples=500, deadline=None, database=None)
@given(fields=_SDK_FIELDS, lasts=st.lists(st.text(max_size=12), min_size=1, max_size=3))
def test_an_sdk_form_read_after_its_first_fields_is_read_as_parse_qsl_does(
    fields: list[tuple[str, str]], lasts: list[str]
) -> None:
    head = "&".join(f"{name}={quote(value, safe='-_.~')}" for name, value in [("Action", "Publish"), *fields])
    for last in lasts:
        text = f"{head}&Message={quote(last, safe='-_.~')}"
        assert _escaped_form(text) == dict(parse_qsl(text, keep_blank_values=True))


def form_fields_of(text: str) -> dict[str, str]:
    """The reading `form_fields` picks for a form's text."""
    return _escaped_form(text) if "%" in text else _kept_fields(text)


@pytest.mark.parametrize(
    ("form", "again", "expected"),
    [
        (
            "Action=GetCallerIdentity&Version=2011-06-15",
            "Action=GetCallerIdentity&Version=2011-06-15",
            {"Action": "GetCallerIdentity", "Version": "2011-06-15"},
        ),
        (
            "Action=Publish&TopicArn=arn%3Aa&Message=m",
            "Action=Publish&TopicArn=arn%3Aa&Message=n",
            {"Action": "Publish", "TopicArn": "arn:a", "Message": "n"},
        ),
    ],
    ids=["plain form", "first fields of an escaped form"],
)
def test_a_kept_reading_is_never_handed_out_itself(form: str, again: str, expected: dict[str, str]) -> None:
    """What is kept of a form read before is copied for each request: a service may change its parameters."""
    first = form_fields_of(form)
    first["Action"] = "Changed"
    assert form_fields_of(again) == expected
