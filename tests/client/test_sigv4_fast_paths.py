"""The signer's shortcuts give what the long way gives: text recognised as canonical already is what decoding and
encoding it again would give, dates accepted without `time.strptime` are the ones it accepts, and the canonical
headers the signer lays out once per set of header names are those `canonical_request` writes."""

from __future__ import annotations

import calendar
import hashlib
import time
from typing import Any
from urllib.parse import quote, unquote_to_bytes, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from awsclient.credentials import Credentials
from awsclient.sigv4 import (
    add_v4_auth_heads,
    canonical_path,
    canonical_query,
    canonical_request,
    named_header_values,
    parse_amz_date,
    parsed_canonical_request,
    scope_signature,
    signed_header_values,
    signing_date,
    split_query,
    string_to_sign,
)
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


# Headers as real callers pass them: the names SDKs and the transport send, in any spelling, values with the odd
# padding or inner run of whitespace, sometimes a name twice in two spellings (a dict can hold both), a stale
# Authorization, a Host, an X-Amz-Date (valid or blank), a Date.
REAL_NAMES = [
    "Content-Type",
    "X-Amz-Target",
    "Range",
    "User-Agent",
    "x-amz-meta-owner",
    "Content-MD5",
    "Accept",
    "X-Amz-Content-SHA256",
    "X-Amz-Security-Token",
    "Authorization",
    "Host",
    "Expect",
]
spelling = st.sampled_from(REAL_NAMES).flatmap(lambda n: st.sampled_from([n, n.lower(), n.upper(), n.swapcase()]))
padding = st.sampled_from(["", " ", "  ", "\t", " \t "])
header_value = st.builds(
    lambda pad, text, end: pad + text + end,
    padding,
    st.sampled_from(["application/x-amz-json-1.0", "bytes=0-99", "a  b", "x\ty", "", "Bucket.S3.amazonaws.com:8443"]),
    padding,
)
date_header = st.sampled_from(
    [
        {},
        {"X-Amz-Date": "20261126T200000Z"},
        {"x-amz-date": " 20261126T200000Z "},
        {"X-Amz-Date": " "},
        {"Date": "Thu, 26 Nov 2026 20:00:00 GMT"},
        {"Date": ""},
        {"X-Amz-Date": "", "Date": "20261126T200000Z"},
    ]
)
TOKEN = "IQoJb3JpZ2luX2VjE" + "Ab+/" * 200


@st.composite
def signed_requests(draw: st.DrawFn) -> dict[str, Any]:
    heads: dict[str, str] = {}
    for name, value in draw(st.lists(st.tuples(spelling, header_value), max_size=6)):
        heads[name] = value
    heads.update(draw(date_header))
    service = draw(st.sampled_from(["s3", "sqs", "sts", "execute-api"]))
    target = draw(st.sampled_from(["/", "/photos/2026/a%20b.jpg?versionId=x1", "/?list-type=2&prefix=logs%2F", ""]))
    return {
        "heads": heads,
        "method": draw(st.sampled_from(["GET", "PUT", "POST", "post"])),
        "uri": draw(st.sampled_from(["https://bucket-1.s3.us-east-1.amazonaws.com", "http://127.0.0.1:8080"])) + target,
        "sha256": draw(st.sampled_from([hashlib.sha256(b"x").hexdigest(), "UNSIGNED-PAYLOAD"])),
        "region": draw(st.sampled_from(["us-east-1", "eu-west-1"])),
        "service": service,
        "credentials": Credentials("AKIDEXAMPLE", "secret/key+EXAMPLE", draw(st.sampled_from([None, TOKEN]))),
    }


@settings(max_examples=500, deadline=None)
@given(signed_requests())
def test_what_the_signer_signs_the_shared_canonicalisation_verifies(req: dict[str, Any]) -> None:
    """The Authorization the signer writes checks out as the verifier checks it: `canonical_request` of the headers
    sent (lower-cased, repeats joined, trimmed: `named_header_values`), the SignedHeaders it names, the date sent."""
    try:
        sent = add_v4_auth_heads(**req)
    except ValueError:  # a Date that is not one: refused whichever way the headers are laid out
        assert "Date" in req["heads"]
        return
    fields = sent["Authorization"].split(" ", 1)[1].split(", ")
    credential, signed_list, sig = (field.split("=", 1)[1] for field in fields)
    scope = credential.split("/", 1)[1]
    lower: dict[str, str] = {}
    for name, value in sent.items():
        lower[name.lower()] = f"{lower[name.lower()]},{value}" if name.lower() in lower else value
    signed = signed_list.split(";")
    assert all(name in lower for name in signed) and "authorization" not in signed
    values = named_header_values(lower.items(), lower)
    amz_date = signing_date(values.get("x-amz-date"), values.get("date"))
    assert amz_date is not None and scope.startswith(amz_date[:8])
    split = urlsplit(req["uri"])
    canonical = canonical_request(
        req["method"],
        split.path,
        split.query,
        values,
        signed,
        req["sha256"],
        service=req["service"],
    )
    assert sig == scope_signature("secret/key+EXAMPLE", scope, string_to_sign(amz_date, scope, canonical))


PARSED_NAMES = ["amz-sdk-invocation-id", "amz-sdk-request", "content-type", "host", "x-amz-date", "x-amz-target"]


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.sampled_from([*PARSED_NAMES, "user-agent", "content-length"]), header_value),
    st.lists(st.sampled_from(PARSED_NAMES), unique=True).map(sorted),
    st.sampled_from(["/", "", "/bench-bucket/a%20b/key-1", "/prod/./x"]),
    st.sampled_from(["", "list-type=2&prefix=a", "acl"]),
    st.sampled_from(["s3", "sts"]),
)
def test_the_one_pass_canonical_request_is_canonical_request(
    parsed: dict[str, str], signed: list[str], path: str, query: str, service: str
) -> None:
    """A parsed request's headers (lower-case, each once; a signed one may be missing): the same text either way."""
    values = signed_header_values(parsed, signed)
    expected = canonical_request("POST", path, query, values, signed, "UNSIGNED-PAYLOAD", service=service)
    got = parsed_canonical_request("POST", path, query, parsed, signed, "UNSIGNED-PAYLOAD", service=service)
    assert got == expected
