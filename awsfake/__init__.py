"""awsfake: a strict fake AWS for tests — verifies every SigV4 signature, answers in AWS's wire formats.

The public names load on first use: pytest imports `awsfake.pytest_plugin` (and so this package) in every run of
every project that has awsfake installed, and most of those runs never touch the fake.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from awsfake.accounts import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCOUNT_ID, DEFAULT_SECRET_ACCESS_KEY
    from awsfake.endpoint import FakeAWS
    from awsfake.imds import FakeIMDS
    from awsfake.isolation import fake_aws

__all__ = [
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_SECRET_ACCESS_KEY",
    "FakeAWS",
    "FakeIMDS",
    "fake_aws",
]

_HOMES = {
    "DEFAULT_ACCESS_KEY_ID": "awsfake.accounts",
    "DEFAULT_ACCOUNT_ID": "awsfake.accounts",
    "DEFAULT_SECRET_ACCESS_KEY": "awsfake.accounts",
    "FakeAWS": "awsfake.endpoint",
    "FakeIMDS": "awsfake.imds",
    "fake_aws": "awsfake.isolation",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'awsfake' has no attribute {name!r}")
    value = getattr(import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
