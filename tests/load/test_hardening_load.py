"""The small version of `bench/load.py`: concurrent boto3 clients, nothing lost, every object read back intact."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS

pytestmark = pytest.mark.timeout(180)


def _bench_load() -> Any:
    """bench/load.py, imported by path (bench/ is scripts, not a package on sys.path)."""
    spec = importlib.util.spec_from_file_location(
        "bench_load", Path(__file__).resolve().parents[2] / "bench" / "load.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_load"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_mixed_concurrent_load_loses_nothing() -> None:
    fake = FakeAWS()
    with fake.serve() as running:
        result = _bench_load().run_load(
            running.url, threads=8, calls=50, key=DEFAULT_ACCESS_KEY_ID, secret=DEFAULT_SECRET_ACCESS_KEY, seed=7
        )
    fake.check()
    assert result.errors == 0, result.samples
    assert result.calls == 400 and result.objects_checked > 8 * 10
    records = list(fake.requests)
    assert all(r.verified and r.status < 300 for r in records), [r for r in records if r.status >= 300][:3]
    actions = {r.action for r in records}
    assert {"PutObject", "GetObject", "ListObjectsV2", "Publish"} <= actions
    # The server saw overlapping requests on many connections, not a serialised trickle.
    assert len(running.connections) >= 8
