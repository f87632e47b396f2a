"""The journal records what was asked: parameters, headers and body, matched by assert_called/filter (boto3, served)."""

from __future__ import annotations

import dataclasses
import re
import time
from typing import Any
from unittest.mock import ANY

import pytest
import urllib3
from botocore.config import Config
from botocore.exceptions import ClientError
from endpoint_helpers import client, served

from awsclient import sigv4
from awsclient.credentials import Credentials
from awsfake import FakeAWS
from awsfake.doubles.journal import Record

pytestmark = pytest.mark.timeout(60)
SESSION_KEY, SESSION_SECRET = "ASIAJOURNALSESSION01", "journal-session-secret"
SESSION_TOKEN = "FwoGZXIvYXdzJOURNAL-token-never-recorded-" + "Q" * 40


def _queue(url: str) -> tuple[Any, str]:
    sqs = client(url, "sqs")
    return sqs, sqs.create_queue(QueueName="orders")["QueueUrl"]


def test_assert_called_matches_the_parameters_the_service_saw(fake: FakeAWS, url: str) -> None:
    sqs, queue = _queue(url)
    sqs.send_message(QueueUrl=queue, MessageBody="hello", MessageAttributes=_colour("blue"))
    (record,) = fake.requests.assert_called("sqs", "SendMessage", times=1, QueueUrl=queue, MessageBody="hello")
    assert record.params["MessageBody"] == "hello" and record.params["QueueUrl"] == queue
    fake.requests.assert_called("sqs", "SendMessage", MessageAttributes=lambda a: a["colour"]["StringValue"] == "blue")
    fake.requests.assert_called("sqs", "SendMessage", MessageBody=ANY, verified=True, status=200)
    assert fake.requests.filter(MessageBody="hello") == [record]
    assert fake.requests.filter(MessageBody="bye") == []


def test_query_family_parameters_match_too(fake: FakeAWS, url: str) -> None:
    sns = client(url, "sns")
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    sns.publish(TopicArn=arn, Message="disk full", Subject="ops")
    fake.requests.assert_called("sns", "Publish", times=1, TopicArn=arn, Message="disk full", Subject="ops")
    fake.requests.assert_not_called("sns", "Publish", Message="all clear")


def test_a_failed_assertion_lists_what_was_seen_with_parameters(fake: FakeAWS, url: str) -> None:
    sqs, queue = _queue(url)
    sqs.send_message(QueueUrl=queue, MessageBody="hello")
    with pytest.raises(AssertionError) as raised:
        fake.requests.assert_called("sqs", "SendMessage", MessageBody="goodbye")
    message = str(raised.value)
    assert "service='sqs', action='SendMessage', MessageBody='goodbye' at least once, matched 0" in message
    assert "POST sqs CreateQueue" in message and "QueueName='orders'" in message
    assert "POST sqs SendMessage" in message and "MessageBody='hello'" in message


def test_assert_not_called_passes_until_the_call_is_made(fake: FakeAWS, url: str) -> None:
    sqs, queue = _queue(url)
    fake.requests.assert_not_called("sqs", "DeleteQueue")
    fake.requests.assert_not_called("sqs", "SendMessage")
    sqs.delete_queue(QueueUrl=queue)
    with pytest.raises(AssertionError, match=r"DeleteQueue.* 0 time\(s\), matched 1;.*\n.*CreateQueue"):
        fake.requests.assert_not_called("sqs", "DeleteQueue", QueueUrl=queue)


def test_unknown_names_are_parameters_not_type_errors(fake: FakeAWS, url: str) -> None:
    _queue(url)
    assert fake.requests.filter(NoSuchParameter="x") == []
    with pytest.raises(AssertionError, match="NoSuchParameter='x' at least once, matched 0"):
        fake.requests.assert_called("sqs", "CreateQueue", NoSuchParameter="x")
    with pytest.raises(TypeError, match="at most 2 positional"):
        fake.requests.assert_called("sqs", "CreateQueue", "extra")


def test_headers_and_body_are_recorded_without_token_or_signature(fake: FakeAWS, url: str) -> None:
    fake.add_credentials(SESSION_KEY, SESSION_SECRET, session_token=SESSION_TOKEN, expiration=time.time() + 900)
    sqs = client(url, "sqs", key=SESSION_KEY, secret=SESSION_SECRET, token=SESSION_TOKEN)
    queue = sqs.create_queue(QueueName="audited")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="payload-42")
    (record,) = fake.requests.filter(action="SendMessage")
    headers = dict(record.headers)
    assert headers["x-amz-security-token"] == "<redacted>"
    assert "Signature=<redacted>" in headers["authorization"] and SESSION_KEY in headers["authorization"]
    assert headers["x-amz-target"] == "AmazonSQS.SendMessage"
    assert b'"MessageBody": "payload-42"' in record.body or b'"MessageBody":"payload-42"' in record.body
    for kept in (repr(record), str(record.headers), record.body.decode()):
        assert SESSION_TOKEN not in kept and SESSION_SECRET not in kept
        assert not re.search(r"Signature=[0-9a-f]{64}", kept)


def test_a_presigned_query_request_has_its_token_and_signature_redacted(fake: FakeAWS, url: str) -> None:
    fake.add_credentials(SESSION_KEY, SESSION_SECRET, session_token=SESSION_TOKEN, expiration=time.time() + 900)
    session = Credentials(SESSION_KEY, SESSION_SECRET, SESSION_TOKEN)
    target = url + "/?Action=ListTopics&Version=2010-03-31"
    presigned = sigv4.presign_url("GET", target, region="us-east-1", service="sns", expires=300, credentials=session)
    assert urllib3.request("GET", presigned, retries=False).status == 200
    (record,) = fake.requests.assert_called("sns", "ListTopics", times=1, verified=True)
    assert record.params["X-Amz-Security-Token"] == record.params["X-Amz-Signature"] == "<redacted>"
    assert SESSION_TOKEN not in repr(record)


def test_a_browser_upload_keeps_the_form_but_not_its_token(fake: FakeAWS, url: str) -> None:
    fake.add_credentials(SESSION_KEY, SESSION_SECRET, session_token=SESSION_TOKEN, expiration=time.time() + 900)
    s3 = client(url, "s3", config=Config(signature_version="s3v4", retries={"total_max_attempts": 1}))
    s3.create_bucket(Bucket="forms")
    v4 = Config(signature_version="s3v4", retries={"total_max_attempts": 1})
    signer = client(url, "s3", key=SESSION_KEY, secret=SESSION_SECRET, token=SESSION_TOKEN, config=v4)
    post = signer.generate_presigned_post("forms", "upload.txt")
    fields = {**post["fields"], "file": ("upload.txt", b"form file body", "text/plain")}
    assert urllib3.request("POST", post["url"], fields=fields, retries=False).status == 204
    (record,) = fake.requests.assert_called("s3", "PostObject", times=1, verified=True)
    assert b"form file body" in record.body and b'name="x-amz-security-token"' in record.body
    assert SESSION_TOKEN.encode() not in record.body and post["fields"]["x-amz-signature"].encode() not in record.body


def test_the_body_kept_is_the_first_64_kib(fake: FakeAWS, url: str) -> None:
    s3 = client(url, "s3", config=Config(signature_version="s3v4", retries={"total_max_attempts": 1}))
    s3.create_bucket(Bucket="big")
    s3.put_object(Bucket="big", Key="k", Body=b"x" * 100_000)
    (record,) = fake.requests.filter(action="PutObject")
    assert len(record.body) == 64 * 1024 and set(record.body) == {ord("x")}


def test_a_journal_record_is_the_record_its_fields_make(fake: FakeAWS, url: str) -> None:
    client(url, "sts").get_caller_identity()
    (record,) = fake.requests.filter(action="GetCallerIdentity")
    values = {field.name: getattr(record, field.name) for field in dataclasses.fields(record)}
    assert vars(record) == values and record == Record(**values) and hash(record) == hash(Record(**values))
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.status = 500  # type: ignore[misc]


def test_a_record_made_when_the_journal_is_read_is_the_record_made_at_once() -> None:
    """Without an `on_request` hook the journal makes each record when it is read; with one, at once. The same
    requests (a session's, a refusal, a presigned one, bodies either side of the 64 KiB a record keeps, calls that
    change what earlier ones named) give the same records either way, read early or late."""
    kinds = [served(), served(on_request=lambda record: None)]
    journals = []
    for endpoint in kinds:
        with endpoint as (fake, url):
            fake.add_credentials(SESSION_KEY, SESSION_SECRET, session_token=SESSION_TOKEN, expiration=time.time() + 900)
            sqs = client(url, "sqs", key=SESSION_KEY, secret=SESSION_SECRET, token=SESSION_TOKEN)
            queue = sqs.create_queue(QueueName="lazy", Attributes={"DelaySeconds": "1"})["QueueUrl"]
            sqs.send_message(QueueUrl=queue, MessageBody="one")
            early = list(fake.requests)  # made now (the lazy kind)
            sqs.set_queue_attributes(QueueUrl=queue, Attributes={"DelaySeconds": "2"})
            s3 = client(url, "s3", config=Config(signature_version="s3v4", retries={"total_max_attempts": 1}))
            s3.create_bucket(Bucket="lazy")
            s3.put_object(Bucket="lazy", Key="small", Body=b"s" * 65536)
            s3.put_object(Bucket="lazy", Key="large", Body=b"l" * 65537)
            s3.delete_object(Bucket="lazy", Key="large")
            with pytest.raises(ClientError):
                client(url, "s3", secret="not-the-secret").list_buckets()
            target = url + "/?Action=ListTopics&Version=2010-03-31"
            session = Credentials(SESSION_KEY, SESSION_SECRET, SESSION_TOKEN)
            presigned = sigv4.presign_url(
                "GET", target, region="us-east-1", service="sns", expires=60, credentials=session
            )
            assert urllib3.request("GET", presigned, retries=False).status == 200
            assert list(fake.requests)[: len(early)] == early  # the same records, made once
            journals.append([_comparable(record, url) for record in fake.requests])
    lazy, eager = journals
    assert len(lazy) == 9 and lazy == eager
    assert "'Attributes': {'DelaySeconds': '1'}" in lazy[0]  # as the call named them, not as they are now
    assert "SignatureDoesNotMatch" in lazy[-2] and "'CanonicalRequest', 'StringToSign']" in lazy[-2]


def _comparable(record: Record, url: str) -> str:
    """A record's fields less what differs between two runs of the same calls (times, ids, dates, the port, the
    User-Agent's list of features used)."""
    values = dataclasses.asdict(record)
    for name in ("time", "request_id", "connection_id"):
        values.pop(name)
    varying = ("x-amz-date", "amz-sdk-invocation-id", "user-agent")
    values["headers"] = [(name, value) for name, value in record.headers if name not in varying]
    values["details"] = sorted(set(record.details) - {"X-Amz-Date"})  # (the values, like the message's end, hold
    values["message"] = record.message[:60]  # the canonical request: the date and the invocation id)
    values["params"] = {k: v for k, v in record.params.items() if k != "X-Amz-Date"}
    return repr(values).replace(url.split("//")[1], "HOST")


def test_a_bounded_journal_keeps_the_newest() -> None:
    fake = FakeAWS(journal_limit=2)
    with fake.serve() as running:
        sns = client(running.url, "sns")
        for name in ("a", "b", "c"):
            sns.create_topic(Name=name)
    assert [r.params["Name"] for r in fake.requests] == ["b", "c"] and fake.requests.dropped == 1
    with pytest.raises(AssertionError, match=r"1 older request\(s\) not shown"):
        fake.requests.assert_called("sns", "CreateTopic", Name="a")


def _colour(value: str) -> dict[str, Any]:
    return {"colour": {"DataType": "String", "StringValue": value}}
