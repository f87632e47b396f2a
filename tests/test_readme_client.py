"""Every Python example in the README's credentials and signing sections runs as written."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from awsclient.credentials import aws_cli_config, aws_cli_credentials, aws_cli_profile, reset_credentials
from awsfake.pytest_plugin import without_credential_sources

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def section(name: str) -> str:
    start = README.index(f"<!-- section: {name} -->")
    end = README.find("<!-- section:", start + 1)
    return README[start : end if end >= 0 else None]


def examples(name: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", section(name), re.S)


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    saved = dict(os.environ)  # the examples set variables themselves: all are put back after
    without_credential_sources(monkeypatch, tmp_path)
    reset_credentials()
    yield
    os.environ.clear()
    os.environ.update(saved)
    reset_credentials()
    for param in (aws_cli_credentials, aws_cli_config, aws_cli_profile):
        param.reset()


@pytest.mark.parametrize(
    "code", [*examples("credentials"), *examples("signing")], ids=lambda code: code.splitlines()[-1][:40]
)
def test_readme_example_runs(code: str) -> None:
    exec(compile(code, "README.md", "exec"), {})


def test_the_sections_have_examples() -> None:
    assert len(examples("credentials")) == 3 and len(examples("signing")) == 1
