"""The journal's redaction shortcuts against the plain rules they stand in for (`awsfake.doubles.redact`)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from awsfake.doubles import redact
from awsfake.request import Request

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


_SIGNATURES = st.one_of(
    st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),  # as the SDKs write it
    st.text(alphabet="0123456789abcdefABZ", max_size=3),
    AUTHORIZATIONS,
)
SDK_AUTHORIZATIONS = st.builds(
    "AWS4-HMAC-SHA256 Credential={}, SignedHeaders={}, Signature={}".format,
    st.sampled_from(["AKID/20261127/us-east-1/sts/aws4_request", "AKID/x", "A/Signature=1/b", "A\u2003B"]),
    st.sampled_from(["host;x-amz-date", "host", "a; Signature=b", ""]),
    _SIGNATURES,
)
_VALUES = st.one_of(AUTHORIZATIONS, SDK_AUTHORIZATIONS)
REQUEST_PAIRS = st.lists(st.tuples(_NAMES, _VALUES), max_size=6).flatmap(
    lambda pairs: st.permutations([*pairs, ("authorization", "")]).flatmap(
        lambda permuted: st.one_of(
            st.just(pairs), st.just(permuted), st.builds(lambda v: [*pairs, ("authorization", v)], SDK_AUTHORIZATIONS)
        )
    )
)


@settings(max_examples=1000, deadline=None, database=None)
@given(
    pairs=REQUEST_PAIRS,
    raw=st.one_of(st.binary(max_size=40), st.sampled_from([b"a=1\r\nb", b'name="x-amz-signature"\r\n\r\nv\r\n'])),
    query=st.sampled_from(["", "X-Amz-Security-Token=t&a=1", "a=b"]),
)
def test_a_request_is_redacted_as_its_headers_are(pairs: list[tuple[str, str]], raw: bytes, query: str) -> None:
    request = Request("POST", "/", query, pairs)
    expected = redact.kept(pairs, raw, query, lower_case=True)
    assert redact.request_kept(request, raw) == expected
    assert redact.request_kept(request, raw) == expected  # the redacted prefix remembered gives the same
