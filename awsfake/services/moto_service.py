"""Services the fake verifies and moto answers: every service of botocore's catalogue that is not native.

After its signature checks out, a request for such a service goes in-process to moto (`moto_backend`) as the
caller's account, and moto's answer goes back as it is. A request spoken in CBOR (which moto does not read) is
carried to moto as the same operation in JSON, and its answer back in CBOR. An operation neither the fake nor moto
emulates gets a plain error naming the service and the operation and pointing at `fake.stub(...)`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote, urlencode

from awsfake.catalogue import ServiceModel
from awsfake.errors import not_emulated
from awsfake.families.json import json_default
from awsfake.families.rpc_v2_cbor import CBOR_HEADERS, encode
from awsfake.services import Call, Result, Service, moto_backend
from awsfake.services.moto_saved import SavedBackends, is_read

if TYPE_CHECKING:
    from awsfake.accounts import Accounts
    from awsfake.services import Peers
    from awsfake.store.saved import Store

__all__ = ["MotoService"]

# Headers of moto's answer that the fake writes itself (its own request id) or that no longer fit the body.
_DROPPED = frozenset({"x-amzn-requestid", "x-amz-request-id", "x-amz-id-2", "content-length", "server", "date"})


class MotoService(SavedBackends, Service):
    """One botocore service model answered by moto. moto's state is process-wide: `reset()` forgets all of it."""

    name: ClassVar[str] = "moto"

    def __init__(self, accounts: Accounts, peers: Peers | None, store: Store | None, model: ServiceModel) -> None:
        self.model = model
        self._ready = False
        super().__init__(accounts, peers, store)
        moto_backend.claim(accounts)  # the endpoint's first service through moto starts moto afresh
        self._ready = True

    def reset(self) -> None:
        if self._ready:  # on construction, `claim` decides
            moto_backend.reset()

    def operation(self, action: str) -> Callable[[Call], Result] | None:
        return self.forward if action in self.model.operations else None

    def forward(self, call: Call) -> Result:
        """moto's answer to the verified `call`, as moto gave it (translated back to CBOR if spoken in CBOR)."""
        cbor = call.headers.get("smithy-protocol") == "rpc-v2-cbor"
        method, target, headers, body = _as_json(self.model, call) if cbor else _as_sent(call)
        request = moto_backend.MotoRequest(
            self.model.endpoint_prefix,
            call.region,
            call.caller.account_id,
            method,
            target,
            headers,
            body,
            self.model.global_endpoint,
        )
        with self.lock:  # a backend is saved under this lock: never pickled mid-change
            answer = moto_backend.answer(request)
            if answer is not None and not is_read(call.action):
                self._touch_backend(call)
        if answer is None:
            raise not_emulated(self.model.name, call.action)
        kept = {name: value for name, value in answer.headers if name.lower() not in _DROPPED}
        if cbor:
            return _as_cbor(answer.status, kept, answer.body)
        return Result(answer.body, status=answer.status, headers=kept)

    def _touch_backend(self, call: Call) -> None:
        name = moto_backend.backend_name(self.model.endpoint_prefix, call.region, self.model.global_endpoint)
        if name is not None:
            self.saved.touch("backend", f"{name}/{call.caller.account_id}")

    @property
    def backend(self) -> str | None:
        return moto_backend.backend_name(self.model.endpoint_prefix, "us-east-1", self.model.global_endpoint)


def _as_sent(call: Call) -> tuple[str, str, list[tuple[str, str]], bytes]:
    query = urlencode([(name, value) for name, values in call.query.items() for value in values])
    target = quote(call.path, safe="/~!$&'()*+,;=:@") + (f"?{query}" if query else "")
    headers = [(name, value) for name, value in call.headers.items() if name != "content-length"]
    body = call.body.read()
    return call.method, target, [*headers, ("content-length", str(len(body)))], body


def _as_json(model: ServiceModel, call: Call) -> tuple[str, str, list[tuple[str, str]], bytes]:
    """The CBOR call as the same operation in the JSON protocol (moto reads JSON)."""
    body = json.dumps(call.params, default=json_default).encode()
    kept = [(n, v) for n, v in call.headers.items() if n not in ("content-type", "content-length", "smithy-protocol")]
    headers = [
        *kept,
        ("content-type", model.json_content_type),
        ("x-amz-target", f"{model.target_prefix}.{call.action}"),
        ("content-length", str(len(body))),
    ]
    return "POST", "/", headers, body


def _as_cbor(status: int, headers: Mapping[str, str], body: bytes) -> Result:
    try:
        tree: Any = json.loads(body) if body.strip() else {}
    except ValueError:
        tree = {"message": body.decode("utf-8", "replace")}
    kept = {name: value for name, value in headers.items() if name.lower() != "content-type"}
    return Result(encode(tree), status=status, headers={**kept, **dict(CBOR_HEADERS)})
