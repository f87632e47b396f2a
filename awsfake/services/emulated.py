"""The services answered through moto, by catalogue name: the table the endpoint falls back to after its natives."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from awsfake.catalogue import catalogue
from awsfake.services.moto_service import MotoService

if TYPE_CHECKING:
    from awsfake.accounts import Accounts
    from awsfake.services import Peers, Service
    from awsfake.store.saved import Store

__all__ = ["SPECIALISED", "emulated"]

# Services that answer some operations themselves before moto (Lambda runs Python functions for real), as
# (module, class): imported when the service is first used, so an endpoint that never sees Lambda never loads it.
SPECIALISED: dict[str, tuple[str, str]] = {"lambda": ("awsfake.services.lambda_service", "LambdaService")}


def emulated(name: str, accounts: Accounts, peers: Peers | None, store: Store | None = None) -> Service | None:
    """The moto-answered service for the catalogue model `name`, or None for a name no model has."""
    model = catalogue().get(name)
    if model is None:
        return None
    kind: type[MotoService] = MotoService
    if name in SPECIALISED:
        module, cls = SPECIALISED[name]
        kind = getattr(importlib.import_module(module), cls)
    return kind(accounts, peers, store, model)
