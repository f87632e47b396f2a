"""Every family's error bodies, for every kind of auth failure, read back by botocore's parser for that protocol."""

from __future__ import annotations

import datetime
import time

import pytest
from endpoint_helpers import creds, parsed_error, send, signed
from freezegun import freeze_time

from awsfake import FakeAWS

pytestmark = pytest.mark.timeout(60)

FORM = "application/x-www-form-urlencoded"
REQUESTS = {
    "sns": ("query", "POST", "/", {"Content-Type": FORM}, b"Action=ListTopics&Version=2010-03-31"),
    "iam": ("query", "POST", "/", {"Content-Type": FORM}, b"Action=ListUsers&Version=2010-05-08"),
    "ec2": ("ec2", "POST", "/", {"Content-Type": FORM}, b"Action=DescribeRegions&Version=2016-11-15"),
    "sqs": (
        "json",
        "POST",
        "/",
        {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.ListQueues"},
        b"{}",
    ),
    "dynamodb": (
        "json",
        "POST",
        "/",
        {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables"},
        b"{}",
    ),
    "kms": (
        "json",
        "POST",
        "/",
        {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.ListKeys"},
        b"{}",
    ),
    "s3": ("rest-xml", "GET", "/", {}, b""),
}


def _request(url: str, service: str, failure: str) -> tuple[str, object]:
    protocol, method, path, headers, body = REQUESTS[service]
    if failure == "missing":
        return protocol, send(url, method, path, dict(headers), body)
    key, secret, token = "AKIDFAKEFAKEFAKE1234", "awsfake/secret/key/for/tests/only/000000", None
    if failure == "wrong-secret":
        secret = "wrong"
    elif failure == "unknown-key":
        key = "AKIDNOBODYNOBODY0000"
    elif failure == "expired":
        key, secret, token = "ASIAEXPIREDEXPIRED01", "s", "t"
    when = time.time() - (20 * 60 if failure == "skewed" else 0)
    with freeze_time(datetime.datetime.fromtimestamp(when, tz=datetime.timezone.utc), ignore=["awsfake"]):
        signed_headers = signed(
            url, method, path, service=service, body=body, headers=dict(headers), credentials=creds(key, secret, token)
        )
    if failure == "incomplete":
        signed_headers["Authorization"] = signed_headers["Authorization"].split(", Signature=")[0]
    return protocol, send(url, method, path, signed_headers, body)


@pytest.mark.parametrize("service", sorted(REQUESTS))
@pytest.mark.parametrize(
    "failure", ["missing", "wrong-secret", "unknown-key", "expired", "skewed", "incomplete", "unknown-action"]
)
def test_error_bodies_parse_with_botocore(endpoint: tuple[FakeAWS, str], service: str, failure: str) -> None:
    fake, url = endpoint
    fake.reset()
    fake.add_credentials("ASIAEXPIREDEXPIRED01", "s", session_token="t", expiration=time.time() - 1)
    if failure == "unknown-action":
        protocol, method, path, headers, body = REQUESTS[service]
        if service == "s3":
            path = "/bucket/key"
            method = "PATCH"
        elif protocol == "json":
            headers = {**headers, "X-Amz-Target": headers["X-Amz-Target"].split(".")[0] + ".NoSuchThing"}
        else:
            body = body.replace(b"Action=", b"Action=NoSuch")
        response = send(
            url, method, path, signed(url, method, path, service=service, body=body, headers=dict(headers)), body
        )
    else:
        protocol, response = _request(url, service, failure)
    error = parsed_error(protocol, response)  # type: ignore[arg-type]
    record = fake.requests[-1]
    assert error["status"] == record.status >= 400
    assert error["Code"] and error["Code"] in (record.error, _query_code(record.error))
    assert b"awsfake/secret" not in response.data
    assert response.headers.get("x-amzn-RequestId") or response.headers.get("x-amz-request-id") or protocol == "ec2"
    fake.check()


def _query_code(code: str | None) -> str | None:
    from awsfake.services.sqs.codes import QUERY_CODES

    return QUERY_CODES.get(code or "", code)
