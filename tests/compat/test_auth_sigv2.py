"""Signature Version 2: refused by default as AWS refuses it for new buckets; verified with FakeAWS(sigv2=True),
header and presigned, through boto3's own SigV2 signers ("s3" and its query form)."""

from __future__ import annotations

from typing import Any

import pytest
import urllib3
from botocore.config import Config
from botocore.exceptions import ClientError
from endpoint_helpers import client, parsed_error, served

from awsfake import DEFAULT_ACCESS_KEY_ID

pytestmark = pytest.mark.timeout(60)
V2 = Config(signature_version="s3", retries={"total_max_attempts": 1})


def test_sigv2_is_refused_by_default() -> None:
    with served() as (fake, url):
        client(url, "s3").create_bucket(Bucket="old")
        with pytest.raises(ClientError) as refused:
            client(url, "s3", config=V2).list_objects(Bucket="old")
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert "AWS4-HMAC-SHA256" in refused.value.response["Error"]["Message"]
        assert fake.requests[-1].access_key_id == DEFAULT_ACCESS_KEY_ID  # journaled with its key either way
        fake.check()


@pytest.fixture
def v2() -> Any:
    with served(sigv2=True) as (fake, url):
        client(url, "s3").create_bucket(Bucket="old")
        yield fake, url


def test_sigv2_header_signatures_are_verified(v2: tuple[Any, str]) -> None:
    fake, url = v2
    s3 = client(url, "s3", config=V2)
    s3.put_object(Bucket="old", Key="dir/a b.txt", Body=b"hello", ContentType="text/plain", Metadata={"k": "v"})
    assert s3.get_object(Bucket="old", Key="dir/a b.txt")["Body"].read() == b"hello"
    assert s3.get_bucket_acl(Bucket="old")["Grants"][0]["Permission"] == "FULL_CONTROL"  # a signed subresource
    assert fake.requests[-1].verified and fake.requests[-1].access_key_id == fake.requests[0].access_key_id
    wrong = client(url, "s3", config=V2, secret="not-the-secret")
    with pytest.raises(ClientError) as mismatch:
        wrong.get_object(Bucket="old", Key="dir/a b.txt")
    error = mismatch.value.response["Error"]
    assert error["Code"] == "SignatureDoesNotMatch"
    assert error["StringToSign"].startswith("GET\n\n\n") and error["StringToSign"].endswith("/old/dir/a%20b.txt")
    record = fake.requests[-1]
    assert (record.verified, record.status, record.access_key_id) == (False, 403, error["AWSAccessKeyId"])


def test_sigv2_presigned_urls(v2: tuple[Any, str]) -> None:
    _, url = v2
    s3 = client(url, "s3", config=V2)
    s3.put_object(Bucket="old", Key="k", Body=b"data")
    presigned = s3.generate_presigned_url("get_object", Params={"Bucket": "old", "Key": "k"}, ExpiresIn=300)
    assert "AWSAccessKeyId=" in presigned and "Signature=" in presigned
    assert urllib3.request("GET", presigned, retries=False).data == b"data"
    expired = s3.generate_presigned_url("get_object", Params={"Bucket": "old", "Key": "k"}, ExpiresIn=-60)
    refused = parsed_error("rest-xml", urllib3.request("GET", expired, retries=False))
    assert (refused["Code"], refused["status"], refused["Message"]) == ("AccessDenied", 403, "Request has expired")
    tampered = presigned.replace("/old/k", "/old/other")
    assert parsed_error("rest-xml", urllib3.request("GET", tampered, retries=False))["Code"] == "SignatureDoesNotMatch"
