"""S3 event notifications through boto3: the TestEvent on configuration, ObjectCreated / ObjectRemoved records
in AWS's JSON to the same fake's SQS queues and (through a subscribed queue) SNS topics, prefix/suffix filters."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from endpoint_helpers import client

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def clients(url: str) -> tuple[Any, Any, Any]:
    s3, sqs, sns = client(url, "s3"), client(url, "sqs"), client(url, "sns")
    s3.create_bucket(Bucket="events")
    return s3, sqs, sns


def queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def test_queue_gets_test_event_then_filtered_records(clients: tuple[Any, Any, Any]) -> None:
    s3, sqs, _ = clients
    url, arn = queue(sqs, "s3-events")
    rules = [{"Name": "prefix", "Value": "images/"}, {"Name": "suffix", "Value": ".jpg"}]
    config = {
        "QueueConfigurations": [
            {"Id": "images", "QueueArn": arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
             "Filter": {"Key": {"FilterRules": rules}}},
        ]
    }  # fmt: skip
    s3.put_bucket_notification_configuration(Bucket="events", NotificationConfiguration=config)
    (test,) = drain(sqs, url)
    assert (test["Service"], test["Event"], test["Bucket"]) == ("Amazon S3", "s3:TestEvent", "events")
    got = s3.get_bucket_notification_configuration(Bucket="events")["QueueConfigurations"]
    assert got[0]["QueueArn"] == arn and got[0]["Events"] == ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]
    s3.put_object(Bucket="events", Key="images/a cat.jpg", Body=b"meow")
    s3.put_object(Bucket="events", Key="images/a.png", Body=b"no")  # suffix does not match
    s3.put_object(Bucket="events", Key="docs/a.jpg", Body=b"no")  # prefix does not match
    s3.copy_object(Bucket="events", Key="images/copy.jpg", CopySource={"Bucket": "events", "Key": "images/a cat.jpg"})
    s3.delete_object(Bucket="events", Key="images/copy.jpg")
    records = [body["Records"][0] for body in drain(sqs, url)]
    assert [(r["eventName"], r["s3"]["object"]["key"]) for r in records] == [
        ("ObjectCreated:Put", "images/a+cat.jpg"),
        ("ObjectCreated:Copy", "images/copy.jpg"),
        ("ObjectRemoved:Delete", "images/copy.jpg"),
    ]
    put = records[0]
    assert (put["eventVersion"], put["eventSource"], put["awsRegion"]) == ("2.1", "aws:s3", "us-east-1")
    assert put["s3"]["configurationId"] == "images"
    assert put["s3"]["bucket"]["name"] == "events" and put["s3"]["bucket"]["arn"] == "arn:aws:s3:::events"
    assert (put["s3"]["object"]["size"], put["s3"]["object"]["eTag"]) == (4, hashlib.md5(b"meow").hexdigest())
    assert records[0]["s3"]["object"]["sequencer"] < records[1]["s3"]["object"]["sequencer"]


def test_topic_destination_and_delete_markers(clients: tuple[Any, Any, Any]) -> None:
    s3, sqs, sns = clients
    url, arn = queue(sqs, "from-topic")
    topic = sns.create_topic(Name="s3-topic")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    s3.put_bucket_versioning(Bucket="events", VersioningConfiguration={"Status": "Enabled"})
    config = {"TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectRemoved:*"]}]}
    s3.put_bucket_notification_configuration(Bucket="events", NotificationConfiguration=config)
    assert drain(sqs, url)[0]["Event"] == "s3:TestEvent"
    assert s3.get_bucket_notification_configuration(Bucket="events")["TopicConfigurations"][0]["Id"]
    version = s3.put_object(Bucket="events", Key="k", Body=b"x")["VersionId"]  # not an ObjectRemoved event
    marker = s3.delete_object(Bucket="events", Key="k")["VersionId"]
    s3.delete_object(Bucket="events", Key="k", VersionId=version)
    records = [body["Records"][0] for body in drain(sqs, url)]
    assert [(r["eventName"], r["s3"]["object"]["versionId"]) for r in records] == [
        ("ObjectRemoved:DeleteMarkerCreated", marker),
        ("ObjectRemoved:Delete", version),
    ]


def test_missing_destination_is_refused(clients: tuple[Any, Any, Any]) -> None:
    s3, _, _ = clients
    missing = "arn:aws:sqs:us-east-1:123456789012:nope"
    config = {"QueueConfigurations": [{"QueueArn": missing, "Events": ["s3:ObjectCreated:*"]}]}
    with pytest.raises(ClientError) as refused:
        s3.put_bucket_notification_configuration(Bucket="events", NotificationConfiguration=config)
    assert refused.value.response["Error"]["Code"] == "InvalidArgument"
    assert refused.value.response["Error"]["ArgumentName"] == missing
    assert s3.get_bucket_notification_configuration(Bucket="events").get("QueueConfigurations") is None
