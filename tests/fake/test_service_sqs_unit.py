"""SQS's rules as plain calls: visibility, delays, FIFO groups and deduplication, validation."""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

import pytest
from freezegun import freeze_time
from service_calls import call, new

from awsfake.errors import Fault
from awsfake.services.sqs import SQS
from awsfake.services.sqs.messages import attributes_md5

HOST = "localhost:4566"


def sqs_call(sqs: SQS, action: str, **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = call(sqs, action, params=params, host=HOST).body
    return body


def fault(sqs: SQS, action: str, **params: Any) -> Fault:
    with pytest.raises(Fault) as caught:
        sqs_call(sqs, action, **params)
    return caught.value


@pytest.fixture
def sqs() -> SQS:
    return new(SQS)


def make_queue(sqs: SQS, name: str = "q", **attributes: str) -> str:
    url: str = sqs_call(sqs, "CreateQueue", QueueName=name, Attributes=attributes)["QueueUrl"]
    return url


def test_queue_url_is_built_from_the_request_host_and_creation_is_idempotent(sqs: SQS) -> None:
    url = make_queue(sqs)
    assert url == "http://localhost:4566/123456789012/q"
    assert make_queue(sqs) == url
    assert sqs_call(sqs, "GetQueueUrl", QueueName="q") == {"QueueUrl": url}
    error = fault(sqs, "CreateQueue", QueueName="q", Attributes={"VisibilityTimeout": "5"})
    assert error.code == "QueueNameExists"
    assert fault(sqs, "GetQueueUrl", QueueName="nope").code == "QueueDoesNotExist"


@pytest.mark.parametrize(
    ("name", "attributes", "code"),
    [
        ("bad name", {}, "InvalidParameterValue"),
        ("x" * 81, {}, "InvalidParameterValue"),
        ("q", {"FifoQueue": "true"}, "InvalidParameterValue"),
        ("q.fifo", {}, "InvalidParameterValue"),
        ("q", {"Bogus": "1"}, "InvalidAttributeName"),
        ("q", {"VisibilityTimeout": "-1"}, "InvalidAttributeValue"),
        ("q", {"DelaySeconds": "901"}, "InvalidAttributeValue"),
        ("q", {"ContentBasedDeduplication": "true"}, "InvalidAttributeName"),
    ],
)
def test_create_queue_validation(sqs: SQS, name: str, attributes: dict[str, str], code: str) -> None:
    assert fault(sqs, "CreateQueue", QueueName=name, Attributes=attributes).code == code
    assert not sqs.queues


def test_visibility_timeout_hides_then_returns_a_message(sqs: SQS) -> None:
    url = make_queue(sqs, VisibilityTimeout="30")
    with freeze_time("2024-01-01 00:00:00") as clock:
        sent = sqs_call(sqs, "SendMessage", QueueUrl=url, MessageBody="hello")
        assert sent["MD5OfMessageBody"] == hashlib.md5(b"hello").hexdigest()
        first = sqs_call(sqs, "ReceiveMessage", QueueUrl=url)["Messages"][0]
        assert (first["Body"], first["MessageId"]) == ("hello", sent["MessageId"])
        assert sqs_call(sqs, "ReceiveMessage", QueueUrl=url) == {}
        clock.tick(29)
        assert sqs_call(sqs, "ReceiveMessage", QueueUrl=url) == {}
        clock.tick(2)
        again = sqs_call(sqs, "ReceiveMessage", QueueUrl=url, MessageSystemAttributeNames=["All"])["Messages"][0]
        assert again["Attributes"]["ApproximateReceiveCount"] == "2"
        assert again["ReceiptHandle"] != first["ReceiptHandle"]
        # the old handle no longer deletes (the call succeeds, the message stays), the latest one does
        sqs_call(sqs, "DeleteMessage", QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
        assert len(sqs.queues[("us-east-1", "123456789012", "q")].messages) == 1
        sqs_call(sqs, "DeleteMessage", QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
        clock.tick(60)
        assert sqs_call(sqs, "ReceiveMessage", QueueUrl=url) == {}


def test_delay_and_receive_visibility_override(sqs: SQS) -> None:
    url = make_queue(sqs)
    with freeze_time("2024-01-01 00:00:00") as clock:
        sqs_call(sqs, "SendMessage", QueueUrl=url, MessageBody="later", DelaySeconds=10)
        assert sqs_call(sqs, "ReceiveMessage", QueueUrl=url) == {}
        attributes = sqs_call(sqs, "GetQueueAttributes", QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"
        clock.tick(10)
        got = sqs_call(sqs, "ReceiveMessage", QueueUrl=url, VisibilityTimeout=0)
        assert got["Messages"][0]["Body"] == "later"
        assert sqs_call(sqs, "ReceiveMessage", QueueUrl=url)["Messages"][0]["Body"] == "later"


def test_receive_validation_and_invalid_handles(sqs: SQS) -> None:
    url = make_queue(sqs)
    assert fault(sqs, "ReceiveMessage", QueueUrl=url, MaxNumberOfMessages=11).code == "InvalidParameterValue"
    assert fault(sqs, "ReceiveMessage", QueueUrl=url, WaitTimeSeconds=21).code == "InvalidParameterValue"
    error = fault(sqs, "DeleteMessage", QueueUrl=url, ReceiptHandle="garbage")
    assert (error.code, error.message) == (
        "ReceiptHandleIsInvalid",
        'The input receipt handle "garbage" is not a valid receipt handle.',
    )
    assert fault(sqs, "SendMessage", QueueUrl=url, MessageBody="").code == "MissingParameter"
    assert fault(sqs, "SendMessage", QueueUrl=url, MessageBody="\x00").code == "InvalidMessageContents"
    assert fault(sqs, "SendMessage", QueueUrl=url + "x", MessageBody="a").code == "QueueDoesNotExist"


def test_receive_takes_up_to_max_in_order(sqs: SQS) -> None:
    url = make_queue(sqs)
    for i in range(15):
        sqs_call(sqs, "SendMessage", QueueUrl=url, MessageBody=str(i))
    got = sqs_call(sqs, "ReceiveMessage", QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == [str(i) for i in range(10)]


def test_long_poll_wakes_when_a_message_arrives(sqs: SQS) -> None:
    url = make_queue(sqs)
    sqs.max_wait_seconds = 5
    timer = threading.Timer(0.2, lambda: sqs_call(sqs, "SendMessage", QueueUrl=url, MessageBody="late"))
    started = time.monotonic()
    timer.start()
    got = sqs_call(sqs, "ReceiveMessage", QueueUrl=url, WaitTimeSeconds=20)
    timer.join()
    assert got["Messages"][0]["Body"] == "late"
    assert time.monotonic() - started < 3


def test_fifo_groups_and_deduplication(sqs: SQS) -> None:
    url = make_queue(sqs, "jobs.fifo", FifoQueue="true")
    assert fault(sqs, "SendMessage", QueueUrl=url, MessageBody="a").code == "MissingParameter"
    assert fault(sqs, "SendMessage", QueueUrl=url, MessageBody="a", MessageGroupId="g").code == "InvalidParameterValue"
    delayed = fault(sqs, "SendMessage", QueueUrl=url, MessageBody="a", MessageGroupId="g", DelaySeconds=5)
    assert delayed.code == "InvalidParameterValue" and "DelaySeconds" in delayed.message
    one = sqs_call(sqs, "SendMessage", QueueUrl=url, MessageBody="a", MessageGroupId="g", MessageDeduplicationId="1")
    dup = sqs_call(sqs, "SendMessage", QueueUrl=url, MessageBody="a", MessageGroupId="g", MessageDeduplicationId="1")
    two = sqs_call(sqs, "SendMessage", QueueUrl=url, MessageBody="b", MessageGroupId="g", MessageDeduplicationId="2")
    assert dup["MessageId"] == one["MessageId"] and int(two["SequenceNumber"]) > int(one["SequenceNumber"])
    got = sqs_call(sqs, "ReceiveMessage", QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["a", "b"]
    assert sqs_call(sqs, "ReceiveMessage", QueueUrl=url) == {}  # group g is in flight


def test_message_attributes_md5_and_selection(sqs: SQS) -> None:
    attributes = {
        "Hello": {"DataType": "String", "StringValue": "There"},
        "General": {"DataType": "String", "StringValue": "Kenobi"},
    }
    assert attributes_md5(attributes) == "fca026605781cb4126a1e9044df24232"
    url = make_queue(sqs)
    sent = sqs_call(sqs, "SendMessage", QueueUrl=url, MessageBody="x", MessageAttributes=attributes)
    assert sent["MD5OfMessageAttributes"] == "fca026605781cb4126a1e9044df24232"
    got = sqs_call(sqs, "ReceiveMessage", QueueUrl=url, MessageAttributeNames=["Hello"])["Messages"][0]
    assert dict(got["MessageAttributes"]) == {"Hello": attributes["Hello"]}


def test_list_and_delete_queues(sqs: SQS) -> None:
    urls = [make_queue(sqs, f"q{i}") for i in range(3)]
    make_queue(sqs, "other")
    assert sqs_call(sqs, "ListQueues", QueueNamePrefix="q")["QueueUrls"] == urls
    first = sqs_call(sqs, "ListQueues", MaxResults=2)
    assert first["QueueUrls"] == [make_queue(sqs, "other"), urls[0]]
    assert sqs_call(sqs, "ListQueues", MaxResults=2, NextToken=first["NextToken"])["QueueUrls"] == urls[1:]
    sqs_call(sqs, "DeleteQueue", QueueUrl=urls[0])
    assert fault(sqs, "DeleteQueue", QueueUrl=urls[0]).code == "QueueDoesNotExist"


def test_a_deleted_queue_name_is_free_again_after_60_seconds(sqs: SQS) -> None:
    with freeze_time("2024-01-01 00:00:00") as clock:
        url = make_queue(sqs)
        sqs_call(sqs, "DeleteQueue", QueueUrl=url)
        assert fault(sqs, "CreateQueue", QueueName="q").code == "QueueDeletedRecently"
        assert make_queue(sqs, "other")  # other names are free
        clock.tick(60)
        assert make_queue(sqs) == url
