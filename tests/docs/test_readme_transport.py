"""The README's errors and transport examples, run as written against the fake endpoint."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from awsclient import parameterize
from awsclient.credentials import private_key, public_key
from awsclient.transport import close_pools
from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS
from awsfake.server import RunningServer

README = (Path(__file__).parent.parent / "README.md").read_text()


def examples(section: str) -> list[str]:
    body = README.split(f"<!-- section: {section} -->", 1)[1].split("<!-- section:", 1)[0]
    return re.findall(r"```python\n(.*?)```", body, re.S)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeAWS, RunningServer]]:
    aws = FakeAWS()
    creds = {public_key: DEFAULT_ACCESS_KEY_ID, private_key: DEFAULT_SECRET_ACCESS_KEY}
    with aws.serve() as server, parameterize(creds):
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        yield aws, server
    close_pools()
    aws.check()


def test_sections_have_examples() -> None:
    assert len(examples("errors")) == 2 and len(examples("transport")) == 2


@pytest.mark.timeout(60)
@pytest.mark.parametrize("section", ["errors", "transport"])
def test_readme_examples_run(section: str, fake: tuple[FakeAWS, RunningServer]) -> None:
    aws, _server = fake
    for code in examples(section):
        before = len(aws.requests)
        exec(compile(code, f"README:{section}", "exec"), {})
        if "current_pool_timeout: 30" in code:
            ids = {r.connection_id for r in list(aws.requests)[before:]}
            assert len(ids) == 1 and len(list(aws.requests)[before:]) == 2
    assert all(r.verified for r in aws.requests)
