"""Random parameters never break a service: every call answers a Result or raises Fault (never a bare exception)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_calls import call, new

from awsfake.errors import Fault
from awsfake.services import Result, Service
from awsfake.services.s3 import S3
from awsfake.services.sns import SNS
from awsfake.services.sqs import SQS
from awsfake.services.sts import STS

pytestmark = pytest.mark.timeout(120)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)
SQS_KEYS = [
    "QueueName", "QueueUrl", "Attributes", "MessageBody", "MessageAttributes", "DelaySeconds", "MaxNumberOfMessages",
    "VisibilityTimeout", "WaitTimeSeconds", "ReceiptHandle", "Entries", "AttributeNames", "MessageAttributeNames",
    "MessageGroupId", "MessageDeduplicationId", "NextToken", "MaxResults", "QueueNamePrefix", "Tags", "TagKeys", "tags",
]  # fmt: skip
SQS_ACTIONS = [
    "CreateQueue", "GetQueueUrl", "ListQueues", "DeleteQueue", "PurgeQueue", "GetQueueAttributes", "SetQueueAttributes",
    "SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
    "ChangeMessageVisibility", "TagQueue", "UntagQueue", "ListQueueTags",
]  # fmt: skip
QUERY_KEYS = [
    "Name", "TopicArn", "TargetArn", "Message", "Subject", "MessageStructure", "Protocol", "Endpoint", "NextToken",
    "AttributeName", "AttributeValue", "SubscriptionArn", "MessageGroupId", "MessageDeduplicationId",
    "Attributes.entry.1.key", "Attributes.entry.1.value", "MessageAttributes.entry.1.Name",
    "MessageAttributes.entry.1.Value.DataType", "MessageAttributes.entry.1.Value.StringValue",
    "RoleArn", "RoleSessionName", "DurationSeconds", "SourceIdentity", "ReturnSubscriptionArn",
]  # fmt: skip
SNS_ACTIONS = [
    "CreateTopic", "ListTopics", "DeleteTopic", "GetTopicAttributes", "SetTopicAttributes", "Publish", "Subscribe",
    "Unsubscribe", "ListSubscriptions", "ListSubscriptionsByTopic", "GetSubscriptionAttributes",
    "SetSubscriptionAttributes",
]  # fmt: skip
TOPIC = "arn:aws:sns:us-east-1:123456789012:t"
QUEUE = "http://localhost:4566/123456789012/q"


def answers(service: Service, **kw: Any) -> None:
    """A Result, or an AWS error with a code and a client or server status; any other exception fails the test."""
    try:
        result = call(service, **kw)
    except Fault as fault:
        assert fault.code and 300 <= fault.status < 600
        return
    assert isinstance(result, Result)


@given(action=st.sampled_from(SQS_ACTIONS), params=st.dictionaries(st.sampled_from(SQS_KEYS), json_values))
@FUZZ
def test_sqs_random_json(action: str, params: dict[str, Any]) -> None:
    sqs = new(SQS)
    sqs.max_wait_seconds = 0
    call(sqs, "CreateQueue", params={"QueueName": "q"})
    call(sqs, "SendMessage", params={"QueueUrl": QUEUE, "MessageBody": "m"})
    answers(sqs, action=action, params={"QueueUrl": QUEUE, **params})


query_values = st.text(max_size=30) | st.sampled_from(
    [TOPIC, "arn:aws:iam::123456789012:role/R", "sqs", "true", "json"]
)


@given(
    action=st.sampled_from([*SNS_ACTIONS, "AssumeRole", "GetSessionToken", "GetCallerIdentity"]),
    params=st.dictionaries(st.sampled_from(QUERY_KEYS), query_values),
)
@FUZZ
def test_sns_and_sts_random_fields(action: str, params: dict[str, str]) -> None:
    service: Service = new(STS) if action in ("AssumeRole", "GetSessionToken", "GetCallerIdentity") else new(SNS)
    if isinstance(service, SNS):
        call(service, "CreateTopic", params={"Name": "t"})
    answers(service, action=action, params=params)


headers = st.dictionaries(
    st.sampled_from(
        [
            "Range", "If-Match", "If-None-Match", "If-Modified-Since", "Content-MD5", "x-amz-copy-source",
            "x-amz-metadata-directive", "x-amz-tagging", "x-amz-copy-source-range", "x-amz-checksum-crc32",
            "x-amz-sdk-checksum-algorithm", "x-amz-meta-a", "Content-Type",
        ]
    ),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
)  # fmt: skip
queries = st.dictionaries(
    st.sampled_from(
        ["list-type", "max-keys", "prefix", "delimiter", "continuation-token", "start-after", "encoding-type",
         "uploads", "uploadId", "partNumber", "delete", "location", "tagging", "max-uploads", "key-marker",
         "max-buckets", "marker", "fetch-owner", "acl"]
    ),
    st.lists(st.text(max_size=20), min_size=1, max_size=2),
)  # fmt: skip


@given(
    method=st.sampled_from(["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH"]),
    path=st.sampled_from(["/", "/bucket", "/bucket/", "/bucket/k", "/bucket/a/b", "/other/k", "/bucket//x"]),
    query=queries,
    header_values=headers,
    body=st.binary(max_size=200) | st.sampled_from([b"<Delete><Object><Key>k</Key></Object></Delete>"]),
)
@FUZZ
def test_s3_random_requests(
    method: str, path: str, query: dict[str, list[str]], header_values: dict[str, str], body: bytes
) -> None:
    s3 = new(S3)
    call(s3, method="PUT", path="/bucket")
    call(s3, method="PUT", path="/bucket/k", body=b"0123456789")
    answers(s3, method=method, path=path, query=query, headers=header_values, body=body)
