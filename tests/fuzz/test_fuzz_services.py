"""The built-in SQS, SNS and STS under generated parameters of every shape, correctly signed.

JSON-family parameters arrive with any JSON type where a string, number, list or map is expected; query-family
parameters with any text. The answer must be the family's error (or a success), never a 5xx or an exception in
the service. `FUZZ_EXAMPLES` scales the example counts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from fuzz_helpers import assert_endpoint_answer, assert_still_serving, exchange, raw_request, signed_raw
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS

pytestmark = pytest.mark.timeout(300)

SCALE = float(os.environ.get("FUZZ_EXAMPLES", "1"))


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        database=None,
    )


class Endpoint:
    def __init__(self, fake: FakeAWS, port: int) -> None:
        self.fake, self.port = fake, port
        self.queue_url = ""
        self.topic_arn = ""

    def json_call(self, action: str, params: Any) -> None:
        body = json.dumps(params).encode()
        heads = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"AmazonSQS.{action}"}
        signed = signed_raw(self.port, "POST", "/", service="sqs", body=body, headers=heads)
        self._send(raw_request("POST", "/", signed, body))

    def query_call(self, service: str, fields: dict[str, str]) -> None:
        body = urlencode(fields).encode()
        heads = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        signed = signed_raw(self.port, "POST", "/", service=service, body=body, headers=heads)
        self._send(raw_request("POST", "/", signed, body))

    def _send(self, data: bytes) -> None:
        before = len(list(self.fake.requests))
        assert_endpoint_answer(self.fake, before, exchange(self.port, data), "POST")


@pytest.fixture(scope="module")
def services_endpoint() -> Iterator[Endpoint]:
    fake = FakeAWS()
    with fake.serve() as running:
        ep = Endpoint(fake, running.port)
        keys = {"aws_access_key_id": DEFAULT_ACCESS_KEY_ID, "aws_secret_access_key": DEFAULT_SECRET_ACCESS_KEY}
        sqs = boto3.client("sqs", endpoint_url=running.url, region_name="us-east-1", **keys)
        sns = boto3.client("sns", endpoint_url=running.url, region_name="us-east-1", **keys)
        ep.queue_url = sqs.create_queue(QueueName="fuzz")["QueueUrl"]
        ep.topic_arn = sns.create_topic(Name="fuzz")["TopicArn"]
        yield ep
    fake.check()


@pytest.fixture
def ep(services_endpoint: Endpoint) -> Iterator[Endpoint]:
    yield services_endpoint
    assert_still_serving(services_endpoint.fake, services_endpoint.port)
    services_endpoint.fake.requests.clear()


ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=10,
)
SQS_ACTIONS = [
    "CreateQueue",
    "GetQueueUrl",
    "ListQueues",
    "GetQueueAttributes",
    "SetQueueAttributes",
    "TagQueue",
    "UntagQueue",
    "ListQueueTags",
    "SendMessage",
    "SendMessageBatch",
    "ReceiveMessage",
    "DeleteMessage",
    "DeleteMessageBatch",
    "ChangeMessageVisibility",
    "PurgeQueue",
]
SQS_KEYS = [
    "QueueName",
    "QueueNamePrefix",
    "Attributes",
    "AttributeNames",
    "Tags",
    "TagKeys",
    "MessageBody",
    "MessageAttributes",
    "MessageSystemAttributes",
    "MessageAttributeNames",
    "MessageSystemAttributeNames",
    "DelaySeconds",
    "Entries",
    "MaxNumberOfMessages",
    "VisibilityTimeout",
    "ReceiptHandle",
    "MessageGroupId",
    "MessageDeduplicationId",
    "MaxResults",
    "NextToken",
    "QueueOwnerAWSAccountId",
]
SQS_VALUES = st.one_of(
    ANY_JSON,
    st.sampled_from(
        [
            {"DelaySeconds": "x"},
            {"FifoQueue": "true"},
            {"RedrivePolicy": "{}"},
            {"a": {"DataType": "Number", "StringValue": "x"}},
            {"a": {"DataType": "Binary", "BinaryValue": "!!"}},
            {"a": {"DataType": "String"}},
            [{"Id": "1"}],
            [{"Id": "1", "MessageBody": "m"}, {"Id": "1", "MessageBody": "m"}],
            [{"Id": "1", "ReceiptHandle": "x", "VisibilityTimeout": -1}],
            ["All"],
            "-1",
            "99999999999999999999",
            {"DelaySeconds": "9" * 5000},
            {"VisibilityTimeout": "-" + "9" * 5000},
        ]
    ),
)


@fuzz_settings(300)
@given(
    action=st.sampled_from(SQS_ACTIONS),
    params=st.dictionaries(st.sampled_from(SQS_KEYS), SQS_VALUES, max_size=4),
    with_queue=st.booleans(),
)
def test_sqs_parameters_of_any_shape(ep: Endpoint, action: str, params: dict[str, Any], with_queue: bool) -> None:
    if action == "ReceiveMessage":
        params["WaitTimeSeconds"] = 0  # a long poll would only make the test slow
    if with_queue:
        params["QueueUrl"] = ep.queue_url
    ep.json_call(action, params)


@fuzz_settings(100)
@given(queue_url=ANY_JSON, action=st.sampled_from(SQS_ACTIONS))
def test_sqs_queue_urls_of_any_shape(ep: Endpoint, queue_url: Any, action: str) -> None:
    ep.json_call(action, {"QueueUrl": queue_url, "WaitTimeSeconds": 0})


SNS_ACTIONS = [
    "CreateTopic",
    "DeleteTopic",
    "GetTopicAttributes",
    "SetTopicAttributes",
    "Subscribe",
    "Unsubscribe",
    "ListSubscriptions",
    "ListSubscriptionsByTopic",
    "Publish",
    "ListTopics",
]
SNS_FIELDS = [
    "Name",
    "AttributeName",
    "AttributeValue",
    "Protocol",
    "Endpoint",
    "Message",
    "Subject",
    "MessageStructure",
    "MessageGroupId",
    "MessageDeduplicationId",
    "SubscriptionArn",
    "NextToken",
    "TargetArn",
    "PhoneNumber",
    "ReturnSubscriptionArn",
    "Attributes.entry.1.key",
    "Attributes.entry.1.value",
    "Tags.member.1.Key",
    "Tags.member.1.Value",
    "MessageAttributes.entry.1.Name",
    "MessageAttributes.entry.1.Value.DataType",
    "MessageAttributes.entry.1.Value.StringValue",
    "MessageAttributes.entry.1.Value.BinaryValue",
    "MessageAttributes.entry.99999.Name",
]
SNS_VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "sqs",
            "http",
            "email",
            "lambda",
            "application",
            "json",
            '{"default": 1}',
            '{"default": "x", "sqs": {}}',
            "Number",
            "Binary",
            "String.Array",
            "Policy",
            "FifoTopic",
            "DeliveryPolicy",
            "{",
            "true",
            "arn:aws:sqs:us-east-1:123456789012:fuzz",
            "arn:aws:sns:us-east-1:123456789012:fuzz:not-a-uuid",
        ]
    ),
)


@fuzz_settings(300)
@given(
    action=st.sampled_from(SNS_ACTIONS),
    fields=st.dictionaries(st.sampled_from(SNS_FIELDS), SNS_VALUES, max_size=5),
    with_topic=st.booleans(),
)
def test_sns_parameters_of_any_text(ep: Endpoint, action: str, fields: dict[str, str], with_topic: bool) -> None:
    if with_topic:
        fields["TopicArn"] = ep.topic_arn
    ep.query_call("sns", {"Action": action, "Version": "2010-03-31", **fields})


@fuzz_settings(100)
@given(
    action=st.sampled_from(["GetCallerIdentity", "AssumeRole", "GetSessionToken"]),
    fields=st.dictionaries(
        st.sampled_from(["RoleArn", "RoleSessionName", "DurationSeconds", "ExternalId", "Policy", "SerialNumber"]),
        st.one_of(st.text(max_size=40), st.integers().map(str), st.sampled_from(["arn:aws:iam::1:role/r", "900"])),
        max_size=4,
    ),
)
def test_sts_parameters_of_any_text(ep: Endpoint, action: str, fields: dict[str, str]) -> None:
    ep.query_call("sts", {"Action": action, "Version": "2011-06-15", **fields})


@pytest.mark.parametrize("value", ["9" * 5000, "-" + "9" * 5000, "²"])
def test_numeric_queue_attributes_int_cannot_read_are_invalid(ep: Endpoint, value: str) -> None:
    ep.json_call("SetQueueAttributes", {"QueueUrl": ep.queue_url, "Attributes": {"DelaySeconds": value}})
    assert list(ep.fake.requests)[-1].error == "InvalidAttributeValue"
