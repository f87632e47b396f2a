"""What botocore puts on the wire for an operation, captured before it is sent (no socket is opened).

The catalogue's tests check that it identifies the requests the real SDK sends; this is where those come from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
import botocore
import botocore.session
from botocore.config import Config

from awsfake.catalogue import Clues

_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")


class _Captured(Exception):
    def __init__(self, request: Any) -> None:
        super().__init__("captured")
        self.request = request


def _capture(request: Any, **_: Any) -> None:
    raise _Captured(request)


@dataclass(frozen=True)
class WireRequest:
    signing_name: str
    clues: Clues
    headers: dict[str, str]
    body: bytes


def session(**kwargs: Any) -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id="AKIDCAPTURE", aws_secret_access_key="capture", region_name="us-east-1", **kwargs
    )


def client(name: str, boto_session: boto3.session.Session | None = None) -> Any:
    """A client whose requests are captured instead of sent; parameters are not validated (labels get 'x')."""
    config = Config(parameter_validation=False, retries={"max_attempts": 0}, inject_host_prefix=False)
    made = (boto_session or session()).client(name, endpoint_url="http://127.0.0.1:9", config=config)
    made.meta.events.register("before-send", _capture)
    return made


def captured(made: Any, operation: str, **params: Any) -> WireRequest:
    """The request `made` sends for `operation`; URI labels not given are filled with 'x'."""
    model = made.meta.service_model.operation_model(operation)
    shape = model.input_shape
    for name, member in shape.members.items() if shape else ():
        if member.serialization.get("location") == "uri":
            params.setdefault(name, "x")
    try:
        getattr(made, botocore.xform_name(operation))(**params)
    except _Captured as done:
        return _wire(done.request)
    raise AssertionError(f"{operation} sent nothing")


def _wire(request: Any) -> WireRequest:
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
    body = request.body or b""
    body = body.encode() if isinstance(body, str) else bytes(body)
    found = _SCOPE.search(headers.get("Authorization", ""))
    split = urlsplit(request.url)
    form = dict(parse_qsl(body.decode("latin-1"))) if "x-www-form-urlencoded" in headers.get("Content-Type", "") else {}
    clues = Clues(
        request.method,
        split.path,
        split.query,
        headers.get("X-Amz-Target", ""),
        form.get("Action", ""),
        form.get("Version", ""),
    )
    return WireRequest(found.group(1) if found else "", clues, headers, body)


def cbor_session(directory: Any, service: str = "cloudwatch") -> boto3.session.Session:
    """A capturing session (fixed keys) whose `service` speaks smithy-rpc-v2-cbor; see `cbor_botocore_session`."""
    return session(botocore_session=cbor_botocore_session(directory, service))


def cbor_botocore_session(directory: Any, service: str = "cloudwatch") -> botocore.session.Session:
    """A session whose `service` model lists only smithy-rpc-v2-cbor, so botocore speaks CBOR to it.

    botocore 1.43 and 1.44 prefer JSON for CloudWatch; releases before them (and other SDKs) speak CBOR. The model is
    botocore's own, with its `protocols` narrowed, placed first on the loader's search path.
    """
    import json
    from pathlib import Path

    from botocore.loaders import Loader

    loader = Loader()
    version = loader.determine_latest_version(service, "service-2")
    model = loader.load_service_model(service, "service-2", version)
    model["metadata"]["protocols"] = ["smithy-rpc-v2-cbor"]
    model["metadata"]["protocol"] = "smithy-rpc-v2-cbor"
    target = Path(directory) / service / version
    target.mkdir(parents=True, exist_ok=True)
    (target / "service-2.json").write_text(json.dumps(model))
    core = botocore.session.Session()
    core.get_component("data_loader").search_paths.insert(0, str(directory))
    return core


def parsed(made: Any, operation: str, status: int, headers: list[tuple[str, str]], body: bytes) -> dict[str, Any]:
    """An answer as `made`'s botocore parses it (an error answer parses to {'Error': {...}})."""
    from botocore.awsrequest import HeadersDict
    from botocore.parsers import create_parser

    model = made.meta.service_model
    operation_model = model.operation_model(operation)
    response = {"status_code": status, "headers": HeadersDict(headers), "body": body}
    shape = operation_model.output_shape if status < 300 else None
    result: dict[str, Any] = create_parser(model.resolved_protocol).parse(response, shape)
    return result
