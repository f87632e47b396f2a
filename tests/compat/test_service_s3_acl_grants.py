"""S3 ACLs through boto3 as AWS takes them: `x-amz-grant-*` headers on CreateBucket, PutObject, CopyObject,
CreateMultipartUpload, PutBucketAcl and PutObjectAcl (shown by Get...Acl as listed, with AWS's errors for malformed
values and for mixing them with a canned ACL), canned ACLs on CopyObject, multipart uploads and browser POSTs, and
the public access block refusing public ACLs and public bucket policies (after the ownership rule)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import urllib3
from botocore.config import Config
from botocore.exceptions import ClientError
from endpoint_helpers import client

pytestmark = pytest.mark.timeout(120)

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
OTHER = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"  # another account's canonical id


@pytest.fixture
def s3(url: str) -> Any:
    s3 = client(url, "s3")
    s3.create_bucket(Bucket="enforced")  # AWS's defaults since 2023: ACLs disabled, public access blocked
    s3.create_bucket(Bucket="blocked", ObjectOwnership="ObjectWriter")  # ACLs on, public ones blocked
    s3.create_bucket(Bucket="open", ObjectOwnership="ObjectWriter")
    s3.delete_public_access_block(Bucket="open")
    return s3


def owner(s3: Any) -> str:
    return str(s3.get_bucket_acl(Bucket="enforced")["Owner"]["ID"])


def shown(acl: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(type, ID / URI / EmailAddress, permission) of each grant, in order."""
    fields = {"CanonicalUser": "ID", "Group": "URI", "AmazonCustomerByEmail": "EmailAddress"}
    return [(g["Grantee"]["Type"], g["Grantee"][fields[g["Grantee"]["Type"]]], g["Permission"]) for g in acl["Grants"]]


def code(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_grant_headers_are_kept_and_shown_as_listed(s3: Any) -> None:
    me = owner(s3)
    s3.put_object(
        Bucket="open",
        Key="k",
        Body=b"x",
        GrantRead=f'id="{OTHER}", uri="{AUTHENTICATED}"',
        GrantFullControl=f'id="{me}"',
    )
    assert shown(s3.get_object_acl(Bucket="open", Key="k")) == [
        ("CanonicalUser", OTHER, "READ"),
        ("Group", AUTHENTICATED, "READ"),
        ("CanonicalUser", me, "FULL_CONTROL"),
    ]
    s3.put_object_acl(Bucket="open", Key="k", GrantReadACP=f"id={OTHER}", GrantWriteACP='emailAddress="a@example.com"')
    assert shown(s3.get_object_acl(Bucket="open", Key="k")) == [  # AWS adds no owner grant to listed grants
        ("CanonicalUser", OTHER, "READ_ACP"),
        ("AmazonCustomerByEmail", "a@example.com", "WRITE_ACP"),
    ]
    s3.put_bucket_acl(Bucket="open", GrantWrite=f'uri="{LOG_DELIVERY}"', GrantReadACP=f'uri="{LOG_DELIVERY}"')
    assert shown(s3.get_bucket_acl(Bucket="open")) == [
        ("Group", LOG_DELIVERY, "WRITE"),
        ("Group", LOG_DELIVERY, "READ_ACP"),
    ]
    s3.create_bucket(Bucket="granted", ObjectOwnership="BucketOwnerPreferred", GrantRead=f'id="{OTHER}"')
    assert shown(s3.get_bucket_acl(Bucket="granted")) == [("CanonicalUser", OTHER, "READ")]
    s3.put_object(Bucket="open", Key="plain", Body=b"x")  # no ACL asked: the owner's FULL_CONTROL
    assert shown(s3.get_object_acl(Bucket="open", Key="plain")) == [("CanonicalUser", me, "FULL_CONTROL")]


def test_a_put_object_whose_one_extra_header_is_a_grant_is_read_in_full(s3: Any, url: str) -> None:
    """PutObject's quick path (a request with only an SDK's usual headers) must not skip a grant header: without
    a checksum header, which boto3 adds by default, the grant is the one header beyond the usual ones."""
    plain = client(url, "s3", config=Config(request_checksum_calculation="when_required"))
    plain.put_object(Bucket="open", Key="quick", Body=b"x", GrantFullControl=f'id="{OTHER}"')
    assert shown(s3.get_object_acl(Bucket="open", Key="quick")) == [("CanonicalUser", OTHER, "FULL_CONTROL")]
    with pytest.raises(ClientError) as refused:
        plain.put_object(Bucket="enforced", Key="quick", Body=b"x", GrantReadACP=f'id="{OTHER}"')
    assert code(refused) == ("AccessControlListNotSupported", 400)


@pytest.mark.parametrize(
    ("grant", "expected"),
    [
        ("everyone", ("InvalidArgument", "Argument format not recognized", "x-amz-grant-read", "everyone")),
        ('name="bob"', ("InvalidArgument", "Argument format not recognized", "x-amz-grant-read", 'name="bob"')),
        (
            'uri="http://example.com/friends"',
            ("InvalidArgument", "Invalid group uri", "uri", "http://example.com/friends"),
        ),
        ('id="abc"', ("InvalidArgument", "Invalid id", "id", "abc")),
    ],
)
def test_malformed_grant_headers_are_invalid_argument(s3: Any, grant: str, expected: tuple[str, ...]) -> None:
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket="open", Key="k", Body=b"x", GrantRead=grant)
    error = refused.value.response["Error"]
    assert (error["Code"], error["Message"], error["ArgumentName"], error["ArgumentValue"]) == expected
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as on_acl:
        s3.put_bucket_acl(Bucket="open", GrantRead=grant)
    assert code(on_acl) == ("InvalidArgument", 400)


def test_an_unresolvable_email_grantee(s3: Any) -> None:
    s3.put_object(Bucket="open", Key="k", Body=b"x")
    with pytest.raises(ClientError) as refused:
        s3.put_object_acl(Bucket="open", Key="k", GrantRead='emailAddress="nobody"')
    assert code(refused) == ("UnresolvableGrantByEmailAddress", 400)


def test_a_canned_acl_and_grant_headers_together_are_invalid_request(s3: Any) -> None:
    for call in (
        lambda: s3.put_object(Bucket="open", Key="k", Body=b"x", ACL="private", GrantRead=f'id="{OTHER}"'),
        lambda: s3.put_bucket_acl(Bucket="open", ACL="private", GrantRead=f'id="{OTHER}"'),
        lambda: s3.create_multipart_upload(Bucket="open", Key="k", ACL="private", GrantRead=f'id="{OTHER}"'),
    ):
        with pytest.raises(ClientError) as refused:
            call()
        assert code(refused) == ("InvalidRequest", 400)
        assert (
            refused.value.response["Error"]["Message"] == "Specifying both Canned ACLs and Header Grants is not allowed"
        )


def test_enforced_ownership_refuses_grants_to_anyone_else(s3: Any) -> None:
    me = owner(s3)
    s3.put_object(Bucket="enforced", Key="k", Body=b"x", GrantFullControl=f'id="{me}"')  # the owner alone: accepted
    with pytest.raises(ClientError) as on_put:
        s3.put_object(Bucket="enforced", Key="k", Body=b"x", GrantRead=f'id="{OTHER}"')
    assert code(on_put) == ("AccessControlListNotSupported", 400)
    with pytest.raises(ClientError) as on_acl:
        s3.put_bucket_acl(Bucket="enforced", GrantRead=f'uri="{ALL_USERS}"')  # ownership is checked before BPA
    assert code(on_acl) == ("AccessControlListNotSupported", 400)
    with pytest.raises(ClientError) as at_creation:
        s3.create_bucket(Bucket="new", GrantRead=f'id="{OTHER}"')
    assert code(at_creation) == ("InvalidBucketAclWithObjectOwnership", 400)
    with pytest.raises(ClientError) as on_upload:
        s3.create_multipart_upload(Bucket="enforced", Key="m", GrantRead=f'id="{OTHER}"')
    assert code(on_upload) == ("AccessControlListNotSupported", 400)


def test_block_public_acls_refuses_public_acls_with_access_denied(s3: Any) -> None:
    public = [
        lambda: s3.put_object(Bucket="blocked", Key="k", Body=b"x", ACL="public-read"),
        lambda: s3.put_object(Bucket="blocked", Key="k", Body=b"x", GrantRead=f'uri="{ALL_USERS}"'),
        lambda: s3.put_bucket_acl(Bucket="blocked", ACL="authenticated-read"),
        lambda: s3.put_bucket_acl(Bucket="blocked", GrantWrite=f'uri="{AUTHENTICATED}"'),
        lambda: s3.create_multipart_upload(Bucket="blocked", Key="m", ACL="public-read-write"),
        lambda: s3.copy_object(Bucket="blocked", Key="c", CopySource="blocked/k", ACL="public-read"),
    ]
    s3.put_object(Bucket="blocked", Key="k", Body=b"x", GrantRead=f'id="{OTHER}"')  # not public: accepted
    for call in public:
        with pytest.raises(ClientError) as refused:
            call()
        assert code(refused) == ("AccessDenied", 403)
    with pytest.raises(ClientError) as at_creation:
        s3.create_bucket(Bucket="new", ObjectOwnership="ObjectWriter", GrantRead=f'uri="{ALL_USERS}"')
    assert code(at_creation) == ("InvalidBucketAclWithBlockPublicAccessError", 400)
    assert shown(s3.get_object_acl(Bucket="blocked", Key="k")) == [("CanonicalUser", OTHER, "READ")]
    only_policies = {"BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": True}
    s3.put_public_access_block(Bucket="blocked", PublicAccessBlockConfiguration=only_policies)
    for call in public:
        call()
    assert ("Group", ALL_USERS, "READ") in shown(s3.get_object_acl(Bucket="blocked", Key="c"))


def test_block_public_policy_refuses_public_policies(s3: Any) -> None:
    def policy(principal: Any, condition: dict[str, Any] | None = None) -> str:
        statement = {
            "Effect": "Allow",
            "Principal": principal,
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::blocked/*",
        }
        return json.dumps(
            {"Version": "2012-10-17", "Statement": [{**statement, **({"Condition": condition} if condition else {})}]}
        )

    for public in (policy("*"), policy({"AWS": "*"}), policy({"AWS": ["arn:aws:iam::123456789012:root", "*"]})):
        with pytest.raises(ClientError) as refused:
            s3.put_bucket_policy(Bucket="blocked", Policy=public)
        assert code(refused) == ("AccessDenied", 403)
    with pytest.raises(ClientError):
        s3.get_bucket_policy(Bucket="blocked")  # nothing was kept
    s3.put_bucket_policy(Bucket="blocked", Policy=policy({"AWS": "arn:aws:iam::123456789012:root"}))
    s3.put_bucket_policy(Bucket="blocked", Policy=policy("*", {"StringEquals": {"aws:SourceAccount": "123456789012"}}))
    s3.put_bucket_policy(Bucket="open", Policy=policy("*"))  # no public access block: kept
    assert json.loads(s3.get_bucket_policy(Bucket="open")["Policy"])["Statement"][0]["Principal"] == "*"


def test_canned_acls_on_copies_and_multipart_uploads(s3: Any) -> None:
    s3.put_object(Bucket="open", Key="source", Body=b"x", ACL="public-read")
    s3.copy_object(Bucket="open", Key="copy", CopySource="open/source")  # an ACL is not copied
    assert [g["Permission"] for g in s3.get_object_acl(Bucket="open", Key="copy")["Grants"]] == ["FULL_CONTROL"]
    s3.copy_object(Bucket="open", Key="copy", CopySource="open/source", ACL="authenticated-read")
    assert ("Group", AUTHENTICATED, "READ") in shown(s3.get_object_acl(Bucket="open", Key="copy"))
    s3.copy_object(Bucket="open", Key="copy", CopySource="open/source", GrantRead=f'id="{OTHER}"')
    assert shown(s3.get_object_acl(Bucket="open", Key="copy")) == [("CanonicalUser", OTHER, "READ")]
    upload = s3.create_multipart_upload(Bucket="open", Key="big", ACL="public-read")["UploadId"]
    etag = s3.upload_part(Bucket="open", Key="big", UploadId=upload, PartNumber=1, Body=b"part")["ETag"]
    parts = {"Parts": [{"PartNumber": 1, "ETag": etag}]}
    s3.complete_multipart_upload(Bucket="open", Key="big", UploadId=upload, MultipartUpload=parts)
    assert shown(s3.get_object_acl(Bucket="open", Key="big"))[1:] == [("Group", ALL_USERS, "READ")]


def test_a_browser_posts_acl_field_is_applied(s3: Any, url: str) -> None:
    signer = client(url, "s3", config=Config(signature_version="s3v4"))  # a POST form is signed with SigV4

    def post(bucket: str, acl: str) -> urllib3.BaseHTTPResponse:
        form = signer.generate_presigned_post(bucket, "form.txt", Fields={"acl": acl}, Conditions=[{"acl": acl}])
        fields = {**form["fields"], "file": ("form.txt", b"hello", "text/plain")}
        return urllib3.request("POST", form["url"], fields=fields, retries=False)

    assert post("open", "public-read").status == 204
    assert ("Group", ALL_USERS, "READ") in shown(s3.get_object_acl(Bucket="open", Key="form.txt"))
    refused = post("blocked", "public-read")
    assert refused.status == 403 and b"<Code>AccessDenied</Code>" in refused.data
    disabled = post("enforced", "public-read")
    assert disabled.status == 400 and b"<Code>AccessControlListNotSupported</Code>" in disabled.data
