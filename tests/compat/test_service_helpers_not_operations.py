"""A service's own helpers (`handle`, `route`, SNS's `notify`, SQS's `deliver` and `touch_queue`, ...) are public
methods named like operations; a signed request naming one as its action is an unknown operation, as on AWS, not an
InternalError from the helper called with a request."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from endpoint_helpers import client, served

pytestmark = pytest.mark.timeout(120)

CASES = [
    # (service, a harmless operation boto3 sends, its name as sent, the helper named instead)
    ("sqs", "list_queues", "ListQueues", "Handle"),
    ("sqs", "list_queues", "ListQueues", "Deliver"),
    ("sqs", "list_queues", "ListQueues", "TouchQueue"),
    ("sqs", "list_queues", "ListQueues", "OperationFor"),
    ("sns", "list_topics", "ListTopics", "Notify"),
    ("sns", "list_topics", "ListTopics", "Route"),
    ("sts", "get_caller_identity", "GetCallerIdentity", "Handle"),
    ("sts", "get_caller_identity", "GetCallerIdentity", "StateOf"),
    # attributes that are callables but no methods (the endpoint's service lookup), and the contract's other names
    ("sts", "get_caller_identity", "GetCallerIdentity", "Peers"),
    ("sqs", "list_queues", "ListQueues", "Peers"),
    ("sns", "list_topics", "ListTopics", "Reset"),
    ("sqs", "list_queues", "ListQueues", "Restore"),
]


def _renaming(sent: str, action: str) -> Any:
    """A before-sign hook naming `action` where boto3 wrote `sent` (the JSON target or the query form's Action)."""

    def rename(request: Any, **_: object) -> None:
        target = request.headers.get("X-Amz-Target")
        if target is not None:
            request.headers.replace_header("X-Amz-Target", target.replace(sent, action))
        elif isinstance(request.data, dict):
            request.data["Action"] = action
        else:
            body = request.data if isinstance(request.data, str) else request.data.decode()
            request.data = body.replace(f"Action={sent}", f"Action={action}")

    return rename


def _error(service: str, method: str, sent: str, url: str, action: str) -> tuple[str, int]:
    aws = client(url, service)
    aws.meta.events.register(f"before-sign.{service}.{sent}", _renaming(sent, action))
    with pytest.raises(ClientError) as excinfo:
        getattr(aws, method)()
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.mark.parametrize(("service", "method", "sent", "helper"), CASES)
def test_a_helper_named_as_the_action_is_an_unknown_operation(
    service: str, method: str, sent: str, helper: str
) -> None:
    with served() as (fake, url):
        unknown = _error(service, method, sent, url, "NoSuchOperation")
        assert unknown[1] == 400
        assert _error(service, method, sent, url, helper) == unknown
        assert fake.errors == []
