"""The pytest plugin: a strict fake AWS for every test, registered through the `pytest11` entry point.

Servers start once per session (per xdist worker, each on its own free port) and are reset before each test, so a
test pays no start-up. `aws_env` points boto3, the AWS CLI and `awsclient` at the fake and makes real AWS
unreachable: a test that forgets the fixture fails against real AWS's endpoint only if it also has real
credentials, which `aws_env` removes.

Fixtures: `aws_fake`, `aws_env`, `aws_imds`, `aws_clock`. Configuration: `--aws-region` / ini `aws_region`, and
the marker `@pytest.mark.aws(region=..., imds_tokens="required")` for one test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # imported inside the fixtures: every pytest run loads this plugin, few use the fixtures
    from awsfake import FakeAWS, FakeIMDS

__all__ = ["aws_clock", "aws_env", "aws_fake", "aws_imds", "without_credential_sources"]

DEFAULT_REGION = "us-east-1"

# Variables that could lead a client elsewhere than the fake, or to real credentials.
_CLEARED_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_EC2_METADATA_V1_DISABLED",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("awsfake")
    group.addoption("--aws-region", dest="aws_region", default=None, help="region of the fake AWS endpoint")
    parser.addini("aws_region", "region of the fake AWS endpoint", default=DEFAULT_REGION)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "aws(region=None, imds_tokens=None): run this test against a fake AWS in another region, or with the "
        'fake instance metadata requiring IMDSv2 tokens (imds_tokens="required")',
    )


def _configured_region(config: pytest.Config) -> str:
    return str(config.getoption("aws_region") or config.getini("aws_region") or DEFAULT_REGION)


def _marker(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("aws")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture(scope="session")
def _aws_fake_session(pytestconfig: pytest.Config) -> Iterator[FakeAWS]:
    from awsfake import FakeAWS

    fake = FakeAWS(region=_configured_region(pytestconfig))
    with fake.serve():
        yield fake


@pytest.fixture
def aws_fake(_aws_fake_session: FakeAWS, request: pytest.FixtureRequest) -> Iterator[FakeAWS]:
    """The running fake endpoint (`.url`, `.stub`, `.requests`, `.add_credentials`), reset before this test."""
    fake = _aws_fake_session
    fake.reset()
    fake.region = _marker(request).get("region") or _configured_region(request.config)
    yield fake
    fake.check()


@pytest.fixture(scope="session")
def _aws_imds_session(_aws_fake_session: FakeAWS) -> Iterator[FakeIMDS]:
    from awsfake import FakeIMDS

    imds = FakeIMDS(_aws_fake_session)
    with imds.serve():
        yield imds


@pytest.fixture
def aws_imds(_aws_imds_session: FakeIMDS, aws_fake: FakeAWS, request: pytest.FixtureRequest) -> FakeIMDS:
    """The running fake instance metadata, bound to `aws_fake`; `aws_env` then points clients at it."""
    imds = _aws_imds_session
    imds.reset()
    imds.tokens = _marker(request).get("imds_tokens") or "optional"
    return imds


@pytest.fixture
def aws_env(
    aws_fake: FakeAWS,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[dict[str, str]]:
    """An environment in which clients made with no arguments talk to `aws_fake` and never to real AWS.

    With `aws_imds` in the same test, no keys are put in the environment, so credential chains (botocore's,
    `awsclient`'s) end at the fake instance metadata, as on EC2.
    """
    from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY

    env = without_credential_sources(monkeypatch, tmp_path_factory.mktemp("aws-home"))
    assert aws_fake.url, "aws_fake is served for the whole session"
    env.update(AWS_ENDPOINT_URL=aws_fake.url, AWS_DEFAULT_REGION=aws_fake.region, AWS_REGION=aws_fake.region)
    if "aws_imds" in request.fixturenames:
        imds: FakeIMDS = request.getfixturevalue("aws_imds")
        env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url
    else:
        env["AWS_ACCESS_KEY_ID"] = DEFAULT_ACCESS_KEY_ID
        env["AWS_SECRET_ACCESS_KEY"] = DEFAULT_SECRET_ACCESS_KEY
        env["AWS_EC2_METADATA_DISABLED"] = "true"
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with _fresh_awsclient_parameters():
        yield env


def without_credential_sources(monkeypatch: pytest.MonkeyPatch, home: Path) -> dict[str, str]:
    """Unset every variable that names credentials, a profile or another credential provider, and point the AWS
    CLI's credentials and config files at empty files under `home`. Only instance metadata is left to a credential
    chain (at its default address unless the caller sets one). Returns the variables it set."""
    for name in _CLEARED_ENV:
        monkeypatch.delenv(name, raising=False)
    env = {}
    for name, file in (("AWS_SHARED_CREDENTIALS_FILE", "credentials"), ("AWS_CONFIG_FILE", "config")):
        empty = home / file
        empty.write_text("")
        env[name] = str(empty)
        monkeypatch.setenv(name, str(empty))
    return env


@contextmanager
def _fresh_awsclient_parameters() -> Iterator[None]:
    """Every awsclient parameter back to its default, and no credentials, before and after the test."""
    from awsclient.credentials import reset_credentials
    from awsclient.params import reset_all_parameters

    reset_all_parameters()
    reset_credentials()
    try:
        yield
    finally:
        reset_all_parameters()
        reset_credentials()


@pytest.fixture
def aws_clock(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A freezegun clock that the test, the fake endpoint and the fake instance metadata all follow.

    It starts at the real current time (or the marker's `clock=`) and ticks on in real time, so timeouts and
    retries behave; `.tick(seconds)` and `.move_to(when)` jump it, e.g. past a signature's 15 minutes of skew.
    """
    from freezegun import freeze_time

    start = _marker(request).get("clock") or datetime.now(timezone.utc)
    with freeze_time(start, tick=True) as clock:
        yield clock
