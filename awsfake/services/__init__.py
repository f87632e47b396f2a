"""The contract between the endpoint and its services.

A service sees a verified `Call` (plain values) and returns a `Result` (plain values) or raises `Fault`; it never
reads or writes a wire format and never checks a signature. The service's protocol family (`awsfake.families`)
turns `Result` and `Fault` into bytes. Which services have an implementation is `awsfake.services.native`.

Result trees are dicts (structures, key order kept), lists (rendered as repeated elements in REST-XML, as
`<member>` items in the query family, as arrays in JSON), `Map` (key/value maps: `<entry><key/><value/></entry>`
in the query family, objects in JSON) and scalars (str, int, bool, datetime).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from types import MethodType
from typing import TYPE_CHECKING, Any, ClassVar

from awsfake.accounts import Caller
from awsfake.doubles import redact
from awsfake.errors import invalid_action
from awsfake.store.body import Body
from awsfake.store.saved import Store

if TYPE_CHECKING:
    from awsfake.accounts import Accounts

__all__ = ["Call", "Caller", "Map", "Peers", "Result", "Service"]


class Map(dict[str, Any]):
    """A key/value map in a result, as opposed to a structure."""


@dataclass(slots=True)
class Call:
    """One verified request. `params` holds the parameters as plain nested values, whatever the wire format: the
    JSON body, or the query family's fields decoded (`Tags.member.1.Key` -> `{"Tags": [{"Key": ...}]}`). `body` is
    the payload (`read()` it whole, or `stream()` it: an object's body may be gigabytes)."""

    service: str
    action: str
    region: str
    caller: Caller
    method: str
    host: str
    path: str  # decoded
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # case-insensitive
    body: Body
    params: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        """Every field, but the session token (header or presigned query parameter) is never shown."""
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        shown["headers"] = redact.mapping(self.headers)
        shown["query"] = redact.mapping(self.query)
        return "Call(" + ", ".join(f"{name}={value!r}" for name, value in shown.items()) + ")"


# How a service finds the other services of its endpoint: by name, None when the endpoint has none.
Peers = Callable[[str], "Service | None"]


@dataclass(slots=True)
class Result:
    """`body` is a result tree, or bytes sent as they are, or a `Body`/`Stream` sent from its file in chunks (S3
    GetObject). `root` names S3's XML root element."""

    body: Any = None
    root: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class Service:
    """Base for a service: state on the instance, guarded by `lock`; an operation is a method named for its action.

    `UpdateTopic` is handled by `update_topic(call)`. An action with no method is the family's unknown-operation
    error: the endpoint asks `operation(action)` and renders that error itself (`handle` keeps a query-style
    fallback for direct callers). `accounts` is the endpoint's key registry (STS mints sessions in it); `peers`
    finds the other services of the same endpoint (SNS delivering to SQS), None when there is none.

    `store` keeps state across restarts (`awsfake serve --data-dir`): after changing a thing, a service calls
    `self.saved.touch(kind, key)`; the store then saves `state_of(kind, key)` with the request's other changes and
    gives it back through `restore(kind, key, value)` at the next start. `blobs` is where large bodies go.
    """

    name: ClassVar[str]
    helpers: ClassVar[frozenset[str]] = frozenset()
    """A subclass's public methods that are not operations (called by peers or mixins): a request naming one as its
    action is an unknown operation, not the helper called with a request. The contract's own methods (`handle`,
    `route`, `reset`, ...) and attributes that are not methods (`peers`) never are operations: `operation` says so."""

    def __init__(self, accounts: Accounts, peers: Peers | None = None, store: Store | None = None) -> None:
        self.accounts = accounts
        self.peers: Peers = peers or _no_peers
        self.lock = threading.RLock()
        self._operations: dict[str, Callable[[Call], Result]] = {}  # action -> what `operation` found for it
        self.store = store or Store()
        self.blobs = self.store.blobs
        self.saved = self.store.saved(self)
        self.reset()

    def reset(self) -> None:
        """Forget all state (between tests)."""

    def state_of(self, kind: str, key: str) -> Any:
        """The current value of a thing this service touched (None: it is gone), for the store to save."""
        return None

    def restore(self, kind: str, key: str, value: Any) -> None:
        """Take back a thing saved by `state_of` (at start, with a data directory)."""

    def route(self, call: Call) -> str:
        """The action of a REST request (method, host, path, query); only REST services override this."""
        raise NotImplementedError

    def operation(self, action: str) -> Callable[[Call], Result] | None:
        """The method implementing `action`, or None when this service has no such operation."""
        if not action or not action[0].isupper() or not action.isalnum():
            return None
        name = _snake(action)
        if name in _CONTRACT or name in self.helpers:
            return None
        method = getattr(self, name, None)  # one of this service's own methods, not a callable it holds (`peers`)
        return method if isinstance(method, MethodType) and method.__self__ is self else None

    def operation_for(self, action: str) -> Callable[[Call], Result] | None:
        """`operation(action)`, found once per action and then remembered (the endpoint asks on every request;
        finding one is a name check, a method lookup and, for some services, a wrapper made). Only actions that
        have an operation are kept, so the table is bounded by the service's own methods."""
        found = self._operations.get(action)
        if found is None:
            found = self.operation(action)
            if found is not None:
                self._operations[action] = found
        return found

    def handle(self, call: Call) -> Result:
        method = self.operation(call.action)
        if method is None:
            raise invalid_action(call.action)
        return method(call)


_CONTRACT = frozenset(name for name in vars(Service) if not name.startswith("_"))  # what every service has


def _no_peers(name: str) -> Service | None:
    return None


@lru_cache(maxsize=1024)
def _snake(action: str) -> str:
    out = []
    for i, ch in enumerate(action):
        if ch.isupper() and i and (not action[i - 1].isupper() or (i + 1 < len(action) and action[i + 1].islower())):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)
