"""Fixtures shared by the endpoint and service tests: one served FakeAWS per module, reset before each test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from endpoint_helpers import served

from awsfake import FakeAWS

# A credential chain that reaches instance metadata in a test without its own FakeIMDS ends on a refused loopback
# port, never on the network's 169.254.169.254.
os.environ.setdefault("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[tuple[FakeAWS, str]]:
    """A FakeAWS and its URL for the whole module; a module that needs test services overrides this."""
    with served() as pair:
        yield pair


@pytest.fixture
def fake(endpoint: tuple[FakeAWS, str]) -> Iterator[FakeAWS]:
    """The module's fake, reset before the test; a handler's exception is re-raised after it."""
    endpoint[0].reset()
    yield endpoint[0]
    endpoint[0].check()


@pytest.fixture
def url(endpoint: tuple[FakeAWS, str], fake: FakeAWS) -> str:
    return endpoint[1]
