"""The atheris target (`fuzz/endpoint_atheris.py`) keeps working without atheris: a short run on random inputs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)
TARGET = Path(__file__).resolve().parents[2] / "fuzz" / "endpoint_atheris.py"


def test_the_atheris_target_runs_on_random_inputs() -> None:
    spec = importlib.util.spec_from_file_location("endpoint_atheris", TARGET)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    target = module.Target()
    try:
        module.run_random(target, 350, seed=11)
        assert target.count == 350
        signed = [r for r in target.fake.requests if r.verified]
        assert signed, "signed inputs reach the services"
    finally:
        target.close()
