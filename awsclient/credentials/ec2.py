"""EC2 role credentials that keep themselves fresh, from instance metadata (`awsclient.imds`).

`credentials_from_ec2_instance()` loads the role's credentials and installs an `InstanceCredentials` refresher, which
every snapshot consults first. Within `refresh_window` seconds of expiry it fetches a new set, once however many
threads sign at that moment:

- *Single flight.* One thread fetches. Others that arrive meanwhile keep signing with the old credentials while those
  are still valid (nobody waits on a network call that cannot change their outcome); once the old credentials have
  expired they wait for the fetch in flight and share its result, success or failure, instead of starting another.
- *Failures.* If a refresh fails while the old credentials are still valid, they are kept, a warning is logged (key id
  and expiry only, never a secret) and the next attempt waits `retry_interval` seconds. Once they have expired, a
  failed refresh makes signing raise `CredentialsError`.
"""

from __future__ import annotations

import logging
import threading
import time

from awsclient.credentials.snapshot import set_credentials
from awsclient.errors import CredentialsError
from awsclient.imds import _stamp, fetch_role_credentials, refresh_window, retry_interval

__all__ = ["InstanceCredentials", "credentials_from_ec2_instance"]

logger = logging.getLogger("awsclient.imds")  # where the refresher's warnings have always been logged


class _Flight:
    """One refresh in progress; threads that must wait for it read its outcome here."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: CredentialsError | None = None


class InstanceCredentials:
    """The refresher `credentials_from_ec2_instance` installs: keeps the credential parameters fresh from IMDS."""

    def __init__(self, role_name: str | None = None) -> None:
        self.role_name = role_name
        self.access_key_id = ""
        self.expiration = 0.0  # no credentials yet: the first ensure_fresh fetches
        self._next_check = 0.0
        self._flight: _Flight | None = None
        self._mutex = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"<InstanceCredentials role={self.role_name!r} key={self.access_key_id!r} until {_stamp(self.expiration)}>"
        )

    def refresh(self) -> None:
        """Fetch now and install the new set (raises CredentialsError, changing nothing, if that fails)."""
        creds = fetch_role_credentials(self.role_name)
        set_credentials(creds.access_key_id, creds.secret_access_key, creds.token, refresher=self)
        self.role_name = creds.role_name
        self.access_key_id = creds.access_key_id
        self.expiration = creds.expiration
        now = time.time()
        # Credentials that come already inside the window are used until retry_interval has passed, not refetched
        # on every signature.
        self._next_check = max(creds.expiration - refresh_window(), now + retry_interval())

    def ensure_fresh(self) -> None:
        if time.time() < self._next_check:
            return
        with self._mutex:
            if time.time() < self._next_check:
                return  # a refresh finished while this thread was on its way here
            flight = self._flight
            leading = flight is None
            if flight is None:
                flight = self._flight = _Flight()
        if leading:
            self._lead(flight)
        else:
            self._follow(flight)

    def _lead(self, flight: _Flight) -> None:
        try:
            self.refresh()
            logger.debug(
                "refreshed EC2 instance credentials: access key %s until %s",
                self.access_key_id,
                _stamp(self.expiration),
            )
        except CredentialsError as exc:
            flight.error = self._failed(exc)
            if flight.error is not None:
                raise flight.error from None
        except BaseException as exc:  # a bug or an interrupt: threads waiting on this flight must not sign blindly
            flight.error = CredentialsError(f"refreshing the EC2 instance credentials failed: {type(exc).__name__}")
            raise
        finally:
            with self._mutex:
                self._flight = None
            flight.done.set()

    def _follow(self, flight: _Flight) -> None:
        if time.time() < self.expiration:
            return  # the old credentials still work: no reason to wait for the fetch
        flight.done.wait()
        if flight.error is not None and time.time() >= self.expiration:
            raise flight.error

    def _failed(self, exc: CredentialsError) -> CredentialsError | None:
        """The error signing must raise, or None when the current credentials can still be used."""
        now = time.time()
        if now >= self.expiration:
            if not self.access_key_id:
                return exc
            return CredentialsError(
                f"the EC2 instance credentials (access key {self.access_key_id}) expired at "
                f"{_stamp(self.expiration)} and refreshing them failed: {exc}"
            )
        logger.warning(
            "refreshing EC2 instance credentials failed (%s); keeping access key %s, valid until %s",
            exc,
            self.access_key_id,
            _stamp(self.expiration),
        )
        self._next_check = min(now + retry_interval(), self.expiration)
        return None


def credentials_from_ec2_instance(role_name: str | None = None) -> InstanceCredentials:
    """Load the instance role's credentials from IMDS and keep them fresh from then on (returns the refresher)."""
    refresher = InstanceCredentials(role_name)
    refresher.refresh()
    return refresher
