"""bench/endpoint.py: its CPU reading is the kernel's, its requests are unique and accepted, and it runs."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS

BENCH = Path(__file__).resolve().parents[2] / "bench"

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads Linux's /proc"),
]


def _bench_endpoint() -> Any:
    """bench/endpoint.py, imported by path (bench/ is scripts, not a package on sys.path)."""
    sys.path.insert(0, str(BENCH))  # for its `peers` import
    spec = importlib.util.spec_from_file_location("bench_endpoint", BENCH / "endpoint.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_endpoint"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_cpu_seconds_is_the_processs_own_time() -> None:
    bench = _bench_endpoint()
    burner = subprocess.Popen(
        [sys.executable, "-c", "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass"]
    )
    try:
        samples = []
        while burner.poll() is None:
            samples.append(bench.cpu_seconds(burner.pid))
    finally:
        burner.wait(timeout=60)
    assert samples and samples == sorted(samples)
    assert 0.3 <= samples[-1] <= 1.5  # the 0.6 s it burnt (it may end before the last reading)


def test_every_operation_is_unique_and_accepted_by_the_fake() -> None:
    bench = _bench_endpoint()
    fake = FakeAWS()
    with fake.serve() as running:
        env = {
            "AWS_ENDPOINT_URL": running.url,
            "AWS_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": DEFAULT_SECRET_ACCESS_KEY,
        }
        target = bench.set_up((None, env), "awsfake")
        for build in bench.OPERATIONS.values():
            requests = [build(target, i) for i in range(3)]
            assert len({r.headers["Authorization"] for r in requests}) == 3
            bench.send_all(target.port, requests)  # raises unless every answer is a 200
    fake.check()
    records = list(fake.requests)
    assert all(r.verified for r in records)
    assert {r.action for r in records} >= {"GetCallerIdentity", "GetQueueUrl", "SendMessage", "PutObject", "GetObject"}


def test_the_benchmark_runs_against_all_three_servers() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / "endpoint.py"), "0.2", "--requests", "10"],
        capture_output=True,
        text=True,
        check=False,
        timeout=200,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("server CPU per request, µs (10 unique pre-signed requests each")
    assert lines[1].split() == ["operation", "awsfake", "app", "only", "moto", "bare", "moto/awsfake", "awsfake/bare"]
    for row, operation in zip(lines[2:7], _bench_endpoint().OPERATIONS, strict=True):
        assert row.strip().startswith(operation)
        assert re.fullmatch(r"(\s+\d+){4}(\s+[\d.]+x){2}", row.strip()[len(operation) :]), row
    assert lines[7].startswith("verified SNS ListTopics, requests/second")
    assert re.fullmatch(r"\s+8 connection\(s\): awsfake\s+\d+\s+moto\s+\d+\s+ratio\s+[\d.]+x", lines[9])
