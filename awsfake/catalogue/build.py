"""Build the catalogue's index from the installed botocore's service models: `python -m awsfake.catalogue`.

The index keeps, per service model, only what the fake needs to read a request and shape an answer: how the
service is signed and spoken (signing name, endpoint prefix, the protocol botocore's client picks, target prefix,
JSON version, API version, XML namespace) and, per operation, its HTTP binding, the request members bound to the
URI, query string and headers, and how its output is laid out (status code, header-bound members, payload).
Everything else in the models (documentation, shapes' inner structure) stays in botocore.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = ["SERVICES_MEMBER", "SHIPPED", "VERSION_MEMBER", "build_rows", "main", "service_row", "write_index"]

SERVICES_MEMBER = "services.json"
SHIPPED = Path(__file__).with_name("index.zip")  # the index in the package (`main` rewrites it)
VERSION_MEMBER = "botocore-version.txt"

# The order in which botocore's client picks a protocol from a model's `protocols` list (botocore.utils keeps it as
# PRIORITY_ORDERED_SUPPORTED_PROTOCOLS; older releases have no such list and only read `protocol`).
_FALLBACK_PRIORITY = ("json", "rest-json", "rest-xml", "smithy-rpc-v2-cbor", "query", "ec2")


def _priority() -> tuple[str, ...]:
    from botocore import utils

    return tuple(getattr(utils, "PRIORITY_ORDERED_SUPPORTED_PROTOCOLS", _FALLBACK_PRIORITY))


def resolved_protocol(metadata: Mapping[str, Any], priority: tuple[str, ...]) -> str:
    """The protocol botocore's client speaks for this model: the first of its `protocols` botocore supports."""
    listed = metadata.get("protocols") or []
    for protocol in priority:
        if protocol in listed:
            return protocol
    return str(metadata["protocol"])


def service_row(name: str, model: Mapping[str, Any], priority: tuple[str, ...]) -> dict[str, Any]:
    """One service model reduced to the index's row (short keys; absent means empty)."""
    metadata = model["metadata"]
    shapes = model["shapes"]
    row: dict[str, Any] = {
        "name": name,
        "signing": metadata.get("signingName") or metadata["endpointPrefix"],
        "prefix": metadata["endpointPrefix"],
        "protocol": resolved_protocol(metadata, priority),
        "protocols": list(metadata.get("protocols") or [metadata["protocol"]]),
        "api": metadata.get("apiVersion", ""),
        "id": metadata.get("serviceId", name),
        "sigv": metadata.get("signatureVersion", "v4"),
    }
    optional = {
        "target": metadata.get("targetPrefix"),
        "json": metadata.get("jsonVersion"),
        "ns": metadata.get("xmlNamespace"),
        "qc": "awsQueryCompatible" in metadata or None,
        "global": metadata.get("globalEndpoint"),
    }
    row.update({key: value for key, value in optional.items() if value})
    row["ops"] = {op_name: _operation(op, shapes) for op_name, op in model["operations"].items()}
    return row


def _operation(op: Mapping[str, Any], shapes: Mapping[str, Any]) -> dict[str, Any]:
    http = op.get("http", {})
    entry: dict[str, Any] = {"m": http.get("method", "POST"), "u": http.get("requestUri", "/")}
    if http.get("responseCode", 200) != 200:
        entry["c"] = http["responseCode"]
    if "input" in op:
        bound = _bindings(shapes[op["input"]["shape"]], shapes)
        if bound:
            entry["i"] = bound
    if "output" in op:
        output = op["output"]
        bound = _bindings(shapes[output["shape"]], shapes)
        if "resultWrapper" in output:
            bound["w"] = output["resultWrapper"]
        if bound:
            entry["o"] = bound
    if "hostPrefix" in op.get("endpoint", {}):
        entry["h"] = op["endpoint"]["hostPrefix"]
    return entry


def _bindings(shape: Mapping[str, Any], shapes: Mapping[str, Any]) -> dict[str, Any]:
    """Where a structure's members travel: {kind: {wire name: member}} for the URI, query, headers and body members
    renamed on the wire, plus the status-code member and the payload."""
    out: dict[str, Any] = {}
    kinds = {"uri": "l", "querystring": "q", "header": "hd", "headers": "hp", "statusCode": "s"}
    for member_name, member in shape.get("members", {}).items():
        kind = kinds.get(member.get("location", ""))
        if kind == "s":
            out["s"] = member_name
        elif kind:
            out.setdefault(kind, {})[member.get("locationName", member_name)] = member_name
        elif member.get("locationName", member_name) != member_name:  # a body member named otherwise on the wire
            out.setdefault("b", {})[member["locationName"]] = member_name
    if "payload" in shape:
        payload = shape["payload"]
        out["p"] = payload
        out["pt"] = shapes[shape["members"][payload]["shape"]]["type"]
    return out


def build_rows() -> Iterator[dict[str, Any]]:
    """Every service model the installed botocore ships, newest API version of each, as index rows."""
    from botocore.loaders import Loader

    loader = Loader()
    priority = _priority()
    for name in sorted(loader.list_available_services("service-2")):
        yield service_row(name, loader.load_service_model(name, "service-2"), priority)


def botocore_version() -> str:
    import botocore

    return str(botocore.__version__)


def write_index(path: Path) -> None:
    """Write the index for the installed botocore to `path` (a zip: one member per service), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    summary = []
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            archive.writestr(VERSION_MEMBER, botocore_version())
            for row in build_rows():
                ops = row.pop("ops")
                summary.append(row)
                archive.writestr(f"{row['name']}.json", _dumps(ops))
            archive.writestr(SERVICES_MEMBER, _dumps(summary))
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would keep the index from other users of a shared install
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else SHIPPED
    write_index(target)
    print(f"wrote {target} from botocore {botocore_version()} ({target.stat().st_size} bytes)")
    return 0
