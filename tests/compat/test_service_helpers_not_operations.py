"""A service's own helpers (`handle`, `route`, SNS's `notify`, SQS's `deliver` and `touch_queue`, ...) are public
methods named like operations; a signed request naming one as its action is an unknown operation, as on AWS, not an
InternalError from the helper called with a request."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from endpoint_helpers import client, served

pytestmark = pytest.mark.timeout(120)

# service -> a harmless operation boto3 sends (its method, its name as sent)
HARMLESS = {
    "sqs": ("list_queues", "ListQueues"),
    "sns": ("list_topics", "ListTopics"),
    "sts": ("get_caller_identity", "GetCallerIdentity"),
}
CASES = [
    # (service, the helper named instead of the harmless operation)
    *[("sqs", helper) for helper in ("Handle", "Deliver", "TouchQueue", "OperationFor")],
    *[("sns", helper) for helper in ("Notify", "Route")],
    *[("sts", helper) for helper in ("Handle", "StateOf")],
    # attributes that are callables but no methods (the endpoint's service lookup), and the contract's other names
    ("sts", "Peers"),
    ("sqs", "Peers"),
    ("sns", "Reset"),
    ("sqs", "Restore"),
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


@pytest.mark.parametrize(("service", "helper"), CASES)
def test_a_helper_named_as_the_action_is_an_unknown_operation(service: str, helper: str) -> None:
    method, sent = HARMLESS[service]
    with served() as (fake, url):
        unknown = _error(service, method, sent, url, "NoSuchOperation")
        assert unknown[1] == 400
        assert _error(service, method, sent, url, helper) == unknown
        assert fake.errors == []
