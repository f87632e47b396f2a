"""Lambda functions with a Python runtime, run for real: each invocation in a subprocess of this interpreter.

    runtime = LambdaRuntime()
    outcome = runtime.invoke(spec, b'{"n": 2}', credentials, endpoint_url=fake_url)
    outcome.payload, outcome.function_error, outcome.log_tail

The handler gets the event, a context object like Lambda's, the function's environment variables and temporary
credentials for its execution role (its SDK calls come back to the fake at `endpoint_url`); the timeout is
enforced; what it prints is the invocation's log; a failure comes back as Lambda reports it. Other runtimes raise
`UnsupportedRuntime`, whose message says what is supported.
"""

from __future__ import annotations

from awsfake.lambda_runtime.function import LOG_TAIL_BYTES, Credentials, FunctionSpec, Invocation, UnsupportedRuntime
from awsfake.lambda_runtime.runner import InvalidPackage, InvalidRequestContent, LambdaRuntime

__all__ = [
    "LOG_TAIL_BYTES",
    "Credentials",
    "FunctionSpec",
    "InvalidPackage",
    "InvalidRequestContent",
    "Invocation",
    "LambdaRuntime",
    "UnsupportedRuntime",
]
