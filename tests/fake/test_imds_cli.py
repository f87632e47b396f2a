"""`awsfake serve --imds-port` as a real subprocess: the instance-metadata fake beside the endpoint, tied to it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

boto3 = pytest.importorskip("boto3")

pytestmark = [pytest.mark.timeout(90), pytest.mark.slow]  # `awsfake serve` subprocesses
ROOT = Path(__file__).resolve().parents[2]


def start(*extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "awsfake.cli", "serve", "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )


def read_exports(process: subprocess.Popen[str], count: int) -> dict[str, str]:
    exports: dict[str, str] = {}
    assert process.stdout is not None
    while len(exports) < count:
        line = process.stdout.readline()
        assert line, f"awsfake serve ended early: {process.stderr.read() if process.stderr else ''}"
        assert line.startswith("export ")
        name, _, value = line.strip().removeprefix("export ").partition("=")
        exports[name] = value
    return exports


@pytest.fixture
def served_cli() -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    process = start("--imds-port", "0", "--imds-tokens", "required", "--imds-role", "cli-role")
    try:
        yield process, read_exports(process, 5)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_imds_port_serves_credentials_the_endpoint_accepts(
    served_cli: tuple[subprocess.Popen[str], dict[str, str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    process, exports = served_cli
    metadata_url = exports["AWS_EC2_METADATA_SERVICE_ENDPOINT"]
    assert metadata_url.startswith("http://127.0.0.1:") and metadata_url != exports["AWS_ENDPOINT_URL"]
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"):
        (tmp_path / name).write_text("")
        monkeypatch.setenv(name, str(tmp_path / name))
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata_url)
    session = boto3.Session(region_name="us-east-1")
    identity = session.client("sts", endpoint_url=exports["AWS_ENDPOINT_URL"]).get_caller_identity()
    assert "assumed-role/cli-role/" in identity["Arn"]
    secret = session.get_credentials().get_frozen_credentials().secret_key
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    log = process.stderr.read() if process.stderr else ""
    assert "IMDS PUT /latest/api/token 200" in log
    assert "IMDS GET /latest/meta-data/iam/security-credentials/cli-role 200 v2" in log
    assert "POST sts GetCallerIdentity 200" in log
    assert secret not in log


def test_no_imds_unless_asked() -> None:
    process = start()
    try:
        read_exports(process, 4)
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "AWS_EC2_METADATA_SERVICE_ENDPOINT" not in out
