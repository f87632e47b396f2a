"""The environment a function's process sees: Lambda's reserved variables, the function's own, nothing of ours.

The parent's environment is not inherited: real credentials, profiles or settings of the machine running the tests
must never reach a handler. The handler's SDK finds the execution role's credentials, the region and the fake's
URL (`AWS_ENDPOINT_URL`) in the variables, and no shared config or credentials file.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from awsfake.lambda_runtime.function import Credentials, FunctionSpec

__all__ = ["environment", "log_stream_name"]

_PASSED_THROUGH = ("PATH", "SYSTEMROOT")  # enough to start the interpreter, nothing that configures AWS


def log_stream_name(spec: FunctionSpec) -> str:
    return time.strftime("%Y/%m/%d", time.gmtime()) + f"/[{spec.version}]" + secrets.token_hex(16)


def environment(
    spec: FunctionSpec,
    code_dir: Path,
    credentials: Credentials,
    *,
    endpoint_url: str | None,
    request_id: str,
    log_stream: str,
    client_context: str | None = None,
) -> dict[str, str]:
    """The variables of one invocation's process: the function's own first, Lambda's reserved ones over them."""
    env = {name: os.environ[name] for name in _PASSED_THROUGH if name in os.environ}
    env.update(spec.environment)
    missing = str(code_dir / ".no-aws-config")
    env.update(
        {
            "_HANDLER": spec.handler,
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_ACCESS_KEY_ID": credentials.access_key_id,
            "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
            "AWS_CONFIG_FILE": missing,
            "AWS_SHARED_CREDENTIALS_FILE": missing,
            "AWS_EC2_METADATA_DISABLED": "true",
            "LAMBDA_TASK_ROOT": str(code_dir),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PYTHONUNBUFFERED": "1",
            "_AWSFAKE_REQUEST_ID": request_id,
            "_AWSFAKE_INVOKED_ARN": spec.arn,
            "_AWSFAKE_TIMEOUT": str(spec.timeout),
        }
    )
    if credentials.session_token:
        env["AWS_SESSION_TOKEN"] = credentials.session_token
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    if client_context:
        env["_AWSFAKE_CLIENT_CONTEXT"] = client_context
    return env
