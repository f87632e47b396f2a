"""Running one invocation: unpack the package (once per package), start the handler's process, enforce the
timeout, collect the log and the outcome.

The handler runs in a fresh subprocess of this interpreter (`bootstrap.py`), in its own process group so that a
timeout ends whatever the handler started. Lambda's two clocks are kept apart: importing the handler's module is
the init phase (up to `init_timeout`), the call itself has the function's timeout.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from awsfake.lambda_runtime.environment import environment, log_stream_name
from awsfake.lambda_runtime.function import Credentials, FunctionSpec, Invocation, UnsupportedRuntime

__all__ = ["InvalidPackage", "InvalidRequestContent", "LambdaRuntime"]

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
_STARTED = b"S"
_BAD_ZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."


class InvalidRequestContent(ValueError):
    """The payload is not JSON (Lambda's InvalidRequestContentException)."""


class InvalidPackage(ValueError):
    """The deployment package is not a zip file (Lambda's InvalidZipFileException)."""


@dataclass
class _Outcome:
    report: bytes = b""
    phase: str = "init"  # init -> run -> done, or timed out in one of the first two
    timed_out: bool = False


class LambdaRuntime:
    """Runs Python handlers in subprocesses; unpacked packages are kept (by content) until `close()`."""

    def __init__(self, *, init_timeout: float = 10.0) -> None:
        self.init_timeout = init_timeout
        self._lock = threading.Lock()
        self._root: Path | None = None
        self._unpacked: dict[str, Path] = {}

    def close(self) -> None:
        with self._lock:
            root, self._root = self._root, None
            self._unpacked.clear()
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)

    def invoke(
        self,
        spec: FunctionSpec,
        event: bytes,
        credentials: Credentials,
        *,
        endpoint_url: str | None = None,
        client_context: str | None = None,
    ) -> Invocation:
        """Run `spec`'s handler on `event` (JSON bytes; empty means `{}`) and report as Lambda does."""
        if not spec.runtime.startswith("python3"):
            raise UnsupportedRuntime(spec.runtime)
        _check_json(event)
        code_dir = self._code_dir(spec.code)
        request_id = str(uuid.uuid4())
        stream = log_stream_name(spec)
        env = environment(
            spec,
            code_dir,
            credentials,
            endpoint_url=endpoint_url,
            request_id=request_id,
            log_stream=stream,
            client_context=client_context,
        )
        started = time.monotonic()
        output, outcome, exit_status, max_rss_kb = self._run(spec, event, code_dir, env)
        duration_ms = (time.monotonic() - started) * 1000
        payload, function_error, extra_log = _result(outcome, exit_status, request_id, spec.timeout)
        log = _log(spec, request_id, output + extra_log, duration_ms, max_rss_kb)
        return Invocation(request_id, payload, function_error, log, stream, duration_ms)

    def _code_dir(self, code: bytes) -> Path:
        digest = hashlib.sha256(code).hexdigest()
        with self._lock:
            if digest in self._unpacked:
                return self._unpacked[digest]
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="awsfake-lambda-"))
            target = self._root / digest[:32]
            try:
                with zipfile.ZipFile(BytesIO(code)) as archive:
                    archive.extractall(target)  # member names are sanitised: no absolute paths, no '..'
            except zipfile.BadZipFile:
                raise InvalidPackage(
                    "Could not unzip uploaded file. Please check your file, then try to upload again."
                ) from None
            self._unpacked[digest] = target
            return target

    def _run(
        self, spec: FunctionSpec, event: bytes, code_dir: Path, env: dict[str, str]
    ) -> tuple[str, _Outcome, int, int]:
        read_end, write_end = os.pipe()
        try:
            process = subprocess.Popen(
                [sys.executable, "-u", str(BOOTSTRAP), spec.handler, str(write_end)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=code_dir,
                env=env,
                pass_fds=(write_end,),
                start_new_session=True,
            )
        finally:
            os.close(write_end)
        output = bytearray()
        reader = threading.Thread(target=_drain, args=(process, output), daemon=True)
        reader.start()
        outcome: _Outcome | None = None
        try:
            _feed(process, event)
            outcome = _await_report(read_end, self.init_timeout, spec.timeout)
        finally:
            os.close(read_end)
            if outcome is None or outcome.timed_out:
                _kill(process)
        exit_status, max_rss_kb = _reap(process)
        reader.join(timeout=5)
        return output.decode("utf-8", "replace"), outcome, exit_status, max_rss_kb


def _check_json(event: bytes) -> None:
    if not event.strip():
        return
    try:
        json.loads(event)
    except (ValueError, RecursionError) as exc:
        raise InvalidRequestContent(f"Could not parse request body into json: {exc}") from None


def _feed(process: subprocess.Popen[bytes], event: bytes) -> None:
    assert process.stdin is not None
    try:
        process.stdin.write(event)
        process.stdin.close()
    except BrokenPipeError:  # the process died before reading its event; its exit status tells why
        pass


def _drain(process: subprocess.Popen[bytes], into: bytearray) -> None:
    assert process.stdout is not None
    fd = process.stdout.fileno()
    for chunk in iter(lambda: os.read(fd, 65536), b""):
        into.extend(chunk)


def _await_report(fd: int, init_timeout: float, timeout: float) -> _Outcome:
    """Read the report pipe to its end, with the init clock until the handler starts, then the call's clock."""
    outcome = _Outcome()
    deadline = time.monotonic() + init_timeout
    while True:
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(0.0, remaining))
        if not ready:
            outcome.timed_out = True
            return outcome
        chunk = os.read(fd, 65536)
        if not chunk:
            outcome.phase = "done"
            return outcome
        if outcome.phase == "init" and chunk.startswith(_STARTED):
            outcome.phase = "run"
            deadline = time.monotonic() + timeout
            chunk = chunk[len(_STARTED) :]
        outcome.report += chunk


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(process.pid, signal.SIGKILL)


def _reap(process: subprocess.Popen[bytes], grace: float = 2.0) -> tuple[int, int]:
    """The exit status and peak memory (KiB) of the process, which has reported: it gets `grace` seconds to exit."""
    deadline = time.monotonic() + grace
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() >= deadline:
            _kill(process)
            _, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.005)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
    return process.returncode, int(usage.ru_maxrss)


def _result(outcome: _Outcome, exit_status: int, request_id: str, timeout: float) -> tuple[bytes, str | None, str]:
    """(payload, function error, lines the runtime adds to the log)."""
    if outcome.timed_out:
        message = f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        line = f"{stamp}.000Z {request_id} Task timed out after {timeout:.2f} seconds\n"
        return _error_payload("Sandbox.Timedout", message), "Unhandled", line
    try:
        report: dict[str, Any] = json.loads(outcome.report)
    except ValueError:
        status = f"signal: {signal.Signals(-exit_status).name}" if exit_status < 0 else f"exit status {exit_status}"
        message = f"RequestId: {request_id} Error: Runtime exited with error: {status}"
        return _error_payload("Runtime.ExitError", message), "Unhandled", message + "\n"
    if "error" in report:
        return json.dumps(report["error"]).encode(), "Unhandled", ""
    return str(report["payload"]).encode(), None, ""


def _error_payload(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def _log(spec: FunctionSpec, request_id: str, output: str, duration_ms: float, max_rss_kb: int) -> str:
    if output and not output.endswith("\n"):
        output += "\n"
    billed = math.ceil(duration_ms)
    report = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed} ms\t"
        f"Memory Size: {spec.memory_mb} MB\tMax Memory Used: {max(1, max_rss_kb // 1024)} MB\t\n"
    )
    return f"START RequestId: {request_id} Version: {spec.version}\n{output}END RequestId: {request_id}\n{report}"
