"""The README's `awsfake serve` walkthrough, run as written in bash (on a free port instead of 4566).

Just before the walkthrough stops the server, the test looks at what a person would: the state, and why the
request with the wrong secret was refused.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from readme import section

ROOT = Path(__file__).resolve().parents[2]

CHECK = textwrap.dedent(
    """
    import json, os, urllib.request
    base = f"http://127.0.0.1:{os.environ['PORT']}/_awsfake"
    get = lambda path: urllib.request.urlopen(base + path, timeout=10).read().decode()
    state = json.loads(get("/state"))
    bucket = state["s3"]["buckets"][0]
    assert (bucket["name"], bucket["objects"][0]["key"]) == ("reports", "2026-11.csv"), bucket
    assert [q["name"] for q in state["sqs"]["queues"]] == ["jobs"]
    assert state["sns"]["topics"][0]["arn"].endswith(":orders")
    refused = json.loads(get("/requests?verified=false"))
    assert [(r["service"], r["verdict"]) for r in refused] == [("sns", "SignatureDoesNotMatch")], refused
    why = get("/requests/" + refused[0]["request_id"])
    assert "Likely cause: Wrong secret key" in why and "Signature debugger" in why
    assert "not-the-secret" not in why and "not-the-secret" not in get("/requests")
    print("CHECKED")
    """
)


def _walkthrough() -> str:
    blocks = re.findall(r"```sh\n(.*?)```", section("awsfake serve"), re.S)
    assert len(blocks) == 1
    return str(blocks[0])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.timeout(180)
@pytest.mark.slow  # a server and several AWS CLI processes
def test_the_serve_walkthrough_runs_as_written(tmp_path: Path) -> None:
    port = _free_port()
    script = _walkthrough().replace("awsfake serve >", "awsfake serve --port 4566 >", 1).replace("4566", str(port))
    script = script.replace("kill %1", f'{sys.executable} "$README_CHECK"\nkill %1', 1)
    (tmp_path / "check.py").write_text(CHECK)
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
            "HOME": str(tmp_path),
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "PORT": str(port),
            "README_CHECK": str(tmp_path / "check.py"),
        }
    )
    result = subprocess.run(
        ["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=170
    )
    log = (tmp_path / "awsfake.log").read_text() if (tmp_path / "awsfake.log").exists() else ""
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n{log}"
    assert '"status": "ok"' in result.stdout and "refused, as AWS would" in result.stdout
    assert "CHECKED" in result.stdout
    assert "PUT s3 CreateBucket 200 OK key=AKIDFAKEFAKEFAKE1234" in log
    assert "POST sns - 403 SignatureDoesNotMatch key=AKIDFAKEFAKEFAKE1234" in log
    assert "not-the-secret" not in log
