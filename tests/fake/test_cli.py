"""`awsfake serve` as a real subprocess: export lines, a request log without secrets, clean stops."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from endpoint_helpers import client

pytestmark = [pytest.mark.timeout(90), pytest.mark.slow]  # `awsfake serve` subprocesses
ROOT = Path(__file__).resolve().parents[2]


def _start(*extra: str, module: str = "awsfake.cli") -> tuple[subprocess.Popen[str], dict[str, str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", module, "serve", "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    exports: dict[str, str] = {}
    assert process.stdout is not None
    while not {"AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(exports):
        line = process.stdout.readline()
        assert line, f"awsfake serve ended early: {process.stderr.read() if process.stderr else ''}"
        name, _, value = line.strip().removeprefix("export ").partition("=")
        exports[name] = value
    return process, exports


@pytest.fixture
def served_cli() -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    process, exports = _start("--access-key-id", "AKIDCLICLICLICLI0001", "--secret-access-key", "cli-secret-xyz")
    yield process, exports
    if process.poll() is None:
        process.kill()
        process.wait()


def test_prints_exports_logs_requests_and_stops_on_sigterm(
    served_cli: tuple[subprocess.Popen[str], dict[str, str]],
) -> None:
    process, exports = served_cli
    assert exports["AWS_ACCESS_KEY_ID"] == "AKIDCLICLICLICLI0001"
    assert exports["AWS_SECRET_ACCESS_KEY"] == "cli-secret-xyz"
    assert exports["AWS_DEFAULT_REGION"] == "us-east-1"
    assert exports["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    url = exports["AWS_ENDPOINT_URL"]
    with pytest.raises(ClientError) as excinfo:
        client(url, "sns", key="AKIDCLICLICLICLI0001", secret="wrong-secret").list_topics()
    assert excinfo.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    log = process.stderr.read() if process.stderr else ""
    assert "POST sns - 403 SignatureDoesNotMatch key=AKIDCLICLICLICLI0001" in log
    assert "cli-secret-xyz" not in log and "wrong-secret" not in log


def test_stops_on_sigint() -> None:
    process, exports = _start(module="awsfake")
    assert exports["AWS_ACCESS_KEY_ID"] == "AKIDFAKEFAKEFAKE1234"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=15) == 0


def test_refuses_a_remote_address_without_the_flag() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "awsfake.cli", "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        timeout=30,
    )
    assert result.returncode == 1 and "--allow-remote" in result.stderr


def test_aws_cli_against_the_served_fake(served_cli: tuple[subprocess.Popen[str], dict[str, str]]) -> None:
    process, exports = served_cli
    env = {**os.environ, **exports, "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    env.pop("AWS_PROFILE", None)
    result = subprocess.run(
        [sys.executable, "-m", "awscli", "sts", "get-caller-identity", "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    log_line = "POST sts GetCallerIdentity"
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=15)
    log = process.stderr.read() if process.stderr else ""
    assert log_line in log  # the request reached the fake and verified
    if "InvalidAction" in result.stderr:
        pytest.skip("no STS service in this branch yet; the signature verified")
    assert result.returncode == 0, result.stderr
    assert '"Account": "123456789012"' in result.stdout


def _stop_timed(process: subprocess.Popen[str]) -> float:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    return time.monotonic() - started


def test_the_default_port_is_4566() -> None:
    from awsfake.cli import _parser

    assert _parser().parse_args(["serve"]).port == 4566


def test_per_service_endpoint_variables_are_printed() -> None:
    process, _ = _start("--quiet")
    try:
        rest = [process.stdout.readline() for _ in range(4)] if process.stdout else []
    finally:
        _stop_timed(process)
    names = {line.split("=")[0].removeprefix("export ") for line in rest}
    assert {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_SNS", "AWS_ENDPOINT_URL_STS"} <= names


def test_sigterm_exits_within_half_a_second_once_requests_are_done() -> None:
    timings = []
    for _ in range(3):
        process, exports = _start("--quiet")
        client(exports["AWS_ENDPOINT_URL"], "sns").list_topics()  # a kept-alive connection stays open
        timings.append(_stop_timed(process))
    print(f"SIGTERM to exit: {', '.join(f'{t * 1000:.0f} ms' for t in timings)}")
    assert sorted(timings)[1] < 0.5, timings


def test_sigterm_waits_for_an_in_flight_request() -> None:
    process, exports = _start("--quiet")
    sqs = client(exports["AWS_ENDPOINT_URL"], "sqs")
    queue = sqs.create_queue(QueueName="in-flight")["QueueUrl"]
    answers: list[tuple[float, dict[str, object]]] = []

    def long_poll() -> None:  # the fake's long poll lasts 1 s (its max_wait_seconds)
        answer = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=20)
        answers.append((time.monotonic(), answer))

    worker = threading.Thread(target=long_poll)
    worker.start()
    time.sleep(0.3)
    signalled = time.monotonic()
    _stop_timed(process)
    exited = time.monotonic()
    worker.join(5)
    assert answers and "ResponseMetadata" in answers[0][1], "the in-flight request was answered"
    answered = answers[0][0]
    in_flight, exit_after = (answered - signalled) * 1000, (exited - answered) * 1000
    print(f"in flight {in_flight:.0f} ms after SIGTERM; exit {exit_after:.0f} ms later")
    assert answered - signalled > 0.4, "the stop waited for the in-flight request"
    # ~100 ms on a quiet machine (see the test above for the 0.5 s bar); a loaded CI box gets a looser bound here
    assert exited - answered < 1.5


def test_log_lines_stay_whole_under_16_concurrent_clients() -> None:
    process, exports = _start()
    url = exports["AWS_ENDPOINT_URL"]
    per_client = 25

    def work(n: int) -> None:
        sns = client(url, "sns")
        for _ in range(per_client):
            sns.list_topics()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _stop_timed(process)
    lines = (process.stderr.read() if process.stderr else "").splitlines()
    pattern = re.compile(r"POST sns ListTopics 200 OK key=AKIDFAKEFAKEFAKE1234")
    whole = [line for line in lines if pattern.fullmatch(line)]
    assert len(whole) == 16 * per_client and len(lines) == len(whole), [x for x in lines if not pattern.fullmatch(x)]


def test_tls_serve_prints_a_ca_bundle_the_aws_cli_trusts() -> None:
    process, exports = _start("--tls", "--quiet")
    try:
        assert exports["AWS_ENDPOINT_URL"].startswith("https://127.0.0.1:")
        env = {**os.environ, **exports, "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
        env.pop("AWS_PROFILE", None)
        result = subprocess.run(
            [sys.executable, "-m", "awscli", "s3api", "create-bucket", "--bucket", "tls-bucket"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        ca = Path(exports["AWS_CA_BUNDLE"])
        assert ca.exists()
    finally:
        _stop_timed(process)
    assert not ca.exists()  # the certificates live only as long as the server
