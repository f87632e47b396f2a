"""Every Python example in the README runs as written, each in the environment its section describes."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from readme import python_blocks

from awsclient import parameterize
from awsclient.credentials import (
    aws_cli_config,
    aws_cli_credentials,
    aws_cli_profile,
    private_key,
    public_key,
    reset_credentials,
)
from awsclient.transport import close_pools
from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS
from awsfake.pytest_plugin import without_credential_sources

Setting = Callable[[pytest.MonkeyPatch], AbstractContextManager["FakeAWS | None"]]


@contextmanager
def as_is(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The example serves its own fake."""
    yield None


@contextmanager
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No credential source at all (variables, files, instance metadata); the whole environment is put back after."""
    saved = dict(os.environ)  # the examples set variables themselves
    with tempfile.TemporaryDirectory() as home:
        without_credential_sources(monkeypatch, Path(home))
        reset_credentials()
        try:
            yield None
        finally:
            os.environ.clear()
            os.environ.update(saved)
            reset_credentials()
            for param in (aws_cli_credentials, aws_cli_config, aws_cli_profile):
                param.reset()


@contextmanager
def against_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAWS]:
    """A served FakeAWS named by AWS_ENDPOINT_URL, with its default keys as the client's credentials."""
    aws = FakeAWS()
    creds = {public_key: DEFAULT_ACCESS_KEY_ID, private_key: DEFAULT_SECRET_ACCESS_KEY}
    with aws.serve() as server, parameterize(creds):
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        yield aws
    close_pools()
    aws.check()


@contextmanager
def no_instance_metadata(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Instance metadata pointed at a closed port; the credentials the example loads are forgotten after it."""
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9")  # restored after the test
    try:
        yield None
    finally:
        reset_credentials()


SECTIONS: dict[str, Setting] = {
    "quick start": as_is,
    "fake endpoint": as_is,  # includes the built-in service examples
    "instance metadata": no_instance_metadata,
    "what the fake checks": as_is,
    "credentials": no_credentials,
    "signing": no_credentials,
    "errors": against_fake,
    "transport": against_fake,
    "fidelity": as_is,  # older clients, S3 regions, bucket configuration, versioning, notifications, SigV2
}
# "use it in your tests" is a test file; tests/plugin runs it with pytester.

COUNTS = {
    "credentials": 3,
    "signing": 1,
    "errors": 2,
    "transport": 2,
    "services examples (s3sqs)": 5,
    "fidelity": 7,
}

EXAMPLES = [(name, code) for name in SECTIONS for code in python_blocks(name)]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("section", "code"), EXAMPLES, ids=[f"{name}-{n}" for name in SECTIONS for n, _ in enumerate(python_blocks(name))]
)
def test_readme_example_runs(section: str, code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with SECTIONS[section](monkeypatch) as aws:
        before = len(aws.requests) if aws is not None else 0
        exec(compile(code, f"README:{section}", "exec"), {"__name__": "readme_example"})
        if aws is not None:
            if "current_pool_timeout: 30" in code:
                ids = {r.connection_id for r in list(aws.requests)[before:]}
                assert len(ids) == 1 and len(list(aws.requests)[before:]) == 2
            assert all(r.verified for r in aws.requests)


@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_has_examples(section: str) -> None:
    assert python_blocks(section)


@pytest.mark.parametrize(("section", "count"), COUNTS.items())
def test_sections_have_their_examples(section: str, count: int) -> None:
    assert len(python_blocks(section)) == count
