"""Lambda through moto, with functions that run: Invoke of a Python function runs its handler for real.

moto keeps the functions (CreateFunction, GetFunction, ... are moto's); moto alone can only echo a payload without
Docker. Invoke looks the function up in moto, runs it with `awsfake.lambda_runtime` as its execution role (a
session minted in the fake's key registry, so the handler's own SDK calls come back verified), writes its log to
CloudWatch Logs (moto's), and answers as Lambda does: the payload, `X-Amz-Function-Error`, the `LogResult` tail.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from awsfake.catalogue import ServiceModel
from awsfake.errors import Fault
from awsfake.lambda_runtime import (
    Credentials,
    FunctionSpec,
    InvalidPackage,
    InvalidRequestContent,
    Invocation,
    LambdaRuntime,
    UnsupportedRuntime,
)
from awsfake.services import Call, Result
from awsfake.services.moto_service import MotoService

if TYPE_CHECKING:
    from awsfake.accounts import Accounts
    from awsfake.services import Peers
    from awsfake.store.saved import Store

__all__ = ["LambdaService"]

_SESSION_SECONDS = 3600


class LambdaService(MotoService):
    def __init__(self, accounts: Accounts, peers: Peers | None, store: Store | None, model: ServiceModel) -> None:
        self.runtime = LambdaRuntime()
        super().__init__(accounts, peers, store, model)

    def reset(self) -> None:
        super().reset()
        self.runtime.close()

    def operation(self, action: str) -> Callable[[Call], Result] | None:
        return self.invoke if action == "Invoke" else super().operation(action)

    def invoke(self, call: Call) -> Result:
        function = _moto_function(call)
        if function is None:  # no such function (moto words the error) or a container image
            return self.forward(call)
        spec = _spec(function, call.region)
        credentials = self._role_credentials(function, call.caller.account_id)
        kind = str(call.params.get("InvocationType") or "RequestResponse")
        if kind == "DryRun":
            return Result(b"", status=204)
        event = bytes(call.params.get("Payload") or b"")
        run = self._runner(spec, event, credentials, f"http://{call.host}", call)
        if kind == "Event":  # as on Lambda, the caller hears nothing of how an asynchronous run ends
            threading.Thread(target=_quietly, args=(run,), daemon=True).start()
            return Result(b"", status=202)
        invocation = run()
        headers = {"Content-Type": "application/json", "X-Amz-Executed-Version": spec.version}
        if invocation.function_error:
            headers["X-Amz-Function-Error"] = invocation.function_error
        if call.params.get("LogType") == "Tail":
            headers["X-Amz-Log-Result"] = invocation.log_tail
        return Result(invocation.payload, status=200, headers=headers)

    def _runner(
        self, spec: FunctionSpec, event: bytes, credentials: Credentials, endpoint: str, call: Call
    ) -> Callable[[], Invocation]:
        def run() -> Invocation:
            try:
                invocation = self.runtime.invoke(
                    spec, event, credentials, endpoint_url=endpoint, client_context=_context(call)
                )
            except UnsupportedRuntime as exc:
                raise Fault("InvalidRuntimeException", str(exc), 502) from None
            except InvalidRequestContent as exc:
                raise Fault("InvalidRequestContentException", str(exc), 400) from None
            except InvalidPackage as exc:
                raise Fault("InvalidZipFileException", str(exc), 502) from None
            _write_log(call.caller.account_id, spec, invocation)
            return invocation

        return run

    def _role_credentials(self, function: Any, account_id: str) -> Credentials:
        """A session for the function's execution role, valid at the fake (the role's account is the caller's)."""
        role_name = str(function.role).rsplit("/", 1)[-1]
        session = self.accounts.mint_session(
            account_id=account_id,
            arn=f"arn:aws:sts::{account_id}:assumed-role/{role_name}/{function.function_name}",
            user_id=f"AROA{hashlib.sha256(str(function.role).encode()).hexdigest()[:17].upper()}:{function.function_name}",
            duration_seconds=_SESSION_SECONDS,
        )
        return Credentials(session.access_key_id, session.secret_access_key, session.session_token or "")


def _moto_function(call: Call) -> Any:
    from moto.awslambda.models import lambda_backends
    from werkzeug.exceptions import HTTPException

    backend = lambda_backends[call.caller.account_id][call.region]
    try:
        function = backend.get_function(str(call.params.get("FunctionName", "")), call.params.get("Qualifier"))
    except HTTPException:  # moto's not-found errors; forwarding lets moto answer them in its words
        return None
    return function if function.package_type == "Zip" else None


def _quietly(run: Callable[[], Invocation]) -> None:
    with contextlib.suppress(Fault):
        run()


def _spec(function: Any, region: str) -> FunctionSpec:
    return FunctionSpec(
        name=function.function_name,
        arn=function.function_arn,
        runtime=str(function.run_time or ""),
        handler=str(function.handler or ""),
        code=bytes(function.code_bytes),
        role=str(function.role),
        region=region,
        timeout=float(function.timeout),
        memory_mb=int(function.memory_size),
        version=str(function.version),
        environment=dict(function.environment_vars or {}),
    )


def _context(call: Call) -> str | None:
    import base64

    encoded = call.params.get("ClientContext")
    if not encoded:
        return None
    try:
        return base64.b64decode(str(encoded)).decode()
    except ValueError:
        return None


def _write_log(account_id: str, spec: FunctionSpec, invocation: Invocation) -> None:
    """The invocation's log into CloudWatch Logs (moto's), in the function's group, one event per line."""
    from moto.logs.models import logs_backends

    logs = logs_backends[account_id][spec.region]
    logs.ensure_log_group(spec.log_group)
    logs.create_log_stream(spec.log_group, invocation.log_stream)
    now = int(time.time() * 1000)
    events = [{"timestamp": now, "message": line} for line in invocation.log.splitlines()]
    logs.put_log_events(spec.log_group, invocation.log_stream, events)
