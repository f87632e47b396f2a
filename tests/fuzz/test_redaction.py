"""The journal's redaction shortcuts against the plain rules they stand in for (`awsfake.doubles.redact`)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from awsfake.doubles import redact

_PIECES = st.sampled_from(
    [
        "Signature=",
        "Signature",
        "=",
        ",",
        " ",
        ", ",
        "\t",
        "\x1c",
        "\u2003",
        "\x00",
        "\x7f",
        "é",
        "0f",
        "SignedHeaders=",
    ]
)
AUTHORIZATIONS = st.lists(st.one_of(_PIECES, st.text(max_size=6)), max_size=10).map("".join)
_NAMES = st.sampled_from(["authorization", "x-amz-security-token", "x-amz-signature", "host", "x-amz-date", "a"])
PAIRS = st.lists(st.tuples(_NAMES, AUTHORIZATIONS), max_size=6)


@settings(max_examples=1000, deadline=None, database=None)
@given(authorization=AUTHORIZATIONS)
def test_the_signature_is_cut_as_the_pattern_cuts_it(authorization: str) -> None:
    expected = redact._SIGNATURE.sub(redact._SIGNATURE_REDACTED, authorization)
    assert redact._without_signature(authorization) == expected
    assert redact._without_signature(f"AWS4-HMAC-SHA256 Credential=A, Signature={authorization}") == (
        redact._SIGNATURE.sub(redact._SIGNATURE_REDACTED, f"AWS4-HMAC-SHA256 Credential=A, Signature={authorization}")
    )


@settings(max_examples=500, deadline=None, database=None)
@given(pairs=PAIRS, raw=st.binary(max_size=40), query=st.sampled_from(["", "X-Amz-Security-Token=t&a=1", "a=b"]))
def test_lower_case_names_are_redacted_as_any_names_are(pairs: list[tuple[str, str]], raw: bytes, query: str) -> None:
    assert redact.kept(pairs, raw, query, lower_case=True) == redact.kept(pairs, raw, query)
