"""Every command in the README's conformance section runs as written and passes (the URL one against a fake)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from readme import section

from awsfake import FakeAWS

REPO = Path(__file__).resolve().parents[2]


def commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", section("conformance"), re.S)
    lines = "\n".join(blocks).replace("\\\n", " ").splitlines()
    return [line.split("  #")[0].strip() for line in lines if line.strip()]


def test_the_section_shows_every_mode() -> None:
    shown = commands()
    assert len(shown) == 6
    assert sum("--signer" in c for c in shown) == 1 and sum("--verify" in c for c in shown) == 2


@pytest.mark.slow  # the runner (and a signer per case) in subprocesses
@pytest.mark.timeout(300)
@pytest.mark.parametrize("command", commands())
def test_readme_command_passes(command: str) -> None:
    fake = FakeAWS()
    with fake.serve() as running:
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "AWS_ENDPOINT_URL": running.url,
            "AWS_ACCESS_KEY_ID": "AKIDREADMECONFORMANCE",
            "AWS_SECRET_ACCESS_KEY": "readme/conformance/secret/000000000000000",
        }
        fake.add_credentials(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
        result = subprocess.run(["bash", "-c", command], cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    summary = result.stdout.splitlines()[-1]
    assert re.fullmatch(r"\d+ passed, 0 failed(, \d+ skipped)?", summary), summary
    passed = int(summary.split()[0])
    cases = len(list((REPO / "fixtures" / "signing_suite").rglob("context.json")))
    if "--verify" in command:
        assert passed >= 7 * (2 * cases - 2)  # as signed and six mutations; omit-session-token may be skipped
        if "AWS_ENDPOINT_URL" in command:
            assert {r.access_key_id for r in fake.requests} == {"AKIDREADMECONFORMANCE"}
    elif "signing_suite" in command:
        assert passed == 2 * cases
    else:
        assert passed >= 30
