"""Credentials: the three parameters, and one atomic snapshot of them for signing.

`public_key`, `private_key` and `security_token` share one lock: `set_credentials` writes all three under it and
`current_credentials` reads all three under it, so a signer never pairs a key id from one set with a secret from
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
    "CredentialsError",
    "current_credentials",
    "private_key",
    "public_key",
    "reset_credentials",
    "security_token",
    "set_credentials",
]

_lock = threading.RLock()

public_key: Parameter[str] = Parameter("public_key", "", validate=str_param, lock=_lock)
private_key: Parameter[str] = Parameter("private_key", "", validate=str_param, secret=True, lock=_lock)
security_token: Parameter[str | None] = Parameter(
    "security_token", None, validate=optional_str_param, secret=True, lock=_lock
)


class CredentialsError(ValueError):
    """Credentials could not be loaded or used. The message names the source, never a secret."""


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


def current_credentials() -> Credentials:
    """The snapshot a signer uses. Refreshes first when a refresher is installed and not overridden here."""
    refresher = _refresher
    if refresher is not None and not _credentials_overridden():
        refresher.ensure_fresh()
    with _lock:
        return Credentials(public_key(), private_key(), security_token())


def _credentials_overridden() -> bool:
    overrides = _overrides.get()
    return any(param in overrides for param in (public_key, private_key, security_token))


def reset_credentials() -> None:
    """No credentials and no refresher: the state of a fresh process."""
    global _refresher
    with _lock:
        for param in (public_key, private_key, security_token):
            param.reset()
        _refresher = None


def credentials_from_ec2_instance(role_name: str | None = None) -> Refresher:
    """Load the EC2 instance role's credentials from IMDS and keep them fresh (see `awsclient.imds`)."""
    from awsclient.imds import credentials_from_ec2_instance as load  # lazy: awsclient.imds imports this module

    return load(role_name)


__all__ += ["credentials_from_ec2_instance"]
