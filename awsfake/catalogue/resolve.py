"""Which model a request is for, when several service models share its signing name.

The SigV4 scope names only the signing name (`bedrock` signs for six models, `rds` for rds, docdb and neptune). The
request itself tells them apart: a JSON request's `X-Amz-Target` prefix, a CBOR request's `/service/<prefix>/`
path, a query request's `Action` (and `Version`), a REST request's method and path against each model's URIs.
A tie goes to the model named like the signing name (the service users mean by it), then to the first by name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from awsfake.catalogue.model import ServiceModel
from awsfake.catalogue.routes import Match

__all__ = ["Clues", "cbor_target", "pick"]

_CBOR_PREFIX = "/service/"
_FORM_PROTOCOLS = frozenset({"query", "ec2"})


@dataclass(frozen=True)
class Clues:
    """What a request says about its operation. `path` is raw (percent-encoded); `action`/`version`: query fields."""

    method: str = "POST"
    path: str = "/"
    raw_query: str = ""
    target: str = ""
    action: str = ""
    version: str = ""


def cbor_target(path: str) -> tuple[str, str] | None:
    """(service prefix, operation) of a smithy-rpc-v2-cbor path `/service/<prefix>/operation/<Operation>`."""
    if not path.startswith(_CBOR_PREFIX):
        return None
    parts = path[len(_CBOR_PREFIX) :].split("/")
    if len(parts) != 3 or parts[1] != "operation" or not parts[0] or not parts[2]:
        return None
    return parts[0], parts[2]


def pick(
    signing_name: str,
    candidates: Sequence[ServiceModel],
    clues: Clues,
    route: Callable[[ServiceModel, Clues], Match | None],
) -> ServiceModel | None:
    """The model among `candidates` this request addresses; None when there are none to choose from."""
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    ranked = sorted(candidates, key=lambda m: (m.name != signing_name, m.name))
    for clue in (_by_target, _by_cbor_path, _by_action):
        chosen = clue(ranked, clues)
        if chosen is not None:
            return chosen
    routed = [(match, model) for model in ranked if model.is_rest and (match := route(model, clues)) is not None]
    if routed:
        best_score = max(match.score for match, _ in routed)
        return next(model for match, model in routed if match.score == best_score)
    return ranked[0]


def _by_target(ranked: Sequence[ServiceModel], clues: Clues) -> ServiceModel | None:
    prefix, _, name = clues.target.rpartition(".")
    return _by_prefix(ranked, prefix, name) if prefix else None


def _by_cbor_path(ranked: Sequence[ServiceModel], clues: Clues) -> ServiceModel | None:
    found = cbor_target(clues.path)
    return _by_prefix(ranked, *found) if found else None


def _by_prefix(ranked: Sequence[ServiceModel], prefix: str, name: str) -> ServiceModel | None:
    """Models may share a target prefix (timestream-query and -write): the one having the operation wins."""
    having = [m for m in ranked if m.target_prefix == prefix]
    return next((m for m in having if name in m.operations), having[0] if having else None)


def _by_action(ranked: Sequence[ServiceModel], clues: Clues) -> ServiceModel | None:
    if not clues.action:
        return None
    having = [m for m in ranked if m.protocol in _FORM_PROTOCOLS and clues.action in m.operations]
    versioned = [m for m in having if m.api_version == clues.version]
    chosen = versioned or having
    return chosen[0] if chosen else None
