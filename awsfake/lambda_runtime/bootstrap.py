"""Run one Lambda handler invocation: the program a function's subprocess executes (standard library only).

    python bootstrap.py <handler> <report fd>

The event arrives on stdin. The handler's module is imported (Lambda's init phase), then `b"S"` is written to the
report pipe so the parent starts the timeout clock, then the handler runs with a context object like Lambda's.
The outcome goes to the report pipe as one JSON document: {"payload": <JSON text>} or {"error": {...}} in the
shape Lambda returns (errorMessage, errorType, stackTrace). Whatever the handler prints is the function's log.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The context object a Python handler receives, with the fields and method Lambda's runtime provides."""

    def __init__(self, started: float) -> None:
        env = os.environ
        self.aws_request_id = env["_AWSFAKE_REQUEST_ID"]
        self.invoked_function_arn = env["_AWSFAKE_INVOKED_ARN"]
        self.function_name = env["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = env["AWS_LAMBDA_FUNCTION_VERSION"]
        self.memory_limit_in_mb = env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = env["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = env["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        client_context = env.get("_AWSFAKE_CLIENT_CONTEXT")
        self.client_context = json.loads(client_context) if client_context else None
        self._deadline = started + float(env["_AWSFAKE_TIMEOUT"])

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _failure(error_type: str, message: str, stack: list[str]) -> dict[str, Any]:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": os.environ["_AWSFAKE_REQUEST_ID"],
        "stackTrace": stack,
    }


def _log_error(error: dict[str, Any], trace: str = "") -> None:
    """Lambda's Python runtime logs an unhandled error as `[ERROR] Type: message` and the traceback."""
    sys.stdout.flush()
    sys.stderr.write(f"[ERROR] {error['errorType']}: {error['errorMessage']}\n{trace}")
    sys.stderr.flush()


def _load(handler: str) -> Any:
    module_name, _, function_name = handler.rpartition(".")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except Exception as exc:
        message = f"Unable to import module '{module_name}': {exc}"
        raise _Failure(_failure("Runtime.ImportModuleError", message, [])) from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise _Failure(
            _failure("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'", [])
        )
    return function


class _Failure(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error["errorMessage"])
        self.error = error


def main() -> None:
    handler, report_fd = sys.argv[1], int(sys.argv[2])
    sys.path[0] = os.environ["LAMBDA_TASK_ROOT"]  # the function's code, not this file's folder, comes first
    event_text = sys.stdin.buffer.read().decode("utf-8") or "{}"
    with os.fdopen(report_fd, "wb", buffering=0) as report:
        try:
            function = _load(handler)
            report.write(b"S")
            started = time.monotonic()
            outcome = function(json.loads(event_text), LambdaContext(started))
            try:
                text = json.dumps(outcome)
            except (TypeError, ValueError) as exc:
                raise _Failure(_failure("Runtime.MarshalError", f"Unable to marshal response: {exc}", [])) from None
            result: dict[str, Any] = {"payload": text}
        except _Failure as failure:
            _log_error(failure.error)
            result = {"error": failure.error}
        except Exception as exc:
            frames = traceback.extract_tb(exc.__traceback__)[1:]  # the runtime's own frame is not the user's
            stack = traceback.format_list(frames)
            error = _failure(type(exc).__name__, str(exc), stack)
            _log_error(error, "Traceback (most recent call last):\n" + "".join(stack))
            result = {"error": error}
        sys.stdout.flush()
        sys.stderr.flush()
        report.write(json.dumps(result).encode())


if __name__ == "__main__":
    main()
