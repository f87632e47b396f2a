"""The README's instance-metadata example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from awsclient.credentials import reset_credentials

pytestmark = pytest.mark.timeout(30)


def readme_example() -> str:
    text = (Path(__file__).parent.parent / "README.md").read_text()
    section = text.split("<!-- section: instance metadata -->", 1)[1].split("<!-- section:", 1)[0]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found, "the instance metadata section has no python example"
    return found.group(1)


def test_readme_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9")  # restored after the test
    try:
        exec(compile(readme_example(), "README.md", "exec"), {})
    finally:
        reset_credentials()
