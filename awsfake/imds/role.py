"""The instance role's credentials: minted on first read, rotated before expiry, registered with the endpoint.

AWS makes a new set available at least five minutes (by default here, 15) before the current one expires; older
sets stay valid until their own expiry. Every set is registered with the endpoint before anyone can read it, so a
signature made with it verifies until it expires (then the endpoint answers ExpiredToken).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from awsfake.doubles.credentials import mint_session_keys
from awsfake.doubles.log import BoundedLog
from awsfake.imds.instance import InstanceValues

__all__ = ["MIN_ROTATION_LEAD", "CredentialStore", "RoleCredentials", "RoleKeys"]

MIN_ROTATION_LEAD = 300.0  # AWS makes new credentials available at least five minutes before the old ones expire


class CredentialStore(Protocol):
    """What FakeIMDS needs from the endpoint (`awsfake.FakeAWS`): a place to register the keys it hands out."""

    def add_credentials(
        self,
        access_key_id: str,
        secret_access_key: str,
        *,
        session_token: str | None = ...,
        expiration: float | None = ...,
        account_id: str = ...,
        arn: str | None = ...,
    ) -> Any: ...


@dataclass(frozen=True)
class RoleCredentials:
    """One set of role credentials the fake handed out. The repr hides the secret and the token."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    token: str = field(repr=False)
    issued: float
    expiration: float


class RoleKeys:
    """The sets issued for one role, newest last in `issued` (keeping the newest `limit` when set)."""

    def __init__(
        self, store: CredentialStore | None, lifetime: float, rotation_lead: float, limit: int | None = None
    ) -> None:
        if rotation_lead < MIN_ROTATION_LEAD:
            raise ValueError(f"rotation_lead must be at least {MIN_ROTATION_LEAD:.0f} seconds, as on AWS")
        if lifetime <= rotation_lead:
            raise ValueError("credential_lifetime must be longer than rotation_lead")
        self.store = store
        self.lifetime = lifetime
        self.rotation_lead = rotation_lead
        self.issued: BoundedLog[RoleCredentials] = BoundedLog(limit)
        self._lock = threading.Lock()

    def current(self, role_name: str, instance: InstanceValues) -> RoleCredentials:
        """The set served now, minting a first one or rotating as a read would."""
        with self._lock:
            now = time.time()
            latest = self.issued[-1] if len(self.issued) else None
            # A set issued "later" than now means a test moved the clock back: it would look valid for too long.
            if latest is None or now < latest.issued or now >= latest.expiration - self.rotation_lead:
                latest = self._mint(now, role_name, instance)
            return latest

    def _mint(self, now: float, role_name: str, instance: InstanceValues) -> RoleCredentials:
        """A new set, registered with the endpoint before anyone can see it. Caller holds the lock."""
        issued = float(int(now))  # IMDS times have whole seconds; keep the registered expiry identical
        keys = mint_session_keys()
        creds = RoleCredentials(
            keys.access_key_id, keys.secret_access_key, keys.session_token, issued, issued + int(self.lifetime)
        )
        if self.store is not None:
            self.store.add_credentials(
                creds.access_key_id,
                creds.secret_access_key,
                session_token=creds.token,
                expiration=creds.expiration,
                account_id=instance.account_id,
                arn=f"arn:aws:sts::{instance.account_id}:assumed-role/{role_name}/{instance.instance_id}",
            )
        self.issued.append(creds)
        return creds
