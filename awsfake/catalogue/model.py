"""The catalogue's entries: a service model (how a service is signed and spoken) and its operations' bindings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

__all__ = ["Bindings", "Operation", "ServiceModel"]

_EMPTY: Mapping[str, str] = MappingProxyType({})


def _empty() -> Mapping[str, str]:
    return _EMPTY


@dataclass(frozen=True)
class Bindings:
    """Where a structure's members travel besides the body, keyed by their wire names.

    `labels`: URI labels; `query`: query-string names; `headers`: header names; `header_prefixes`: a prefix whose
    headers make up a map member (S3's `x-amz-meta-`); `status`: the member carrying the HTTP status code;
    `payload`: the member that is the whole body (`payload_type` its shape type: structure, blob, string);
    `wrapper`: the query family's result wrapper element; `body_names`: body members whose wire name differs
    (API Gateway's `items` travels as `item`).
    """

    labels: Mapping[str, str] = field(default_factory=_empty)
    query: Mapping[str, str] = field(default_factory=_empty)
    headers: Mapping[str, str] = field(default_factory=_empty)
    header_prefixes: Mapping[str, str] = field(default_factory=_empty)
    status: str | None = None
    payload: str | None = None
    payload_type: str | None = None
    wrapper: str | None = None
    body_names: Mapping[str, str] = field(default_factory=_empty)

    @classmethod
    def from_row(cls, row: Mapping[str, Any] | None) -> Bindings:
        if not row:
            return _NO_BINDINGS
        return cls(
            labels=MappingProxyType(row.get("l", {})),
            query=MappingProxyType(row.get("q", {})),
            headers=MappingProxyType(row.get("hd", {})),
            header_prefixes=MappingProxyType(row.get("hp", {})),
            status=row.get("s"),
            payload=row.get("p"),
            payload_type=row.get("pt"),
            wrapper=row.get("w"),
            body_names=MappingProxyType(row.get("b", {})),
        )

    @property
    def body_members_excluded(self) -> frozenset[str]:
        """Members that never travel in the body (bound to the URI, query, headers or status)."""
        bound = [*self.labels.values(), *self.query.values(), *self.headers.values(), *self.header_prefixes.values()]
        return frozenset([*bound, *([self.status] if self.status else [])])


_NO_BINDINGS = Bindings()


@dataclass(frozen=True)
class Operation:
    """One operation: its HTTP binding (`uri` may carry literal query parts: `/{Bucket}?uploads`), success status."""

    name: str
    method: str
    uri: str
    status: int = 200
    input: Bindings = _NO_BINDINGS
    output: Bindings = _NO_BINDINGS
    host_prefix: str = ""

    @classmethod
    def from_row(cls, name: str, row: Mapping[str, Any]) -> Operation:
        return cls(
            name,
            row["m"],
            row["u"],
            row.get("c", 200),
            Bindings.from_row(row.get("i")),
            Bindings.from_row(row.get("o")),
            row.get("h", ""),
        )


@dataclass(frozen=True)
class ServiceModel:
    """A botocore service model, as the fake needs it. `protocol` is the one botocore's client speaks.

    `name` is botocore's service name (the boto3 client name); `signing_name` the SigV4 scope's service;
    `query_compatible`: a JSON or CBOR service that still reports query-era error codes (`awsQueryCompatible`).
    Operations are read from the index on first use.
    """

    name: str
    signing_name: str
    endpoint_prefix: str
    protocol: str
    protocols: tuple[str, ...]
    api_version: str
    service_id: str
    signature_version: str = "v4"
    target_prefix: str = ""
    json_version: str = "1.0"
    namespace: str = ""
    query_compatible: bool = False
    global_endpoint: str = ""
    load_operations: Callable[[str], Mapping[str, Any]] = field(default=lambda _name: {}, repr=False, compare=False)

    @classmethod
    def from_row(cls, row: Mapping[str, Any], load_operations: Callable[[str], Mapping[str, Any]]) -> ServiceModel:
        return cls(
            row["name"],
            row["signing"],
            row["prefix"],
            row["protocol"],
            tuple(row["protocols"]),
            row["api"],
            row["id"],
            row.get("sigv", "v4"),
            row.get("target", ""),
            row.get("json", "1.0"),
            row.get("ns", ""),
            bool(row.get("qc")),
            row.get("global", ""),
            load_operations,
        )

    @cached_property
    def operations(self) -> Mapping[str, Operation]:
        rows = self.load_operations(self.name)
        return MappingProxyType({name: Operation.from_row(name, row) for name, row in rows.items()})

    @property
    def json_content_type(self) -> str:
        return f"application/x-amz-json-{self.json_version}"

    @property
    def is_rest(self) -> bool:
        """REST protocols route by method and URI; the others name the operation in the request itself."""
        return self.protocol in ("rest-json", "rest-xml")
