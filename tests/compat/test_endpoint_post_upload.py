"""Browser uploads: boto3's generate_presigned_post, sent as multipart/form-data with plain urllib3."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3
from botocore.config import Config
from endpoint_helpers import client, parsed_error, served

from awsfake import FakeAWS

pytestmark = pytest.mark.timeout(60)
V4 = Config(signature_version="s3v4", retries={"total_max_attempts": 1})


@pytest.fixture
def s3() -> Iterator[tuple[FakeAWS, Any]]:
    with served() as (fake, url):
        s3 = client(url, "s3", config=V4)
        s3.create_bucket(Bucket="uploads")
        yield fake, s3


def _post(post: dict[str, Any], content: bytes = b"file body", **overrides: str) -> urllib3.BaseHTTPResponse:
    fields: dict[str, Any] = {**post["fields"], **overrides}
    fields["file"] = ("report.txt", content, "text/plain")
    return urllib3.request("POST", post["url"], fields=fields, retries=False)


def test_presigned_post_stores_the_object(s3: tuple[FakeAWS, Any]) -> None:
    fake, client_ = s3
    post = client_.generate_presigned_post(
        "uploads",
        "incoming/${filename}",
        Fields={"Content-Type": "text/plain", "x-amz-meta-owner": "ana"},
        Conditions=[
            {"Content-Type": "text/plain"},
            {"x-amz-meta-owner": "ana"},
            ["starts-with", "$key", "incoming/"],
            ["content-length-range", 1, 100],
        ],
    )
    response = _post(post)
    assert response.status == 204, response.data
    stored = client_.get_object(Bucket="uploads", Key="incoming/report.txt")
    assert stored["Body"].read() == b"file body"
    assert stored["ContentType"] == "text/plain" and stored["Metadata"] == {"owner": "ana"}
    record = fake.requests.filter(action="PostObject")[0]
    assert record.verified and record.access_key_id == "AKIDFAKEFAKEFAKE1234"


def test_success_action_status_201_returns_a_post_response(s3: tuple[FakeAWS, Any]) -> None:
    _, client_ = s3
    post = client_.generate_presigned_post(
        "uploads", "k201", Fields={"success_action_status": "201"}, Conditions=[{"success_action_status": "201"}]
    )
    response = _post(post)
    assert response.status == 201 and b"<PostResponse" in response.data and b"<Key>k201</Key>" in response.data


def test_presigned_post_to_a_virtual_hosted_address(s3: tuple[FakeAWS, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS takes a form POSTed to `https://BUCKET.s3.amazonaws.com/`; here `BUCKET.localhost:PORT` (RFC 6761)."""
    real = socket.getaddrinfo

    def loopback(host: Any, *args: Any, **kwargs: Any) -> Any:  # this machine's resolver lacks *.localhost
        return real("127.0.0.1" if isinstance(host, str) and host.endswith(".localhost") else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback)
    fake, client_ = s3
    local = client_.meta.endpoint_url.replace("127.0.0.1", "localhost")
    virtual = client(local, "s3", config=V4.merge(Config(s3={"addressing_style": "virtual"})))
    status = {"success_action_status": "201"}
    post = virtual.generate_presigned_post("uploads", "v/${filename}", Fields=status, Conditions=[status])
    assert post["url"].startswith("http://uploads.localhost:")
    response = _post(post)
    assert response.status == 201, response.data
    assert b"<Bucket>uploads</Bucket>" in response.data and b"<Key>v/report.txt</Key>" in response.data
    assert response.headers["Location"] == post["url"] + "v/report.txt"
    assert client_.get_object(Bucket="uploads", Key="v/report.txt")["Body"].read() == b"file body"
    assert fake.requests.filter(action="PostObject")[0].verified


def test_policy_violations_and_bad_signatures_are_refused(s3: tuple[FakeAWS, Any]) -> None:
    _, client_ = s3
    post = client_.generate_presigned_post("uploads", "limited", Conditions=[["content-length-range", 1, 5]])
    too_big = parsed_error("rest-xml", _post(post, b"more than five bytes"))
    assert (too_big["Code"], too_big["MaxSizeAllowed"]) == ("EntityTooLarge", "5")
    other_key = parsed_error("rest-xml", _post(post, b"abc", key="elsewhere"))
    assert other_key["Code"] == "AccessDenied" and "Policy Condition failed" in other_key["Message"]
    extra = parsed_error("rest-xml", _post(post, b"abc", **{"x-amz-meta-sneaky": "1"}))
    assert extra["Code"] == "AccessDenied" and "Extra input fields: x-amz-meta-sneaky" in extra["Message"]
    forged = parsed_error("rest-xml", _post(post, b"abc", **{"x-amz-signature": "0" * 64}))
    assert (forged["Code"], forged["status"]) == ("SignatureDoesNotMatch", 403)
    wrong = client(client_.meta.endpoint_url, "s3", secret="wrong", config=V4).generate_presigned_post("uploads", "w")
    assert parsed_error("rest-xml", _post(wrong))["Code"] == "SignatureDoesNotMatch"
    v2 = client(client_.meta.endpoint_url, "s3").generate_presigned_post("uploads", "v2")
    assert parsed_error("rest-xml", _post(v2))["Code"] == "InvalidRequest"


def test_expired_policy(s3: tuple[FakeAWS, Any]) -> None:
    from freezegun import freeze_time

    _, client_ = s3
    with freeze_time(time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 7200)), ignore=["awsfake"]):
        post = client_.generate_presigned_post("uploads", "late", ExpiresIn=60)
    error = parsed_error("rest-xml", _post(post))
    assert (error["Code"], error["Message"]) == ("AccessDenied", "Invalid according to Policy: Policy expired.")


def test_garbled_form_is_malformed_post_request(s3: tuple[FakeAWS, Any]) -> None:
    _, client_ = s3
    url = client_.meta.endpoint_url + "/uploads"
    response = urllib3.request(
        "POST",
        url,
        body=b"--xx\r\ngarbage",
        headers={"Content-Type": "multipart/form-data; boundary=xx"},
        retries=False,
    )
    assert parsed_error("rest-xml", response)["Code"] in ("MalformedPOSTRequest", "InvalidArgument")
