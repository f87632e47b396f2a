"""Amazon SNS: topics and publishing, thin over `awsclient.request` (query protocol)."""

from __future__ import annotations

from collections.abc import Mapping

from awsclient import _query, _xml

__all__ = ["VERSION", "create_topic", "delete_topic", "list_topics", "publish"]

VERSION = "2010-03-31"


def create_topic(name: str, *, attributes: Mapping[str, str] | None = None, region: str | None = None) -> str:
    """Create the topic (or find it: CreateTopic is idempotent) and return its ARN."""
    params = [("Name", name)]
    for n, (key, value) in enumerate((attributes or {}).items(), 1):
        params += [(f"Attributes.entry.{n}.key", key), (f"Attributes.entry.{n}.value", value)]
    result = _query.call("sns", "CreateTopic", VERSION, params, region=region)
    return _xml.find_text(result, "TopicArn") or ""


def list_topics(*, region: str | None = None) -> list[str]:
    """Every topic's ARN, following NextToken through all pages."""
    arns: list[str] = []
    token: str | None = None
    while True:
        result = _query.call("sns", "ListTopics", VERSION, [("NextToken", token)] if token else [], region=region)
        arns += _xml.find_all_text(result, "Topics/member/TopicArn")
        token = _xml.find_text(result, "NextToken")
        if not token:
            return arns


def publish(
    topic_arn: str,
    message: str,
    *,
    subject: str | None = None,
    attributes: Mapping[str, str] | None = None,
    region: str | None = None,
) -> str:
    """Publish `message` (with string message attributes, if any) and return the message id."""
    params = [("TopicArn", topic_arn), ("Message", message)]
    if subject is not None:
        params.append(("Subject", subject))
    for n, (key, value) in enumerate((attributes or {}).items(), 1):
        prefix = f"MessageAttributes.entry.{n}"
        params += [(f"{prefix}.Name", key), (f"{prefix}.Value.DataType", "String")]
        params.append((f"{prefix}.Value.StringValue", value))
    result = _query.call("sns", "Publish", VERSION, params, region=region)
    return _xml.find_text(result, "MessageId") or ""


def delete_topic(topic_arn: str, *, region: str | None = None) -> None:
    _query.call("sns", "DeleteTopic", VERSION, [("TopicArn", topic_arn)], region=region)
