"""bench/endpoint.py, bench/profile_server.py and bench/cold.py: the CPU reading is the kernel's, the requests are
unique and accepted, every peer answers, and the scripts run."""

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


def _bench(name: str) -> Any:
    """A bench/ script, imported by path (bench/ is scripts, not a package on sys.path)."""
    sys.path.insert(0, str(BENCH))  # for their imports of each other
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _run(script: str, *args: str) -> str:
    """What a bench/ script prints, run as a user runs it; it must end well."""
    result = subprocess.run(
        [sys.executable, str(BENCH / script), *args], capture_output=True, text=True, check=False, timeout=200
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_process_cpu_is_the_processs_own_time() -> None:
    bench = _bench("endpoint")
    burner = subprocess.Popen(
        # Sums between clock readings: reading the process's CPU clock is a system call.
        [
            sys.executable,
            "-c",
            "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: sum(range(9999))",
        ]
    )
    try:
        samples = []
        while burner.poll() is None:
            samples.append(bench.process_cpu(burner.pid))
    finally:
        burner.wait(timeout=60)
    totals = [sample.total for sample in samples]
    assert totals and totals == sorted(totals)
    assert 0.3 <= totals[-1] <= 1.5  # the 0.6 s it burnt (it may end before the last reading)
    assert samples[-1].user > samples[-1].system  # arithmetic, few system calls


def test_every_operation_is_unique_and_accepted_by_the_fake() -> None:
    bench, peers = _bench("endpoint"), _bench("peers")
    fake = FakeAWS()
    with fake.serve() as running:
        env = {
            "AWS_ENDPOINT_URL": running.url,
            "AWS_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": DEFAULT_SECRET_ACCESS_KEY,
        }
        target = bench.set_up(peers.Server("awsfake", None, env))
        for round_name in ("one", "two"):
            bench.new_round(target, round_name)
            for build in bench.OPERATIONS.values():
                requests = [build(target, i) for i in range(3)]
                assert len({r.headers["Authorization"] for r in requests}) == 3
                bench.send_all(target.port, requests)  # raises unless every answer is a 200
    fake.check()
    records = list(fake.requests)
    assert all(r.verified for r in records)
    assert {r.action for r in records} >= {"GetCallerIdentity", "SendMessage", "Publish", "PutObject", "GetObject"}
    writes = [(r.path, r.body) for r in records if r.action in ("SendMessage", "Publish", "PutObject")]
    assert len(writes) == 18 and len(set(writes)) == 18  # each round writes its own messages and objects


@pytest.mark.parametrize("name", ["raw", "bare"])
def test_a_floor_answers_every_request_on_one_connection(name: str) -> None:
    bench, peers = _bench("endpoint"), _bench("peers")
    with peers.start(name) as server:
        target = bench.set_up(server)
        requests = [build(target, i) for build in bench.OPERATIONS.values() for i in range(20)]
        bench.send_all(server.port, requests)  # one keep-alive connection; raises unless every answer is a 200


def test_the_benchmark_runs_against_every_server() -> None:
    lines = _run("endpoint.py", "--rounds", "2", "--cpu", "0.01", "--every-round").splitlines()
    operations = list(_bench("endpoint").OPERATIONS)
    assert lines[0] == "server CPU per request, µs: best of 2 interleaved rounds, total = user + system"
    counts = r"  requests a round per operation: awsfake [\d,]+, moto [\d,]+, bare [\d,]+, raw [\d,]+, app only [\d,]+"
    assert re.fullmatch(counts, lines[1])
    assert lines[3].split() == ["operation", "awsfake", "app", "only", "moto", "bare", "raw"]
    for row, operation in zip(lines[4:9], operations, strict=True):
        assert row.strip().startswith(operation)
        assert re.fullmatch(r"(\s+\d+ = \d+\+\d+){5}", row.strip()[len(operation) :]), row
    assert lines[9].split() == ["ratio", "of", "totals", "moto/awsfake", "awsfake/bare", "awsfake/raw"]
    for row, operation in zip(lines[10:15], operations, strict=True):
        assert re.fullmatch(r"(\s+([\d.]+x|-)){3}", row.strip()[len(operation) :]), row  # "-": 0 ticks
    assert len(lines[16:]) == 5 * len(operations)  # every round: 2 totals for each server and operation
    assert all(re.fullmatch(r"\s+\S+( only)?\s+.+?(\s\d+){2}", line) for line in lines[16:])


def test_the_profile_runs() -> None:
    printed = _run("profile_server.py", "--requests", "20", "--limit", "5")
    assert printed.startswith("100 requests (STS GetCallerIdentity, ")
    # pstats adds "(N primitive calls)" only when some call was recursive
    assert re.search(r"\d+ function calls (\(\d+ primitive calls\) )?in [\d.]+ seconds", printed)
    assert "awsfake/" in printed  # the server's own code is in the profile


def test_the_wait_benchmark_runs() -> None:
    lines = _run("cold.py", "--rounds", "1", "--requests", "20").splitlines()
    assert lines[0].startswith("app CPU per request, µs (best of 1 rounds of 20")
    figures = [re.fullmatch(r"  (.+?)\s+([\d.]+)\s+(-?[\d.]+)\s+([\d.]+)\s+([\d.]+)x", line) for line in lines[2:]]
    assert len(figures) == 5 and all(figures)
    assert all(float(found.group(2)) > 0 for found in figures if found)  # the app's own cost is never free
