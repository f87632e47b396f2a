"""S3 under generated input, correctly signed so it reaches the service: odd hosts, odd headers, odd keys.

Hostile values must get AWS errors (never a 5xx but the deliberate 501, nothing raised in the app), and any key
S3 allows must survive a round trip through boto3: put, get byte for byte, list (botocore asks for
`EncodingType=url` and decodes), delete. `FUZZ_EXAMPLES` scales the example counts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from fuzz_helpers import assert_endpoint_answer, assert_still_serving, exchange, raw_request, signed_raw
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS

pytestmark = pytest.mark.timeout(300)

SCALE = float(os.environ.get("FUZZ_EXAMPLES", "1"))
BUCKET = "fuzz-s3"


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        database=None,
    )


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[tuple[FakeAWS, int, Any]]:
    fake = FakeAWS()
    with fake.serve() as running:
        s3 = boto3.client(
            "s3",
            endpoint_url=running.url,
            region_name="us-east-1",
            aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
            aws_secret_access_key=DEFAULT_SECRET_ACCESS_KEY,
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, s3={"addressing_style": "path"}),
        )
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="existing", Body=b"0123456789")
        yield fake, running.port, s3
    fake.check()


@pytest.fixture
def s3(s3_endpoint: tuple[FakeAWS, int, Any]) -> Iterator[tuple[FakeAWS, int, Any]]:
    """The module's server with its bucket and object in place: fuzzed DELETEs may have removed them."""
    client = s3_endpoint[2]
    client.create_bucket(Bucket=BUCKET)  # us-east-1: 200 again for a bucket you own
    client.put_object(Bucket=BUCKET, Key="existing", Body=b"0123456789")
    yield s3_endpoint
    fake, port, _ = s3_endpoint
    assert_still_serving(fake, port)
    fake.requests.clear()


HEADER_NAMES = [
    "Range",
    "If-Match",
    "If-None-Match",
    "If-Modified-Since",
    "If-Unmodified-Since",
    "x-amz-copy-source",
    "x-amz-copy-source-range",
    "x-amz-copy-source-if-match",
    "x-amz-metadata-directive",
    "x-amz-meta-fuzz",
    "Content-MD5",
    "x-amz-checksum-crc32",
    "x-amz-checksum-sha256",
    "x-amz-sdk-checksum-algorithm",
    "x-amz-server-side-encryption",
    "x-amz-tagging",
    "x-amz-acl",
    "x-amz-grant-read",
    "x-amz-grant-full-control",
    "x-amz-storage-class",
    "Content-Type",
    "Cache-Control",
    "Expires",
    "x-amz-expected-bucket-owner",
]
HEADER_VALUES = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40),
    st.sampled_from(
        [
            "bytes=0-",
            "bytes=-0",
            "bytes=5-2",
            "bytes=0-99999999999999999999",
            "bytes=1-2,4-5",
            "bytes=-",
            '"*"',
            "*",
            f"/{BUCKET}/existing",
            f"{BUCKET}/existing?versionId=x",
            "/no-such-bucket/k",
            "/%ff%fe/k",
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "COPY",
            "REPLACE",
            "AAAAAA==",
            "not base64!",
            'id="79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"',
            'uri="http://acs.amazonaws.com/groups/global/AllUsers", emailAddress="a@b"',
            "public-read",
            "bytes=" + "9" * 5000 + "-",
            "bytes=0-" + "9" * 5000,
            "bytes=-" + "0" * 5000 + "1",
        ]
    ),
)
TARGETS = st.one_of(
    st.sampled_from(
        [
            ("GET", f"/{BUCKET}/existing"),
            ("HEAD", f"/{BUCKET}/existing"),
            ("PUT", f"/{BUCKET}/fuzzed"),
            ("GET", f"/{BUCKET}"),
            ("GET", f"/{BUCKET}?list-type=2"),
            ("DELETE", f"/{BUCKET}/fuzzed"),
            ("POST", f"/{BUCKET}/fuzzed?uploads"),
            ("PUT", f"/{BUCKET}/fuzzed?partNumber=1&uploadId=x"),
            ("GET", "/"),
        ]
    ),
    st.tuples(
        st.sampled_from(["GET", "PUT", "HEAD", "DELETE", "POST"]),
        st.from_regex(r"\A/[a-z0-9.-]{0,70}(/[A-Za-z0-9%._~-]{0,30})?(\?[A-Za-z0-9=&%.-]{0,60})?\Z"),
    ),
)
HOSTS = st.one_of(
    st.none(),
    st.sampled_from(["fuzz-s3.localhost", "fuzz-s3.s3.amazonaws.com", "x.s3.us-east-1.amazonaws.com", "[::1]", ""]),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=80),
)


@fuzz_settings(300)
@given(
    target=TARGETS,
    headers=st.dictionaries(st.sampled_from(HEADER_NAMES), HEADER_VALUES, max_size=5),
    host=HOSTS,
    body=st.binary(max_size=64),
)
def test_signed_s3_requests_with_odd_headers_and_hosts(
    s3: tuple[FakeAWS, int, Any], target: tuple[str, str], headers: dict[str, str], host: str | None, body: bytes
) -> None:
    fake, port, _ = s3
    method, path = target
    extra = dict(headers)
    if host is not None:
        extra["Host"] = host
    try:
        signed = signed_raw(port, method, path, service="s3", body=body, headers=extra)
    except ValueError:
        return  # a host the signer itself refuses
    before = len(list(fake.requests))
    assert_endpoint_answer(fake, before, exchange(port, raw_request(method, path, signed, body)), method)


# S3 keys: 1 to 1024 bytes of UTF-8. Surrogates cannot be encoded; the rest is allowed, control characters too.
KEYS = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=120).filter(
    lambda k: len(k.encode()) <= 1024
)


@fuzz_settings(120)
@given(key=KEYS, body=st.binary(max_size=300))
def test_any_key_round_trips_through_boto3(s3: tuple[FakeAWS, int, Any], key: str, body: bytes) -> None:
    fake, _, client = s3
    try:
        client.put_object(Bucket=BUCKET, Key=key, Body=body)
    except ClientError as err:  # AWS refuses a few keys outright; the fake may too, but only with a client error
        assert err.response["ResponseMetadata"]["HTTPStatusCode"] < 500, err.response
        return
    assert client.get_object(Bucket=BUCKET, Key=key)["Body"].read() == body
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=key)["Contents"]
    assert key in [item["Key"] for item in listed]
    client.delete_object(Bucket=BUCKET, Key=key)
    fake.check()


QUERY_NAMES = [
    "list-type",
    "max-keys",
    "prefix",
    "delimiter",
    "marker",
    "continuation-token",
    "start-after",
    "encoding-type",
    "fetch-owner",
    "uploadId",
    "partNumber",
    "uploads",
    "max-uploads",
    "max-parts",
    "part-number-marker",
    "key-marker",
    "upload-id-marker",
    "versionId",
    "delete",
    "location",
    "response-content-type",
    "response-expires",
    "x-id",
    "max-buckets",
]
QUERY_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "-1", "0", "2", "1001", "99999999999999999999", "1.5", "url", "true", "%ff", "/", "%00", "9" * 5000]
    ),
)


@fuzz_settings(300)
@given(
    method=st.sampled_from(["GET", "PUT", "POST", "DELETE", "HEAD"]),
    path=st.sampled_from(["/", f"/{BUCKET}", f"/{BUCKET}/existing", f"/{BUCKET}/new-key"]),
    query=st.dictionaries(st.sampled_from(QUERY_NAMES), QUERY_VALUES, max_size=4),
    body=st.binary(max_size=40),
)
def test_signed_s3_requests_with_odd_query_parameters(
    s3: tuple[FakeAWS, int, Any], method: str, path: str, query: dict[str, str], body: bytes
) -> None:
    from urllib.parse import quote

    fake, port, _ = s3
    target = path + ("?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items()) if query else "")
    signed = signed_raw(port, method, target, service="s3", body=body)
    before = len(list(fake.requests))
    assert_endpoint_answer(fake, before, exchange(port, raw_request(method, target, signed, body)), method)


def test_a_key_xml_cannot_carry_is_listed_readably(s3: tuple[FakeAWS, int, Any]) -> None:
    """Without encoding-type=url, a control character in a key becomes U+FFFD: the listing still parses."""
    fake, port, client = s3
    client.create_bucket(Bucket="ctl-keys")  # its own bucket: the fuzz tests may have deleted the shared one
    client.put_object(Bucket="ctl-keys", Key="ctl\x01key", Body=b"x")
    target = "/ctl-keys?list-type=2&prefix=ctl"
    raw = exchange(port, raw_request("GET", target, signed_raw(port, "GET", target, service="s3")))
    answer = assert_endpoint_answer(fake, len(list(fake.requests)), raw)[0]
    assert answer.status == 200 and "ctl\ufffdkey".encode() in answer.body
    assert client.list_objects_v2(Bucket="ctl-keys", Prefix="ctl")["Contents"][0]["Key"] == "ctl\x01key"  # url-encoded


@pytest.mark.parametrize(
    ("method", "target", "headers", "status"),
    [
        ("GET", f"/{BUCKET}/huge", {"Range": "bytes=" + "9" * 5000 + "-"}, 416),
        ("GET", f"/{BUCKET}/huge", {"Range": "bytes=0-" + "9" * 5000}, 206),
        ("GET", f"/{BUCKET}?uploads&max-uploads=" + "9" * 5000, {}, 200),
        ("GET", "/?max-buckets=" + "9" * 5000, {}, 400),
    ],
)
def test_numbers_longer_than_int_accepts_are_read_as_huge(
    s3: tuple[FakeAWS, int, Any], method: str, target: str, headers: dict[str, str], status: int
) -> None:
    """Python's int() refuses more than 4300 digits; such a number is just "too big", never a 500."""
    fake, port, client = s3
    client.create_bucket(Bucket=BUCKET)
    client.put_object(Bucket=BUCKET, Key="huge", Body=b"0123456789")
    raw = exchange(port, raw_request(method, target, signed_raw(port, method, target, service="s3", headers=headers)))
    answers = assert_endpoint_answer(fake, len(list(fake.requests)), raw, method)
    assert answers[0].status == status, answers[0].body
