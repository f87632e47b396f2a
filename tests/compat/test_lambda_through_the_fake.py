"""Lambda through the fake with boto3: the corner cases of Invoke (the happy paths are in the downstream suite)."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from endpoint_helpers import client, served

from awsfake import FakeAWS

pytestmark = pytest.mark.slow


def _package(code: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", code)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def functions() -> Iterator[tuple[FakeAWS, Any]]:
    with served() as (fake, url):
        role = client(url, "iam").create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        made = client(url, "lambda")
        code = "def handler(event, context):\n    print('seen', event['n'])\n    return event['n']\n"
        for name, runtime in (("py", "python3.12"), ("node", "nodejs20.x")):
            made.create_function(
                FunctionName=name, Runtime=runtime, Role=role, Handler="app.handler", Code={"ZipFile": _package(code)}
            )
        yield fake, made
        fake.reset()


def test_a_missing_function_is_motos_not_found(functions: tuple[FakeAWS, Any]) -> None:
    with pytest.raises(ClientError) as missing:
        functions[1].invoke(FunctionName="nobody", Payload=b"{}")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_another_runtime_is_refused_naming_what_runs(functions: tuple[FakeAWS, Any]) -> None:
    with pytest.raises(ClientError) as refused:
        functions[1].invoke(FunctionName="node", Payload=b"{}")
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidRuntimeException"
    assert "python3.x" in error["Message"] and "nodejs20.x" in error["Message"] and "fake.stub" in error["Message"]


def test_a_payload_that_is_not_json_is_refused(functions: tuple[FakeAWS, Any]) -> None:
    with pytest.raises(ClientError) as refused:
        functions[1].invoke(FunctionName="py", Payload=b"{nope")
    assert refused.value.response["Error"]["Code"] == "InvalidRequestContentException"


def test_asynchronous_and_dry_run_invocations(functions: tuple[FakeAWS, Any]) -> None:
    fake, made = functions
    assert made.invoke(FunctionName="py", InvocationType="DryRun", Payload=b"{}")["StatusCode"] == 204
    assert made.invoke(FunctionName="py", InvocationType="Event", Payload=b'{"n": 7}')["StatusCode"] == 202
    logs = client(fake.url or "", "logs")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(e["message"] == "seen 7" for e in _logged(logs, "/aws/lambda/py")):
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the asynchronous run never logged")


def _logged(logs: Any, group: str) -> list[dict[str, Any]]:
    """The group's events; none while the group does not exist yet (the run writes it when it ends)."""
    try:
        events: list[dict[str, Any]] = logs.filter_log_events(logGroupName=group).get("events", [])
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        return []
    return events


def test_a_stub_still_wins_over_running_the_function(functions: tuple[FakeAWS, Any]) -> None:
    fake, made = functions
    fake.stub("lambda", "Invoke", body={"Payload": b'"stubbed"'}, times=1)
    assert json.loads(made.invoke(FunctionName="py", Payload=b'{"n": 1}')["Payload"].read()) == "stubbed"
    assert json.loads(made.invoke(FunctionName="py", Payload=b'{"n": 1}')["Payload"].read()) == 1
