"""The services answered through moto, by catalogue name: the table the endpoint falls back to after its natives."""

from __future__ import annotations

from typing import TYPE_CHECKING

from awsfake.catalogue import catalogue
from awsfake.services.lambda_service import LambdaService
from awsfake.services.moto_service import MotoService

if TYPE_CHECKING:
    from awsfake.accounts import Accounts
    from awsfake.services import Peers, Service

__all__ = ["SPECIALISED", "emulated"]

# Services that answer some operations themselves before moto (Lambda runs Python functions for real).
SPECIALISED: dict[str, type[MotoService]] = {"lambda": LambdaService}


def emulated(name: str, accounts: Accounts, peers: Peers | None) -> Service | None:
    """The moto-answered service for the catalogue model `name`, or None for a name no model has."""
    model = catalogue().get(name)
    if model is None:
        return None
    return SPECIALISED.get(name, MotoService)(accounts, peers, model)
