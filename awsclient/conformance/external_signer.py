"""`--signer CMD`: put someone else's signer through the aws-c-auth layout cases, over stdin and stdout.

For each case and each mode it has expected files for, the command (split like a shell would, run without one)
gets one JSON object on stdin and must print the signed request as one JSON object on
stdout and exit 0. The protocol is in docs/conformance.md; in short, stdin holds `mode` ("header" or "query"),
`method`, `path` and `query` (as in the request line, still percent-encoded), `headers` ([name, value] pairs in
order), `body` (base64), `credentials` (`access_key_id`, `secret_access_key`, `session_token` or null),
`region`, `service`, `timestamp` (basic ISO 8601, `20150830T123600Z`) and `options` (`normalize`, `sign_body`,
`omit_session_token`, `expiration_in_seconds`); stdout holds `method`, `path`, `query`, `headers` and optionally
`body` (base64) of the signed request. It is compared with the case's `MODE-signed-request.txt` as a verifier
reads it (`request_text.differences`), or with awsclient's signing when the command line overrides the context.
"""

from __future__ import annotations

import base64
import binascii
import json
import shlex
import subprocess
from pathlib import Path
from typing import Any

from awsclient.conformance import crt_suite
from awsclient.conformance.overrides import Overrides, crt_cases
from awsclient.conformance.request_text import RawRequest, differences
from awsclient.conformance.tally import Tally

__all__ = ["request_for", "run", "signed_from"]

TIMEOUT_SECONDS = 30
_SHOWN_OUTPUT = 400  # characters of a failing signer's stderr or stdout quoted in the report


def request_for(case: crt_suite.Case, mode: str) -> dict[str, Any]:
    """The JSON object the signer reads for `case` in `mode`."""
    context, request = case.context, case.request
    return {
        "mode": mode,
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "headers": [[name, value.strip()] for name, value in request.headers],
        "body": base64.b64encode(request.body).decode("ascii"),
        "credentials": {
            "access_key_id": context.access_key_id,
            "secret_access_key": context.secret_access_key,
            "session_token": context.session_token,
        },
        "region": context.region,
        "service": context.service,
        "timestamp": context.timestamp,
        "options": context.options(),
    }


def signed_from(output: str) -> RawRequest:
    """The signed request a signer printed; ValueError when it is not the protocol's JSON object."""
    try:
        data = json.loads(output)
    except json.JSONDecodeError as exc:
        raise ValueError(f"stdout is not JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ValueError("stdout is not a JSON object")
    method, path, query, headers = (data.get(key) for key in ("method", "path", "query", "headers"))
    if not (isinstance(method, str) and isinstance(path, str) and isinstance(query or "", str)):
        raise ValueError("`method` and `path` must be strings, `query` a string or absent")
    if not isinstance(headers, list) or not all(_is_pair(pair) for pair in headers):
        raise ValueError("`headers` must be a list of [name, value] string pairs")
    try:
        body = base64.b64decode(data.get("body") or "", validate=True)
    except (binascii.Error, TypeError):
        raise ValueError("`body` must be base64") from None
    return RawRequest(method, path, query or "", [(name, value) for name, value in headers], body)


def _is_pair(pair: object) -> bool:
    return isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair)


def check(command: list[str], case: crt_suite.Case, mode: str, *, use_files: bool = True) -> str | None:
    """None when the command signs `case` in `mode` as expected, else what went wrong."""
    expected = case.expected_request(mode) if use_files else None
    if expected is None:
        expected = crt_suite.sign(case.request, case.context, mode).request
    try:
        done = subprocess.run(
            command,
            input=json.dumps(request_for(case, mode)),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"the signer did not answer within {TIMEOUT_SECONDS} s"
    except OSError as exc:
        return f"cannot run the signer: {exc}"
    if done.returncode != 0:
        return f"the signer exited with status {done.returncode}: {done.stderr.strip()[:_SHOWN_OUTPUT]}"
    try:
        signed = signed_from(done.stdout)
    except ValueError as exc:
        return f"{exc}: {done.stdout.strip()[:_SHOWN_OUTPUT]!r}"
    found = differences(expected, signed)
    return "signed request differs\n  " + "\n  ".join(found) if found else None


def run(root: Path, command: str, overrides: Overrides, tally: Tally) -> Tally:
    argv = shlex.split(command)
    use_files = not overrides.given()
    for case in crt_cases(root, tally, overrides):
        for mode in case.modes:
            tally.record(f"{case.name} {mode}", check(argv, case, mode, use_files=use_files))
    return tally
