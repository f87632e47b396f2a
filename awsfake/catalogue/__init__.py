"""The service catalogue, derived from botocore's service models (see `build` for what the index keeps).

`catalogue()` loads the index on first use (a few milliseconds; `import awsfake` never pays for it) and keeps it
for the process. Each model's operations are read from the index the first time that model is asked about.

    from awsfake.catalogue import Clues, catalogue
    model = catalogue().resolve("lambda", Clues("POST", "/2015-03-31/functions/f/invocations"))
    match = catalogue().operation(model, Clues("POST", "/2015-03-31/functions/f/invocations"))
    assert (model.name, match.operation.name, match.labels) == ("lambda", "Invoke", {"FunctionName": "f"})
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from awsfake.catalogue.model import Bindings, Operation, ServiceModel
from awsfake.catalogue.resolve import Clues, cbor_target, pick
from awsfake.catalogue.routes import Match, Router
from awsfake.catalogue.store import Store, open_store

__all__ = ["Bindings", "Catalogue", "Clues", "Match", "Operation", "ServiceModel", "catalogue", "cbor_target"]


class Catalogue:
    """Every service model of one index, by botocore name and by signing name, with their REST routers."""

    def __init__(self, store: Store) -> None:
        self.botocore_version = store.botocore_version
        self._models = {row["name"]: ServiceModel.from_row(row, store.operations) for row in store.services()}
        self._signed: dict[str, list[ServiceModel]] = {}
        for model in self._models.values():
            self._signed.setdefault(model.signing_name, []).append(model)
        # What a name may mean: the models signed for it, and the model so named when it signs otherwise (botocore
        # 1.44's cloudwatchomni signs as `cloudwatch`, the name of CloudWatch's own model, which signs as
        # `monitoring`; sso signs as `awsssoportal`, sso-admin as `sso`): the request's clues decide between them.
        self._meanings: dict[str, list[ServiceModel]] = {name: list(models) for name, models in self._signed.items()}
        for model in self._models.values():
            if model.signing_name != model.name:
                self._meanings.setdefault(model.name, []).append(model)
        self._routers: dict[str, Router] = {}
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[ServiceModel]:
        return iter(self._models.values())

    def __len__(self) -> int:
        return len(self._models)

    def get(self, name: str) -> ServiceModel | None:
        """The model botocore calls `name` (the boto3 client name)."""
        return self._models.get(name)

    def signed_as(self, signing_name: str) -> list[ServiceModel]:
        """The models whose requests are signed for `signing_name`."""
        return list(self._signed.get(signing_name, ()))

    def resolve(self, name: str, clues: Clues) -> ServiceModel | None:
        """The model a request addresses, `name` being the signing name it was signed for or a model's own name;
        None for a name no model has or signs with. A tie goes to the model named `name` (see `resolve.pick`)."""
        return pick(name, self._meanings.get(name, ()), clues, self.route)

    def operation(self, model: ServiceModel, clues: Clues) -> Match | None:
        """The operation a request to `model` addresses, however its protocol names it; None if it has no such one.

        JSON: `X-Amz-Target: <prefix>.<Operation>`; CBOR: `/service/<prefix>/operation/<Operation>`; query and EC2:
        the `Action` field; REST: method, path and query against the request URIs (with the URI labels' values).
        A model listing several protocols (CloudWatch: CBOR, JSON, query) is asked in each; `Match.protocol` says
        which one the request spoke, so the answer goes back in it.
        """
        if model.is_rest:
            return self.route(model, clues)
        for protocol in dict.fromkeys((model.protocol, *model.protocols)):
            namer = _NAMERS.get(protocol)
            name = namer(model, clues) if namer else None
            if name and name in model.operations:
                return Match(model.operations[name], {}, (), protocol)
        return None

    def route(self, model: ServiceModel, clues: Clues) -> Match | None:
        """The operation a REST request addresses (method, path, query), with its URI labels."""
        with self._lock:
            router = self._routers.get(model.name)
            if router is None:
                router = self._routers[model.name] = Router(model.operations.values(), model.protocol)
        return router.match(clues.method, clues.path, clues.raw_query)


def _json_name(model: ServiceModel, clues: Clues) -> str | None:
    prefix, dot, name = clues.target.rpartition(".")  # prefixes may hold dots (com.amazonaws.cloudtrail...)
    return name if dot and prefix == model.target_prefix else None


def _cbor_name(model: ServiceModel, clues: Clues) -> str | None:
    found = cbor_target(clues.path)
    return found[1] if found and found[0] == model.target_prefix else None


def _form_name(model: ServiceModel, clues: Clues) -> str | None:
    return clues.action if clues.action and not clues.target else None


# How each non-REST protocol names the operation in the request.
_NAMERS: dict[str, Callable[[ServiceModel, Clues], str | None]] = {
    "json": _json_name,
    "smithy-rpc-v2-cbor": _cbor_name,
    "query": _form_name,
    "ec2": _form_name,
}

_loaded: Catalogue | None = None
_loading = threading.Lock()


def catalogue() -> Catalogue:
    """The process-wide catalogue for the installed botocore, loaded on first call."""
    global _loaded
    with _loading:
        if _loaded is None:
            _loaded = Catalogue(open_store())
        return _loaded
