"""S3's bucket configuration through the AWS CLI and boto3: each configuration stored and returned as AWS returns
it, AWS's NoSuch... error when absent, the 2023 defaults, ACLs, and CORS preflight answered from the rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import urllib3
from botocore.exceptions import ClientError
from endpoint_helpers import aws_cli, client

pytestmark = pytest.mark.timeout(120)

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        }
    ],
}
CORS = {
    "CORSRules": [
        {
            "AllowedOrigins": ["https://app.example.com"],
            "AllowedMethods": ["GET", "PUT"],
            "AllowedHeaders": ["content-type", "x-amz-*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 600,
        },
        {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]},
    ]
}


@pytest.fixture
def s3(url: str) -> Any:
    s3 = client(url, "s3")
    s3.create_bucket(Bucket="cfg")
    return s3


def code(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.mark.slow
def test_aws_cli_policy_and_cors(url: str, s3: Any, tmp_path: Path) -> None:
    missing = aws_cli(url, tmp_path, "s3api", "get-bucket-policy", "--bucket", "cfg")
    assert missing.returncode != 0 and "NoSuchBucketPolicy" in missing.stderr
    put = aws_cli(url, tmp_path, "s3api", "put-bucket-policy", "--bucket", "cfg", "--policy", json.dumps(POLICY))
    assert put.returncode == 0, put.stderr
    got = aws_cli(url, tmp_path, "s3api", "get-bucket-policy", "--bucket", "cfg")
    assert json.loads(json.loads(got.stdout)["Policy"]) == POLICY
    cors_file = tmp_path / "cors.json"
    cors_file.write_text(json.dumps(CORS))
    put_cors = aws_cli(
        url, tmp_path, "s3api", "put-bucket-cors", "--bucket", "cfg", "--cors-configuration", f"file://{cors_file}"
    )
    assert put_cors.returncode == 0, put_cors.stderr
    got_cors = json.loads(aws_cli(url, tmp_path, "s3api", "get-bucket-cors", "--bucket", "cfg").stdout)
    assert got_cors["CORSRules"][0]["AllowedMethods"] == ["GET", "PUT"]
    assert got_cors["CORSRules"][0]["MaxAgeSeconds"] == 600
    acl = json.loads(aws_cli(url, tmp_path, "s3api", "get-bucket-acl", "--bucket", "cfg").stdout)
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]
    assert acl["Grants"][0]["Grantee"] == {"ID": acl["Owner"]["ID"], "Type": "CanonicalUser"}


@pytest.mark.parametrize(
    ("get", "expected"),
    [
        ("get_bucket_policy", "NoSuchBucketPolicy"),
        ("get_bucket_cors", "NoSuchCORSConfiguration"),
        ("get_bucket_lifecycle_configuration", "NoSuchLifecycleConfiguration"),
        ("get_bucket_website", "NoSuchWebsiteConfiguration"),
        ("get_bucket_tagging", "NoSuchTagSet"),
    ],
)
def test_absent_configurations_are_aws_errors(s3: Any, get: str, expected: str) -> None:
    with pytest.raises(ClientError) as absent:
        getattr(s3, get)(Bucket="cfg")
    assert code(absent) == (expected, 404)
    assert absent.value.response["Error"]["BucketName"] == "cfg"


def test_new_buckets_have_aws_defaults_until_deleted(s3: Any) -> None:
    rule = s3.get_bucket_encryption(Bucket="cfg")["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    ownership = s3.get_bucket_ownership_controls(Bucket="cfg")["OwnershipControls"]["Rules"]
    assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    blocked = s3.get_public_access_block(Bucket="cfg")["PublicAccessBlockConfiguration"]
    assert blocked == dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
    )
    s3.delete_public_access_block(Bucket="cfg")
    with pytest.raises(ClientError) as no_block:
        s3.get_public_access_block(Bucket="cfg")
    assert code(no_block) == ("NoSuchPublicAccessBlockConfiguration", 404)
    s3.delete_bucket_ownership_controls(Bucket="cfg")
    with pytest.raises(ClientError) as no_ownership:
        s3.get_bucket_ownership_controls(Bucket="cfg")
    assert code(no_ownership) == ("OwnershipControlsNotFoundError", 404)
    kms = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "k1"}}]}
    s3.put_bucket_encryption(Bucket="cfg", ServerSideEncryptionConfiguration=kms)
    got = s3.get_bucket_encryption(Bucket="cfg")["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert got["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "k1"}
    s3.delete_bucket_encryption(Bucket="cfg")  # as on AWS: back to SSE-S3
    rule = s3.get_bucket_encryption(Bucket="cfg")["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


def test_configurations_round_trip(s3: Any) -> None:
    lifecycle = {
        "Rules": [{"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 7}}]
    }
    s3.put_bucket_lifecycle_configuration(Bucket="cfg", LifecycleConfiguration=lifecycle)
    assert s3.get_bucket_lifecycle_configuration(Bucket="cfg")["Rules"] == lifecycle["Rules"]
    website = {"IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"}}
    s3.put_bucket_website(Bucket="cfg", WebsiteConfiguration=website)
    got = s3.get_bucket_website(Bucket="cfg")
    assert (got["IndexDocument"], got["ErrorDocument"]) == (website["IndexDocument"], website["ErrorDocument"])
    s3.put_bucket_tagging(Bucket="cfg", Tagging={"TagSet": [{"Key": "team", "Value": "data"}]})
    assert s3.get_bucket_tagging(Bucket="cfg")["TagSet"] == [{"Key": "team", "Value": "data"}]
    s3.delete_bucket_tagging(Bucket="cfg")
    s3.delete_bucket_website(Bucket="cfg")
    s3.delete_bucket_lifecycle(Bucket="cfg")
    for get in ("get_bucket_tagging", "get_bucket_website", "get_bucket_lifecycle_configuration"):
        with pytest.raises(ClientError):
            getattr(s3, get)(Bucket="cfg")


def test_bad_configurations_are_refused(s3: Any, url: str) -> None:
    with pytest.raises(ClientError) as not_json:
        s3.put_bucket_policy(Bucket="cfg", Policy="not json")
    assert code(not_json) == ("MalformedPolicy", 400)
    with pytest.raises(ClientError) as duplicate:
        s3.put_bucket_tagging(
            Bucket="cfg", Tagging={"TagSet": [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]}
        )
    assert code(duplicate) == ("InvalidTag", 400)
    with pytest.raises(ClientError) as missing_bucket:
        s3.get_bucket_cors(Bucket="nope")
    assert code(missing_bucket) == ("NoSuchBucket", 404)


def test_acls_follow_object_ownership(s3: Any, url: str) -> None:
    with pytest.raises(ClientError) as enforced:
        s3.put_bucket_acl(Bucket="cfg", ACL="public-read")
    assert code(enforced) == ("AccessControlListNotSupported", 400)
    s3.put_bucket_acl(Bucket="cfg", ACL="private")  # granting the owner alone is accepted
    with pytest.raises(ClientError) as at_creation:
        s3.create_bucket(Bucket="public", ACL="public-read")
    assert code(at_creation) == ("InvalidBucketAclWithObjectOwnership", 400)
    with pytest.raises(ClientError) as blocked:  # a new bucket blocks public ACLs
        s3.create_bucket(Bucket="public", ACL="public-read", ObjectOwnership="ObjectWriter")
    assert code(blocked) == ("InvalidBucketAclWithBlockPublicAccessError", 400)
    s3.create_bucket(Bucket="public", ObjectOwnership="ObjectWriter")
    s3.delete_public_access_block(Bucket="public")
    s3.put_bucket_acl(Bucket="public", ACL="public-read")
    grants = s3.get_bucket_acl(Bucket="public")["Grants"]
    assert [(g["Grantee"].get("URI"), g["Permission"]) for g in grants] == [
        (None, "FULL_CONTROL"),
        ("http://acs.amazonaws.com/groups/global/AllUsers", "READ"),
    ]
    s3.put_bucket_acl(Bucket="public", ACL="private")
    assert [g["Permission"] for g in s3.get_bucket_acl(Bucket="public")["Grants"]] == ["FULL_CONTROL"]


def _preflight(url: str, bucket: str, headers: dict[str, str]) -> urllib3.BaseHTTPResponse:
    return urllib3.request("OPTIONS", f"{url}/{bucket}/key", headers=headers, retries=False)


def test_cors_preflight_is_answered_from_the_rules(s3: Any, url: str) -> None:
    asking = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"}
    disabled = _preflight(url, "cfg", asking)
    assert disabled.status == 403 and b"<Code>AccessForbidden</Code>" in disabled.data
    s3.put_bucket_cors(Bucket="cfg", CORSConfiguration=CORS)
    allowed = _preflight(url, "cfg", {**asking, "Access-Control-Request-Headers": "Content-Type, X-Amz-Date"})
    assert allowed.status == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert allowed.headers["Access-Control-Allow-Methods"] == "GET, PUT"
    assert allowed.headers["Access-Control-Allow-Headers"] == "content-type, x-amz-date"
    assert allowed.headers["Access-Control-Max-Age"] == "600"
    assert allowed.headers["Access-Control-Expose-Headers"] == "ETag"
    anyone = _preflight(url, "cfg", {"Origin": "https://other.example", "Access-Control-Request-Method": "GET"})
    assert anyone.headers["Access-Control-Allow-Origin"] == "*"
    refused = _preflight(url, "cfg", {"Origin": "https://other.example", "Access-Control-Request-Method": "DELETE"})
    assert refused.status == 403 and b"CORSResponse: This CORS request is not allowed" in refused.data
    no_origin = _preflight(url, "cfg", {"Access-Control-Request-Method": "GET"})
    assert no_origin.status == 400 and b"<Code>BadRequest</Code>" in no_origin.data
