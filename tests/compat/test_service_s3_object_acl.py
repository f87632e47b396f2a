"""S3 object ACLs through boto3 and the AWS CLI: the owner's FULL_CONTROL by default, canned ACLs and grants on
PutObject and PutObjectAcl, refused while the bucket's ownership is enforced (AWS's default since 2023) unless they
grant the owner alone, per version, kept across a restart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from endpoint_helpers import aws_cli, client

from awsfake import FakeAWS

pytestmark = pytest.mark.timeout(120)

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


@pytest.fixture
def s3(url: str) -> Any:
    s3 = client(url, "s3")
    s3.create_bucket(Bucket="enforced")
    s3.create_bucket(Bucket="writer", ObjectOwnership="ObjectWriter")
    s3.delete_public_access_block(Bucket="writer")  # public ACLs are blocked by default, as on AWS since 2023
    return s3


def grants(s3: Any, key: str, bucket: str = "writer", **version: str) -> list[tuple[str | None, str]]:
    acl = s3.get_object_acl(Bucket=bucket, Key=key, **version)
    owner = acl["Owner"]["ID"]
    assert acl["Grants"][0]["Grantee"] == {"ID": owner, "Type": "CanonicalUser"}
    return [(g["Grantee"].get("URI"), g["Permission"]) for g in acl["Grants"]]


def code(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_a_new_object_grants_its_owner_full_control(s3: Any) -> None:
    s3.put_object(Bucket="enforced", Key="k", Body=b"x")
    assert grants(s3, "k", "enforced") == [(None, "FULL_CONTROL")]
    owner = s3.get_bucket_acl(Bucket="enforced")["Owner"]["ID"]
    assert s3.get_object_acl(Bucket="enforced", Key="k")["Owner"]["ID"] == owner


def test_canned_acls_and_grants_round_trip_where_acls_are_allowed(s3: Any) -> None:
    s3.put_object(Bucket="writer", Key="k", Body=b"x", ACL="public-read")
    assert grants(s3, "k") == [(None, "FULL_CONTROL"), (ALL_USERS, "READ")]
    s3.put_object_acl(Bucket="writer", Key="k", ACL="authenticated-read")
    assert grants(s3, "k") == [(None, "FULL_CONTROL"), (AUTHENTICATED, "READ")]
    owner = s3.get_object_acl(Bucket="writer", Key="k")["Owner"]
    policy = {
        "Owner": owner,
        "Grants": [
            {"Grantee": {"ID": owner["ID"], "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"},
            {"Grantee": {"URI": ALL_USERS, "Type": "Group"}, "Permission": "READ_ACP"},
        ],
    }
    s3.put_object_acl(Bucket="writer", Key="k", AccessControlPolicy=policy)
    assert grants(s3, "k") == [(None, "FULL_CONTROL"), (ALL_USERS, "READ_ACP")]
    s3.put_object_acl(Bucket="writer", Key="k", ACL="private")
    assert grants(s3, "k") == [(None, "FULL_CONTROL")]
    s3.put_object(Bucket="writer", Key="k", Body=b"y")  # an overwrite starts again from the default
    assert grants(s3, "k") == [(None, "FULL_CONTROL")]


def test_enforced_ownership_refuses_acls_that_grant_others(s3: Any) -> None:
    with pytest.raises(ClientError) as on_put:
        s3.put_object(Bucket="enforced", Key="k", Body=b"x", ACL="public-read")
    assert code(on_put) == ("AccessControlListNotSupported", 400)
    with pytest.raises(ClientError):
        s3.get_object(Bucket="enforced", Key="k")  # nothing was stored
    s3.put_object(Bucket="enforced", Key="k", Body=b"x", ACL="bucket-owner-full-control")
    with pytest.raises(ClientError) as on_acl:
        s3.put_object_acl(Bucket="enforced", Key="k", ACL="public-read-write")
    assert code(on_acl) == ("AccessControlListNotSupported", 400)
    s3.put_object_acl(Bucket="enforced", Key="k", ACL="private")
    assert grants(s3, "k", "enforced") == [(None, "FULL_CONTROL")]
    s3.put_object(Bucket="writer", Key="k", Body=b"x")
    with pytest.raises(ClientError) as unknown:
        s3.put_object_acl(Bucket="writer", Key="k", ACL="everyone-please")
    assert code(unknown) == ("InvalidArgument", 400)


def test_absent_objects_are_no_such_key(s3: Any) -> None:
    with pytest.raises(ClientError) as get:
        s3.get_object_acl(Bucket="writer", Key="absent")
    assert code(get) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as put:
        s3.put_object_acl(Bucket="writer", Key="absent", ACL="private")
    assert code(put) == ("NoSuchKey", 404)


def test_version_id_names_the_version_whose_acl_is_read_or_set(s3: Any) -> None:
    s3.put_bucket_versioning(Bucket="writer", VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket="writer", Key="v", Body=b"1", ACL="public-read")["VersionId"]
    s3.put_object(Bucket="writer", Key="v", Body=b"2")
    assert grants(s3, "v") == [(None, "FULL_CONTROL")]
    assert grants(s3, "v", VersionId=old) == [(None, "FULL_CONTROL"), (ALL_USERS, "READ")]
    s3.put_object_acl(Bucket="writer", Key="v", VersionId=old, ACL="private")
    assert grants(s3, "v", VersionId=old) == [(None, "FULL_CONTROL")]


def test_object_acls_survive_a_restart(tmp_path: Path) -> None:
    for attempt in range(2):
        fake = FakeAWS(data_dir=tmp_path)
        with fake.serve() as running:
            s3 = client(running.url, "s3")
            if attempt == 0:
                s3.create_bucket(Bucket="writer", ObjectOwnership="ObjectWriter")
                s3.delete_public_access_block(Bucket="writer")
                s3.put_object(Bucket="writer", Key="k", Body=b"x")
                s3.put_object_acl(Bucket="writer", Key="k", ACL="public-read")
            assert grants(s3, "k") == [(None, "FULL_CONTROL"), (ALL_USERS, "READ")]
        fake.check()
        fake.close()


@pytest.mark.slow
def test_aws_cli_object_acls(url: str, s3: Any, tmp_path: Path) -> None:
    s3.put_object(Bucket="writer", Key="k", Body=b"x")
    put = aws_cli(url, tmp_path, "s3api", "put-object-acl", "--bucket", "writer", "--key", "k", "--acl", "public-read")
    assert put.returncode == 0, put.stderr
    got = aws_cli(url, tmp_path, "s3api", "get-object-acl", "--bucket", "writer", "--key", "k")
    acl = json.loads(got.stdout)
    assert [(g["Grantee"].get("URI"), g["Permission"]) for g in acl["Grants"]] == [
        (None, "FULL_CONTROL"),
        (ALL_USERS, "READ"),
    ]
    missing = aws_cli(url, tmp_path, "s3api", "get-object-acl", "--bucket", "writer", "--key", "absent")
    assert missing.returncode != 0 and "NoSuchKey" in missing.stderr
