"""S3 regions as AWS has them, through boto3: a bucket lives where it was created, requests about it must be
signed for its region (boto3's redirector then recovers), names stay global, CreateBucket's constraint rules."""

from __future__ import annotations

import pytest
import urllib3
from botocore.config import Config
from botocore.exceptions import ClientError
from endpoint_helpers import client, parsed_error, send, signed

from awsfake import FakeAWS

pytestmark = pytest.mark.timeout(60)
IRELAND = {"LocationConstraint": "eu-west-1"}


def error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def test_bucket_lives_in_the_region_it_was_created_in(url: str) -> None:
    virginia = client(url, "s3", region="us-east-1")
    virginia.create_bucket(Bucket="dublin", CreateBucketConfiguration=IRELAND)  # the global endpoint: any region
    virginia.create_bucket(Bucket="home")
    ireland = client(url, "s3", region="eu-west-1")
    assert ireland.get_bucket_location(Bucket="dublin")["LocationConstraint"] == "eu-west-1"
    assert virginia.get_bucket_location(Bucket="home")["LocationConstraint"] is None  # us-east-1: empty
    head = ireland.head_bucket(Bucket="dublin")
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-west-1"
    regions = {b["Name"]: b["BucketRegion"] for b in virginia.list_buckets()["Buckets"]}
    assert regions == {"dublin": "eu-west-1", "home": "us-east-1"}


def test_boto3_redirects_a_request_signed_for_another_region(fake: FakeAWS, url: str) -> None:
    client(url, "s3", region="eu-west-1").create_bucket(Bucket="dublin", CreateBucketConfiguration=IRELAND)
    fake.requests.clear()
    virginia = client(url, "s3", region="us-east-1")
    virginia.put_object(Bucket="dublin", Key="k", Body=b"data")
    assert [(r.region, r.status, r.error) for r in fake.requests] == [
        ("us-east-1", 400, "AuthorizationHeaderMalformed"),
        ("eu-west-1", 200, None),
    ]
    # the client remembers the bucket's region; a new one finds it again (HEAD answers carry only the header)
    assert virginia.get_object(Bucket="dublin", Key="k")["Body"].read() == b"data"
    fresh = client(url, "s3", region="ap-southeast-2")
    assert fresh.head_object(Bucket="dublin", Key="k")["ContentLength"] == 4
    assert fresh.head_bucket(Bucket="dublin")["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_wrong_region_errors_name_the_bucket_region(fake: FakeAWS, url: str) -> None:
    client(url, "s3", region="eu-west-1").create_bucket(Bucket="dublin", CreateBucketConfiguration=IRELAND)
    v4 = Config(signature_version="s3v4")  # boto3 presigns with SigV2 in us-east-1 otherwise
    presigned = client(url, "s3", region="us-east-1", config=v4).generate_presigned_url(
        "get_object", Params={"Bucket": "dublin", "Key": "k"}
    )
    answer = urllib3.request("GET", presigned, retries=False)
    refused = parsed_error("rest-xml", answer)
    assert (refused["Code"], refused["status"], refused["Region"]) == (
        "AuthorizationQueryParametersError",
        400,
        "eu-west-1",
    )
    assert refused["Message"] == (
        "Error parsing the X-Amz-Credential parameter; the region 'us-east-1' is wrong; expecting 'eu-west-1'"
    )
    head = send(url, "HEAD", "/dublin", signed(url, "HEAD", "/dublin", service="s3", region="us-west-2"))
    assert head.data == b""
    assert (head.status, head.headers["x-amz-bucket-region"]) == (400, "eu-west-1")


def test_location_constraint_rules(fake: FakeAWS, url: str) -> None:
    with pytest.raises(ClientError) as unspecified:
        client(url, "s3", region="eu-west-2").create_bucket(Bucket="london")
    assert error(unspecified) == (
        "IllegalLocationConstraintException",
        400,
        "The unspecified location constraint is incompatible for the region specific endpoint this request was "
        "sent to.",
    )
    with pytest.raises(ClientError) as elsewhere:
        client(url, "s3", region="eu-west-2").create_bucket(Bucket="london", CreateBucketConfiguration=IRELAND)
    assert error(elsewhere)[2].startswith("The eu-west-1 location constraint is incompatible")
    with pytest.raises(ClientError) as explicit:
        client(url, "s3").create_bucket(
            Bucket="virginia", CreateBucketConfiguration={"LocationConstraint": "us-east-1"}
        )
    assert error(explicit) == ("InvalidLocationConstraint", 400, "The specified location-constraint is not valid")
    client(url, "s3", region="eu-west-2").create_bucket(
        Bucket="london", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    assert sorted(fake.service("s3").buckets) == ["london"]  # type: ignore[union-attr]


def test_bucket_names_stay_global(fake: FakeAWS, url: str) -> None:
    client(url, "s3").create_bucket(Bucket="taken")
    ireland = client(url, "s3", region="eu-west-1")
    with pytest.raises(ClientError) as mine:
        ireland.create_bucket(Bucket="taken", CreateBucketConfiguration=IRELAND)
    assert error(mine)[:2] == ("BucketAlreadyOwnedByYou", 409)
    fake.add_credentials("AKIDSECONDACCOUNT001", "second-secret", account_id="210987654321")
    other = client(url, "s3", key="AKIDSECONDACCOUNT001", secret="second-secret", region="eu-west-1")
    with pytest.raises(ClientError) as theirs:
        other.create_bucket(Bucket="taken", CreateBucketConfiguration=IRELAND)
    assert error(theirs)[:2] == ("BucketAlreadyExists", 409)
