"""The query family's form reading (`fields_of`) against the standard library's `parse_qsl` it stands in for."""

from __future__ import annotations

from urllib.parse import parse_qsl

from hypothesis import given, settings
from hypothesis import strategies as st

from awsfake.families.query import fields_of

# "%3A" * 90 makes a field longer than the escaped fields `fields_of` keeps decoded
_PIECES = st.sampled_from(
    ["&", "=", "+", "%", "%2", "%41", "%e9", "%C3%A9", "%ZZ", "%%", "&&", "==", "é", "\x00", "%3A" * 90]
)
FORMS = st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=12).map("".join)


@settings(max_examples=1000, deadline=None, database=None)
@given(text=FORMS)
def test_fields_of_reads_a_form_as_parse_qsl_does(text: str) -> None:
    """Twice: the second reading of a field with escapes is the cached one."""
    assert list(fields_of(text).items()) == list(dict(parse_qsl(text, keep_blank_values=True)).items())
    assert list(fields_of(text).items()) == list(dict(parse_qsl(text, keep_blank_values=True)).items())
