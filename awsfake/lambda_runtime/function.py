"""What an invocation needs to know about a function, and what it gives back."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["LOG_TAIL_BYTES", "Credentials", "FunctionSpec", "Invocation", "UnsupportedRuntime"]

LOG_TAIL_BYTES = 4096


class UnsupportedRuntime(Exception):
    """A function whose runtime cannot run here; the message names what is supported."""

    def __init__(self, runtime: str) -> None:
        super().__init__(
            f"awsfake runs Lambda functions with a Python runtime (python3.x) in the local interpreter; "
            f"runtime {runtime or '(none: a container image)'} is not supported. "
            f"Answer Invoke with fake.stub('lambda', 'Invoke', ...) instead."
        )
        self.runtime = runtime


@dataclass(frozen=True)
class Credentials:
    """Temporary credentials for the function's execution role (the handler's SDK finds them in its environment)."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(default="", repr=False)


@dataclass(frozen=True)
class FunctionSpec:
    """A function as CreateFunction left it: `code` is the deployment package (a zip), `timeout` in seconds."""

    name: str
    arn: str
    runtime: str
    handler: str
    code: bytes = field(repr=False)
    role: str = ""
    region: str = "us-east-1"
    timeout: float = 3.0
    memory_mb: int = 128
    version: str = "$LATEST"
    environment: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"


@dataclass(frozen=True)
class Invocation:
    """The outcome of one invocation, as Lambda reports it.

    `payload`: the handler's result as JSON, or Lambda's error document; `function_error`: "Unhandled" when the
    handler failed (the X-Amz-Function-Error header), else None; `log`: the whole log of the invocation (START,
    the handler's output, END, REPORT lines); `log_stream`: the CloudWatch Logs stream it belongs in.
    """

    request_id: str
    payload: bytes
    function_error: str | None
    log: str
    log_stream: str
    duration_ms: float

    @property
    def log_tail(self) -> str:
        """The last 4 KiB of the log, base64-encoded: Invoke's `LogResult` with `LogType=Tail`."""
        return base64.b64encode(self.log.encode()[-LOG_TAIL_BYTES:]).decode()
