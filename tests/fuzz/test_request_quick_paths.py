"""The request side's quick paths against the general readings they stand in for: a request target's control bytes,
the service a signed prefix names, S3's unsigned `x-amz-*` headers and its declared payload hash, the signing date
of the date headers, the `Caller` kept per identity, a request read through the server's header dict."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awsclient import sigv4
from awsfake.accounts import Accounts
from awsfake.auth.checks import check_amz_headers_signed
from awsfake.auth.chunked import STREAMING_MODES
from awsfake.auth.payload import _HEX64, payload, payload_hash
from awsfake.auth.presented import Presented, _header_date, from_prefix, guess_info
from awsfake.catalog import CATALOG
from awsfake.errors import Fault
from awsfake.request import _CONTROL, Request, Unreadable, _declared_length, _split_target, _target_parts, _wire_text
from awsfake.services import Caller
from awsfake.store.body import Body

_TARGET_PIECES = st.sampled_from(
    [
        "/",
        "?",
        "a",
        "%20",
        " ",
        "\t",
        "\x00",
        "\x1f",
        "\x7f",
        "\x80",
        "é",
        "\xa0",
        "~",
        "http://h",
        "://",
        "/q?x=1",
        "[",
    ]
)
TARGETS = st.lists(st.one_of(_TARGET_PIECES, st.text(max_size=3)), max_size=10).map("".join)


def _target_by_pattern(target: str) -> str:
    """The target's text as it was written with the `_CONTROL` pattern."""
    return _wire_text(target.encode("latin-1")) if not target.isascii() or _CONTROL.search(target) else target


@settings(max_examples=1000, deadline=None, database=None)
@given(target=TARGETS.filter(lambda text: all(ord(ch) < 256 for ch in text)))
def test_a_target_is_read_as_the_control_pattern_reads_it(target: str) -> None:
    """The plain origin-form target split in one step gives what the general split of the text gives."""
    assert _target_parts(target) == _split_target(_target_by_pattern(target))


_PARTS = st.lists(
    st.sampled_from(["AKID", "/", "20150830", "us-east-1", "sts", "sqs", "s3", "aws4_request", "host", ";", ",", " "]),
    max_size=8,
).map("".join)
SDK_SHAPED = st.tuples(_PARTS, _PARTS, _PARTS).map(
    lambda values: "AWS4-HMAC-SHA256 Credential={}, SignedHeaders={}, Signature={}".format(*values)
)
_SERVICES = st.sampled_from(["sts", "sns", "sqs", "s3", "dynamodb", "kms", "monitoring", "nosuch", ""])
_CONTENT_TYPES = st.sampled_from(
    [None, "application/x-www-form-urlencoded; charset=utf-8", "application/x-amz-json-1.0", "text/plain", ""]
)


@settings(max_examples=500, deadline=None, database=None)
@given(
    authorization=st.one_of(
        SDK_SHAPED,
        st.tuples(_SERVICES, st.sampled_from(["aws4_request", "aws4", ""])).map(
            lambda parts: (
                "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/{}/{}, SignedHeaders=host, Signature=0123".format(
                    *parts
                )
            )
        ),
    ),
    content_type=_CONTENT_TYPES,
    path=st.sampled_from(["/", "/v20180820/configuration", "/bucket/key"]),
    query=st.sampled_from(["", "Action=ListQueues", "list-type=2"]),
)
def test_the_service_a_signed_prefix_names_is_the_credentials(
    authorization: str, content_type: str | None, path: str, query: str
) -> None:
    """`guess_info` reads the service from a cached prefix's scope: the same row as from the credential string."""
    headers = [("host", "127.0.0.1"), ("authorization", authorization)]
    if content_type is not None:
        headers.append(("content-type", content_type))
    quick = Request("POST", path, query, headers)
    general = Request("POST", path, query, headers)
    general.signed_prefix = None  # as a header the prefix cannot read: the credential string alone
    assert guess_info(quick) == guess_info(general)


def test_a_signed_prefix_names_its_service() -> None:
    """Not vacuous: an SDK's header is read by its prefix."""
    authorization = (
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0123"
    )
    request = Request(
        "POST", "/", "", [("authorization", authorization), ("content-type", "application/x-amz-json-1.0")]
    )
    assert request.signed_prefix is not None and guess_info(request) is CATALOG["sqs"]


def _s3_presented(signed: tuple[str, ...], presigned: bool = False) -> Presented:
    return Presented(CATALOG["s3"], "AKID", "20150830", "us-east-1", "s3", signed, "sig", "20150830T123600Z", presigned)


_NAMES = st.sampled_from(
    ["host", "x-amz-date", "x-amz-content-sha256", "x-amz-meta-a", "x-amz-meta-b", "x-amzn-x", "content-type", "a"]
)


@settings(max_examples=500, deadline=None, database=None)
@given(names=st.lists(_NAMES, unique=True, max_size=8), signed=st.sets(_NAMES), cached=st.booleans())
def test_unsigned_amz_headers_are_found_as_by_a_walk_of_the_headers(
    names: list[str], signed: set[str], cached: bool
) -> None:
    """The set difference finds a refusal exactly when a walk of the headers does, naming them in their order."""
    request = Request("GET", "/b/k", "", [(name, "v") for name in names])
    presented = _s3_presented((*sorted(signed), "host"))
    if cached:
        presented.signed_names = frozenset(presented.signed_headers)
    unsigned = [name for name in names if name.startswith("x-amz-") and name not in signed]
    for _ in range(2):  # the second time from the answer kept for a cached prefix's header names
        if not unsigned:
            check_amz_headers_signed(request, presented)
            continue
        with pytest.raises(Fault) as refused:
            check_amz_headers_signed(request, presented)
        assert refused.value.extras["HeadersNotSigned"] == ", ".join(unsigned)


_BODIES = st.sampled_from([b"", b"hello", b"x" * 1024])


def _declared(body: bytes) -> st.SearchStrategy[str]:
    digest = hashlib.sha256(body).hexdigest()
    return st.one_of(
        st.sampled_from(
            [
                digest,
                digest.upper(),
                hashlib.sha256(b"other").hexdigest(),
                "g" * 64,
                "é" * 64,
                digest[:63],
                sigv4.UNSIGNED_PAYLOAD,
                *sorted(STREAMING_MODES),
            ]
        ),
        st.text(min_size=64, max_size=64),
    )


def _outcome(run: object) -> str:
    try:
        return repr(run() if callable(run) else run)
    except Fault as fault:
        return fault.code


@settings(max_examples=500, deadline=None, database=None)
@given(data=st.data(), body=_BODIES, presigned=st.booleans())
def test_a_declared_payload_hash_is_checked_as_by_its_pattern(
    data: st.DataObject, body: bytes, presigned: bool
) -> None:
    """Accepted, refused as malformed or as a mismatch exactly as the 64-hex-digit pattern and the body's hash say."""
    declared = data.draw(_declared(body))
    request = Request("PUT", "/b/k", "", [("x-amz-content-sha256", declared)], body=Body(body))
    presented = _s3_presented(("host", "x-amz-content-sha256"), presigned)
    hex64 = _HEX64.fullmatch(declared) is not None
    if not presigned and not (declared == sigv4.UNSIGNED_PAYLOAD or declared in STREAMING_MODES or hex64):
        assert _outcome(lambda: payload_hash(request, presented)) == "InvalidArgument"
        return
    assert payload_hash(request, presented) == declared
    if declared in STREAMING_MODES:
        return  # (an aws-chunked body: its frames are checked, `tests/fake/test_auth_chunked.py`)
    mismatch = hex64 and declared != hashlib.sha256(body).hexdigest()
    expected = "XAmzContentSHA256Mismatch" if mismatch else repr(request.body)
    assert _outcome(lambda: payload(request, presented, None, declared, None)) == expected  # type: ignore[arg-type]


_DATES = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "20150830T123600Z",
            "20150831T123600Z",
            "20150229T000000Z",
            " 20150830T123600Z ",
            "",
            "Sun, 30 Aug 2015 14:36:00 +0200",
            "not a date",
            "2" * 70,
        ]
    ),
    st.text(max_size=20),
)


def _signers_date(amz_date: str | None, http_date: str | None) -> str:
    try:
        return sigv4.signing_date(amz_date, http_date) or "refused"
    except ValueError:
        return "refused"


def _verifiers_date(request: Request) -> str:
    try:
        return _header_date(request, CATALOG["sts"], "")
    except Fault:  # (a ValueError would be a 500: it is not caught here)
        return "refused"


@settings(max_examples=500, deadline=None, database=None)
@given(amz_date=_DATES, http_date=_DATES)
def test_the_date_headers_give_the_signers_signing_date(amz_date: str | None, http_date: str | None) -> None:
    """Read twice (the second time from the caches): the signer's own rule's date, or a denial where it has none."""
    headers = [(name, value) for name, value in (("x-amz-date", amz_date), ("date", http_date)) if value is not None]
    request = Request("GET", "/", "", headers)
    signed = Request("GET", "/", "", [("authorization", _SDK_AUTHORIZATION), *headers])  # read by `from_prefix`
    expected = _signers_date(amz_date, http_date)
    for _ in range(2):
        assert _verifiers_date(request) == expected
        assert _prefix_date(signed) == expected


_SDK_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, "
    f"Signature={'0' * 64}"
)


def _prefix_date(request: Request) -> str:
    """The date `from_prefix` reads (an SDK's X-Amz-Date in place, any other dates by `_header_date`)."""
    prefix = request.signed_prefix
    assert prefix is not None and prefix.scope is not None
    try:
        return from_prefix(request, prefix, prefix.scope, _SDK_AUTHORIZATION).amz_date
    except Fault:
        return "refused"


@settings(max_examples=200, deadline=None, database=None)
@given(adds=st.lists(st.tuples(st.sampled_from(["AKID1", "AKID2"]), st.sampled_from(["111", "222"])), max_size=6))
def test_the_caller_kept_is_the_identitys_own(adds: list[tuple[str, str]]) -> None:
    """A key added again (another account, another ARN) gets a `Caller` of its new identity, not the kept one."""
    accounts = Accounts()
    for key, account in adds:
        identity = accounts.add(key, "secret", account_id=account)
        for _ in range(2):
            assert identity.caller == Caller(key, account, identity.arn, identity.user_id)


@settings(max_examples=200, deadline=None, database=None)
@given(names=st.lists(_NAMES, unique=True, max_size=8))
def test_a_request_read_through_a_header_dict_is_the_request_of_its_pairs(names: list[str]) -> None:
    pairs = [(name, f"v-{name}") for name in names]
    through_dict, of_pairs = Request("GET", "/", "", dict(pairs)), Request("GET", "/", "", pairs)
    assert through_dict.headers == of_pairs.headers == pairs
    assert through_dict.index == of_pairs.index and dict(through_dict.header_map) == dict(of_pairs.header_map)


def _length_by_rule(text: str, max_body: int) -> int | str:
    """A Content-Length read as the framing rule says, without the kept values: its value, or what is refused."""
    if not (text.isascii() and text.isdigit()):
        return "InvalidRequest"
    digits = text.lstrip("0") or "0"
    return "too large" if len(digits) > 19 or int(digits) > max_body else int(digits)


def _length_read(text: str, max_body: int) -> int | str:
    try:
        length = _declared_length(Request("PUT", "/b/k", "", {"content-length": text}), max_body)
    except Unreadable as unreadable:
        return unreadable.fault.code if unreadable.fault is not None else "too large"
    assert length is not None
    return length


_LENGTH_TEXTS = st.one_of(
    st.integers(min_value=1, max_value=10**22).map(str),
    st.lists(st.sampled_from(["0", "1", "9", "²", "٣", " ", "-", "+", "a"]), min_size=1, max_size=24).map("".join),
)


@settings(max_examples=1000, deadline=None, database=None)
@given(text=_LENGTH_TEXTS, max_body=st.sampled_from([0, 43, 1024, 10**6, 2**63]))
def test_a_content_length_kept_reads_as_the_framing_rule_reads_it(text: str, max_body: int) -> None:
    """Read twice (the second time from the values kept), a Content-Length gives what the rule gives."""
    expected = _length_by_rule(text, max_body)
    assert _length_read(text, max_body) == expected
    assert _length_read(text, max_body) == expected
