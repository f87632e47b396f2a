"""Signature verification seen from boto3: each failure is a ClientError with AWS's own code, per family."""

from __future__ import annotations

import datetime
import time

import pytest
from botocore.exceptions import ClientError
from endpoint_helpers import client, served
from freezegun import freeze_time

pytestmark = pytest.mark.timeout(60)

ANSWERS = {"sns": ("ListTopics", {"Topics": []}), "sqs": ("ListQueues", {"QueueUrls": []})}


def call(url: str, service: str, **kwargs: object) -> object:
    c = client(url, service, **kwargs)  # type: ignore[arg-type]
    if service == "sns":
        return c.list_topics()
    if service == "sqs":
        return c.list_queues()
    if service == "dynamodb":
        return c.list_tables()
    if service == "ec2":
        return c.describe_regions()
    return c.list_buckets()


def _at(offset: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(time.time() + offset, tz=datetime.timezone.utc)


def code_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ("sns", ("SignatureDoesNotMatch", 403)),
        ("sqs", ("SignatureDoesNotMatch", 403)),
        ("dynamodb", ("InvalidSignatureException", 400)),
        ("ec2", ("AuthFailure", 401)),
        ("s3", ("SignatureDoesNotMatch", 403)),
    ],
)
def test_wrong_secret(service: str, expected: tuple[str, int]) -> None:
    with served() as (fake, url):
        with pytest.raises(ClientError) as excinfo:
            call(url, service, secret="not-the-secret")
        assert code_of(excinfo) == expected
        (record,) = fake.requests
        assert not record.verified and record.error == expected[0]


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ("sns", ("InvalidClientTokenId", 403)),
        ("sqs", ("InvalidClientTokenId", 403)),
        ("dynamodb", ("UnrecognizedClientException", 400)),
        ("ec2", ("AuthFailure", 401)),
        ("s3", ("InvalidAccessKeyId", 403)),
    ],
)
def test_unknown_access_key(service: str, expected: tuple[str, int]) -> None:
    with served() as (_, url):
        with pytest.raises(ClientError) as excinfo:
            call(url, service, key="AKIDUNKNOWNUNKNOWN00")
        assert code_of(excinfo) == expected


def test_s3_signature_mismatch_carries_aws_extras_in_order() -> None:
    with served() as (_, url):
        with pytest.raises(ClientError) as excinfo:
            call(url, "s3", secret="not-the-secret")
        error = excinfo.value.response["Error"]
        assert list(error)[2:] == [
            "AWSAccessKeyId",
            "StringToSign",
            "SignatureProvided",
            "StringToSignBytes",
            "CanonicalRequest",
            "CanonicalRequestBytes",
        ]
        assert bytes.fromhex(error["CanonicalRequestBytes"].replace(" ", "")).decode() == error["CanonicalRequest"]
        assert error["CanonicalRequest"].startswith("GET\n/\n")
        assert "not-the-secret" not in str(excinfo.value.response)


def test_query_signature_mismatch_shows_the_canonical_request() -> None:
    with served() as (_, url):
        with pytest.raises(ClientError) as excinfo:
            call(url, "sns", secret="not-the-secret")
        message = excinfo.value.response["Error"]["Message"]
        assert "\n\nThe Canonical String for this request should have been\n'POST\n/\n" in message
        assert "\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n" in message


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ("sns", ("SignatureDoesNotMatch", 403)),
        ("dynamodb", ("InvalidSignatureException", 400)),
        ("ec2", ("RequestExpired", 400)),
        ("s3", ("RequestTimeTooSkewed", 403)),
    ],
)
def test_client_clock_behind_by_more_than_15_minutes(service: str, expected: tuple[str, int]) -> None:
    with served() as (_, url):
        # The client signs at a frozen time; the fake (ignored by freezegun) reads the real clock.
        with freeze_time(_at(-16 * 60), ignore=["awsfake"]), pytest.raises(ClientError) as excinfo:
            call(url, service)
        assert code_of(excinfo) == expected
        if service == "sns":
            assert excinfo.value.response["Error"]["Message"].startswith("Signature expired: ")
        if service == "s3":
            assert excinfo.value.response["Error"]["MaxAllowedSkewMilliseconds"] == "900000"


def test_client_clock_ahead_and_within_skew() -> None:
    with served() as (fake, url):
        fake.stub("sns", "ListTopics", body={"Topics": []})
        with freeze_time(_at(14 * 60), ignore=["awsfake"]):
            call(url, "sns")  # inside the window
        with freeze_time(_at(16 * 60), ignore=["awsfake"]), pytest.raises(ClientError) as excinfo:
            call(url, "sns")
        assert excinfo.value.response["Error"]["Message"].startswith("Signature not yet current: ")


def test_whole_process_frozen_in_the_past_still_verifies() -> None:
    with served() as (fake, url), freeze_time("2020-02-29 12:00:00"):
        fake.stub("sns", "ListTopics", body={"Topics": []})
        call(url, "sns")


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ("sns", ("ExpiredToken", 403)),
        ("dynamodb", ("ExpiredTokenException", 400)),
        ("s3", ("ExpiredToken", 400)),
    ],
)
def test_expired_session(service: str, expected: tuple[str, int]) -> None:
    with served() as (fake, url):
        fake.add_credentials("ASIAEXPIREDEXPIRED00", "session-secret", session_token="tok", expiration=time.time() + 60)
        fake.stub(service, None, body={})
        # both sides move: no skew, but the session is over
        with freeze_time(_at(120)), pytest.raises(ClientError) as excinfo:
            call(url, service, key="ASIAEXPIREDEXPIRED00", secret="session-secret", token="tok")
        assert code_of(excinfo) == expected


@pytest.mark.parametrize(
    ("service", "expected"),
    [("sns", ("InvalidClientTokenId", 403)), ("s3", ("InvalidToken", 400))],
)
def test_wrong_or_missing_session_token(service: str, expected: tuple[str, int]) -> None:
    with served() as (fake, url):
        fake.add_credentials("ASIASESSIONSESSION00", "session-secret", session_token="right-token")
        for token in ("wrong-token", None):
            with pytest.raises(ClientError) as excinfo:
                call(url, service, key="ASIASESSIONSESSION00", secret="session-secret", token=token)
            assert code_of(excinfo) == expected
            assert "right-token" not in str(excinfo.value.response)


def test_session_credentials_work_until_they_expire() -> None:
    with served() as (fake, url):
        fake.add_credentials(
            "ASIASESSIONSESSION01", "session-secret", session_token="tok", expiration=time.time() + 3600
        )
        fake.stub("sns", "ListTopics", body={"Topics": []})
        call(url, "sns", key="ASIASESSIONSESSION01", secret="session-secret", token="tok")
        assert fake.requests[0].access_key_id == "ASIASESSIONSESSION01"


def test_s3_region_must_match_the_endpoint() -> None:
    with served(region="eu-central-1") as (_, url):
        with pytest.raises(ClientError) as excinfo:
            call(url, "s3", region="us-east-1")
        error = excinfo.value.response["Error"]
        assert code_of(excinfo) == ("AuthorizationHeaderMalformed", 400)
        assert error["Message"] == (
            "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-central-1'"
        )
        assert error["Region"] == "eu-central-1"


def test_query_services_serve_the_region_the_client_signed_for() -> None:
    with served() as (fake, url):
        fake.stub("sns", "ListTopics", body={"Topics": []})
        call(url, "sns", region="ap-southeast-2")
        assert fake.requests[0].region == "ap-southeast-2"


def test_signature_mismatch_never_shows_the_session_token_or_secret() -> None:
    with served() as (fake, url):
        token = "SESSIONTOKEN" + "x" * 40
        fake.add_credentials("ASIASESSIONSESSION02", "the-real-secret", session_token=token)
        for service in ("sns", "s3", "dynamodb"):
            with pytest.raises(ClientError) as excinfo:
                call(url, service, key="ASIASESSIONSESSION02", secret="a-wrong-secret", token=token)
            text = str(excinfo.value.response)
            assert "SignatureDoesNotMatch" in text or "InvalidSignatureException" in text
            assert token not in text and "the-real-secret" not in text and "a-wrong-secret" not in text
            assert "x-amz-security-token:<redacted>" in text


def test_refused_requests_are_journaled_with_the_key_and_region_they_named() -> None:
    with served() as (fake, url):
        with pytest.raises(ClientError):
            call(url, "sns", secret="nope", region="eu-north-1")
        (record,) = fake.requests
        assert (record.access_key_id, record.region, record.verified) == ("AKIDFAKEFAKEFAKE1234", "eu-north-1", False)


def test_assumed_role_session_signs_s3_and_presigned_urls() -> None:
    import urllib3
    from botocore.config import Config

    with served() as (fake, url):
        sts = client(url, "sts")
        creds = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/app", RoleSessionName="s1")["Credentials"]
        session = {
            "key": creds["AccessKeyId"],
            "secret": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
        }
        assert session["key"].startswith("ASIA")
        s3 = client(url, "s3", config=Config(signature_version="s3v4"), **session)  # type: ignore[arg-type]
        s3.create_bucket(Bucket="role-bucket")
        s3.put_object(Bucket="role-bucket", Key="k", Body=b"by the role")
        presigned = s3.generate_presigned_url("get_object", Params={"Bucket": "role-bucket", "Key": "k"})
        assert "X-Amz-Security-Token=" in presigned
        assert urllib3.request("GET", presigned, retries=False).data == b"by the role"
        identity = client(url, "sts", **session).get_caller_identity()  # type: ignore[arg-type]
        assert identity["Arn"].startswith("arn:aws:sts::123456789012:assumed-role/app/s1")
        fake.reset()  # minted sessions are service state: gone after a reset
        with pytest.raises(ClientError) as excinfo:
            client(url, "sts", **session).get_caller_identity()  # type: ignore[arg-type]
        assert code_of(excinfo) == ("InvalidClientTokenId", 403)
