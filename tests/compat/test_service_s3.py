"""S3 end to end: boto3, the AWS CLI and plain urllib3 (presigned URLs) against a served FakeAWS."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import threading
import zlib
from pathlib import Path
from typing import Any

import boto3
import pytest
import urllib3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError
from endpoint_helpers import NO_RETRY, aws_cli, client, send, served, signed

from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS

pytestmark = pytest.mark.timeout(120)
MiB = 1024 * 1024


@pytest.fixture
def s3(url: str) -> Any:
    return client(url, "s3")


@pytest.fixture
def bucket(s3: Any) -> str:
    s3.create_bucket(Bucket="bucket")
    return "bucket"


def error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


# --- buckets -----------------------------------------------------------------------------------------------


def test_bucket_lifecycle(s3: Any) -> None:
    s3.create_bucket(Bucket="one")
    s3.create_bucket(Bucket="two.dotted")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["one", "two.dotted"]
    assert s3.head_bucket(Bucket="one")["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"
    assert s3.get_bucket_location(Bucket="one")["LocationConstraint"] is None
    s3.delete_bucket(Bucket="one")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["two.dotted"]
    with pytest.raises(ClientError) as missing:
        s3.delete_bucket(Bucket="one")
    assert error(missing) == ("NoSuchBucket", 404)
    assert missing.value.response["Error"]["BucketName"] == "one"
    with pytest.raises(ClientError) as head:
        s3.head_bucket(Bucket="one")
    assert error(head) == ("404", 404)


def test_bucket_name_and_ownership_errors(fake: FakeAWS, s3: Any, url: str) -> None:
    with pytest.raises(ClientError) as invalid:
        s3.create_bucket(Bucket="Bad_Bucket")
    assert error(invalid) == ("InvalidBucketName", 400)
    s3.create_bucket(Bucket="mine")
    s3.create_bucket(Bucket="mine")  # us-east-1 keeps AWS's legacy 200 for your own bucket
    fake.add_credentials("AKIDSECONDACCOUNT001", "second-secret", account_id="210987654321")
    other = client(url, "s3", key="AKIDSECONDACCOUNT001", secret="second-secret")
    with pytest.raises(ClientError) as taken:
        other.create_bucket(Bucket="mine")
    assert error(taken) == ("BucketAlreadyExists", 409)
    assert other.list_buckets()["Buckets"] == []
    with pytest.raises(ClientError) as wrong_region:
        client(url, "s3", region="eu-west-2").create_bucket(
            Bucket="elsewhere", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
    assert error(wrong_region) == ("IllegalLocationConstraintException", 400)


def test_bucket_already_owned_by_you_outside_us_east_1() -> None:
    with served(region="eu-west-1") as (_, url):
        s3 = client(url, "s3", region="eu-west-1")
        config = {"LocationConstraint": "eu-west-1"}
        s3.create_bucket(Bucket="eu-bucket", CreateBucketConfiguration=config)
        assert s3.get_bucket_location(Bucket="eu-bucket")["LocationConstraint"] == "eu-west-1"
        with pytest.raises(ClientError) as again:
            s3.create_bucket(Bucket="eu-bucket", CreateBucketConfiguration=config)
        assert error(again) == ("BucketAlreadyOwnedByYou", 409)
        assert again.value.response["Error"]["BucketName"] == "eu-bucket"


# --- objects -----------------------------------------------------------------------------------------------


def test_put_get_head_delete(s3: Any, bucket: str) -> None:
    put = s3.put_object(
        Bucket=bucket,
        Key="dir/héllo wörld+?.txt",
        Body=b"hello world",
        ContentType="text/plain",
        Metadata={"Owner": "me"},
        CacheControl="max-age=60",
    )
    assert put["ETag"] == f'"{hashlib.md5(b"hello world").hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="dir/héllo wörld+?.txt")
    assert got["Body"].read() == b"hello world"
    assert (got["ContentType"], got["Metadata"], got["ETag"]) == ("text/plain", {"owner": "me"}, put["ETag"])
    assert (got["ContentLength"], got["CacheControl"]) == (11, "max-age=60")
    head = s3.head_object(Bucket=bucket, Key="dir/héllo wörld+?.txt")
    assert (head["ContentLength"], head["LastModified"]) == (11, got["LastModified"])
    assert s3.delete_object(Bucket=bucket, Key="dir/héllo wörld+?.txt")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.delete_object(Bucket=bucket, Key="dir/héllo wörld+?.txt")["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as missing:
        s3.get_object(Bucket=bucket, Key="dir/héllo wörld+?.txt")
    assert error(missing) == ("NoSuchKey", 404)
    assert missing.value.response["Error"]["Key"] == "dir/héllo wörld+?.txt"
    with pytest.raises(ClientError) as head_missing:
        s3.head_object(Bucket=bucket, Key="nope")
    assert error(head_missing) == ("404", 404)
    with pytest.raises(ClientError) as no_bucket:
        s3.put_object(Bucket="no-such-bucket", Key="k", Body=b"x")
    assert error(no_bucket) == ("NoSuchBucket", 404)


def test_default_content_type_and_empty_object(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert (got["Body"].read(), got["ContentLength"], got["ContentType"]) == (b"", 0, "binary/octet-stream")


@pytest.mark.parametrize(
    ("header", "expected", "content_range"),
    [
        ("bytes=0-3", b"0123", "bytes 0-3/10"),
        ("bytes=7-", b"789", "bytes 7-9/10"),
        ("bytes=-2", b"89", "bytes 8-9/10"),
        ("bytes=5-100", b"56789", "bytes 5-9/10"),
    ],
)
def test_ranges(s3: Any, bucket: str, header: str, expected: bytes, content_range: str) -> None:
    s3.put_object(Bucket=bucket, Key="digits", Body=b"0123456789")
    got = s3.get_object(Bucket=bucket, Key="digits", Range=header)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert (got["Body"].read(), got["ContentRange"], got["ContentLength"]) == (expected, content_range, len(expected))


def test_unsatisfiable_range_and_conditions(s3: Any, bucket: str) -> None:
    etag = s3.put_object(Bucket=bucket, Key="digits", Body=b"0123456789")["ETag"]
    with pytest.raises(ClientError) as unsatisfiable:
        s3.get_object(Bucket=bucket, Key="digits", Range="bytes=10-")
    assert error(unsatisfiable) == ("InvalidRange", 416)
    assert unsatisfiable.value.response["Error"]["ActualObjectSize"] == "10"
    with pytest.raises(ClientError) as not_modified:
        s3.get_object(Bucket=bucket, Key="digits", IfNoneMatch=etag)
    assert error(not_modified) == ("304", 304)
    with pytest.raises(ClientError) as failed:
        s3.get_object(Bucket=bucket, Key="digits", IfMatch='"0000"')
    assert error(failed) == ("PreconditionFailed", 412)
    assert s3.get_object(Bucket=bucket, Key="digits", IfMatch=etag)["Body"].read() == b"0123456789"


def test_content_md5_is_checked(s3: Any, bucket: str) -> None:
    wrong = base64.b64encode(hashlib.md5(b"something else").digest()).decode()
    with pytest.raises(ClientError) as bad:
        s3.put_object(Bucket=bucket, Key="k", Body=b"data", ContentMD5=wrong)
    assert error(bad) == ("BadDigest", 400)
    with pytest.raises(ClientError) as invalid:
        s3.put_object(Bucket=bucket, Key="k", Body=b"data", ContentMD5="not-base64!")
    assert error(invalid) == ("InvalidDigest", 400)
    right = base64.b64encode(hashlib.md5(b"data").digest()).decode()
    s3.put_object(Bucket=bucket, Key="k", Body=b"data", ContentMD5=right)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"data"


def test_copy_object(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src dir/a+b é", Body=b"payload", Metadata={"k": "v"}, ContentType="text/x")
    copied = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src dir/a+b é"})
    assert copied["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(b"payload").hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert (got["Body"].read(), got["Metadata"], got["ContentType"]) == (b"payload", {"k": "v"}, "text/x")
    s3.copy_object(
        Bucket=bucket,
        Key="dst",
        CopySource=f"{bucket}/src dir/a+b é?versionId=null",  # botocore URL-encodes the key; "null": unversioned
        MetadataDirective="REPLACE",
        Metadata={"new": "1"},
    )
    assert s3.head_object(Bucket=bucket, Key="dst")["Metadata"] == {"new": "1"}
    with pytest.raises(ClientError) as missing:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "nope"})
    assert error(missing) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as to_itself:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "dst"})
    assert error(to_itself) == ("InvalidRequest", 400)


def test_delete_objects(s3: Any, bucket: str) -> None:
    for key in ("a", "b", "c"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    result = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}, {"Key": "zz"}]})
    assert sorted(d["Key"] for d in result["Deleted"]) == ["a", "b", "zz"]
    quiet = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "c"}], "Quiet": True})
    assert "Deleted" not in quiet
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


# --- listings ----------------------------------------------------------------------------------------------


def test_list_objects_v2_prefix_delimiter_and_paging(s3: Any, bucket: str) -> None:
    keys = ["a/1", "a/2", "b/x/1", "b/y", "c", "d e+f", "é"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    listed = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == keys and listed["KeyCount"] == 7
    rolled = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in rolled["CommonPrefixes"]] == ["a/", "b/"]
    assert [o["Key"] for o in rolled["Contents"]] == ["c", "d e+f", "é"]
    under = s3.list_objects_v2(Bucket=bucket, Prefix="b/", Delimiter="/")
    assert ([o["Key"] for o in under["Contents"]], under["CommonPrefixes"]) == (["b/y"], [{"Prefix": "b/x/"}])
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, StartAfter="c")["Contents"]] == keys[5:]
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 2}))
    assert [o["Key"] for p in pages for o in p.get("Contents", [])] == keys
    assert [p["KeyCount"] for p in pages] == [2, 2, 2, 1]
    assert pages[0]["IsTruncated"] and not pages[-1]["IsTruncated"]
    paged = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 1})
    seen = [(o.get("Key"), o.get("Prefix")) for p in paged for o in p.get("Contents", []) + p.get("CommonPrefixes", [])]
    assert len(seen) == 5
    with pytest.raises(ClientError) as bad_token:
        s3.list_objects_v2(Bucket=bucket, ContinuationToken="!!!")
    assert error(bad_token) == ("InvalidArgument", 400)
    with pytest.raises(ClientError) as no_bucket:
        s3.list_objects_v2(Bucket="nope-bucket")
    assert error(no_bucket) == ("NoSuchBucket", 404)


def test_list_objects_v1_paginates_with_markers(s3: Any, bucket: str) -> None:
    keys = [f"k{i:02d}" for i in range(7)]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    pages = list(s3.get_paginator("list_objects").paginate(Bucket=bucket, PaginationConfig={"PageSize": 3}))
    assert [o["Key"] for p in pages for o in p["Contents"]] == keys
    assert pages[0]["Contents"][0]["Owner"]["ID"]


# --- multipart ---------------------------------------------------------------------------------------------


def test_upload_file_multipart_and_download(s3: Any, bucket: str, tmp_path: Path) -> None:
    data = os.urandom(12 * MiB + 123)
    source, back = tmp_path / "big.bin", tmp_path / "back.bin"
    source.write_bytes(data)
    config = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=4)
    s3.upload_file(str(source), bucket, "big.bin", Config=config)
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == len(data) and head["ETag"].endswith('-3"')
    s3.download_file(bucket, "big.bin", str(back), Config=config)
    assert back.read_bytes() == data


def test_abort_and_unknown_upload(s3: Any, bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"x")
    assert s3.list_parts(Bucket=bucket, Key="k", UploadId=upload)["Parts"][0]["Size"] == 1
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload)
    with pytest.raises(ClientError) as gone:
        s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=2, Body=b"x")
    assert error(gone) == ("NoSuchUpload", 404)
    assert gone.value.response["Error"]["UploadId"] == upload


@pytest.mark.slow
def test_aws_cli_cp_large_file_ls_and_back(url: str, s3: Any, bucket: str, tmp_path: Path) -> None:
    data = os.urandom(9 * MiB + 7)
    source, back = tmp_path / "big.bin", tmp_path / "back.bin"
    source.write_bytes(data)
    up = aws_cli(url, tmp_path, "s3", "cp", str(source), f"s3://{bucket}/dir/big.bin")
    assert up.returncode == 0, up.stderr
    assert s3.head_object(Bucket=bucket, Key="dir/big.bin")["ETag"].endswith('-2"')  # the CLI went multipart
    listed = aws_cli(url, tmp_path, "s3", "ls", f"s3://{bucket}/dir/")
    assert listed.returncode == 0, listed.stderr
    assert f"{len(data)} big.bin" in listed.stdout
    buckets = aws_cli(url, tmp_path, "s3", "ls")
    assert buckets.returncode == 0 and bucket in buckets.stdout
    down = aws_cli(url, tmp_path, "s3", "cp", f"s3://{bucket}/dir/big.bin", str(back))
    assert down.returncode == 0, down.stderr
    assert back.read_bytes() == data
    removed = aws_cli(url, tmp_path, "s3", "rm", "--recursive", f"s3://{bucket}/")
    assert removed.returncode == 0, removed.stderr
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


# --- presigned URLs and addressing -------------------------------------------------------------------------


def test_presigned_get_and_put_with_plain_urllib3(url: str, bucket: str) -> None:
    """botocore presigns S3 URLs for us-east-1 with Signature Version 2 unless told s3v4; the fake takes SigV4 only."""
    s3 = client(url, "s3", config=NO_RETRY.merge(Config(signature_version="s3v4")))
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "p"}, ExpiresIn=300)
    put = urllib3.request("PUT", put_url, body=b"presigned body", retries=False)
    assert put.status == 200, put.data
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p"}, ExpiresIn=300)
    got = urllib3.request("GET", get_url, retries=False)
    assert (got.status, got.data) == (200, b"presigned body")
    assert got.headers["ETag"] == f'"{hashlib.md5(b"presigned body").hexdigest()}"'
    tampered = urllib3.request("GET", get_url.replace("/p?", "/q?"), retries=False)
    assert tampered.status == 403 and b"SignatureDoesNotMatch" in tampered.data


def test_virtual_hosted_style_with_boto3(fake: FakeAWS, url: str, bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore puts the bucket in the host (`bucket.localhost:PORT`); such names are loopback (RFC 6761).

    This machine's resolver does not know `*.localhost`, so the test resolves them as systemd-resolved would.
    """
    real = socket.getaddrinfo

    def loopback(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback)
    local = url.replace("127.0.0.1", "localhost")
    config = NO_RETRY.merge(Config(s3={"addressing_style": "virtual"}))
    virtual = client(local, "s3", config=config)
    virtual.put_object(Bucket=bucket, Key="v/key", Body=b"virtual")
    assert virtual.get_object(Bucket=bucket, Key="v/key")["Body"].read() == b"virtual"
    assert [o["Key"] for o in virtual.list_objects_v2(Bucket=bucket)["Contents"]] == ["v/key"]
    assert [r.path for r in fake.requests.filter(action="GetObject")] == ["/v/key"]  # the bucket was in the host


def test_virtual_hosted_style_with_a_signed_raw_request(url: str, s3: Any, bucket: str) -> None:
    port = url.rsplit(":", 1)[1]
    host_url = f"http://{bucket}.localhost:{port}"
    headers = signed(host_url, "PUT", "/raw/key", service="s3", body=b"raw")
    headers["Host"] = f"{bucket}.localhost:{port}"
    response = send(url, "PUT", "/raw/key", headers, b"raw")
    assert response.status == 200, response.data
    assert s3.get_object(Bucket=bucket, Key="raw/key")["Body"].read() == b"raw"


# --- concurrency -------------------------------------------------------------------------------------------


def test_concurrent_puts_are_all_kept(url: str, s3: Any, bucket: str) -> None:
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        mine = client(url, "s3")
        try:
            for i in range(15):
                mine.put_object(Bucket=bucket, Key=f"w{worker:02d}/{i:02d}", Body=f"{worker}:{i}".encode())
        except BaseException as exc:  # reported in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    keys = [o["Key"] for p in pages for o in p["Contents"]]
    assert len(keys) == 180
    for key in ("w00/00", "w11/14", "w05/07"):
        worker, i = key[1:3], key[4:]
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == f"{int(worker)}:{int(i)}".encode()


def test_conditional_writes(s3: Any, bucket: str) -> None:
    first = s3.put_object(Bucket=bucket, Key="once", Body=b"1", IfNoneMatch="*")
    assert first["ServerSideEncryption"] == "AES256"
    with pytest.raises(ClientError) as exists:
        s3.put_object(Bucket=bucket, Key="once", Body=b"2", IfNoneMatch="*")
    assert error(exists) == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as stale:
        s3.put_object(Bucket=bucket, Key="once", Body=b"2", IfMatch='"0000"')
    assert error(stale) == ("PreconditionFailed", 412)
    s3.put_object(Bucket=bucket, Key="once", Body=b"3", IfMatch=first["ETag"])
    assert s3.get_object(Bucket=bucket, Key="once")["Body"].read() == b"3"


def test_list_buckets_pages(s3: Any) -> None:
    for name in ("b-1", "b-2", "b-3"):
        s3.create_bucket(Bucket=name)
    first = s3.list_buckets(MaxBuckets=2)
    assert [b["Name"] for b in first["Buckets"]] == ["b-1", "b-2"]
    rest = s3.list_buckets(MaxBuckets=2, ContinuationToken=first["ContinuationToken"])
    assert [b["Name"] for b in rest["Buckets"]] == ["b-3"] and "ContinuationToken" not in rest
    assert [b["Name"] for b in s3.list_buckets(Prefix="b-2")["Buckets"]] == ["b-2"]


def test_presigned_download_overrides_response_headers(url: str, bucket: str) -> None:
    s3 = client(url, "s3", config=NO_RETRY.merge(Config(signature_version="s3v4")))
    s3.put_object(Bucket=bucket, Key="report.csv", Body=b"a,b")
    params = {"Bucket": bucket, "Key": "report.csv", "ResponseContentDisposition": 'attachment; filename="r.csv"'}
    link = s3.generate_presigned_url("get_object", Params=params)
    got = urllib3.request("GET", link, retries=False)
    assert (got.status, got.data, got.headers["Content-Disposition"]) == (200, b"a,b", 'attachment; filename="r.csv"')


def test_another_account_cannot_use_the_bucket(fake: FakeAWS, url: str, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="private", Body=b"secret")
    fake.add_credentials("AKIDSECONDACCOUNT002", "second-secret", account_id="210987654321")
    other = client(url, "s3", key="AKIDSECONDACCOUNT002", secret="second-secret")
    for attempt in (
        lambda: other.get_object(Bucket=bucket, Key="private"),
        lambda: other.put_object(Bucket=bucket, Key="mine", Body=b"x"),
        lambda: other.list_objects_v2(Bucket=bucket),
        lambda: other.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "private"}),
    ):
        with pytest.raises(ClientError) as denied:
            attempt()
        assert error(denied) == ("AccessDenied", 403)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA1", "SHA256"])
def test_flexible_checksums_are_kept_and_returned(s3: Any, bucket: str, algorithm: str) -> None:
    data = b"checksummed body" * 100
    put = s3.put_object(Bucket=bucket, Key="c", Body=data, ChecksumAlgorithm=algorithm)
    field = f"Checksum{algorithm}"
    compute = {
        "CRC32": lambda d: zlib.crc32(d).to_bytes(4, "big"),
        "SHA1": lambda d: hashlib.sha1(d).digest(),
        "SHA256": lambda d: hashlib.sha256(d).digest(),
    }
    assert put[field] == base64.b64encode(compute[algorithm](data)).decode()
    got = s3.get_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED")
    assert got[field] == put[field] and got["Body"].read() == data  # botocore verified the body against it
    assert field not in s3.get_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED", Range="bytes=0-3")


def test_wrong_checksum_header_is_bad_digest(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as bad:
        s3.put_object(Bucket=bucket, Key="c", Body=b"data", ChecksumCRC32="AAAAAA==")
    assert error(bad) == ("BadDigest", 400)


@pytest.mark.slow
def test_managed_copy_of_a_large_object_uses_upload_part_copy(
    fake: FakeAWS, url: str, s3: Any, bucket: str, tmp_path: Path
) -> None:
    data = os.urandom(11 * MiB)
    s3.put_object(Bucket=bucket, Key="big", Body=data)
    config = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    s3.copy({"Bucket": bucket, "Key": "big"}, bucket, "big-copy", Config=config)
    assert len(fake.requests.filter(action="UploadPartCopy")) == 3
    assert s3.get_object(Bucket=bucket, Key="big-copy")["Body"].read() == data
    cli = aws_cli(url, tmp_path, "s3", "cp", f"s3://{bucket}/big", f"s3://{bucket}/cli-copy")
    assert cli.returncode == 0, cli.stderr
    assert s3.get_object(Bucket=bucket, Key="cli-copy")["Body"].read() == data
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    with pytest.raises(ClientError) as outside:
        s3.upload_part_copy(
            Bucket=bucket,
            Key="k",
            UploadId=upload,
            PartNumber=1,
            CopySource={"Bucket": bucket, "Key": "big"},
            CopySourceRange=f"bytes=0-{len(data)}",
        )
    assert error(outside) == ("InvalidRequest", 400)


def test_delete_objects_requires_an_integrity_check(url: str, s3: Any, bucket: str) -> None:
    body = b"<Delete><Object><Key>k</Key></Object></Delete>"
    response = send(url, "POST", "/bucket?delete", signed(url, "POST", "/bucket?delete", service="s3", body=body), body)
    assert response.status == 400 and b"<Code>InvalidRequest</Code>" in response.data
    digest = base64.b64encode(hashlib.md5(body).digest()).decode()
    headers = signed(url, "POST", "/bucket?delete", service="s3", body=body, headers={"Content-MD5": digest})
    assert send(url, "POST", "/bucket?delete", headers, body).status == 200


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "code"),
    [
        ("POST", "/bucket?delete", b"<Delete><Object></Object></Delete>", {}, "MalformedXML"),
        ("POST", "/bucket?delete", b"not xml at all", {}, "MalformedXML"),
        ("POST", "/bucket?delete", b"<Delete/>", {}, "MalformedXML"),
        (
            "POST",
            "/bucket?delete",
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><Delete>&b;</Delete>',
            {},
            "MalformedXML",
        ),
        ("PUT", "/bucket", b"<CreateBucketConfiguration><Location", {}, "MalformedXML"),
        ("GET", "/bucket?list-type=2&max-keys=-1", b"", {}, "InvalidArgument"),
        ("GET", "/bucket?list-type=2&max-keys=abc", b"", {}, "InvalidArgument"),
        ("GET", "/bucket?list-type=2&encoding-type=base64", b"", {}, "InvalidArgument"),
        ("GET", "/?max-buckets=0", b"", {}, "InvalidArgument"),
        ("PUT", "/bucket/k", b"", {"x-amz-copy-source": "onlybucket"}, "InvalidArgument"),
        (
            "PUT",
            "/bucket/k",
            b"",
            {"x-amz-copy-source": "/bucket/k", "x-amz-metadata-directive": "X"},
            "InvalidArgument",
        ),
        ("PUT", "/bucket/k?partNumber=1&uploadId=nope", b"x", {}, "NoSuchUpload"),
        ("PUT", "/bucket/k?partNumber=abc&uploadId=nope", b"x", {}, "InvalidArgument"),
        ("GET", "/bucket/k?retention", b"", {}, "NotImplemented"),
        ("DELETE", "/bucket/k?acl", b"", {}, "MethodNotAllowed"),
        (
            "PUT",
            "/bucket/k?tagging",
            b"<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>",
            {},
            "MalformedXML",
        ),
        ("PATCH", "/bucket/k", b"", {}, "MethodNotAllowed"),
    ],
)
def test_hostile_requests_get_s3_errors(
    fake: FakeAWS,
    url: str,
    s3: Any,
    bucket: str,
    method: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
    code: str,
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    if path.endswith("?delete"):
        headers = {**headers, "Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}
    response = send(url, method, path, signed(url, method, path, service="s3", body=body, headers=headers), body)
    assert 400 <= response.status < 600 and response.status != 500
    assert f"<Code>{code}</Code>".encode() in response.data, response.data
    assert not fake.errors


def test_object_tagging(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="team=data&tier=gold")
    assert s3.get_object(Bucket=bucket, Key="t")["TagCount"] == 2
    tags = s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"]
    assert tags == [{"Key": "team", "Value": "data"}, {"Key": "tier", "Value": "gold"}]
    s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": "only", "Value": "one"}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [{"Key": "only", "Value": "one"}]
    s3.copy_object(Bucket=bucket, Key="t2", CopySource={"Bucket": bucket, "Key": "t"})
    assert s3.get_object_tagging(Bucket=bucket, Key="t2")["TagSet"] == [{"Key": "only", "Value": "one"}]
    s3.delete_object_tagging(Bucket=bucket, Key="t")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == []
    too_many = {"TagSet": [{"Key": f"k{i}", "Value": "v"} for i in range(11)]}
    with pytest.raises(ClientError) as rejected:
        s3.put_object_tagging(Bucket=bucket, Key="t", Tagging=too_many)
    assert error(rejected) == ("BadRequest", 400)
    with pytest.raises(ClientError) as missing:
        s3.get_object_tagging(Bucket=bucket, Key="nope")
    assert error(missing) == ("NoSuchKey", 404)


def test_list_multipart_uploads(s3: Any, bucket: str) -> None:
    ids = [s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"] for key in ("a", "b", "c")]
    listed = s3.list_multipart_uploads(Bucket=bucket)
    assert [(u["Key"], u["UploadId"]) for u in listed["Uploads"]] == list(zip("abc", ids, strict=True))
    first = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=2)
    assert first["IsTruncated"] and [u["Key"] for u in first["Uploads"]] == ["a", "b"]
    rest = s3.list_multipart_uploads(
        Bucket=bucket, MaxUploads=2, KeyMarker=first["NextKeyMarker"], UploadIdMarker=first["NextUploadIdMarker"]
    )
    assert [u["Key"] for u in rest["Uploads"]] == ["c"] and not rest["IsTruncated"]
    s3.abort_multipart_upload(Bucket=bucket, Key="a", UploadId=ids[0])
    assert [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket, Prefix="a").get("Uploads", [])] == []


def test_boto3_resource_api(url: str, bucket: str) -> None:
    resource = boto3.resource(
        "s3",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
        aws_secret_access_key=DEFAULT_SECRET_ACCESS_KEY,
    )
    target = resource.Bucket(bucket)
    for i in range(5):
        target.put_object(Key=f"logs/{i}", Body=str(i).encode())
    target.put_object(Key="keep", Body=b"k")
    assert sorted(o.key for o in target.objects.filter(Prefix="logs/")) == [f"logs/{i}" for i in range(5)]
    target.objects.filter(Prefix="logs/").delete()  # DeleteObjects
    assert [o.key for o in target.objects.all()] == ["keep"]
    assert resource.Object(bucket, "keep").get()["Body"].read() == b"k"
