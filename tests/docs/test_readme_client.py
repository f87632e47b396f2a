"""Every Python example in the README's credentials and signing sections runs as written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from awsclient.credentials import aws_cli_credentials, aws_cli_profile, private_key, public_key, security_token

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def section(name: str) -> str:
    start = README.index(f"<!-- section: {name} -->")
    end = README.find("<!-- section:", start + 1)
    return README[start : end if end >= 0 else None]


def examples(name: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", section(name), re.S)


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(var, raising=False)  # restores whatever the examples set
    yield
    for param in (public_key, private_key, security_token, aws_cli_credentials, aws_cli_profile):
        param.reset()


@pytest.mark.parametrize(
    "code", [*examples("credentials"), *examples("signing")], ids=lambda code: code.splitlines()[-1][:40]
)
def test_readme_example_runs(code: str) -> None:
    exec(compile(code, "README.md", "exec"), {})


def test_the_sections_have_examples() -> None:
    assert len(examples("credentials")) == 2 and len(examples("signing")) == 1
