"""A process cut off from real AWS and pointed at the fake: the isolation behind the pytest fixtures and `fake_aws`.

Four parts, all undone when the block ends: the fake (served once per process, reset on entry); an environment in
which clients made with no arguments find the fake's endpoint, keys and region and nothing of the developer's
(keys, profiles, credentials files, instance metadata); fresh sessions (boto3's cached default session and
awsclient's credentials are dropped, so a client made in the block reads the environment of the block); and the
guard, which refuses requests that still point at real AWS.
"""

from __future__ import annotations

import atexit
import functools
import inspect
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from awsfake import guard

if TYPE_CHECKING:
    from awsfake.endpoint import FakeAWS

__all__ = ["CLEARED_ENV", "FakeAWSIsolation", "environment", "fake_aws", "fresh_sessions", "process_fake"]

DEFAULT_REGION = "us-east-1"

# Variables that could lead a client elsewhere than the fake, or to real credentials.
CLEARED_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_EC2_METADATA_V1_DISABLED",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)

T = TypeVar("T")


def environment(url: str, region: str, home: Path, *, imds_url: str | None = None) -> dict[str, str]:
    """The variables that point clients at the fake at `url`: its keys (or, with `imds_url`, none: the credential
    chain then ends at that instance metadata), the region, and empty CLI credentials and config files under `home`.
    Every name in `CLEARED_ENV` that is not set here is to be unset."""
    from awsfake.accounts import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY

    env = {"AWS_ENDPOINT_URL": url, "AWS_DEFAULT_REGION": region, "AWS_REGION": region}
    env.update(empty_credential_files(home))
    if imds_url:
        env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds_url
    else:
        env.update(
            AWS_ACCESS_KEY_ID=DEFAULT_ACCESS_KEY_ID,
            AWS_SECRET_ACCESS_KEY=DEFAULT_SECRET_ACCESS_KEY,
            AWS_EC2_METADATA_DISABLED="true",
        )
    return env


def empty_credential_files(home: Path) -> dict[str, str]:
    """`AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE` at empty files under `home`."""
    env = {}
    for name, file in (("AWS_SHARED_CREDENTIALS_FILE", "credentials"), ("AWS_CONFIG_FILE", "config")):
        empty = home / file
        empty.write_text("")
        env[name] = str(empty)
    return env


@contextmanager
def patched_environ(env: dict[str, str], unset: tuple[str, ...] = CLEARED_ENV) -> Iterator[dict[str, str]]:
    """`os.environ` with `unset` removed and `env` set, as it was again when the block ends."""
    names = {*unset, *env}
    saved = {name: os.environ.get(name) for name in names}
    for name in unset:
        os.environ.pop(name, None)
    os.environ.update(env)
    try:
        yield env
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def fresh_sessions() -> None:
    """Drop boto3's default session (with the credentials it resolved) and awsclient's parameters and credentials,
    so the next client is made from the environment as it is now. Packages not yet imported have nothing cached."""
    if "boto3" in sys.modules:
        import boto3

        boto3.DEFAULT_SESSION = None
    if "awsclient.params" in sys.modules:
        from awsclient.params import reset_all_parameters

        reset_all_parameters()
    if "awsclient.credentials.chain" in sys.modules:  # the chain also remembers a search that found nothing
        from awsclient.credentials import reset_credentials

        reset_credentials()
    elif "awsclient.credentials.snapshot" in sys.modules:
        from awsclient.credentials.snapshot import clear_credentials

        clear_credentials()


@contextmanager
def fresh() -> Iterator[None]:
    """Fresh sessions on entry and again on exit, so what the block cached does not outlive it."""
    fresh_sessions()
    try:
        yield
    finally:
        fresh_sessions()


class _ProcessFake:
    """The fake served once per process, on a daemon thread, until the process ends (or `stop()`)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fake: FakeAWS | None = None
        self.stack = ExitStack()

    def get(self, region: str) -> FakeAWS:
        with self.lock:
            if self.fake is None:
                from awsfake.endpoint import FakeAWS

                fake = FakeAWS(region=region)
                self.stack.enter_context(fake.serve())
                self.fake = fake
                atexit.register(self.stop)
            return self.fake

    def stop(self) -> None:
        with self.lock:
            self.fake = None
            self.stack.close()


_process = _ProcessFake()


def process_fake(region: str = DEFAULT_REGION) -> FakeAWS:
    """The fake this process shares among all its isolations, started on first use (in `region`)."""
    return _process.get(region)


def stop_process_fake() -> None:
    _process.stop()


@contextmanager
def isolated(fake: FakeAWS, region: str, *, imds_url: str | None = None) -> Iterator[dict[str, str]]:
    """The environment, fresh sessions and the guard for a fake that is already served; yields the variables set."""
    assert fake.url, "the fake must be served"
    with ExitStack() as stack:
        home = stack.enter_context(_homes.borrow())
        env = stack.enter_context(patched_environ(environment(fake.url, region, home, imds_url=imds_url)))
        stack.enter_context(fresh())
        stack.enter_context(guard.armed())
        yield env


class _Homes:
    """Directories for the empty CLI files, one per nesting depth, made once per process (emptied on each use):
    a new temporary directory per test costs milliseconds to remove on some file systems."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.root: Path | None = None
        self.depth = 0

    @contextmanager
    def borrow(self) -> Iterator[Path]:
        with self.lock:
            if self.root is None:
                self.root = Path(tempfile.mkdtemp(prefix="awsfake-home-"))
                atexit.register(shutil.rmtree, self.root, ignore_errors=True)
            home = self.root / str(self.depth)
            self.depth += 1
        home.mkdir(exist_ok=True)
        try:
            yield home
        finally:
            with self.lock:
                self.depth -= 1


_homes = _Homes()


class FakeAWSIsolation(AbstractContextManager["FakeAWS"]):
    """What `fake_aws(...)` returns: a context manager yielding the reset fake, and a decorator."""

    def __init__(self, region: str | None = None) -> None:
        self.region = region
        self._stacks: list[ExitStack] = []
        self._lock = threading.Lock()

    def __enter__(self) -> FakeAWS:
        return self._enter(reset=True)

    def _enter(self, *, reset: bool) -> FakeAWS:
        region = self.region or DEFAULT_REGION
        fake = process_fake(region)
        if reset:
            fake.reset()
        fake.region = region
        stack = ExitStack()
        stack.enter_context(isolated(fake, region))
        with self._lock:
            self._stacks.append(stack)
        return fake

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            stack = self._stacks.pop()
        stack.close()
        fake = _process.fake
        if fake is not None and exc_info[0] is None:
            fake.check()

    @property
    def fake(self) -> FakeAWS:
        """The fake these isolations use (one per process), e.g. for `.stub` and `.requests` in a decorated test."""
        return process_fake(self.region or DEFAULT_REGION)

    def start(self) -> FakeAWS:
        """Enter without a `with` block (e.g. at the top of a test module, before the code under test is
        imported, so clients it makes at import time use the fake); `stop()` ends it."""
        _started.append(self)  # an isolation nobody holds would be undone when it is garbage-collected
        return self.__enter__()

    def stop(self) -> None:
        self.__exit__(None, None, None)
        _started.remove(self)

    def __call__(self, target: T) -> T:
        if inspect.isclass(target):
            return cast(T, self._decorate_class(target))
        if callable(target):
            return cast(T, self._decorate_function(target))
        raise TypeError(f"fake_aws decorates a function or a class, not {target!r}")

    def _decorate_function(self, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def isolated_call(*args: Any, **kwargs: Any) -> Any:
            with self:
                return function(*args, **kwargs)

        return isolated_call

    def _isolating_set_up(self, set_up: Callable[[Any], None], *, reset: bool) -> Any:
        @functools.wraps(set_up)
        def isolating_set_up(case: Any) -> None:
            self._enter(reset=reset)
            case.addCleanup(self.__exit__, None, None, None)
            set_up(case)

        return isolating_set_up

    def _isolating_set_up_class(self, set_up_class: Callable[[Any], None]) -> Any:
        @functools.wraps(set_up_class)
        def isolating_set_up_class(case_class: Any) -> None:
            self._enter(reset=True)
            case_class.addClassCleanup(self.__exit__, None, None, None)
            set_up_class(case_class)

        return classmethod(isolating_set_up_class)

    def _decorate_class(self, cls: type[Any]) -> Any:
        """A `unittest.TestCase`: each test runs isolated from the start of its `setUp` to the end of its cleanups,
        and a handler error in the fake is reported as the test's error. With a `setUpClass` of its own, the fake
        is reset once, before it, and the class's tests share what it made.
        Any other class: each method named `test...` runs isolated."""
        import unittest

        if issubclass(cls, unittest.TestCase):
            own_set_up_class = vars(cls).get("setUpClass")
            members: dict[str, Any] = {"__doc__": cls.__doc__, "__module__": cls.__module__}
            members.update(__qualname__=cls.__qualname__, setUp=self._isolating_set_up(cls.setUp, reset=True))
            if isinstance(own_set_up_class, classmethod):
                members["setUpClass"] = self._isolating_set_up_class(own_set_up_class.__func__)
                members["setUp"] = self._isolating_set_up(cls.setUp, reset=False)
            return type(cls.__name__, (cls,), members)
        for name, member in list(vars(cls).items()):
            if name.startswith("test") and inspect.isfunction(member):
                setattr(cls, name, self._decorate_function(member))
        return cls


_started: list[FakeAWSIsolation] = []


@overload
def fake_aws(target: T, /) -> T: ...
@overload
def fake_aws(*, region: str | None = None) -> FakeAWSIsolation: ...
def fake_aws(target: Any = None, /, *, region: str | None = None) -> Any:
    """Run code against the fake, cut off from real AWS, as the pytest fixtures do (moto's `mock_aws`, for awsfake).

    `with fake_aws() as fake:`, `@fake_aws` on a function or a `unittest.TestCase` class, or `@fake_aws(region=...)`.
    """
    isolation = FakeAWSIsolation(region)
    return isolation if target is None else isolation(target)
