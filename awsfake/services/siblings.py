"""Services of one endpoint finding each other (SNS delivering to SQS) without the endpoint wiring them.

Every service of a `FakeAWS` is built with that endpoint's `Accounts`; a service that others may need registers
itself under that registry, so two endpoints in one process never see each other's services.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from awsfake.services import Service

__all__ = ["find", "register"]

_lock = threading.Lock()
_registry: weakref.WeakKeyDictionary[object, dict[str, Service]] = weakref.WeakKeyDictionary()


def register(service: Service) -> None:
    """Make `service` findable by the other services built with the same key registry."""
    with _lock:
        _registry.setdefault(service.accounts, {})[service.name] = service


def find(service: Service, name: str) -> Service | None:
    """The `name` service built with the same key registry as `service`, if one exists yet."""
    with _lock:
        return _registry.get(service.accounts, {}).get(name)
