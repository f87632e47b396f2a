"""The signer's contract: inputs it accepts, what it adds, what it refuses; checked against botocore where it signs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials
from freezegun import freeze_time

from awsclient.credentials import (
    Credentials,
    private_key,
    public_key,
    reset_credentials,
    security_token,
    set_credentials,
)
from awsclient.sigv4 import (
    EMPTY_SHA256,
    UNSIGNED_PAYLOAD,
    add_v4_auth_heads,
    canonical_path,
    canonical_query,
    presign_url,
    scope_signature,
    signature,
    signing_key,
)
from awsfake.pytest_plugin import without_credential_sources

CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
TOKEN_CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session/token+=")


@pytest.fixture
def frozen() -> Iterator[None]:
    # pytest's own timer (_pytest.timing) keeps real time, or --durations reports the frozen clock's jumps.
    with freeze_time("2015-08-30 12:36:00", ignore=["_pytest.timing"]):
        yield


def sign(heads: object, uri: str = "https://example.amazonaws.com/", **kw: object) -> dict[str, str]:
    args: dict[str, object] = {
        "method": "GET",
        "uri": uri,
        "sha256": EMPTY_SHA256,
        "region": "us-east-1",
        "service": "service",
        "credentials": CREDS,
        **kw,
    }
    return add_v4_auth_heads(heads, **args)  # type: ignore[arg-type]


def botocore_authorization(
    url: str, headers: list[tuple[str, str]], creds: Credentials = CREDS, service: str = "service"
) -> str:
    request = AWSRequest(method="GET", url=url)
    for name, value in headers:
        request.headers[name] = value
    boto = BotoCredentials(creds.access_key_id, creds.secret_access_key, creds.session_token)
    SigV4Auth(boto, service, "us-east-1").add_auth(request)
    return str(request.headers["Authorization"])


def test_aws_suite_get_vanilla() -> None:
    out = sign({"Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z"})
    assert out["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    )


def test_returns_a_new_dict_and_keeps_the_input(frozen: None) -> None:
    heads = {"Content-Type": "text/plain"}
    out = sign(heads)
    assert heads == {"Content-Type": "text/plain"}
    assert out["Content-Type"] == "text/plain"
    assert out["X-Amz-Date"] == "20150830T123600Z"
    assert out["Host"] == "example.amazonaws.com"


def test_date_from_the_clock_matches_botocore(frozen: None) -> None:
    out = sign({"X-Custom": "  a   b "})
    assert out["Authorization"] == botocore_authorization("https://example.amazonaws.com/", [("X-Custom", "  a   b ")])


def test_any_mapping_and_pairs_with_any_case(frozen: None) -> None:
    from types import MappingProxyType

    as_dict = sign({"x-custom": "v", "X-AMZ-DATE": "20150830T123600Z", "HOST": "example.amazonaws.com"})
    as_proxy = sign(MappingProxyType({"X-Custom": "v", "host": "example.amazonaws.com"}))
    as_pairs = sign([("X-CUSTOM", "v")])
    assert as_dict["Authorization"] == as_proxy["Authorization"] == as_pairs["Authorization"]
    assert "X-Amz-Date" not in as_dict  # the caller's spelling is kept, not doubled
    assert as_dict["X-AMZ-DATE"] == "20150830T123600Z"


def test_repeated_headers_are_joined_as_sent(frozen: None) -> None:
    out = sign([("X-Repeat", " one "), ("x-repeat", "two  words")])
    assert out["X-Repeat"] == "one,two  words"
    assert "x-repeat" not in out
    assert out["Authorization"] == botocore_authorization(
        "https://example.amazonaws.com/", [("X-Repeat", " one "), ("x-repeat", "two  words")]
    )


def test_duplicate_host_and_empty_path_as_botocore(frozen: None) -> None:
    out = sign([("Host", "example.amazonaws.com"), ("host", "other.example")], uri="https://example.amazonaws.com")
    assert out["Host"] == "example.amazonaws.com,other.example"
    assert out["Authorization"] == botocore_authorization(
        "https://example.amazonaws.com", [("Host", "example.amazonaws.com"), ("host", "other.example")]
    )


def test_uri_without_scheme_needs_a_host_header(frozen: None) -> None:
    with_host = sign({"Host": "example.amazonaws.com"}, uri="/a/b?x=1")
    assert with_host["Authorization"] == sign({}, uri="https://example.amazonaws.com/a/b?x=1")["Authorization"]
    with pytest.raises(ValueError, match="no Host header"):
        sign({}, uri="/a/b")


def test_path_starting_with_double_slash_is_a_path(frozen: None) -> None:
    out = sign({"Host": "example.amazonaws.com"}, uri="//")
    assert out["Host"] == "example.amazonaws.com"
    assert out["Authorization"] == sign({}, uri="https://example.amazonaws.com/")["Authorization"]


@pytest.mark.parametrize(
    ("uri", "host"),
    [
        ("https://Example.AmazonAWS.com:443/", "example.amazonaws.com"),
        ("http://example.amazonaws.com:80/", "example.amazonaws.com"),
        ("http://example.amazonaws.com:443/", "example.amazonaws.com:443"),
        ("https://user:pw@example.amazonaws.com:8443/", "example.amazonaws.com:8443"),
        ("http://[::1]:8080/", "[::1]:8080"),
    ],
)
def test_host_from_the_uri_as_a_client_sends_it(frozen: None, uri: str, host: str) -> None:
    out = sign({}, uri=uri)
    assert out["Host"] == host
    assert out["Authorization"] == botocore_authorization(uri, [])


def test_date_header_basic_iso_is_the_signing_date() -> None:
    out = sign({"Date": "20150830T123600Z", "Host": "example.amazonaws.com"})
    assert "X-Amz-Date" not in out
    assert "/20150830/" in out["Authorization"] and "SignedHeaders=date;host," in out["Authorization"]


def test_http_date_is_signed_as_is_like_botocore() -> None:
    with freeze_time("2015-08-30 12:36:00"):
        request = AWSRequest(method="GET", url="https://example.amazonaws.com/", headers={"Date": "placeholder"})
        boto = BotoCredentials(CREDS.access_key_id, CREDS.secret_access_key)
        SigV4Auth(boto, "service", "us-east-1").add_auth(request)  # re-dates Date to now, HTTP-date form
    out = sign({"Date": request.headers["Date"]})  # not frozen: the date comes from the header
    assert "X-Amz-Date" not in out
    assert out["Authorization"] == request.headers["Authorization"]
    gmt = sign({"Date": "Sun, 30 Aug 2015 14:36:00 +0200"})
    assert "/20150830/" in gmt["Authorization"] and "SignedHeaders=date;host," in gmt["Authorization"]


def test_x_amz_date_wins_over_date() -> None:
    out = sign({"X-Amz-Date": "20200101T000000Z", "Date": "Sun, 30 Aug 2015 12:36:00 GMT"})
    assert "/20200101/" in out["Authorization"]


@pytest.mark.parametrize(
    "heads",
    [
        {"X-Amz-Date": "2015-08-30T12:36:00Z"},
        {"X-Amz-Date": "20151330T123600Z"},
        {"X-Amz-Date": "٢٠١٥٠٨٣٠T123600Z"},
        {"Date": "20151330T123600Z"},
        {"Date": "yesterday"},
    ],
)
def test_unreadable_dates_are_refused(heads: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        sign(heads)


def test_token_is_added_and_signed(frozen: None) -> None:
    out = sign({"X-Amz-Security-Token": "stale"}, credentials=TOKEN_CREDS)
    assert out["X-Amz-Security-Token"] == "session/token+="
    assert "x-amz-security-token" in out["Authorization"]
    assert out["Authorization"] == botocore_authorization("https://example.amazonaws.com/", [], TOKEN_CREDS)


def test_credentials_default_to_the_parameters(frozen: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    without_credential_sources(monkeypatch, tmp_path)  # so that the default chain finds nothing either
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    reset_credentials()
    set_credentials(TOKEN_CREDS.access_key_id, TOKEN_CREDS.secret_access_key, TOKEN_CREDS.session_token)
    try:
        out = add_v4_auth_heads({}, method="GET", uri="https://h/", sha256=EMPTY_SHA256, region="r", service="s")
    finally:
        for param in (public_key, private_key, security_token):
            param.reset()
    assert out == sign({}, uri="https://h/", region="r", service="s", credentials=TOKEN_CREDS)
    with pytest.raises(ValueError, match="no AWS credentials"):
        add_v4_auth_heads({}, method="GET", uri="https://h/", sha256=EMPTY_SHA256, region="r", service="s")
    reset_credentials()


def test_sha256_is_used_verbatim_and_s3_gets_the_header(frozen: None) -> None:
    body_hash = hashlib.sha256(b"hello").hexdigest()
    plain = sign({}, sha256=body_hash)
    assert "x-amz-content-sha256" not in {k.lower() for k in plain}
    s3 = sign({"x-amz-content-sha256": "old"}, sha256=UNSIGNED_PAYLOAD, service="s3")
    assert s3["x-amz-content-sha256"] == UNSIGNED_PAYLOAD
    assert "x-amz-content-sha256" in s3["Authorization"]
    assert sign({}, sha256=body_hash)["Authorization"] != sign({}, sha256=EMPTY_SHA256)["Authorization"]


def test_old_authorization_and_unsigned_headers_are_left_out(frozen: None) -> None:
    out = sign({"authorization": "old", "User-Agent": "ua", "Connection": "keep-alive", "Expect": "100-continue"})
    assert "authorization" not in out
    assert "SignedHeaders=host;x-amz-date," in out["Authorization"]
    assert out["User-Agent"] == "ua"


@pytest.mark.parametrize(
    ("path", "service", "expected"),
    [
        ("", "service", "/"),
        ("//", "service", "/"),
        ("/a/./b/../c//d/", "service", "/a/c/d/"),
        ("/a%20b", "service", "/a%2520b"),
        ("/日本", "service", "/%E6%97%A5%E6%9C%AC"),
        ("//a/./b%2F", "s3", "//a/./b%2F"),
        ("/a b", "s3", "/a%20b"),
        ("/-._~", "s3", "/-._~"),
    ],
)
def test_canonical_path(path: str, service: str, expected: str) -> None:
    assert canonical_path(path, service) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ""),
        ("b=2&a=1&a", "a=&a=1&b=2"),
        ("a=b=c", "a=b%3Dc"),
        ("q=a+b", "q=a%2Bb"),
        ("%7e=%41&x=%2f", "x=%2F&~=A"),
        ([("b", "x y"), ("a", "ü")], "a=%C3%BC&b=x%20y"),
    ],
)
def test_canonical_query(query: str | list[tuple[str, str]], expected: str) -> None:
    assert canonical_query(query) == expected


def test_signing_key_is_aws_documented_example() -> None:
    # The example in AWS's "derive a signing key" documentation.
    key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")
    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
    assert signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215T000000Z", "us-east-1", "iam") == key


def test_scope_signature_is_aws_documented_example() -> None:
    # AWS's SigV4 example (IAM ListUsers, 20150830T123600Z): the signature from the cached key pads is the HMAC of
    # the string to sign by the derived key.
    secret, scope = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830/us-east-1/iam/aws4_request"
    to_sign = (
        f"AWS4-HMAC-SHA256\n20150830T123600Z\n{scope}\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
    )
    expected = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    assert scope_signature(secret, scope, to_sign) == expected
    assert signature(signing_key(secret, "20150830", "us-east-1", "iam"), to_sign) == expected
    assert scope_signature(secret, scope, to_sign + "\n") != expected


def test_presign_keeps_the_query_and_adds_the_token(frozen: None) -> None:
    url = presign_url(
        "GET",
        "https://bucket.s3.amazonaws.com/key?versionId=v1",
        region="us-east-1",
        service="s3",
        expires=60,
        credentials=TOKEN_CREDS,
    )
    query = dict(parse_qsl(urlsplit(url).query))
    assert urlsplit(url).query.startswith("versionId=v1&X-Amz-Algorithm=AWS4-HMAC-SHA256&")
    assert query["X-Amz-Expires"] == "60"
    assert query["X-Amz-Security-Token"] == "session/token+="
    assert query["X-Amz-SignedHeaders"] == "host"
    assert query["X-Amz-Date"] == "20150830T123600Z"
    assert len(query["X-Amz-Signature"]) == 64


@pytest.mark.parametrize("expires", [0, 604801, -1, 1.5, True, "60"])
def test_presign_expiry_bounds(expires: object) -> None:
    with pytest.raises(ValueError, match="1 to 604800"):
        presign_url("GET", "https://h/", region="r", service="s", expires=expires, credentials=CREDS)  # type: ignore[arg-type]


def test_presign_needs_an_absolute_url() -> None:
    with pytest.raises(ValueError, match="absolute URL"):
        presign_url("GET", "/key", region="r", service="s", credentials=CREDS)
