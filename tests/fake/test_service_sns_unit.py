"""SNS's rules as plain calls with the query family's flat parameters."""

from __future__ import annotations

from typing import Any

import pytest
from service_calls import OTHER, call, new

from awsfake.errors import Fault
from awsfake.families.query import nest
from awsfake.services.sns import SNS, message_attributes, string_map
from awsfake.services.sns.delivery import check_filter_policy, matches

ARN = "arn:aws:sns:us-east-1:123456789012:"


def sns_call(sns: SNS, action: str, **params: Any) -> Any:
    return call(sns, action, params=params).body


def fault(sns: SNS, action: str, **params: Any) -> Fault:
    with pytest.raises(Fault) as caught:
        sns_call(sns, action, **params)
    return caught.value


@pytest.fixture
def sns() -> SNS:
    return new(SNS)


def test_flat_parameters() -> None:
    params = {
        "Attributes.entry.1.key": "DisplayName",
        "Attributes.entry.1.value": "Shown",
        "Attributes.entry.2.key": "Policy",
        "Attributes.entry.2.value": "{}",
        "Attributes.entry.4.key": "Skipped",
    }
    assert string_map(nest(params), "Attributes") == {"DisplayName": "Shown", "Policy": "{}"}
    params = {
        "MessageAttributes.entry.1.Name": "n",
        "MessageAttributes.entry.1.Value.DataType": "Number",
        "MessageAttributes.entry.1.Value.StringValue": "5",
    }
    assert message_attributes(nest(params)) == {"n": {"DataType": "Number", "StringValue": "5"}}
    params["MessageAttributes.entry.1.Value.DataType"] = "Blob"
    with pytest.raises(Fault, match="ParameterValueInvalid"):
        message_attributes(nest(params))


def test_create_topic_is_idempotent_per_account_and_region(sns: SNS) -> None:
    arn = sns_call(sns, "CreateTopic", Name="t")["TopicArn"]
    assert arn == ARN + "t"
    assert sns_call(sns, "CreateTopic", Name="t")["TopicArn"] == arn
    other = call(sns, "CreateTopic", params={"Name": "t"}, caller=OTHER).body["TopicArn"]
    assert other == "arn:aws:sns:us-east-1:210987654321:t"
    west = call(sns, "CreateTopic", params={"Name": "t"}, region="eu-west-1").body["TopicArn"]
    assert west == "arn:aws:sns:eu-west-1:123456789012:t"
    assert sns_call(sns, "ListTopics") == {"Topics": [{"TopicArn": arn}]}
    changed = fault(
        sns, "CreateTopic", Name="t", **{"Attributes.entry.1.key": "DisplayName", "Attributes.entry.1.value": "x"}
    )
    assert changed.code == "InvalidParameter"


@pytest.mark.parametrize("name", ["", "has space", "x" * 257, "t.fifo", "dot.ted"])
def test_invalid_topic_names(sns: SNS, name: str) -> None:
    error = fault(sns, "CreateTopic", Name=name)
    assert (error.code, error.status) == ("InvalidParameter", 400)


def test_list_topics_pages_at_100(sns: SNS) -> None:
    for i in range(130):
        sns_call(sns, "CreateTopic", Name=f"t{i:03d}")
    first = sns_call(sns, "ListTopics")
    second = sns_call(sns, "ListTopics", NextToken=first["NextToken"])
    assert len(first["Topics"]) == 100 and len(second["Topics"]) == 30 and "NextToken" not in second
    seen = [t["TopicArn"] for t in first["Topics"] + second["Topics"]]
    assert seen == [ARN + f"t{i:03d}" for i in range(130)]
    assert fault(sns, "ListTopics", NextToken="bogus").code == "InvalidParameter"


def test_attributes_and_delete(sns: SNS) -> None:
    arn = sns_call(sns, "CreateTopic", Name="t")["TopicArn"]
    sns_call(sns, "SetTopicAttributes", TopicArn=arn, AttributeName="DisplayName", AttributeValue="Hi")
    attributes = sns_call(sns, "GetTopicAttributes", TopicArn=arn)["Attributes"]
    assert attributes["DisplayName"] == "Hi" and attributes["TopicArn"] == arn
    assert attributes["Owner"] == "123456789012" and attributes["SubscriptionsConfirmed"] == "0"
    assert fault(sns, "SetTopicAttributes", TopicArn=arn, AttributeName="Nope", AttributeValue="x").code == (
        "InvalidParameter"
    )
    sns_call(sns, "DeleteTopic", TopicArn=arn)
    sns_call(sns, "DeleteTopic", TopicArn=arn)  # idempotent, as on AWS
    error = fault(sns, "GetTopicAttributes", TopicArn=arn)
    assert (error.code, error.status, error.message) == ("NotFound", 404, "Topic does not exist")
    assert fault(sns, "GetTopicAttributes", TopicArn="not-an-arn").code == "InvalidParameter"


def test_publish_records_and_validates(sns: SNS) -> None:
    arn = sns_call(sns, "CreateTopic", Name="t")["TopicArn"]
    sent = sns_call(sns, "Publish", TopicArn=arn, Message="hello", Subject="s")
    assert sns.published[-1].message_id == sent["MessageId"] and sns.published[-1].message == "hello"
    missing = fault(sns, "Publish", TopicArn=ARN + "missing", Message="x")
    assert (missing.code, missing.status, missing.message) == ("NotFound", 404, "Topic does not exist")
    assert fault(sns, "Publish", TopicArn=arn, Message="").message == "Invalid parameter: Empty message"
    assert fault(sns, "Publish", TopicArn=arn, Message="x" * (256 * 1024 + 1)).code == "InvalidParameter"
    assert fault(sns, "Publish", TopicArn=arn, Message="x", Subject="a\nb").code == "InvalidParameter"
    assert fault(sns, "Publish", TopicArn=arn, Message="{}", MessageStructure="json").code == "InvalidParameter"
    assert fault(sns, "Publish", Message="x").code == "InvalidParameter"
    assert len(sns.published) == 1


def test_fifo_topic_publish(sns: SNS) -> None:
    fifo = {"Attributes.entry.1.key": "FifoTopic", "Attributes.entry.1.value": "true"}
    arn = sns_call(sns, "CreateTopic", Name="t.fifo", **fifo)["TopicArn"]
    assert fault(sns, "Publish", TopicArn=arn, Message="x").code == "InvalidParameter"
    one = sns_call(sns, "Publish", TopicArn=arn, Message="x", MessageGroupId="g", MessageDeduplicationId="d")
    two = sns_call(sns, "Publish", TopicArn=arn, Message="x", MessageGroupId="g", MessageDeduplicationId="d")
    assert one["MessageId"] == two["MessageId"] and one["SequenceNumber"]


def test_subscriptions(sns: SNS) -> None:
    arn = sns_call(sns, "CreateTopic", Name="t")["TopicArn"]
    queue = "arn:aws:sqs:us-east-1:123456789012:q"
    sub = sns_call(sns, "Subscribe", TopicArn=arn, Protocol="sqs", Endpoint=queue)["SubscriptionArn"]
    assert sub.startswith(arn + ":")
    assert sns_call(sns, "Subscribe", TopicArn=arn, Protocol="sqs", Endpoint=queue)["SubscriptionArn"] == sub
    pending = sns_call(sns, "Subscribe", TopicArn=arn, Protocol="https", Endpoint="https://example.com/hook")
    assert pending == {"SubscriptionArn": "pending confirmation"}
    assert fault(sns, "Subscribe", TopicArn=arn, Protocol="carrier-pigeon", Endpoint="x").code == "InvalidParameter"
    listed = sns_call(sns, "ListSubscriptionsByTopic", TopicArn=arn)["Subscriptions"]
    assert {s["Protocol"] for s in listed} == {"sqs", "https"}
    sns_call(sns, "Unsubscribe", SubscriptionArn=sub)
    assert fault(sns, "Unsubscribe", SubscriptionArn=sub).code == "NotFound"


@pytest.mark.parametrize(
    ("policy", "values", "expected"),
    [
        ({"kind": ["a", "b"]}, {"kind": "b"}, True),
        ({"kind": ["a"]}, {"kind": "c"}, False),
        ({"kind": ["a"]}, {}, False),
        ({"kind": [{"exists": False}]}, {}, True),
        ({"kind": [{"exists": True}]}, {}, False),
        ({"kind": [{"prefix": "ord"}]}, {"kind": "order"}, True),
        ({"kind": [{"suffix": "er"}]}, {"kind": "order"}, True),
        ({"kind": [{"equals-ignore-case": "ORDER"}]}, {"kind": "order"}, True),
        ({"kind": [{"anything-but": ["a", "b"]}]}, {"kind": "c"}, True),
        ({"kind": [{"anything-but": "c"}]}, {"kind": "c"}, False),
        ({"kind": [{"anything-but": {"prefix": "x"}}]}, {"kind": "xy"}, False),
        ({"n": [{"numeric": [">", 0, "<=", 5]}]}, {"n": 5.0}, True),
        ({"n": [{"numeric": [">", 0, "<=", 5]}]}, {"n": 6.0}, False),
        ({"n": [10]}, {"n": 10.0}, True),
        ({"tags": ["b"]}, {"tags": ["a", "b"]}, True),
        ({"a": ["x"], "b": ["y"]}, {"a": "x", "b": "z"}, False),
        ({"outer": {"inner": ["v"]}}, {"outer": {"inner": "v"}}, True),
        ({"kind": [{"anything-but": {}}]}, {"kind": "x"}, True),
        ({"n": [{"numeric": "x"}]}, {"n": 1.0}, False),
    ],
)
def test_filter_policies(policy: dict[str, Any], values: dict[str, Any], expected: bool) -> None:
    assert matches(policy, values) is expected


@pytest.mark.parametrize(
    "policy",
    [
        '{"a": [{}]}',
        '{"a": []}',
        '{"a": "x"}',
        '{"a": [{"regex": "x"}]}',
        '{"a": [{"prefix": "x", "suffix": "y"}]}',
        "[]",
    ],
)
def test_invalid_filter_policies(policy: str) -> None:
    with pytest.raises(Fault, match="InvalidParameter"):
        check_filter_policy(policy)


def test_published_keeps_the_newest_within_its_limit() -> None:
    class SmallSNS(SNS):
        published_limit = 3

    sns = new(SmallSNS)
    arn = sns_call(sns, "CreateTopic", Name="t")["TopicArn"]
    for n in range(5):
        sns_call(sns, "Publish", TopicArn=arn, Message=f"m{n}")
    assert [p.message for p in sns.published] == ["m2", "m3", "m4"] and sns.published.dropped == 2


def test_a_long_well_formed_topic_arn_is_checked_but_not_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The remembered ARNs are bounded in size as well as number: a stranger's megabyte-long ARN, well-formed by the
    pattern (which limits no length), is refused as NotFound by the topic lookup and kept nowhere."""
    from awsfake.services.sns import params

    monkeypatch.setattr(params, "_WELL_FORMED", set())  # room to remember, whatever other tests named before
    sns = new(SNS)
    long_arn = ARN + "t" * 1_000_000
    assert fault(sns, "Publish", TopicArn=long_arn, Message="m").code == "NotFound"
    assert fault(sns, "GetTopicAttributes", TopicArn=long_arn).code == "NotFound"
    assert long_arn not in params._WELL_FORMED
    short_arn = sns_call(sns, "CreateTopic", Name="short")["TopicArn"]
    sns_call(sns, "Publish", TopicArn=short_arn, Message="m")
    assert short_arn in params._WELL_FORMED
