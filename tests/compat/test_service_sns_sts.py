"""SNS and STS end to end: boto3 (the query protocol) against a served FakeAWS; STS sessions are really accepted."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from endpoint_helpers import NO_RETRY, client, send, signed
from freezegun import freeze_time

from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS
from awsfake.services.sns import SNS

pytestmark = pytest.mark.timeout(60)


def error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


# --- SNS ---------------------------------------------------------------------------------------------------


def test_topics(url: str) -> None:
    sns = client(url, "sns")
    arn = sns.create_topic(Name="events", Attributes={"DisplayName": "Events"})["TopicArn"]
    assert arn == "arn:aws:sns:us-east-1:123456789012:events"
    assert sns.create_topic(Name="events", Attributes={"DisplayName": "Events"})["TopicArn"] == arn
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert (attributes["TopicArn"], attributes["Owner"], attributes["DisplayName"]) == (arn, "123456789012", "Events")
    assert attributes["SubscriptionsConfirmed"] == "0" and '"Sid":"__default_statement_ID"' in attributes["Policy"]
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Renamed")
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"] == "Renamed"
    sns.delete_topic(TopicArn=arn)
    with pytest.raises(sns.exceptions.NotFoundException) as missing:
        sns.get_topic_attributes(TopicArn=arn)
    assert error(missing) == ("NotFound", 404, "Topic does not exist")
    with pytest.raises(sns.exceptions.InvalidParameterException) as invalid:
        sns.create_topic(Name="bad name")
    assert error(invalid) == ("InvalidParameter", 400, "Invalid parameter: Topic Name")


def test_list_topics_paginates_at_100(url: str) -> None:
    sns = client(url, "sns")
    for i in range(105):
        sns.create_topic(Name=f"t{i:03d}")
    first = sns.list_topics()
    assert len(first["Topics"]) == 100 and first["NextToken"]
    pages = list(sns.get_paginator("list_topics").paginate())
    arns = [t["TopicArn"] for p in pages for t in p["Topics"]]
    assert arns == [f"arn:aws:sns:us-east-1:123456789012:t{i:03d}" for i in range(105)]


def test_publish_is_recorded(fake: FakeAWS, url: str) -> None:
    sns = client(url, "sns")
    arn = sns.create_topic(Name="events")["TopicArn"]
    attributes = {"kind": {"DataType": "String", "StringValue": "created"}}
    message_id = sns.publish(TopicArn=arn, Message="hello", Subject="Hi", MessageAttributes=attributes)["MessageId"]
    service = fake.service("sns")
    assert isinstance(service, SNS)
    (published,) = service.published
    assert (published.message_id, published.topic_arn, published.message) == (message_id, arn, "hello")
    assert (published.subject, published.attributes) == (
        "Hi",
        {"kind": {"DataType": "String", "StringValue": "created"}},
    )
    with pytest.raises(sns.exceptions.NotFoundException) as missing:
        sns.publish(TopicArn=arn + "-gone", Message="x")
    assert error(missing) == ("NotFound", 404, "Topic does not exist")
    with pytest.raises(sns.exceptions.InvalidParameterException) as empty:
        sns.publish(TopicArn=arn, Message="")
    assert error(empty) == ("InvalidParameter", 400, "Invalid parameter: Empty message")
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.publish(TopicArn="arn:nonsense", Message="x")
    assert len(service.published) == 1


def test_fifo_duplicate_publish_answers_the_original(fake: FakeAWS, url: str) -> None:
    """A FIFO topic's repeat of a MessageDeduplicationId within 5 minutes is accepted but not published again: AWS
    answers it with the first publish's MessageId and SequenceNumber."""
    sns = client(url, "sns")
    arn = sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    first = sns.publish(TopicArn=arn, Message="a", MessageGroupId="g", MessageDeduplicationId="d1")
    again = sns.publish(TopicArn=arn, Message="a", MessageGroupId="g", MessageDeduplicationId="d1")
    other = sns.publish(TopicArn=arn, Message="b", MessageGroupId="g", MessageDeduplicationId="d2")
    assert (again["MessageId"], again.get("SequenceNumber")) == (first["MessageId"], first["SequenceNumber"])
    assert int(other["SequenceNumber"]) > int(first["SequenceNumber"]) and other["MessageId"] != first["MessageId"]
    service = fake.service("sns")
    assert isinstance(service, SNS) and [p.message for p in service.published] == ["a", "b"]


def test_subscribe_and_list(url: str) -> None:
    sns = client(url, "sns")
    arn = sns.create_topic(Name="events")["TopicArn"]
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:q")
    listed = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert listed == [
        {
            "SubscriptionArn": sub["SubscriptionArn"],
            "Owner": "123456789012",
            "Protocol": "sqs",
            "Endpoint": "arn:aws:sqs:us-east-1:123456789012:q",
            "TopicArn": arn,
        }
    ]
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SubscriptionsConfirmed"] == "1"
    sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])
    assert sns.list_subscriptions()["Subscriptions"] == []


# --- STS ---------------------------------------------------------------------------------------------------


def test_get_caller_identity(url: str) -> None:
    identity = client(url, "sts").get_caller_identity()
    assert identity["Account"] == "123456789012"
    assert identity["Arn"] == "arn:aws:iam::123456789012:user/awsfake"
    assert identity["UserId"]


def test_assume_role_credentials_are_accepted_until_they_expire(url: str) -> None:
    sts = client(url, "sts")
    with freeze_time("2030-01-01 00:00:00", tick=True):
        assumed = sts.assume_role(
            RoleArn="arn:aws:iam::111122223333:role/service/Deployer", RoleSessionName="ci-run", DurationSeconds=900
        )
        user = assumed["AssumedRoleUser"]
        assert user["Arn"] == "arn:aws:sts::111122223333:assumed-role/Deployer/ci-run"
        assert user["AssumedRoleId"].startswith("AROA") and user["AssumedRoleId"].endswith(":ci-run")
        credentials = assumed["Credentials"]
        assert credentials["AccessKeyId"].startswith("ASIA")
        assert abs(credentials["Expiration"].timestamp() - (time.time() + 900)) < 5
        session = client(
            url,
            "sts",
            key=credentials["AccessKeyId"],
            secret=credentials["SecretAccessKey"],
            token=credentials["SessionToken"],
        )
        assert session.get_caller_identity()["Arn"] == user["Arn"]
        assert session.get_caller_identity()["Account"] == "111122223333"
        with pytest.raises(ClientError) as chained:
            session.assume_role(
                RoleArn="arn:aws:iam::111122223333:role/Other", RoleSessionName="x2", DurationSeconds=7200
            )
        assert error(chained)[:2] == ("ValidationError", 400)
        with pytest.raises(ClientError) as no_token:
            session.get_session_token()
        assert error(no_token)[:2] == ("AccessDenied", 403)
    with freeze_time("2030-01-01 00:15:01", tick=True), pytest.raises(ClientError) as expired:
        session.get_caller_identity()
    assert error(expired)[:2] == ("ExpiredToken", 403)


def test_assume_role_validation(url: str) -> None:
    """botocore checks some of these itself; with its validation off, the fake answers as STS does."""
    sts = client(url, "sts", config=NO_RETRY.merge(Config(parameter_validation=False)))
    with pytest.raises(ClientError) as short:
        sts.assume_role(RoleArn="arn:aws:iam::111122223333:role/R", RoleSessionName="ok", DurationSeconds=100)
    assert error(short) == (
        "ValidationError",
        400,
        "1 validation error detected: Value '100' at 'durationSeconds' failed to satisfy constraint: Member must "
        "have value greater than or equal to 900",
    )
    with pytest.raises(ClientError) as long:
        sts.assume_role(RoleArn="arn:aws:iam::111122223333:role/R", RoleSessionName="ok", DurationSeconds=43201)
    assert error(long)[:2] == ("ValidationError", 400)
    with pytest.raises(ClientError) as bad_name:
        sts.assume_role(RoleArn="arn:aws:iam::111122223333:role/R", RoleSessionName="has space")
    assert error(bad_name)[:2] == ("ValidationError", 400)
    with pytest.raises(ClientError) as bad_arn:
        sts.assume_role(RoleArn="arn:aws:iam::111122223333:user/NotARole", RoleSessionName="ok")
    assert error(bad_arn)[:2] == ("ValidationError", 400)
    with pytest.raises(ClientError) as missing:
        sts.assume_role(RoleSessionName="ok")
    assert error(missing)[:2] == ("ValidationError", 400)


@pytest.mark.slow
def test_get_session_token_and_boto3_session(url: str) -> None:
    token = client(url, "sts").get_session_token(DurationSeconds=900)["Credentials"]
    session = boto3.Session(
        aws_access_key_id=token["AccessKeyId"],
        aws_secret_access_key=token["SecretAccessKey"],
        aws_session_token=token["SessionToken"],
        region_name="us-east-1",
    )
    identity = session.client("sts", endpoint_url=url).get_caller_identity()
    assert identity["Arn"] == "arn:aws:iam::123456789012:user/awsfake"
    s3 = session.client("s3", endpoint_url=url)
    s3.create_bucket(Bucket="from-a-session")
    assert [b["Name"] for b in client(url, "s3").list_buckets()["Buckets"]] == ["from-a-session"]
    assert token["AccessKeyId"] != DEFAULT_ACCESS_KEY_ID


def test_concurrent_publishes_are_all_recorded(fake: FakeAWS, url: str) -> None:
    arn = client(url, "sns").create_topic(Name="busy")["TopicArn"]
    ids: list[str] = []

    def publish(worker: int) -> None:
        sns = client(url, "sns")
        ids.extend(sns.publish(TopicArn=arn, Message=f"{worker}-{i}")["MessageId"] for i in range(10))

    threads = [threading.Thread(target=publish, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    service = fake.service("sns")
    assert isinstance(service, SNS)
    assert sorted(p.message_id for p in service.published) == sorted(ids) and len(set(ids)) == 80
    assert sorted(p.message for p in service.published) == sorted(f"{w}-{i}" for w in range(8) for i in range(10))


def test_another_account_cannot_publish(fake: FakeAWS, url: str) -> None:
    arn = client(url, "sns").create_topic(Name="private")["TopicArn"]
    fake.add_credentials("AKIDSECONDACCOUNT004", "second-secret", account_id="210987654321")
    other = client(url, "sns", key="AKIDSECONDACCOUNT004", secret="second-secret")
    with pytest.raises(other.exceptions.AuthorizationErrorException) as denied:
        other.publish(TopicArn=arn, Message="x")
    assert error(denied)[:2] == ("AuthorizationError", 403)
    with pytest.raises(other.exceptions.AuthorizationErrorException):
        other.delete_topic(TopicArn=arn)
    assert other.list_topics()["Topics"] == []


def test_sqs_subscriptions_receive_published_messages(fake: FakeAWS, url: str) -> None:
    sns, sqs = client(url, "sns"), client(url, "sqs")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    queues = {}
    for name in ("wrapped", "raw", "filtered"):
        queue = sqs.create_queue(QueueName=name)["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queues[name] = (queue, sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"])
    sns.set_subscription_attributes(
        SubscriptionArn=queues["raw"][1], AttributeName="RawMessageDelivery", AttributeValue="true"
    )
    sns.set_subscription_attributes(
        SubscriptionArn=queues["filtered"][1],
        AttributeName="FilterPolicy",
        AttributeValue=json.dumps({"kind": ["refund"], "amount": [{"numeric": [">", 100]}]}),
    )
    kind = {"kind": {"DataType": "String", "StringValue": "order"}}
    message_id = sns.publish(TopicArn=topic, Message="order 1", Subject="new", MessageAttributes=kind)["MessageId"]
    refund = {
        "kind": {"DataType": "String", "StringValue": "refund"},
        "amount": {"DataType": "Number", "StringValue": "250"},
    }
    sns.publish(TopicArn=topic, Message="refund 1", MessageAttributes=refund)

    wrapped = [
        json.loads(m["Body"])
        for m in sqs.receive_message(QueueUrl=queues["wrapped"][0], MaxNumberOfMessages=10)["Messages"]
    ]
    assert [(w["Type"], w["TopicArn"], w["Message"]) for w in wrapped] == [
        ("Notification", topic, "order 1"),
        ("Notification", topic, "refund 1"),
    ]
    assert wrapped[0]["MessageId"] == message_id and wrapped[0]["Subject"] == "new"
    assert wrapped[0]["MessageAttributes"] == {"kind": {"Type": "String", "Value": "order"}}
    raw = sqs.receive_message(QueueUrl=queues["raw"][0], MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    assert [m["Body"] for m in raw["Messages"]] == ["order 1", "refund 1"]
    assert raw["Messages"][0]["MessageAttributes"] == kind
    filtered = sqs.receive_message(QueueUrl=queues["filtered"][0], MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["Message"] for m in filtered] == ["refund 1"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=queues["raw"][1])["Attributes"]
    assert attributes["RawMessageDelivery"] == "true" and attributes["Protocol"] == "sqs"
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.set_subscription_attributes(
            SubscriptionArn=queues["raw"][1], AttributeName="FilterPolicy", AttributeValue="{not json"
        )


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"Action": "CreateTopic"}, "InvalidParameter"),
        (
            {"Action": "CreateTopic", "Name": "t", "Attributes.entry.1.key": "Bogus", "Attributes.entry.1.value": "x"},
            "InvalidParameter",
        ),
        ({"Action": "Publish", "Message": "x"}, "InvalidParameter"),
        ({"Action": "Publish", "TopicArn": "arn:aws:sns:us-east-1:123456789012:t"}, "ValidationError"),
        (
            {
                "Action": "Publish",
                "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
                "Message": "x",
                "MessageAttributes.entry.1.Name": "a",
                "MessageAttributes.entry.1.Value.DataType": "String",
            },
            "ParameterValueInvalid",
        ),
        (
            {
                "Action": "Publish",
                "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
                "Message": "x",
                "MessageStructure": "json",
            },
            "InvalidParameter",
        ),
        (
            {
                "Action": "Subscribe",
                "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
                "Protocol": "sqs",
                "Endpoint": "x",
            },
            "InvalidParameter",
        ),
        ({"Action": "ListTopics", "NextToken": "-5"}, "InvalidParameter"),
        (
            {
                "Action": "AssumeRole",
                "RoleArn": "arn:aws:iam::123456789012:role/R",
                "RoleSessionName": "s",
                "DurationSeconds": "x",
            },
            "ValidationError",
        ),
    ],
)
def test_hostile_query_requests_get_errors(fake: FakeAWS, url: str, fields: dict[str, str], code: str) -> None:
    client(url, "sns").create_topic(Name="t")
    service = "sts" if fields["Action"] == "AssumeRole" else "sns"
    body = urlencode({**fields, "Version": "2011-06-15" if service == "sts" else "2010-03-31"}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    response = send(url, "POST", "/", signed(url, "POST", "/", service=service, body=body, headers=headers), body)
    assert response.status == 400, response.data
    assert f"<Code>{code}</Code>".encode() in response.data, response.data
    assert not fake.errors


def test_botocore_assume_role_profile(fake: FakeAWS, url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's own assume-role credential provider (role_arn + source_profile) gets its session from the fake."""
    config = tmp_path / "config"
    config.write_text(
        f"[profile base]\naws_access_key_id = {DEFAULT_ACCESS_KEY_ID}\n"
        f"aws_secret_access_key = {DEFAULT_SECRET_ACCESS_KEY}\nregion = us-east-1\nendpoint_url = {url}\n\n"
        "[profile deployer]\nrole_arn = arn:aws:iam::123456789012:role/Deployer\nsource_profile = base\n"
        f"role_session_name = ci\nregion = us-east-1\nendpoint_url = {url}\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    session = boto3.Session(profile_name="deployer")
    assert session.client("sts").get_caller_identity()["Arn"] == "arn:aws:sts::123456789012:assumed-role/Deployer/ci"
    assume, identity = fake.requests.filter(service="sts")
    assert (assume.action, assume.access_key_id) == ("AssumeRole", DEFAULT_ACCESS_KEY_ID)
    assert identity.action == "GetCallerIdentity" and identity.access_key_id.startswith("ASIA") and identity.verified
