"""The pytest plugin: a strict fake AWS for every test, registered through the `pytest11` entry point.

The fake is served once per process (per xdist worker, each on its own free port) and reset before each test, so a
test pays no start-up. A test that uses `aws_fake` (or `aws_env`, `aws_imds`, which use it) runs isolated: clients
made with no arguments find the fake's endpoint, keys and region; the developer's keys, profiles and credentials
files are out of reach; boto3's default session is fresh; and the guard refuses any request still aimed at real
AWS (see `awsfake.isolation` and `awsfake.guard`). `--aws-isolate` / ini `aws_isolate = true` isolates the whole
run from configuration on, so clients made at import time use the fake too.

Fixtures: `aws_fake`, `aws_env`, `aws_imds`, `aws_clock`, `aws_region`, and `aws_module` / `aws_class` for state
set up once and shared. Configuration: `--aws-region` / ini `aws_region`, the marker
`@pytest.mark.aws(region=..., imds_tokens="required", clock=...)` for one test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # imported inside the fixtures: every pytest run loads this plugin, few use the fixtures
    from awsfake.endpoint import FakeAWS
    from awsfake.imds import FakeIMDS

__all__ = [
    "aws_class",
    "aws_clock",
    "aws_env",
    "aws_fake",
    "aws_imds",
    "aws_module",
    "aws_region",
    "without_credential_sources",
]

DEFAULT_REGION = "us-east-1"
_REGION_VARIABLES = ("AWS_DEFAULT_REGION", "AWS_REGION")
# The region variables as the shell held them when pytest started (this module is imported before any conftest):
# the shell's region is ignored like its keys, a region a conftest sets is honoured.
_STARTUP_REGION = {name: os.environ.get(name) for name in _REGION_VARIABLES}
_WORKER_INPUT_KEY = "awsfake_startup_region"
_run_isolation = pytest.StashKey[ExitStack]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("awsfake")
    group.addoption("--aws-region", dest="aws_region", default=None, help="region of the fake AWS endpoint")
    group.addoption(
        "--aws-isolate",
        dest="aws_isolate",
        action="store_true",
        default=None,
        help="isolate the whole run from real AWS from the start, so clients made at import time use the fake",
    )
    parser.addini("aws_region", "region of the fake AWS endpoint (default us-east-1)", default="")
    parser.addini("aws_isolate", "isolate the whole run from real AWS from the start", type="bool", default=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "aws(region=None, imds_tokens=None, clock=None): run this test against a fake AWS in another region, with "
        'the fake instance metadata requiring IMDSv2 tokens (imds_tokens="required"), or with aws_clock starting '
        'at a given time (clock="2030-01-01T00:00:00Z")',
    )
    if _isolates_run(config) and not _is_xdist_controller(config):
        from awsfake.isolation import isolated, process_fake

        region = _configured_region(config)
        fake = process_fake(region)
        fake.region = region
        stack = ExitStack()
        stack.enter_context(isolated(fake, region))
        config.stash[_run_isolation] = stack


def pytest_unconfigure(config: pytest.Config) -> None:
    stack = config.stash.get(_run_isolation, None)
    if stack is not None:
        stack.close()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: workers inherit the controller's environment after its conftests ran; hand them the shell's region."""
    node.workerinput[_WORKER_INPUT_KEY] = dict(_STARTUP_REGION)


def _isolates_run(config: pytest.Config) -> bool:
    return bool(config.getoption("aws_isolate") or config.getini("aws_isolate"))


def _is_xdist_controller(config: pytest.Config) -> bool:
    """The xdist controller collects nothing itself; its workers isolate their own runs."""
    return bool(config.getoption("numprocesses", None)) and not hasattr(config, "workerinput")


def _configured_region(config: pytest.Config) -> str:
    """--aws-region, else ini `aws_region`, else a region variable set after pytest started (by a conftest),
    else us-east-1."""
    chosen = config.getoption("aws_region") or config.getini("aws_region")
    if chosen:
        return str(chosen)
    startup = _STARTUP_REGION
    if hasattr(config, "workerinput"):
        startup = config.workerinput.get(_WORKER_INPUT_KEY, startup)
    for name in _REGION_VARIABLES:
        if os.environ.get(name) and os.environ.get(name) != startup.get(name):
            return os.environ[name]
    return DEFAULT_REGION


def _marker(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("aws")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture(scope="session")
def aws_region(pytestconfig: pytest.Config) -> str:
    """The region of the fake and of the environment; override this fixture (session scope) to choose another."""
    return _configured_region(pytestconfig)


@pytest.fixture(scope="session")
def _aws_fake_session(aws_region: str) -> FakeAWS:
    from awsfake.isolation import process_fake

    return process_fake(aws_region)


@pytest.fixture(scope="session")
def _aws_imds_session(_aws_fake_session: FakeAWS) -> Iterator[FakeIMDS]:
    from awsfake.imds import FakeIMDS

    imds = FakeIMDS(_aws_fake_session)
    with imds.serve():
        yield imds


class _Isolation:
    """One test's fake and the variables set for it (a plain class: a dataclass costs every pytest run ~1 ms)."""

    __slots__ = ("env", "fake")

    def __init__(self, fake: FakeAWS, env: dict[str, str]) -> None:
        self.fake = fake
        self.env = env


_SHARED = ("aws_module", "aws_class")


@pytest.fixture
def _aws_isolation(_aws_fake_session: FakeAWS, aws_region: str, request: pytest.FixtureRequest) -> Iterator[_Isolation]:
    """One test's isolation: reset the fake (unless the test shares a module's or class's state), point the
    environment at it, fresh sessions, the guard; check the fake's handlers after the test."""
    from awsfake.isolation import isolated

    fake = _aws_fake_session
    region = _marker(request).get("region") or aws_region
    if not any(name in request.fixturenames for name in _SHARED):
        fake.reset()
    fake.region = region
    imds_url = None
    if "aws_imds" in request.fixturenames:
        imds: FakeIMDS = request.getfixturevalue("_aws_imds_session")
        imds_url = imds.url
    with isolated(fake, region, imds_url=imds_url) as env:
        yield _Isolation(fake, env)
    fake.check()


@pytest.fixture
def aws_fake(_aws_isolation: _Isolation) -> FakeAWS:
    """The running fake endpoint (`.url`, `.stub`, `.requests`, `.add_credentials`), reset before this test, with
    the environment isolated as `aws_env` describes."""
    return _aws_isolation.fake


@pytest.fixture
def aws_env(_aws_isolation: _Isolation) -> dict[str, str]:
    """The variables set for this test: clients made with no arguments talk to `aws_fake` and never to real AWS.

    With `aws_imds` in the same test, no keys are put in the environment, so credential chains (botocore's,
    `awsclient`'s) end at the fake instance metadata, as on EC2.
    """
    return _aws_isolation.env


@pytest.fixture
def aws_imds(_aws_imds_session: FakeIMDS, aws_fake: FakeAWS, request: pytest.FixtureRequest) -> Iterator[FakeIMDS]:
    """The running fake instance metadata, bound to `aws_fake`; the environment's credential chain ends at it.
    A bug in it during the test is re-raised after the test (`imds.check()`)."""
    imds = _aws_imds_session
    imds.reset()
    imds.tokens = _marker(request).get("imds_tokens") or "optional"
    yield imds
    imds.check()


def _shared_isolation(fake: FakeAWS, region: str) -> Iterator[FakeAWS]:
    from awsfake.isolation import isolated

    fake.reset()
    fake.region = region
    with isolated(fake, region):
        yield fake


@pytest.fixture(scope="module")
def aws_module(_aws_fake_session: FakeAWS, aws_region: str) -> Iterator[FakeAWS]:
    """The fake reset once for this module, with the environment isolated for it: build module-scoped fixtures on
    this to set state up once. Tests that use it (directly or through such a fixture) share the state."""
    yield from _shared_isolation(_aws_fake_session, aws_region)


@pytest.fixture(scope="class")
def aws_class(_aws_fake_session: FakeAWS, aws_region: str) -> Iterator[FakeAWS]:
    """As `aws_module`, for the tests of one class."""
    yield from _shared_isolation(_aws_fake_session, aws_region)


def without_credential_sources(monkeypatch: pytest.MonkeyPatch, home: Path) -> dict[str, str]:
    """Unset every variable that names credentials, a profile or another credential provider, and point the AWS
    CLI's credentials and config files at empty files under `home`. Only instance metadata is left to a credential
    chain (at its default address unless the caller sets one). Returns the variables it set."""
    from awsfake.isolation import CLEARED_ENV, empty_credential_files

    for name in CLEARED_ENV:
        monkeypatch.delenv(name, raising=False)
    env = empty_credential_files(home)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


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
