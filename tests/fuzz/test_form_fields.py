"""The query family's form reading (`fields_of`) against the standard library's `parse_qsl` it stands in for."""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote

from hypothesis import given, settings
from hypothesis import strategies as st

from awsfake.families.query import _unquoted, fields_of

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
    """Twice: the second reading of a field with escapes, or of a short form without, is the cached one."""
    assert list(fields_of(text).items()) == list(dict(parse_qsl(text, keep_blank_values=True)).items())
    assert list(fields_of(text).items()) == list(dict(parse_qsl(text, keep_blank_values=True)).items())


@settings(max_examples=1000, deadline=None, database=None)
@given(text=FORMS)
def test_escapes_of_ascii_characters_decode_as_unquote_decodes_them(text: str) -> None:
    assert _unquoted(text) == unquote(text)


def test_the_escapes_sdks_write_are_decoded_by_the_table() -> None:
    """Not vacuous: the table takes the usual escapes (upper and lower case), `unquote` the rest."""
    assert _unquoted("arn%3Aaws%3asns%20x") == "arn:aws:sns x"
    assert _unquoted("caf%C3%A9%3A") == "café:" == unquote("caf%C3%A9%3A")


def test_a_plain_form_read_again_is_a_copy_of_its_own() -> None:
    """The reading kept for a plain form is never handed out itself: a service may change its parameters."""
    first = fields_of("Action=GetCallerIdentity&Version=2011-06-15")
    first["Action"] = "Changed"
    assert fields_of("Action=GetCallerIdentity&Version=2011-06-15") == {
        "Action": "GetCallerIdentity",
        "Version": "2011-06-15",
    }
