"""S3's routing and rules as plain calls (the endpoint and real clients are in test_service_s3.py)."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from freezegun import freeze_time
from service_calls import OTHER, call, new

from awsfake.errors import Fault
from awsfake.services import Call
from awsfake.services.s3 import S3
from awsfake.services.s3.acl import acl_document, requested_grants
from awsfake.services.s3.addressing import check_bucket_name, locate
from awsfake.services.s3.configuration import is_public_policy
from awsfake.services.s3.headers import parse_copy_source, parse_range
from awsfake.services.s3.listing import list_page
from awsfake.store.body import Body


@pytest.fixture
def s3() -> S3:
    service = new(S3)
    call(service, method="PUT", path="/bucket")
    return service


def route(s3: S3, method: str, path: str, host: str = "localhost:4566", **kw: object) -> str:
    query = {k: [str(v)] for k, v in kw.items()}
    made = Call("s3", "", "us-east-1", None, method, host, path, query, {}, Body())  # type: ignore[arg-type]
    return s3.route(made)


@pytest.mark.parametrize(
    ("host", "path", "expected"),
    [
        ("localhost:4566", "/", ("", None)),
        ("localhost:4566", "/b", ("b", None)),
        ("localhost:4566", "/b/", ("b", None)),
        ("localhost:4566", "/b/a//c", ("b", "a//c")),
        ("127.0.0.1:80", "/b/k", ("b", "k")),
        ("my.bucket.localhost:4566", "/k/x", ("my.bucket", "k/x")),
        ("my.bucket.localhost:4566", "/", ("my.bucket", None)),
        ("b.s3.amazonaws.com", "/k", ("b", "k")),
        ("b.s3.eu-west-1.amazonaws.com", "/k", ("b", "k")),
        ("s3.eu-west-1.amazonaws.com", "/b/k", ("b", "k")),
    ],
)
def test_locate_path_and_virtual_hosted_styles(host: str, path: str, expected: tuple[str, str | None]) -> None:
    assert locate(host, path) == expected


def test_route_names_actions_from_method_path_and_subresources(s3: S3) -> None:
    assert route(s3, "GET", "/") == "ListBuckets"
    assert route(s3, "GET", "/b", **{"list-type": 2}) == "ListObjectsV2"
    assert route(s3, "GET", "/b") == "ListObjects"
    assert route(s3, "GET", "/b", location="") == "GetBucketLocation"
    assert route(s3, "POST", "/b", delete="") == "DeleteObjects"
    assert route(s3, "POST", "/b/k", uploads="") == "CreateMultipartUpload"
    assert route(s3, "PUT", "/b/k", partNumber=1, uploadId="u") == "UploadPart"
    assert route(s3, "POST", "/b/k", uploadId="u") == "CompleteMultipartUpload"
    assert route(s3, "DELETE", "/b/k", uploadId="u") == "AbortMultipartUpload"
    assert route(s3, "GET", "/b/k", tagging="") == "GetObjectTagging"
    assert route(s3, "GET", "/b/k", acl="") == "GetObjectAcl"
    assert route(s3, "PUT", "/b/k", acl="") == "PutObjectAcl"
    assert route(s3, "GET", "/b/k", retention="") == "NotImplemented"
    assert route(s3, "GET", "/b", uploads="") == "ListMultipartUploads"
    assert route(s3, "HEAD", "/b/k") == "HeadObject"
    assert route(s3, "GET", "/", host="b.localhost:1") == "ListObjects"


@pytest.mark.parametrize(
    "name",
    ["ab", "A-bucket", "bucket_", "-bucket", "bucket-", "a..b", "192.168.1.1", "xn--abc", "abc-s3alias", "x" * 64],
)
def test_invalid_bucket_names(name: str) -> None:
    with pytest.raises(Fault) as caught:
        check_bucket_name(name)
    assert caught.value.code == "InvalidBucketName" and caught.value.extras == {"BucketName": name}


def test_valid_bucket_names() -> None:
    for name in ("abc", "my.bucket-1", "x" * 63, "1bucket"):
        check_bucket_name(name)


@pytest.mark.parametrize(
    ("header", "size", "span"),
    [
        ("bytes=0-0", 10, (0, 0)),
        ("bytes=2-5", 10, (2, 5)),
        ("bytes=5-", 10, (5, 9)),
        ("bytes=-3", 10, (7, 9)),
        ("bytes=-30", 10, (0, 9)),
        ("bytes=8-100", 10, (8, 9)),
        ("bytes=5-2", 10, None),
        ("bytes=0-1,3-4", 10, None),
        ("items=0-1", 10, None),
        (None, 10, None),
    ],
)
def test_parse_range(header: str | None, size: int, span: tuple[int, int] | None) -> None:
    assert parse_range(header, size) == span


@pytest.mark.parametrize(("header", "size"), [("bytes=10-", 10), ("bytes=-0", 10), ("bytes=0-", 0)])
def test_unsatisfiable_range(header: str, size: int) -> None:
    with pytest.raises(Fault) as caught:
        parse_range(header, size)
    assert (caught.value.code, caught.value.status) == ("InvalidRange", 416)
    assert caught.value.extras == {"RangeRequested": header, "ActualObjectSize": str(size)}


def test_parse_copy_source() -> None:
    assert parse_copy_source("b/a%20key/x") == ("b", "a key/x")
    assert parse_copy_source("/b/k?versionId=123") == ("b", "k")
    with pytest.raises(Fault, match="InvalidArgument"):
        parse_copy_source("just-a-bucket")


def test_create_bucket_twice_and_by_another_account(s3: S3) -> None:
    # us-east-1 keeps AWS's legacy 200 for re-creating your own bucket
    assert call(s3, method="PUT", path="/bucket").status == 200
    with pytest.raises(Fault) as caught:
        call(s3, method="PUT", path="/bucket", caller=OTHER)
    assert (caught.value.code, caught.value.status) == ("BucketAlreadyExists", 409)
    body = b"<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"
    call(s3, method="PUT", path="/eu-bucket", body=body, region="eu-west-1")
    with pytest.raises(Fault) as caught:
        call(s3, method="PUT", path="/eu-bucket", body=body, region="eu-west-1")
    assert (caught.value.code, caught.value.status) == ("BucketAlreadyOwnedByYou", 409)
    assert caught.value.extras == {"BucketName": "eu-bucket"}


def test_location_constraint_must_match_the_signed_region(s3: S3) -> None:
    body = b"<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"
    with pytest.raises(Fault, match="IllegalLocationConstraintException: The eu-west-1 location"):
        call(s3, method="PUT", path="/x-bucket", body=body, region="eu-west-2")
    with pytest.raises(Fault, match="IllegalLocationConstraintException: The unspecified"):
        call(s3, method="PUT", path="/x-bucket", region="eu-west-1")
    with pytest.raises(Fault, match="MalformedXML"):
        call(s3, method="PUT", path="/x-bucket", body=b"<CreateBucketConfiguration>")
    hostile = (
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><C><LocationConstraint>&e;</LocationConstraint></C>'
    )
    with pytest.raises(Fault) as caught:
        call(s3, method="PUT", path="/x-bucket", body=hostile)
    assert "root:" not in caught.value.message
    assert "x-bucket" not in s3.buckets


def test_put_checks_content_md5(s3: S3) -> None:
    good = base64.b64encode(hashlib.md5(b"data").digest()).decode()
    result = call(s3, method="PUT", path="/bucket/k", body=b"data", headers={"Content-MD5": good})
    assert result.headers["ETag"] == f'"{hashlib.md5(b"data").hexdigest()}"'
    with pytest.raises(Fault) as caught:
        call(s3, method="PUT", path="/bucket/k", body=b"other", headers={"Content-MD5": good})
    assert caught.value.code == "BadDigest" and caught.value.extras["ExpectedDigest"] == good
    with pytest.raises(Fault, match="InvalidDigest"):
        call(s3, method="PUT", path="/bucket/k", body=b"data", headers={"Content-MD5": "nope"})
    assert s3.buckets["bucket"].objects["k"].data.read() == b"data"


def test_conditional_get(s3: S3) -> None:
    with freeze_time("2024-01-02 03:04:05"):
        etag = call(s3, method="PUT", path="/bucket/k", body=b"data").headers["ETag"]
    assert list(call(s3, method="GET", path="/bucket/k", headers={"If-Match": etag}).body) == [b"data"]
    assert call(s3, method="GET", path="/bucket/k", headers={"If-None-Match": etag}).status == 304
    with pytest.raises(Fault) as caught:
        call(s3, method="GET", path="/bucket/k", headers={"If-Match": '"nope"'})
    assert (caught.value.status, caught.value.extras) == (412, {"Condition": "If-Match"})
    later = "Wed, 03 Jan 2024 00:00:00 GMT"
    assert call(s3, method="GET", path="/bucket/k", headers={"If-Modified-Since": later}).status == 304
    earlier = "Mon, 01 Jan 2024 00:00:00 GMT"
    with pytest.raises(Fault, match="PreconditionFailed"):
        call(s3, method="GET", path="/bucket/k", headers={"If-Unmodified-Since": earlier})
    got = call(s3, method="GET", path="/bucket/k")
    assert got.headers["Last-Modified"] == "Tue, 02 Jan 2024 03:04:05 GMT"


def _put_keys(s3: S3, *keys: str) -> None:
    for key in keys:
        call(s3, method="PUT", path=f"/bucket/{key}", body=key.encode())


def test_list_page_rolls_up_common_prefixes_and_resumes_after_them(s3: S3) -> None:
    _put_keys(s3, "a/1", "a/2", "b", "c/1", "c/2/x", "d")
    objects = s3.buckets["bucket"].objects
    page = list_page(objects, "", "/", "", 2)
    assert ([o.key for o in page.objects], page.prefixes, page.truncated) == (["b"], ["a/"], True)
    page = list_page(objects, "", "/", page.last, 2)
    assert ([o.key for o in page.objects], page.prefixes, page.truncated) == (["d"], ["c/"], False)
    page = list_page(objects, "c/", "/", "", 10)
    assert ([o.key for o in page.objects], page.prefixes) == (["c/1"], ["c/2/"])
    page = list_page(objects, "", "", "", 0)
    assert (page.objects, page.truncated) == ([], False)


def test_multipart_rules(s3: S3) -> None:
    upload = call(s3, method="POST", path="/bucket/big", query={"uploads": [""]}).body["UploadId"]
    q = {"uploadId": [upload]}
    small = call(s3, method="PUT", path="/bucket/big", query={**q, "partNumber": ["1"]}, body=b"x").headers["ETag"]
    last = call(s3, method="PUT", path="/bucket/big", query={**q, "partNumber": ["2"]}, body=b"y").headers["ETag"]

    def complete(*parts: tuple[int, str]) -> object:
        xml = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>" for n, e in parts)
        body = f"<CompleteMultipartUpload>{xml}</CompleteMultipartUpload>".encode()
        return call(s3, method="POST", path="/bucket/big", query=q, body=body)

    with pytest.raises(Fault, match="EntityTooSmall"):
        complete((1, small), (2, last))
    with pytest.raises(Fault, match="InvalidPartOrder"):
        complete((2, last), (1, small))
    with pytest.raises(Fault, match="InvalidPart:"):
        complete((1, '"0000"'))
    with pytest.raises(Fault, match="InvalidArgument"):
        call(s3, method="PUT", path="/bucket/big", query={**q, "partNumber": ["10001"]}, body=b"x")
    done = complete((2, last)).body  # type: ignore[attr-defined]
    assert done["ETag"] == f'"{hashlib.md5(hashlib.md5(b"y").digest()).hexdigest()}-1"'
    assert s3.buckets["bucket"].objects["big"].data.read() == b"y"
    with pytest.raises(Fault) as caught:
        complete((2, last))
    assert (caught.value.code, caught.value.status, caught.value.extras) == ("NoSuchUpload", 404, {"UploadId": upload})


def test_delete_bucket_rules(s3: S3) -> None:
    _put_keys(s3, "k")
    with pytest.raises(Fault) as caught:
        call(s3, method="DELETE", path="/bucket")
    assert (caught.value.code, caught.value.status) == ("BucketNotEmpty", 409)
    assert call(s3, method="DELETE", path="/bucket/k").status == 204
    assert call(s3, method="DELETE", path="/bucket/k").status == 204
    assert call(s3, method="DELETE", path="/bucket").status == 204
    with pytest.raises(Fault) as caught:
        call(s3, method="DELETE", path="/bucket")
    assert (caught.value.code, caught.value.status, caught.value.extras) == (
        "NoSuchBucket",
        404,
        {"BucketName": "bucket"},
    )


def test_metadata_and_key_limits(s3: S3) -> None:
    with pytest.raises(Fault, match="MetadataTooLarge"):
        call(s3, method="PUT", path="/bucket/k", headers={"x-amz-meta-big": "v" * 2100})
    with pytest.raises(Fault, match="KeyTooLongError"):
        call(s3, method="PUT", path="/bucket/" + "k" * 1025)


OWNER = "a" * 64
OTHER_ID = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"


def test_grant_headers_parse_into_grants_in_order() -> None:
    headers = {
        "x-amz-grant-read": f' id="{OTHER_ID}" , uri=http://acs.amazonaws.com/groups/s3/LogDelivery',
        "x-amz-grant-write-acp": 'emailAddress="ops@example.com"',
    }
    assert requested_grants(headers, OWNER) == (
        ("CanonicalUser", OTHER_ID, "READ"),
        ("Group", "http://acs.amazonaws.com/groups/s3/LogDelivery", "READ"),
        ("AmazonCustomerByEmail", "ops@example.com", "WRITE_ACP"),
    )
    assert requested_grants({}, OWNER) == ()  # the default ACL: the owner's FULL_CONTROL
    assert requested_grants({"x-amz-acl": "public-read"}, OWNER)[0] == ("CanonicalUser", OWNER, "FULL_CONTROL")


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({"x-amz-grant-read": 'id="x",'}, b"", ("InvalidArgument", "Invalid id")),
        ({"x-amz-grant-read": "id"}, b"", ("InvalidArgument", "Argument format not recognized")),
        ({"x-amz-acl": "private", "x-amz-grant-write": 'id="x"'}, b"", ("InvalidRequest", None)),
        ({"x-amz-acl": "private"}, b"<AccessControlPolicy/>", ("UnexpectedContent", None)),
        ({"x-amz-grant-read": f'id="{"a" * 64}"'}, b"<AccessControlPolicy/>", ("UnexpectedContent", None)),
    ],
)
def test_malformed_or_mixed_acl_requests(
    headers: dict[str, str], body: bytes, expected: tuple[str, str | None]
) -> None:
    with pytest.raises(Fault) as refused:
        requested_grants(headers, OWNER, body)
    assert refused.value.code == expected[0] and refused.value.status == 400
    assert expected[1] is None or refused.value.message == expected[1]


def test_grants_saved_as_uri_permission_pairs_still_render() -> None:
    document = acl_document(OWNER, (("http://acs.amazonaws.com/groups/global/AllUsers", "READ"),))  # type: ignore[arg-type]
    assert (
        document.count(b"<Grant>") == 2 and b'xsi:type="Group"' in document and f"<ID>{OWNER}</ID>".encode() in document
    )


@pytest.mark.parametrize(
    ("statement", "public"),
    [
        ({"Effect": "Allow", "Principal": "*"}, True),
        ({"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "*"]}}, True),
        ({"Effect": "Deny", "Principal": "*"}, False),
        ({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}}, False),
        ({"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}}, False),
        ({"Effect": "Allow", "Principal": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}, False),
        ({"Effect": "Allow", "Principal": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}, False),
        ({"Effect": "Allow", "Principal": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}, True),
    ],
)
def test_public_bucket_policies(statement: dict[str, object], public: bool) -> None:
    for statements in ([statement], statement):
        assert is_public_policy(json.dumps({"Statement": statements}).encode()) is public
