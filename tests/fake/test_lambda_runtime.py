"""Python Lambda handlers run for real: real zips, real subprocesses, and their SDK calls come back to a served fake."""

from __future__ import annotations

import base64
import io
import json
import textwrap
import time
import zipfile
from collections.abc import Iterator

import pytest
from endpoint_helpers import served

from awsfake.lambda_runtime import (
    LOG_TAIL_BYTES,
    Credentials,
    FunctionSpec,
    InvalidPackage,
    InvalidRequestContent,
    LambdaRuntime,
    UnsupportedRuntime,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:calc"
ROLE_CREDENTIALS = Credentials("ASIAROLEFORLAMBDA000", "role-secret", "role-token")


def package(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, textwrap.dedent(text))
    return buffer.getvalue()


def spec(code: str | dict[str, str], handler: str = "app.handler", **kw: object) -> FunctionSpec:
    files = {"app.py": code} if isinstance(code, str) else code
    return FunctionSpec("calc", ARN, str(kw.pop("runtime", "python3.12")), handler, package(files), **kw)  # type: ignore[arg-type]


@pytest.fixture
def runtime() -> Iterator[LambdaRuntime]:
    running = LambdaRuntime()
    yield running
    running.close()


def payload(outcome: object) -> object:
    return json.loads(outcome.payload)  # type: ignore[attr-defined]


def test_handler_returns_a_value_computed_from_the_event(runtime: LambdaRuntime) -> None:
    code = """
        def handler(event, context):
            return {"sum": sum(event["numbers"]), "request": context.aws_request_id}
    """
    outcome = runtime.invoke(spec(code), b'{"numbers": [1, 2, 39]}', ROLE_CREDENTIALS)
    assert outcome.function_error is None
    assert payload(outcome) == {"sum": 42, "request": outcome.request_id}


def test_context_object_carries_what_lambda_provides(runtime: LambdaRuntime) -> None:
    code = """
        def handler(event, context):
            return {
                "arn": context.invoked_function_arn,
                "name": context.function_name,
                "version": context.function_version,
                "memory": context.memory_limit_in_mb,
                "group": context.log_group_name,
                "stream": context.log_stream_name,
                "remaining": context.get_remaining_time_in_millis(),
            }
    """
    outcome = runtime.invoke(spec(code, timeout=5, memory_mb=256), b"", ROLE_CREDENTIALS)
    seen = payload(outcome)
    assert isinstance(seen, dict)
    assert (seen["arn"], seen["name"], seen["version"], seen["memory"]) == (ARN, "calc", "$LATEST", "256")
    assert (seen["group"], seen["stream"]) == ("/aws/lambda/calc", outcome.log_stream)
    assert 3000 < seen["remaining"] <= 5000


def test_environment_is_the_functions_and_lambdas_never_the_callers(
    runtime: LambdaRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "the-developers-real-profile")
    monkeypatch.setenv("CALLER_ONLY", "leak")
    code = """
        import os
        def handler(event, context):
            names = ["TABLE", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "AWS_PROFILE", "CALLER_ONLY",
                     "AWS_LAMBDA_FUNCTION_NAME", "AWS_ENDPOINT_URL"]
            return {name: os.environ.get(name) for name in names}
    """
    function = spec(code, environment={"TABLE": "orders"}, region="eu-west-1")
    outcome = runtime.invoke(function, b"{}", ROLE_CREDENTIALS, endpoint_url="http://127.0.0.1:4566")
    assert payload(outcome) == {
        "TABLE": "orders",
        "AWS_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "ASIAROLEFORLAMBDA000",
        "AWS_SESSION_TOKEN": "role-token",
        "AWS_PROFILE": None,
        "CALLER_ONLY": None,
        "AWS_LAMBDA_FUNCTION_NAME": "calc",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
    }


def test_handlers_sdk_calls_come_back_to_the_fake_with_the_role_credentials(runtime: LambdaRuntime) -> None:
    with served() as (fake, url):
        role = "arn:aws:sts::123456789012:assumed-role/calc-role/calc"
        minted = fake.accounts.mint_session(
            account_id="123456789012", arn=role, user_id="AROAEXAMPLE:calc", duration_seconds=900
        )
        credentials = Credentials(minted.access_key_id, minted.secret_access_key, minted.session_token or "")
        code = """
            import boto3
            def handler(event, context):
                return boto3.client("sts").get_caller_identity()["Arn"]
        """
        outcome = runtime.invoke(spec(code), b"{}", credentials, endpoint_url=url)
        assert payload(outcome) == role, outcome.log
        assert [(r.service, r.action, r.verified) for r in fake.requests] == [("sts", "GetCallerIdentity", True)]


def test_an_exception_comes_back_as_lambda_reports_it(runtime: LambdaRuntime) -> None:
    code = """
        def handler(event, context):
            check(event)

        def check(event):
            raise ValueError(f"bad order {event['id']}")
    """
    outcome = runtime.invoke(spec(code), b'{"id": 7}', ROLE_CREDENTIALS)
    assert outcome.function_error == "Unhandled"
    error = payload(outcome)
    assert isinstance(error, dict)
    assert (error["errorType"], error["errorMessage"], error["requestId"]) == (
        "ValueError",
        "bad order 7",
        outcome.request_id,
    )
    assert len(error["stackTrace"]) == 2 and "in handler\n    check(event)" in error["stackTrace"][0]
    assert "[ERROR] ValueError: bad order 7\nTraceback (most recent call last):" in outcome.log


@pytest.mark.parametrize(
    ("files", "handler", "error_type", "message"),
    [
        ({"app.py": "x = 1"}, "missing.handler", "Runtime.ImportModuleError", "Unable to import module 'missing'"),
        ({"app.py": "x = 1"}, "app.handler", "Runtime.HandlerNotFound", "Handler 'handler' missing on module 'app'"),
        (
            {"app.py": "def handler(e, c):\n    return object()"},
            "app.handler",
            "Runtime.MarshalError",
            "Unable to marshal",
        ),
        (
            {"app.py": "import sys\ndef handler(e, c):\n    sys.exit(3)"},
            "app.handler",
            "Runtime.ExitError",
            "exit status 3",
        ),
    ],
    ids=["import", "missing handler", "marshal", "exit"],
)
def test_runtime_failures_have_lambdas_error_types(
    runtime: LambdaRuntime, files: dict[str, str], handler: str, error_type: str, message: str
) -> None:
    outcome = runtime.invoke(spec(files, handler), b"{}", ROLE_CREDENTIALS)
    error = payload(outcome)
    assert outcome.function_error == "Unhandled"
    assert isinstance(error, dict) and error["errorType"] == error_type and message in error["errorMessage"]


def test_the_timeout_ends_the_handler_and_what_it_started(runtime: LambdaRuntime) -> None:
    code = """
        import subprocess, sys, time
        def handler(event, context):
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
            print("started", child.pid, flush=True)
            time.sleep(60)
    """
    began = time.monotonic()
    outcome = runtime.invoke(spec(code, timeout=1), b"{}", ROLE_CREDENTIALS)
    assert time.monotonic() - began < 15
    error = payload(outcome)
    assert isinstance(error, dict) and error["errorType"] == "Sandbox.Timedout"
    assert error["errorMessage"] == f"RequestId: {outcome.request_id} Error: Task timed out after 1.00 seconds"
    child = int(outcome.log.split("started ")[1].split()[0])
    assert _ended(child)


def _ended(pid: int) -> bool:
    """Gone, or a zombie waiting for whoever inherited it to reap it (it runs no more)."""
    for _ in range(50):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def test_import_time_is_not_counted_against_the_timeout(runtime: LambdaRuntime) -> None:
    """Lambda's init phase (importing the module) has its own clock; the timeout covers the call."""
    code = """
        import time
        time.sleep(1.5)
        def handler(event, context):
            return "ready"
    """
    outcome = runtime.invoke(spec(code, timeout=1), b"{}", ROLE_CREDENTIALS)
    assert payload(outcome) == "ready", outcome.log


def test_output_is_the_log_and_the_tail_is_its_last_4_kib(runtime: LambdaRuntime) -> None:
    code = """
        import sys
        def handler(event, context):
            print("to stdout")
            print("to stderr", file=sys.stderr)
            for i in range(400):
                print(f"line {i:04d} " + "x" * 20)
            return 1
    """
    outcome = runtime.invoke(spec(code), b"{}", ROLE_CREDENTIALS)
    lines = outcome.log.splitlines()
    assert lines[0] == f"START RequestId: {outcome.request_id} Version: $LATEST"
    assert lines[1:3] == ["to stdout", "to stderr"]
    assert lines[-2] == f"END RequestId: {outcome.request_id}"
    assert lines[-1].startswith(f"REPORT RequestId: {outcome.request_id}\tDuration: ")
    tail = base64.b64decode(outcome.log_tail)
    assert len(tail) == LOG_TAIL_BYTES and outcome.log.encode().endswith(tail)


def test_modules_are_found_in_the_package_before_anything_else(runtime: LambdaRuntime) -> None:
    """A package may hold modules named like the runtime's own files, and handlers in folders."""
    files = {
        "runner.py": "VALUE = 'mine'",
        "src/__init__.py": "",
        "src/app.py": "from runner import VALUE\ndef handler(event, context):\n    return VALUE",
    }
    outcome = runtime.invoke(spec(files, "src/app.handler"), b"{}", ROLE_CREDENTIALS)
    assert payload(outcome) == "mine", outcome.log


def test_other_runtimes_are_refused_naming_what_is_supported(runtime: LambdaRuntime) -> None:
    with pytest.raises(UnsupportedRuntime, match=r"Python runtime \(python3\.x\).*nodejs20\.x.*fake\.stub"):
        runtime.invoke(spec("", runtime="nodejs20.x"), b"{}", ROLE_CREDENTIALS)


def test_bad_input_is_refused_before_anything_runs(runtime: LambdaRuntime) -> None:
    with pytest.raises(InvalidRequestContent, match="Could not parse request body into json"):
        runtime.invoke(spec("def handler(e, c): pass"), b"{not json", ROLE_CREDENTIALS)
    broken = FunctionSpec("calc", ARN, "python3.12", "app.handler", b"not a zip")
    with pytest.raises(InvalidPackage, match="Could not unzip"):
        runtime.invoke(broken, b"{}", ROLE_CREDENTIALS)


def test_credentials_never_show_in_reprs() -> None:
    assert "role-secret" not in repr(ROLE_CREDENTIALS) and "role-token" not in repr(ROLE_CREDENTIALS)
