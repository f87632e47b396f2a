"""SQS end to end: boto3 (the JSON protocol) against a served FakeAWS, errors as boto3 reports them."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from endpoint_helpers import client, send, signed

from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def sqs(url: str) -> Any:
    return client(url, "sqs")


def error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str | None]:
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"].get("QueryErrorCode"),
    )


def test_create_get_list_delete_queue(sqs: Any, url: str) -> None:
    created = sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
    assert created == f"{url}/123456789012/orders"
    assert sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "45"})["QueueUrl"] == created
    assert sqs.get_queue_url(QueueName="orders")["QueueUrl"] == created
    sqs.create_queue(QueueName="other")
    assert sqs.list_queues()["QueueUrls"] == [created, f"{url}/123456789012/other"]
    assert sqs.list_queues(QueueNamePrefix="ord")["QueueUrls"] == [created]
    attributes = sqs.get_queue_attributes(QueueUrl=created, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "45"
    assert attributes["QueueArn"] == "arn:aws:sqs:us-east-1:123456789012:orders"
    sqs.delete_queue(QueueUrl=created)
    assert sqs.list_queues()["QueueUrls"] == [f"{url}/123456789012/other"]
    with pytest.raises(sqs.exceptions.QueueDeletedRecently) as recently:
        sqs.create_queue(QueueName="orders")  # as on AWS, a name is reusable 60 s after deletion
    assert error(recently) == ("AWS.SimpleQueueService.QueueDeletedRecently", 400, "QueueDeletedRecently")


def test_queue_errors_carry_query_codes(sqs: Any) -> None:
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as missing:
        sqs.get_queue_url(QueueName="missing")
    assert error(missing) == ("AWS.SimpleQueueService.NonExistentQueue", 400, "QueueDoesNotExist")
    sqs.create_queue(QueueName="q")
    with pytest.raises(sqs.exceptions.QueueNameExists) as exists:
        sqs.create_queue(QueueName="q", Attributes={"DelaySeconds": "5"})
    assert error(exists) == ("QueueAlreadyExists", 400, "QueueNameExists")
    with pytest.raises(ClientError) as bad_name:
        sqs.create_queue(QueueName="no spaces")
    assert error(bad_name)[:2] == ("InvalidParameterValue", 400)
    with pytest.raises(sqs.exceptions.InvalidAttributeName):
        sqs.create_queue(QueueName="q2", Attributes={"Nonsense": "1"})


def test_send_receive_delete(sqs: Any) -> None:
    queue = sqs.create_queue(QueueName="work")["QueueUrl"]
    attributes = {
        "kind": {"DataType": "String", "StringValue": "order"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
    }
    sent = sqs.send_message(QueueUrl=queue, MessageBody="payload ✓", MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == hashlib.md5("payload ✓".encode()).hexdigest()
    got = sqs.receive_message(
        QueueUrl=queue, MaxNumberOfMessages=10, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"]
    )
    (message,) = got["Messages"]
    assert (message["MessageId"], message["Body"]) == (sent["MessageId"], "payload ✓")
    assert message["MessageAttributes"] == attributes
    assert message["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)  # in flight
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    assert sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"] == {
        "ApproximateNumberOfMessages": "0"
    }


def test_message_errors(sqs: Any) -> None:
    queue = sqs.create_queue(QueueName="work")["QueueUrl"]
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid) as invalid:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle="not-a-handle")
    assert error(invalid) == ("ReceiptHandleIsInvalid", 400, "ReceiptHandleIsInvalid")
    with pytest.raises(ClientError) as too_many:
        sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=11)
    assert error(too_many)[:2] == ("InvalidParameterValue", 400)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=queue + "-gone", MessageBody="x")
    with pytest.raises(sqs.exceptions.InvalidMessageContents):
        sqs.send_message(QueueUrl=queue, MessageBody="bad \x01 char")


def test_visibility_timeout_returns_the_message(sqs: Any) -> None:
    queue = sqs.create_queue(QueueName="work")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="again")
    first = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=1)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    time.sleep(1.1)
    second = sqs.receive_message(QueueUrl=queue, MessageSystemAttributeNames=["ApproximateReceiveCount"])
    assert second["Messages"][0]["MessageId"] == first["MessageId"]
    assert second["Messages"][0]["Attributes"] == {"ApproximateReceiveCount": "2"}
    sqs.change_message_visibility(
        QueueUrl=queue, ReceiptHandle=second["Messages"][0]["ReceiptHandle"], VisibilityTimeout=0
    )
    assert sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"] == "again"


def test_long_poll_returns_a_message_sent_meanwhile(sqs: Any, url: str) -> None:
    queue = sqs.create_queue(QueueName="poll")["QueueUrl"]
    sender = client(url, "sqs")
    timer = threading.Timer(0.3, lambda: sender.send_message(QueueUrl=queue, MessageBody="late"))
    timer.start()
    got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=20)
    timer.join()
    assert got["Messages"][0]["Body"] == "late"
    started = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=20)
    assert time.monotonic() - started < 5  # capped, never AWS's full 20 s in a test


def test_batches_and_fifo(sqs: Any) -> None:
    queue = sqs.create_queue(
        QueueName="jobs.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    )["QueueUrl"]
    entries = [{"Id": str(i), "MessageBody": f"m{i}", "MessageGroupId": "g"} for i in range(3)]
    sent = sqs.send_message_batch(QueueUrl=queue, Entries=entries)
    assert [s["Id"] for s in sent["Successful"]] == ["0", "1", "2"] and not sent.get("Failed")
    again = sqs.send_message_batch(QueueUrl=queue, Entries=entries[:1])  # deduplicated by content
    assert again["Successful"][0]["MessageId"] == sent["Successful"][0]["MessageId"]
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["m0", "m1", "m2"]
    deleted = sqs.delete_message_batch(
        QueueUrl=queue,
        Entries=[{"Id": "a", "ReceiptHandle": got[0]["ReceiptHandle"]}, {"Id": "b", "ReceiptHandle": "junk"}],
    )
    assert [s["Id"] for s in deleted["Successful"]] == ["a"]
    assert deleted["Failed"][0]["Id"] == "b" and deleted["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"
    with pytest.raises(ClientError) as missing_group:
        sqs.send_message(QueueUrl=queue, MessageBody="x")
    assert error(missing_group)[:2] == ("MissingParameter", 400)


def test_queue_tags(sqs: Any) -> None:
    queue = sqs.create_queue(QueueName="tagged", tags={"team": "a"})["QueueUrl"]
    sqs.tag_queue(QueueUrl=queue, Tags={"env": "test"})
    assert sqs.list_queue_tags(QueueUrl=queue)["Tags"] == {"team": "a", "env": "test"}
    sqs.untag_queue(QueueUrl=queue, TagKeys=["team", "env"])
    assert "Tags" not in sqs.list_queue_tags(QueueUrl=queue)


def test_concurrent_producers_and_consumers_see_each_message_once(sqs: Any, url: str) -> None:
    queue = sqs.create_queue(QueueName="busy")["QueueUrl"]
    received: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def produce(worker: int) -> None:
        mine = client(url, "sqs")
        try:
            for i in range(0, 20, 10):
                entries = [{"Id": str(j), "MessageBody": f"{worker}-{i + j}"} for j in range(10)]
                assert not mine.send_message_batch(QueueUrl=queue, Entries=entries).get("Failed")
        except BaseException as exc:
            failures.append(exc)

    def consume() -> None:
        mine = client(url, "sqs")
        try:
            for _ in range(100):
                with lock:
                    if len(received) >= 160:
                        return
                got = mine.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
                for message in got.get("Messages", []):
                    mine.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
                    with lock:
                        received.append(message["Body"])
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=produce, args=(w,)) for w in range(8)]
    threads += [threading.Thread(target=consume) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert sorted(received) == sorted(f"{w}-{i}" for w in range(8) for i in range(20))


def test_another_account_cannot_use_the_queue(url: str, sqs: Any, endpoint: tuple[FakeAWS, str]) -> None:
    queue = sqs.create_queue(QueueName="private")["QueueUrl"]
    endpoint[0].add_credentials("AKIDSECONDACCOUNT003", "second-secret", account_id="210987654321")
    other = client(url, "sqs", key="AKIDSECONDACCOUNT003", secret="second-secret")
    with pytest.raises(ClientError) as denied:
        other.send_message(QueueUrl=queue, MessageBody="x")
    assert error(denied)[:2] == ("AccessDenied", 403)
    assert "QueueUrls" not in other.list_queues()


def test_redrive_policy_moves_messages_to_the_dead_letter_queue(sqs: Any) -> None:
    dlq = sqs.create_queue(QueueName="dead")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    queue = sqs.create_queue(QueueName="work", Attributes={"RedrivePolicy": policy})["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="poison")
    for _ in range(2):
        assert sqs.receive_message(QueueUrl=queue, VisibilityTimeout=0)["Messages"][0]["Body"] == "poison"
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    dead = sqs.receive_message(QueueUrl=dlq, MessageSystemAttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert dead[0]["Body"] == "poison"
    missing = json.dumps({"deadLetterTargetArn": dlq_arn + "-gone", "maxReceiveCount": 2})
    with pytest.raises(ClientError) as no_target:
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={"RedrivePolicy": missing})
    assert error(no_target)[:2] == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as malformed:
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={"RedrivePolicy": "{not json"})
    assert error(malformed)[:2] == ("InvalidParameterValue", 400)


@pytest.mark.parametrize(
    ("action", "params", "code"),
    [
        ("CreateQueue", {"QueueName": 5}, "InvalidParameterValue"),
        ("CreateQueue", {"QueueName": "q", "Attributes": ["x"]}, "InvalidParameterValue"),
        ("CreateQueue", {"QueueName": "q", "Attributes": {"VisibilityTimeout": 5}}, "InvalidParameterValue"),
        ("SendMessage", {"QueueUrl": ["x"], "MessageBody": "b"}, "InvalidParameterValue"),
        ("SendMessage", {"QueueUrl": "http://h/123456789012/target", "MessageBody": 7}, "InvalidParameterValue"),
        (
            "SendMessage",
            {"QueueUrl": "http://h/123456789012/target", "MessageBody": "b", "MessageAttributes": {"a": "x"}},
            "InvalidParameterValue",
        ),
        (
            "SendMessage",
            {
                "QueueUrl": "http://h/123456789012/target",
                "MessageBody": "b",
                "MessageAttributes": {"a": {"DataType": "Binary", "BinaryValue": "%%%"}},
            },
            "InvalidParameterValue",
        ),
        (
            "SendMessage",
            {"QueueUrl": "http://h/123456789012/target", "MessageBody": "b", "DelaySeconds": "x"},
            "InvalidParameterValue",
        ),
        ("SendMessageBatch", {"QueueUrl": "http://h/123456789012/target", "Entries": "x"}, "EmptyBatchRequest"),
        ("SendMessageBatch", {"QueueUrl": "http://h/123456789012/target", "Entries": [1, 2]}, "InvalidBatchEntryId"),
        (
            "SendMessageBatch",
            {"QueueUrl": "http://h/123456789012/target", "Entries": [{"Id": "a"}] * 11},
            "TooManyEntriesInBatchRequest",
        ),
        (
            "ReceiveMessage",
            {"QueueUrl": "http://h/123456789012/target", "MessageAttributeNames": 5},
            "InvalidParameterValue",
        ),
        (
            "ReceiveMessage",
            {"QueueUrl": "http://h/123456789012/target", "MaxNumberOfMessages": True},
            "InvalidParameterValue",
        ),
        ("ListQueues", {"NextToken": "!!!"}, "InvalidParameterValue"),
        ("ListQueues", {"MaxResults": "__INFINITY__"}, "InvalidParameterValue"),
        (
            "DeleteMessage",
            {"QueueUrl": "http://h/123456789012/target", "ReceiptHandle": "YSBiIGM="},
            "ReceiptHandleIsInvalid",
        ),
    ],
)
def test_hostile_json_gets_sqs_errors(
    url: str, sqs: Any, endpoint: tuple[FakeAWS, str], action: str, params: dict[str, Any], code: str
) -> None:
    sqs.create_queue(QueueName="target")
    body = json.dumps(params).replace('"__INFINITY__"', "1e400").encode()
    headers = {"X-Amz-Target": f"AmazonSQS.{action}", "Content-Type": "application/x-amz-json-1.0"}
    response = send(url, "POST", "/", signed(url, "POST", "/", service="sqs", body=body, headers=headers), body)
    assert response.status == 400, response.data
    assert json.loads(response.data)["__type"] == f"com.amazonaws.sqs#{code}"
    assert not endpoint[0].errors


def test_boto3_resource_api(url: str, sqs: Any) -> None:
    resource = boto3.resource(
        "sqs",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
        aws_secret_access_key=DEFAULT_SECRET_ACCESS_KEY,
    )
    resource.create_queue(QueueName="res")
    queue = resource.get_queue_by_name(QueueName="res")
    queue.send_messages(Entries=[{"Id": "1", "MessageBody": "one"}, {"Id": "2", "MessageBody": "two"}])
    messages = queue.receive_messages(MaxNumberOfMessages=10)
    assert sorted(m.body for m in messages) == ["one", "two"]
    for message in messages:
        message.delete()
    assert queue.attributes["ApproximateNumberOfMessages"] == "0"
