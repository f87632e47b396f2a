"""The signer's shortcuts give what the long way gives: text recognised as canonical already is what decoding and
encoding it again would give, and dates accepted without `time.strptime` are the ones it accepts."""

from __future__ import annotations

import calendar
import time
from urllib.parse import quote, unquote_to_bytes

from hypothesis import given, settings
from hypothesis import strategies as st

from awsclient.sigv4 import canonical_path, canonical_query, parse_amz_date, signing_date, split_query
from awsclient.sigv4.canonical import _encode_normalised_path

QUERY_ALPHABET = "aZ09-._~%=&+/ !2DEF3A4C5e7fé"
query_text = st.text(st.sampled_from(list(QUERY_ALPHABET)), max_size=30)
escape = st.builds(
    lambda a, b: f"%{a}{b}", st.sampled_from("0123456789ABCDEFabcdef"), st.sampled_from("0123456789ABCDEFabcdef")
)
escaped_query = st.lists(st.one_of(escape, st.sampled_from(list(QUERY_ALPHABET))), max_size=30).map("".join)


def recoded(raw: str) -> str:
    """The definition: each name and value decoded, then encoded with only unreserved characters left alone."""
    pairs = sorted(
        (quote(unquote_to_bytes(k), safe="~"), quote(unquote_to_bytes(v), safe="~")) for k, v in split_query(raw)
    )
    return "&".join(f"{k}={v}" for k, v in pairs)


@settings(max_examples=300, deadline=None)
@given(st.one_of(query_text, escaped_query))
def test_canonical_query_is_decode_then_encode(raw: str) -> None:
    assert canonical_query(raw) == (recoded(raw) if raw else "")


path_text = st.lists(st.one_of(escape, st.sampled_from(list("/a9.-_~%é +"))), max_size=20).map(
    lambda s: "/" + "".join(s)
)


@settings(max_examples=300, deadline=None)
@given(path_text)
def test_paths_shortcut_or_not_encode_alike(path: str) -> None:
    assert canonical_path(path, "sqs") == _encode_normalised_path(path)
    assert canonical_path(path, "s3") == quote(path, safe="/~%!$&'()*+,;=:@")


def strptime_epoch(value: str) -> float | None:
    """strptime's answer, less the leap seconds (60, 61) it allows and a signed date may not name."""
    if len(value) == 16 and value[13:15] in ("60", "61"):
        return None
    try:
        return calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        return None


digits = st.text(st.sampled_from("0123456789"), min_size=2, max_size=2)
dates = st.one_of(
    st.builds(
        lambda y, mo, d, h, mi, s: f"{y}{mo}{d}T{h}{mi}{s}Z",
        st.sampled_from(["0000", "0001", "1900", "2000", "2015", "2024", "2100", "9999"]),
        digits,
        digits,
        digits,
        digits,
        digits,
    ),
    st.text(st.sampled_from("0123456789TZ-:"), max_size=18),
)


@settings(max_examples=400, deadline=None)
@given(dates)
def test_amz_dates_are_the_ones_strptime_accepts(value: str) -> None:
    expected = strptime_epoch(value)
    try:
        got: float | None = parse_amz_date(value)
    except ValueError:
        got = None
    assert got == expected
    try:
        signed_at = signing_date(value, None)
    except ValueError:
        signed_at = None
    assert (signed_at == value) == (expected is not None)
