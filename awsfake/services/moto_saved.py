"""The saved state of services answered by moto (`awsfake.store`): one record per moto backend and account.

moto keeps its state in process-wide backend dicts: `get_backend(name)[account][region]`, each region's backend
created when first used. After a call that is not a read (`is_read`), the service touches `backend`
`NAME/ACCOUNT`; its value is that account's regions of that backend, pickled whole (a snapshot, not a replay of
calls: replaying would re-run side effects and come out different with time and generated ids). At start, a
service takes back only its own backend's records. A backend moto cannot pickle is not kept (logged once), so
such a service starts empty after a restart, as it did before. A mixin of `MotoService`.
"""

from __future__ import annotations

import logging
import pickle
from typing import Any, cast

__all__ = ["READ_PREFIXES", "SavedBackends", "is_read"]

_log = logging.getLogger(__name__)

# Operation names that only read state (AWS's naming convention, kept by every service moto emulates): a call
# named otherwise is taken as a change. Taking a read for a change costs a save; the reverse would lose state.
READ_PREFIXES = ("Get", "List", "Describe", "Query", "Scan", "BatchGet", "Head", "Search", "Lookup")


def is_read(action: str) -> bool:
    """Whether `action` only reads state (so nothing needs saving after it)."""
    return action.startswith(READ_PREFIXES)


class SavedBackends:
    """`state_of` / `restore` for kind `backend`, key `NAME/ACCOUNT` (moto's backend name, the caller's account)."""

    def state_of(self, kind: str, key: str) -> Any:
        """That account's regions of the backend, pickled; None (no record) when moto holds none or cannot pickle."""
        name, _, account = key.partition("/")
        regions = _regions(name, account)
        if regions is None:
            return None
        try:
            return pickle.dumps(regions, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # a backend holding something unpicklable (a lock, a socket): not kept
            _log.warning("moto backend %s cannot be saved: %s", name, type(exc).__name__)
            return None

    def restore(self, kind: str, key: str, value: Any) -> None:
        name, _, account = key.partition("/")
        if kind != "backend" or name != self.backend:
            return  # another moto service's record (they share the store's service name)
        backends = cast(Any, _backend_dict(name))
        for region, backend in pickle.loads(value).items():
            backends[account][region] = backend

    @property
    def backend(self) -> str | None:
        """moto's backend name for this service (None when moto has none)."""
        raise NotImplementedError


def _backend_dict(name: str) -> Any:
    from moto import backends

    return backends.get_backend(cast(Any, name))


def _regions(name: str, account: str) -> dict[str, Any] | None:
    """The account's backend per region, as a plain dict (moto creates regions lazily: these are the used ones)."""
    backends = _backend_dict(name)
    if not dict.__contains__(backends, account):
        return None
    return dict(dict.items(backends[account]))
