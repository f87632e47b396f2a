"""The control plane under /_awsfake/: health, reset, state, requests, over real sockets with real clients."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3
from botocore.exceptions import ClientError
from console_helpers import served_console
from endpoint_helpers import client
from werkzeug.test import Client

from awsfake import FakeAWS
from awsfake.console import Console
from awsfake.server import RunningServer


@pytest.fixture
def console() -> Iterator[tuple[FakeAWS, RunningServer]]:
    with served_console() as pair:
        yield pair


def _get(url: str, path: str, method: str = "GET") -> tuple[int, Any]:
    answer = urllib3.request(method, url + path, retries=False, timeout=10)
    body = answer.data.decode()
    is_json = answer.headers.get("Content-Type", "").startswith("application/json")
    return answer.status, json.loads(body) if is_json else body


def test_health_is_json_and_needs_no_signature(console: tuple[FakeAWS, RunningServer]) -> None:
    fake, running = console
    status, body = _get(running.url, "/_awsfake/health")
    assert status == 200 and body["status"] == "ok" and body["url"] == running.url
    assert len(fake.requests) == 0  # console requests are not AWS requests: the journal stays the app's


def test_state_lists_what_the_services_hold_and_reset_forgets_it(console: tuple[FakeAWS, RunningServer]) -> None:
    _fake, running = console
    s3, sqs, sns = (client(running.url, name) for name in ("s3", "sqs", "sns"))
    s3.create_bucket(Bucket="reports")
    s3.put_object(Bucket="reports", Key="2026/11.csv", Body=b"total,42\n")
    queue = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="resize photo 7")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:jobs")
    status, state = _get(running.url, "/_awsfake/state")
    assert status == 200
    bucket = state["s3"]["buckets"][0]
    assert bucket["name"] == "reports" and bucket["objects"][0]["key"] == "2026/11.csv"
    assert bucket["objects"][0]["size"] == 9
    assert state["sqs"]["queues"][0]["messages"][0]["body"] == "resize photo 7"
    assert state["sns"]["topics"][0]["arn"] == topic
    assert state["sns"]["topics"][0]["subscriptions"][0]["protocol"] == "sqs"
    assert _get(running.url, "/_awsfake/objects/reports/2026/11.csv")[1] == "total,42\n"

    assert _get(running.url, "/_awsfake/reset")[0] == 405  # reset is a POST
    assert _get(running.url, "/_awsfake/reset", "POST") == (200, {"reset": True})
    _, state = _get(running.url, "/_awsfake/state")
    assert state["s3"]["buckets"] == [] and state["sqs"]["queues"] == [] and state["sns"]["topics"] == []
    assert s3.list_buckets()["Buckets"] == []


def test_state_and_the_browser_show_dynamodb_tables_moto_holds(console: tuple[FakeAWS, RunningServer]) -> None:
    _fake, running = console
    dynamodb = client(running.url, "dynamodb")
    dynamodb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName="orders", Item={"id": {"S": "1"}})
    dynamodb.put_item(TableName="orders", Item={"id": {"S": "2"}})
    _, state = _get(running.url, "/_awsfake/state")
    assert state["dynamodb"]["tables"] == [
        {"name": "orders", "account": "123456789012", "region": "us-east-1", "items": 2}
    ]
    _, page = _get(running.url, "/_awsfake/browse")
    assert "DynamoDB tables" in page and "orders" in page
    assert _get(running.url, "/_awsfake/reset", "POST")[0] == 200
    assert _get(running.url, "/_awsfake/state")[1]["dynamodb"]["tables"] == []


def test_requests_newest_first_and_filtered(console: tuple[FakeAWS, RunningServer]) -> None:
    _fake, running = console
    sns = client(running.url, "sns")
    sns.create_topic(Name="a")
    sns.list_topics()
    with pytest.raises(ClientError):
        client(running.url, "sns", secret="wrong").list_topics()
    _, everything = _get(running.url, "/_awsfake/requests")
    assert [r["verdict"] for r in everything] == ["SignatureDoesNotMatch", "OK", "OK"]
    assert [r["operation"] for r in everything][1:] == ["ListTopics", "CreateTopic"]
    assert {r["caller"] for r in everything} == {"AKIDFAKEFAKEFAKE1234"}
    _, refused = _get(running.url, "/_awsfake/requests?verified=false")
    assert [(r["status"], r["service"]) for r in refused] == [(403, "sns")]
    _, created = _get(running.url, "/_awsfake/requests?service=sns&operation=CreateTopic&status=200")
    assert len(created) == 1
    assert _get(running.url, "/_awsfake/requests?status=abc")[0] == 400
    assert _get(running.url, "/_awsfake/requests?limit=1")[1][0]["verdict"] == "SignatureDoesNotMatch"
    _, rows = _get(running.url, "/_awsfake/?rows=1&verified=false")  # the dashboard's table, as its script polls it
    assert rows.count("<tr") == 1 and "SignatureDoesNotMatch" in rows
    assert '<i title="named by the refused request">ListTopics</i>' in rows  # Action= in its body, unverified


def test_a_refusal_keeps_what_the_debugger_needs_and_no_secret(console: tuple[FakeAWS, RunningServer]) -> None:
    fake, running = console
    token = "SessionTokenThatMustNeverShow0123456789"
    fake.add_credentials("AKIDSESSIONSESSION01", "session-secret", session_token=token)
    client(running.url, "s3").create_bucket(Bucket="bucket-one")
    bad = client(running.url, "s3", key="AKIDSESSIONSESSION01", secret="not-it", token=token)
    with pytest.raises(ClientError):
        bad.put_object(Bucket="bucket-one", Key="k", Body=b"x")
    record = fake.requests.filter(verified=False)[0]
    assert record.details["CanonicalRequest"].startswith("PUT\n/bucket-one/k\n")
    assert "x-amz-security-token:<redacted>" in record.details["CanonicalRequest"]
    assert record.details["StringToSign"].startswith("AWS4-HMAC-SHA256\n")
    assert "X-Amz-Date" in record.details
    raw_json = urllib3.request("GET", running.url + "/_awsfake/requests").data.decode()
    page = urllib3.request("GET", f"{running.url}/_awsfake/requests/{record.request_id}").data.decode()
    for shown in (raw_json, page, repr(record)):
        assert token not in shown and "not-it" not in shown and "session-secret" not in shown
    assert "Likely cause: Wrong secret key" in page and "x-amz-security-token:&lt;redacted&gt;" in page


def test_a_signed_request_under_the_prefix_goes_to_the_fake(console: tuple[FakeAWS, RunningServer]) -> None:
    """A virtual-hosted object key may start with `_awsfake/`: signed requests are always AWS requests."""
    fake, running = console
    s3 = client(running.url, "s3")
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket="_awsfake", Key="health")
    assert raised.value.response["Error"]["Code"] in ("InvalidBucketName", "NoSuchBucket")
    assert fake.requests[-1].verified


def test_only_loopback_clients_are_answered() -> None:
    console = Console(FakeAWS())
    remote = Client(console).get("/_awsfake/health", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert remote.status_code == 403 and "this machine" in remote.get_data(as_text=True)
    for address in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        assert Client(console).get("/_awsfake/health", environ_base={"REMOTE_ADDR": address}).status_code == 200


def test_unknown_console_paths_are_json_404s(console: tuple[FakeAWS, RunningServer]) -> None:
    _, running = console
    status, body = _get(running.url, "/_awsfake/nope")
    assert status == 404 and "no console page" in body["error"]
