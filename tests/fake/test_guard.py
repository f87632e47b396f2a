"""The guard with real clients: boto3, the AWS CLI run in-process, awsclient. Nothing here opens a connection
beyond 127.0.0.1: a request the guard lets through to a real AWS host is answered by a `before-send` handler."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.awsrequest
import pytest

from awsfake import FakeAWS
from awsfake.guard import RealAWSBlocked, armed, is_loopback

REAL = {"aws_access_key_id": "AKIAREALDEVELOPERKEY", "aws_secret_access_key": "developer-secret"}


class _Body:
    """An answer body as botocore reads it from urllib3."""

    def stream(self) -> Iterator[bytes]:
        yield b"<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>"


def real_client(service: str, sent: list[str]) -> Any:
    """A client for AWS's own endpoint; what reaches its sending stage is noted and answered here, not sent."""
    client = boto3.session.Session(region_name="eu-west-1", **REAL).client(service)

    def answer(request: Any, **_: Any) -> botocore.awsrequest.AWSResponse:
        sent.append(request.url)
        return botocore.awsrequest.AWSResponse(request.url, 200, {}, _Body())

    client.meta.events.register("before-send", answer)
    return client


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("queue.localhost", True),
        ("LOCALHOST.", True),
        ("s3.eu-west-1.amazonaws.com", False),
        ("169.254.169.254", False),
        ("10.0.0.1", False),
        ("localhost.example.com", False),
        ("", False),
    ],
)
def test_only_loopback_hosts_are_local(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_client_made_before_arming_is_refused_before_it_sends() -> None:
    sent: list[str] = []
    sqs = real_client("sqs", sent)
    with armed(), pytest.raises(RealAWSBlocked) as info:
        sqs.list_queues(QueueNamePrefix="orders")
    assert sent == []
    message = str(info.value)
    assert "the botocore client for 'sqs' send ListQueues to https://sqs.eu-west-1.amazonaws.com/:" in message
    assert "aws_isolate = true" in message and "with fake_aws():" in message
    assert "developer-secret" not in message


def test_s3_names_the_bucket_host_and_leaves_out_the_query() -> None:
    s3 = real_client("s3", [])
    with armed(), pytest.raises(RealAWSBlocked) as info:
        s3.list_objects_v2(Bucket="shopapp-reports", Prefix="2026/")
    assert "send ListObjectsV2 to https://shopapp-reports.s3.eu-west-1.amazonaws.com/:" in str(info.value)
    assert "prefix=" not in str(info.value)


def test_disarmed_the_guard_lets_requests_through() -> None:
    sent: list[str] = []
    s3 = real_client("s3", sent)
    with armed():
        pass
    s3.list_buckets()
    assert sent == ["https://s3.eu-west-1.amazonaws.com/"]


def test_armed_in_one_thread_refuses_in_every_thread() -> None:
    """Clients are often used from worker threads; the guard is process-wide while armed."""
    sts = real_client("sts", [])
    caught: list[BaseException] = []

    def call() -> None:
        try:
            sts.get_caller_identity()
        except RealAWSBlocked as exc:
            caught.append(exc)

    with armed(), armed():
        worker = threading.Thread(target=call)
        worker.start()
        worker.join()
    assert len(caught) == 1


def test_loopback_requests_reach_the_fake(aws_fake: FakeAWS) -> None:
    sts = boto3.client("sts", endpoint_url=aws_fake.url)  # aws_fake arms the guard
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_awsclient_is_refused_a_real_endpoint(aws_env: dict[str, str]) -> None:
    from awsclient import transport

    with pytest.raises(RealAWSBlocked) as info:
        transport.request("GET", "https://sts.us-east-1.amazonaws.com/", service="sts", query={"Action": "X"})
    assert "let awsclient send a request to https://sts.us-east-1.amazonaws.com:443/:" in str(info.value)


def test_aws_cli_v1_sqs_needs_endpoint_url(aws_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    """AWS CLI v1 sets its own endpoint for `aws sqs` (queue.amazonaws.com), over AWS_ENDPOINT_URL and
    AWS_ENDPOINT_URL_SQS: run in-process, the guard stops it; `--endpoint-url` points it at the fake."""
    from awscli.clidriver import create_clidriver

    assert create_clidriver().main(["sqs", "create-queue", "--queue-name", "jobs"]) != 0
    assert "to https://queue.amazonaws.com/" in capsys.readouterr().err
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL_SQS", aws_env["AWS_ENDPOINT_URL"])
        assert create_clidriver().main(["sqs", "create-queue", "--queue-name", "jobs"]) != 0
    assert "to https://queue.amazonaws.com/" in capsys.readouterr().err
    argv = ["sqs", "create-queue", "--queue-name", "jobs", "--endpoint-url", aws_env["AWS_ENDPOINT_URL"]]
    assert create_clidriver().main(argv) == 0
    assert "/jobs" in capsys.readouterr().out
