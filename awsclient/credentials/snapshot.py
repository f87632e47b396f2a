"""The credential parameters and one atomic snapshot of them for signing.

`public_key`, `private_key` and `security_token` share one lock: `set_credentials` writes all three under it and
`read_credentials` reads all three under it, so a signer never pairs a key id from one set with a secret from
another, however many threads update them.

A *refresher* (installed by `credentials_from_ec2_instance`) is asked to make the credentials fresh before each
snapshot; any other way of setting credentials removes it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol

from awsclient.params import Parameter, _overrides, optional_str_param, str_param

__all__ = [
    "Credentials",
    "Refresher",
    "clear_credentials",
    "private_key",
    "public_key",
    "read_credentials",
    "security_token",
    "set_credentials",
]

_lock = threading.RLock()

public_key: Parameter[str] = Parameter("public_key", "", validate=str_param, lock=_lock)
private_key: Parameter[str] = Parameter("private_key", "", validate=str_param, secret=True, lock=_lock)
security_token: Parameter[str | None] = Parameter(
    "security_token", None, validate=optional_str_param, secret=True, lock=_lock
)


@dataclass(frozen=True)
class Credentials:
    """One consistent set of credentials. The repr hides the secret and the token."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)


class Refresher(Protocol):
    def ensure_fresh(self) -> None:
        """Make the credential parameters fresh, or raise CredentialsError if they are unusable."""


_refresher: Refresher | None = None


def set_credentials(
    access_key_id: str,
    secret_access_key: str,
    session_token: str | None = None,
    *,
    refresher: Refresher | None = None,
) -> None:
    """Set the three parameters together (validated first, so a bad value changes nothing)."""
    global _refresher
    checked = (
        public_key.validated(access_key_id),
        private_key.validated(secret_access_key),
        security_token.validated(session_token),
    )
    with _lock:
        public_key.set(checked[0])
        private_key.set(checked[1])
        security_token.set(checked[2])
        _refresher = refresher


def read_credentials() -> Credentials:
    """The parameters as one snapshot, refreshed first when a refresher is installed and not overridden here."""
    refresher = _refresher
    if refresher is not None and not _credentials_overridden():
        refresher.ensure_fresh()
    with _lock:
        return Credentials(public_key(), private_key(), security_token())


def _credentials_overridden() -> bool:
    overrides = _overrides.get()
    return any(param in overrides for param in (public_key, private_key, security_token))


def clear_credentials() -> None:
    """No credential parameters and no refresher."""
    global _refresher
    with _lock:
        for param in (public_key, private_key, security_token):
            param.reset()
        _refresher = None
