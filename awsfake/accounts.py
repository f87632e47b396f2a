"""Who may call the fake: access keys, their secrets, session tokens and expiry.

Secrets and session tokens are kept out of every repr, so a failing assertion or a log line never shows them.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property

from awsfake.doubles.credentials import mint_session_keys

__all__ = [
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_ARN",
    "DEFAULT_SECRET_ACCESS_KEY",
    "Accounts",
    "Caller",
    "Identity",
]

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_ACCESS_KEY_ID = "AKIDFAKEFAKEFAKE1234"
DEFAULT_SECRET_ACCESS_KEY = "awsfake/secret/key/for/tests/only/000000"
DEFAULT_ARN = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:user/awsfake"


@dataclass(frozen=True)
class Caller:
    """Who signed the request, as STS GetCallerIdentity reports it (a service's `Call.caller`)."""

    access_key_id: str
    account_id: str
    arn: str
    user_id: str


@dataclass(frozen=True)
class Identity:
    """One access key and what it stands for; `expiration` is epoch seconds, None for long-term keys."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expiration: float | None = None
    account_id: str = DEFAULT_ACCOUNT_ID
    arn: str = DEFAULT_ARN
    user_id: str = ""

    def expired(self, now: float) -> bool:
        return self.expiration is not None and now >= self.expiration

    @cached_property
    def caller(self) -> Caller:
        """This identity as its requests' `Call.caller`: made on its first request and kept (in the instance, so a
        key added again, another `Identity`, gets its own), as the same few identities sign every request."""
        return Caller(self.access_key_id, self.account_id, self.arn, self.user_id)


class Accounts:
    """The registry of keys, shared by the verifier (lookups) and STS (minting sessions); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._added: dict[str, Identity] = {}
        self._minted: dict[str, Identity] = {}

    def add(
        self,
        access_key_id: str,
        secret_access_key: str,
        *,
        session_token: str | None = None,
        expiration: float | None = None,
        account_id: str = DEFAULT_ACCOUNT_ID,
        arn: str | None = None,
        user_id: str | None = None,
    ) -> Identity:
        """Accept this key from now on (replacing an earlier entry for the same key id)."""
        if not access_key_id or not secret_access_key:
            raise ValueError("an access key id and a secret access key are both required")
        identity = Identity(
            access_key_id,
            secret_access_key,
            session_token,
            expiration,
            account_id,
            arn or f"arn:aws:iam::{account_id}:user/{access_key_id}",
            user_id or _derived_id("AIDA", access_key_id),
        )
        with self._lock:
            self._added[access_key_id] = identity
        return identity

    def get(self, access_key_id: str) -> Identity | None:
        """Read without the lock (the verifier asks on every request): each dict lookup is atomic, and an entry is
        an immutable `Identity` put in or taken out whole under the lock."""
        return self._minted.get(access_key_id) or self._added.get(access_key_id)

    def mint_session(self, *, account_id: str, arn: str, user_id: str, duration_seconds: int) -> Identity:
        """Temporary credentials (ASIA key id, random secret and token) valid for `duration_seconds` from now."""
        keys = mint_session_keys()
        identity = Identity(
            keys.access_key_id,
            keys.secret_access_key,
            keys.session_token,
            time.time() + duration_seconds,
            account_id,
            arn,
            user_id,
        )
        with self._lock:
            self._minted[identity.access_key_id] = identity
        return identity

    def session(self, access_key_id: str) -> Identity | None:
        """A minted session by key id (None once forgotten)."""
        with self._lock:
            return self._minted.get(access_key_id)

    def keep_session(self, identity: Identity) -> None:
        """Accept a session minted earlier (restored from saved state)."""
        with self._lock:
            self._minted[identity.access_key_id] = identity

    def forget_sessions(self) -> None:
        """Drop minted sessions (they are service state); keys added with `add` stay."""
        with self._lock:
            self._minted.clear()


def _derived_id(prefix: str, seed: str) -> str:
    """A stable IAM-style unique id (prefix + 17 characters) so repeated runs report the same UserId."""
    digest = base64.b32encode(hashlib.sha256(seed.encode()).digest()).decode()
    return prefix + digest[:17]
