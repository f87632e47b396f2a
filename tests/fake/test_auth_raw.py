"""Raw requests signed with awsclient.sigv4 and sent with urllib3: malformed auth, S3 payload checks, presigned URLs.

Every error body is read back with botocore's parser for the family, so the shapes are checked by a real client.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import urllib3
from endpoint_helpers import MiniS3, creds, parsed_error, send, served, signed
from freezegun import freeze_time

from awsclient import sigv4
from awsfake import FakeAWS

pytestmark = pytest.mark.timeout(60)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
LIST_TOPICS = b"Action=ListTopics&Version=2010-03-31"


@pytest.fixture
def endpoint() -> Iterator[tuple[FakeAWS, str]]:
    with served(services={"s3": MiniS3.make()}) as pair:
        yield pair


def sns_headers(url: str, **overrides: str) -> dict[str, str]:
    headers = signed(url, "POST", "/", service="sns", body=LIST_TOPICS, headers=dict(FORM))
    headers.update(overrides)
    return headers


def test_missing_authentication(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    error = parsed_error("query", send(url, "POST", "/", dict(FORM), LIST_TOPICS))
    assert (error["Code"], error["status"]) == ("MissingAuthenticationToken", 403)
    assert error["Message"] == "Request is missing Authentication Token"
    error = parsed_error("rest-xml", send(url, "GET", "/bucket/key", {}))
    assert (error["Code"], error["status"]) == ("AccessDenied", 403)
    target = {"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"}
    error = parsed_error("json", send(url, "POST", "/", target, b"{}"))
    assert (error["Code"], error["status"]) == ("MissingAuthenticationTokenException", 400)


def _authorization(url: str) -> str:
    return sns_headers(url)["Authorization"]


@pytest.mark.parametrize(
    ("mangle", "code", "message_part"),
    [
        (
            lambda a: a.split(", Signature=")[0],
            "IncompleteSignature",
            "Authorization header requires 'Signature' parameter.",
        ),
        (
            lambda a: a.replace("SignedHeaders=", "SignedHeaders"),
            "IncompleteSignature",
            "not a valid key=value pair (missing equal-sign) in Authorization header",
        ),
        (lambda a: a.replace("AWS4-HMAC-SHA256 ", "AWS3 "), "IncompleteSignature", "Unsupported AWS 'algorithm'"),
        (
            lambda a: a.replace("/aws4_request", ""),
            "IncompleteSignature",
            "Credential must have exactly 5 slash-delimited elements",
        ),
        (
            lambda a: a.replace("/aws4_request", "/aws5_request"),
            "SignatureDoesNotMatch",
            "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.",
        ),
        (
            lambda a: a.replace("Credential=AKIDFAKEFAKEFAKE1234/2", "Credential=AKIDFAKEFAKEFAKE1234/1"),
            "SignatureDoesNotMatch",
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP",
        ),
        (
            lambda a: a.replace("SignedHeaders=content-type;host;", "SignedHeaders=content-type;"),
            "IncompleteSignature",
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ),
        (
            lambda a: a[:-1] + ("0" if a[-1] != "0" else "1"),
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match",
        ),
    ],
)
def test_malformed_authorization_header(
    endpoint: tuple[FakeAWS, str], mangle: object, code: str, message_part: str
) -> None:
    _, url = endpoint
    headers = sns_headers(url)
    headers["Authorization"] = mangle(headers["Authorization"])  # type: ignore[operator]
    error = parsed_error("query", send(url, "POST", "/", headers, LIST_TOPICS))
    assert error["Code"] == code and message_part in error["Message"]
    assert error["status"] == (400 if code == "IncompleteSignature" else 403)


def test_query_auth_needs_a_date(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    headers = sns_headers(url)
    del headers["X-Amz-Date"]
    error = parsed_error("query", send(url, "POST", "/", headers, LIST_TOPICS))
    assert error["Code"] == "IncompleteSignature"
    assert "requires existence of either a 'X-Amz-Date' or a 'Date' header" in error["Message"]


def test_a_tampered_body_breaks_the_signature(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    error = parsed_error("query", send(url, "POST", "/", sns_headers(url), b"Action=DeleteTopic&Version=2010-03-31"))
    assert error["Code"] == "SignatureDoesNotMatch"


def test_s3_put_then_get_with_signed_payload(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    body = b"hello world"
    assert send(url, "PUT", "/b/k", signed(url, "PUT", "/b/k", service="s3", body=body), body).status == 200
    got = send(url, "GET", "/b/k", signed(url, "GET", "/b/k", service="s3"))
    assert got.status == 200 and got.data == body
    assert got.headers["x-amz-request-id"] and got.headers["x-amz-id-2"]


def test_s3_payload_hash_checks(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    headers = signed(url, "PUT", "/b/k", service="s3", body=b"declared")
    error = parsed_error("rest-xml", send(url, "PUT", "/b/k", headers, b"different"))
    assert (error["Code"], error["status"]) == ("XAmzContentSHA256Mismatch", 400)
    assert error["ClientComputedContentSHA256"] == hashlib.sha256(b"declared").hexdigest()
    assert error["S3ComputedContentSHA256"] == hashlib.sha256(b"different").hexdigest()

    headers = signed(url, "PUT", "/b/k", service="s3", body=b"x", payload_hash="not-a-hash")
    error = parsed_error("rest-xml", send(url, "PUT", "/b/k", headers, b"x"))
    assert (error["Code"], error["ArgumentName"]) == ("InvalidArgument", "x-amz-content-sha256")

    headers = signed(url, "PUT", "/b/k", service="s3", body=b"x")
    del headers["x-amz-content-sha256"]
    headers["Authorization"] = headers["Authorization"].replace(";x-amz-content-sha256", "")
    error = parsed_error("rest-xml", send(url, "PUT", "/b/k", headers, b"x"))
    assert error["Code"] == "InvalidRequest" and "x-amz-content-sha256" in error["Message"]

    headers = signed(url, "PUT", "/b/k", service="s3", body=b"x", payload_hash=sigv4.UNSIGNED_PAYLOAD)
    assert send(url, "PUT", "/b/k", headers, b"anything").status == 200


def test_s3_refuses_unsigned_amz_headers(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    headers = signed(url, "GET", "/b/k", service="s3")
    headers["x-amz-meta-late"] = "added after signing"
    error = parsed_error("rest-xml", send(url, "GET", "/b/k", headers))
    assert (error["Code"], error["status"], error["HeadersNotSigned"]) == ("AccessDenied", 403, "x-amz-meta-late")


def test_presigned_s3_url_fetched_with_plain_urllib3(endpoint: tuple[FakeAWS, str]) -> None:
    fake, url = endpoint
    send(url, "PUT", "/b/report.csv", signed(url, "PUT", "/b/report.csv", service="s3", body=b"a,b"), b"a,b")
    presigned = sigv4.presign_url("GET", url + "/b/report.csv", region="us-east-1", service="s3", credentials=creds())
    response = urllib3.request("GET", presigned, retries=False)
    assert response.status == 200 and response.data == b"a,b"
    assert fake.requests[-1].verified and fake.requests[-1].action == "GetObject"


def test_presigned_url_signed_with_boto3(endpoint: tuple[FakeAWS, str]) -> None:
    from botocore.config import Config
    from endpoint_helpers import client

    _, url = endpoint
    send(url, "PUT", "/b/k2", signed(url, "PUT", "/b/k2", service="s3", body=b"v"), b"v")
    v4 = client(url, "s3", config=Config(signature_version="s3v4"))
    presigned = v4.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k2"})
    assert urllib3.request("GET", presigned, retries=False).data == b"v"
    v2 = client(url, "s3").generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k2"})
    error = parsed_error("rest-xml", urllib3.request("GET", v2, retries=False))
    assert error["Code"] == "InvalidRequest" and "Please use AWS4-HMAC-SHA256" in error["Message"]


def _presign(url: str, path: str = "/b/k", expires: int = 60, at: float | None = None, service: str = "s3") -> str:
    when = datetime.datetime.fromtimestamp(at or time.time(), tz=datetime.timezone.utc)
    with freeze_time(when, ignore=["awsfake"]):
        return sigv4.presign_url(
            "GET", url + path, region="us-east-1", service=service, expires=expires, credentials=creds()
        )


def test_presigned_url_expiry_and_future_dates(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    expired = parsed_error("rest-xml", urllib3.request("GET", _presign(url, at=time.time() - 120), retries=False))
    assert (expired["Code"], expired["Message"], expired["X-Amz-Expires"]) == (
        "AccessDenied",
        "Request has expired",
        "60",
    )
    assert set(expired) >= {"Expires", "ServerTime"}
    future = parsed_error("rest-xml", urllib3.request("GET", _presign(url, at=time.time() + 3600), retries=False))
    assert (future["Code"], future["Message"]) == ("AccessDenied", "Request is not yet valid")


def test_presigned_url_parameters_are_checked(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    good = _presign(url)
    too_long = good.replace("X-Amz-Expires=60", "X-Amz-Expires=604801")
    error = parsed_error("rest-xml", urllib3.request("GET", too_long, retries=False))
    assert error["Code"] == "AuthorizationQueryParametersError" and "less than a week" in error["Message"]
    missing = good.replace("X-Amz-Date=", "X-Amz-Dat=")
    error = parsed_error("rest-xml", urllib3.request("GET", missing, retries=False))
    assert error["Code"] == "AuthorizationQueryParametersError"
    assert error["Message"].startswith("Query-string authentication version 4 requires the X-Amz-Algorithm")
    tampered = good.replace("/b/k", "/b/other")
    error = parsed_error("rest-xml", urllib3.request("GET", tampered, retries=False))
    assert (error["Code"], error["status"]) == ("SignatureDoesNotMatch", 403)


def test_presigned_sts_get_caller_identity(endpoint: tuple[FakeAWS, str]) -> None:
    fake, url = endpoint
    fake.stub("sts", "GetCallerIdentity", body={"Account": "123456789012", "Arn": "arn:x", "UserId": "u"})
    presigned = _presign(url, "/?Action=GetCallerIdentity&Version=2011-06-15", service="sts")
    response = urllib3.request("GET", presigned, retries=False)
    assert response.status == 200 and b"<Account>123456789012</Account>" in response.data
    expired = _presign(url, "/?Action=GetCallerIdentity&Version=2011-06-15", service="sts", at=time.time() - 600)
    error = parsed_error("query", urllib3.request("GET", expired, retries=False))
    assert (error["Code"], error["status"]) == ("SignatureDoesNotMatch", 403)
    assert error["Message"].startswith("Signature expired")


def test_s3_key_with_encoded_characters_is_signed_as_sent(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    path = "/b/" + quote("dir/a b+c%ü.txt", safe="/")
    assert send(url, "PUT", path, signed(url, "PUT", path, service="s3", body=b"1"), b"1").status == 200
    assert send(url, "GET", path, signed(url, "GET", path, service="s3")).data == b"1"


def test_s3_path_that_is_not_utf8_is_an_aws_error(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    path = "/b/%FF%FE"
    error = parsed_error("rest-xml", send(url, "GET", path, signed(url, "GET", path, service="s3")))
    assert (error["Code"], error["status"]) == ("InvalidURI", 400)
