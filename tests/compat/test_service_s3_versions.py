"""S3 versioning through boto3: versions, delete markers, ListObjectVersions, versionId on get/head/delete/copy,
the suspended state and objects that were there before versioning (the "null" version)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from endpoint_helpers import client

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def s3(url: str) -> Any:
    s3 = client(url, "s3")
    s3.create_bucket(Bucket="ver")
    return s3


def code(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def enable(s3: Any, status: str = "Enabled") -> None:
    s3.put_bucket_versioning(Bucket="ver", VersioningConfiguration={"Status": status})


def test_versioning_status(s3: Any) -> None:
    assert "Status" not in s3.get_bucket_versioning(Bucket="ver")
    enable(s3)
    assert s3.get_bucket_versioning(Bucket="ver")["Status"] == "Enabled"
    enable(s3, "Suspended")
    assert s3.get_bucket_versioning(Bucket="ver")["Status"] == "Suspended"
    with pytest.raises(ClientError) as bad:
        s3.put_bucket_versioning(Bucket="ver", VersioningConfiguration={"Status": "Off"})
    assert code(bad) == ("MalformedXML", 400)


def test_versions_and_delete_markers(s3: Any) -> None:
    s3.put_object(Bucket="ver", Key="k", Body=b"v0")  # before versioning: the "null" version
    enable(s3)
    v1 = s3.put_object(Bucket="ver", Key="k", Body=b"v1")["VersionId"]
    v2 = s3.put_object(Bucket="ver", Key="k", Body=b"v2")["VersionId"]
    assert len({v1, v2, "null"}) == 3
    got = s3.get_object(Bucket="ver", Key="k")
    assert (got["Body"].read(), got["VersionId"]) == (b"v2", v2)
    assert s3.get_object(Bucket="ver", Key="k", VersionId=v1)["Body"].read() == b"v1"
    assert s3.get_object(Bucket="ver", Key="k", VersionId="null")["Body"].read() == b"v0"
    assert s3.head_object(Bucket="ver", Key="k", VersionId=v1)["ContentLength"] == 2
    deleted = s3.delete_object(Bucket="ver", Key="k")
    assert deleted["DeleteMarker"] is True
    marker = deleted["VersionId"]
    with pytest.raises(ClientError) as hidden:
        s3.get_object(Bucket="ver", Key="k")
    assert code(hidden) == ("NoSuchKey", 404)
    assert hidden.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true"
    with pytest.raises(ClientError) as on_marker:
        s3.head_object(Bucket="ver", Key="k", VersionId=marker)
    assert code(on_marker) == ("405", 405)
    listed = s3.list_object_versions(Bucket="ver")
    assert [(v["VersionId"], v["IsLatest"]) for v in listed["Versions"]] == [(v2, False), (v1, False), ("null", False)]
    assert [(m["VersionId"], m["IsLatest"]) for m in listed["DeleteMarkers"]] == [(marker, True)]
    removed = s3.delete_object(Bucket="ver", Key="k", VersionId=marker)  # removing the marker restores v2
    assert removed["DeleteMarker"] is True and removed["VersionId"] == marker
    assert s3.get_object(Bucket="ver", Key="k")["Body"].read() == b"v2"
    s3.delete_object(Bucket="ver", Key="k", VersionId=v2)
    assert s3.get_object(Bucket="ver", Key="k")["Body"].read() == b"v1"
    with pytest.raises(ClientError) as gone:
        s3.get_object(Bucket="ver", Key="k", VersionId=v2)
    assert code(gone) == ("NoSuchVersion", 404)


def test_copy_a_version_and_list_pages(s3: Any) -> None:
    enable(s3)
    old = s3.put_object(Bucket="ver", Key="a", Body=b"old")["VersionId"]
    s3.put_object(Bucket="ver", Key="a", Body=b"new")
    copied = s3.copy_object(Bucket="ver", Key="b", CopySource={"Bucket": "ver", "Key": "a", "VersionId": old})
    assert copied["CopySourceVersionId"] == old and copied["VersionId"]
    assert s3.get_object(Bucket="ver", Key="b")["Body"].read() == b"old"
    pages = s3.get_paginator("list_object_versions").paginate(Bucket="ver", PaginationConfig={"PageSize": 1})
    seen = [(v["Key"], v["IsLatest"]) for page in pages for v in page.get("Versions", [])]
    assert seen == [("a", True), ("a", False), ("b", True)]
    with pytest.raises(ClientError) as not_empty:
        s3.delete_bucket(Bucket="ver")
    assert code(not_empty) == ("BucketNotEmpty", 409)


def test_suspended_versioning_writes_the_null_version(s3: Any) -> None:
    enable(s3)
    kept = s3.put_object(Bucket="ver", Key="k", Body=b"kept")["VersionId"]
    enable(s3, "Suspended")
    s3.put_object(Bucket="ver", Key="k", Body=b"first null")
    assert s3.put_object(Bucket="ver", Key="k", Body=b"second null")["VersionId"] == "null"
    versions = s3.list_object_versions(Bucket="ver")["Versions"]
    assert [v["VersionId"] for v in versions] == ["null", kept]
    assert s3.get_object(Bucket="ver", Key="k")["Body"].read() == b"second null"


def test_unversioned_bucket_lists_null_versions(s3: Any) -> None:
    put = s3.put_object(Bucket="ver", Key="plain", Body=b"x")
    assert "VersionId" not in put
    (version,) = s3.list_object_versions(Bucket="ver")["Versions"]
    assert (version["Key"], version["VersionId"], version["IsLatest"]) == ("plain", "null", True)
    assert "DeleteMarker" not in s3.delete_object(Bucket="ver", Key="plain")
    assert "Versions" not in s3.list_object_versions(Bucket="ver")
