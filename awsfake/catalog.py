"""Which service a request is for, and how that service is spoken: the table every wire-format decision reads.

The table is botocore's service models (`awsfake.catalogue`): every service botocore knows has its family, so its
requests are verified and its errors rendered in its own wire format. The services emulated natively (S3, SNS,
SQS, STS) keep their own rows, which add what the models do not say: S3's signing rules, SQS's query-era error
codes. Where several models share a signing name, or a model speaks several protocols (CloudWatch: JSON, CBOR,
query), the request decides: its target header, path, `Action`, or the protocol header it carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from awsfake.catalogue import Clues, ServiceModel, catalogue, cbor_target
from awsfake.families import FAMILIES, Family
from awsfake.families.query import PLAIN_SHAPES, QueryShapes
from awsfake.services.sqs.codes import QUERY_CODES as SQS_QUERY_CODES
from awsfake.services.sqs.wire import QUERY_SHAPES as SQS_QUERY_SHAPES

if TYPE_CHECKING:
    from awsfake.request import Request

__all__ = ["CATALOG", "S3_SIGNING", "ServiceInfo", "Signing", "info_for", "info_for_target", "native_info"]


@dataclass(frozen=True)
class Signing:
    """What a service demands of a SigV4 request beyond the signature (S3's rules; other services demand none).

    `amz_headers_signed`: every x-amz-* header must be signed. `payload_header`: x-amz-content-sha256 is
    required, checked against the body, and may announce an aws-chunked body. `presign_expires`: presigned URLs
    must carry X-Amz-Expires. `post_form`: a browser POST form signed with a policy is a third way to
    authenticate. `unsigned_methods`: methods answered without a signature (S3's CORS preflight `OPTIONS`).
    `sigv2`: Signature Version 2 is verified when the endpoint allows it (`FakeAWS(sigv2=True)`).
    """

    amz_headers_signed: bool = False
    payload_header: bool = False
    presign_expires: bool = False
    post_form: bool = False
    unsigned_methods: frozenset[str] = frozenset()
    sigv2: bool = False


S3_SIGNING = Signing(True, True, True, True, frozenset({"OPTIONS"}), sigv2=True)


@dataclass(frozen=True)
class ServiceInfo:
    """How one service is spoken. `name` is botocore's service name (the boto3 client name). `query_errors`: a JSON
    or CBOR service that still reports query-era error codes (modeled shape -> query-era code). `query_shapes`: the
    service's own query wire names (`families.query.QueryShapes`). `dialects`: other rows for the same service, each
    chosen by the request's media type (SQS speaks JSON, and query to older SDKs). `objects`: its payloads are
    objects (S3), streamed to disk and limited by the endpoint's `max_object_size` rather than its
    `max_body_size`."""

    name: str
    family: Family
    api_version: str = ""
    namespace: str = ""
    target_prefix: str = ""
    json_version: str = "1.0"
    query_errors: Mapping[str, str] | None = None
    signing: Signing = Signing()
    endpoint_prefix: str = ""
    global_endpoint: str = ""
    query_shapes: QueryShapes = PLAIN_SHAPES
    dialects: tuple[tuple[str, ServiceInfo], ...] = ()
    objects: bool = False
    json_content_type: str = field(init=False, repr=False, compare=False)
    """`application/x-amz-json-<json_version>`, the Content-Type of every JSON answer (worked out once)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "json_content_type", f"application/x-amz-json-{self.json_version}")

    def spoken_as(self, content_type: str | None, raw_query: str = "") -> ServiceInfo:
        """The row for a request with this Content-Type: a dialect named by its media type, else this row. A request
        with no media type is read by what its query string carries (`_IMPLIED_MEDIA`: a GET `?Action=` is a form)."""
        if not self.dialects:
            return self
        media = _media_type(content_type) or _implied_media(raw_query)
        for name, row in self.dialects:
            if name == media:
                return row
        return self


# A request without a Content-Type: the query parameter it carries -> the media type it is read as. AWS answers
# `GET /?Action=ListQueues&Version=...` in the query protocol, the query string standing in for the form.
_IMPLIED_MEDIA: tuple[tuple[str, str], ...] = (("Action", "application/x-www-form-urlencoded"),)


@lru_cache(maxsize=256)
def _media_type(content_type: str | None) -> str:
    """`application/json` of `Application/JSON; charset=utf-8` (a client sends the same few with every request)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _implied_media(raw_query: str) -> str:
    names = {name for name, _ in parse_qsl(raw_query, keep_blank_values=True)}
    return next((media for parameter, media in _IMPLIED_MEDIA if parameter in names), "")


_S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"

# The natively emulated services' rows (by signing name, which is also their model's name).
# SQS as older SDKs speak it: form-encoded query requests, query XML answers and query-era error codes.
_SQS_QUERY = ServiceInfo(
    "sqs",
    FAMILIES["query"],
    "2012-11-05",
    "http://queue.amazonaws.com/doc/2012-11-05/",
    query_errors=SQS_QUERY_CODES,
    query_shapes=SQS_QUERY_SHAPES,
)
CATALOG: dict[str, ServiceInfo] = {
    "s3": ServiceInfo(
        "s3", FAMILIES["rest-xml"], "2006-03-01", _S3_NAMESPACE, signing=S3_SIGNING, endpoint_prefix="s3", objects=True
    ),
    "sns": ServiceInfo("sns", FAMILIES["query"], "2010-03-31", "http://sns.amazonaws.com/doc/2010-03-31/"),
    "sts": ServiceInfo("sts", FAMILIES["query"], "2011-06-15", "https://sts.amazonaws.com/doc/2011-06-15/"),
    "sqs": ServiceInfo(
        "sqs",
        FAMILIES["json"],
        "2012-11-05",
        target_prefix="AmazonSQS",
        query_errors=SQS_QUERY_CODES,
        dialects=(("application/x-www-form-urlencoded", _SQS_QUERY),),
    ),
}

# Paths that, signed for a native service's name, belong to another model (S3 Control signs as s3).
_NOT_NATIVE_PATHS: dict[str, tuple[str, ...]] = {"s3": ("/v20180820/",)}


def info_for(name: str, request: Request | None = None) -> ServiceInfo:
    """The row for `name` (a signing name or a model's name); `request` picks among models sharing the name and
    the protocol it speaks. A name no model has is answered as a query-family service with no operations."""
    if request is None:
        native = CATALOG.get(name)
        if native is not None:
            return native
    else:
        native = native_info(name, request)
        if native is not None:
            return native
    clues = _clues(request) if request is not None else Clues()
    model = catalogue().resolve(name, clues)
    if model is None:
        return ServiceInfo(name, FAMILIES["query"])
    return _info(model.name, _spoken(model, request, clues))


def native_info(name: str, request: Request) -> ServiceInfo | None:
    """The row of the natively emulated service `name` in the dialect the request speaks, decided by its head alone
    (its path, Content-Type and query); None for a name that is not native here (another model's, or S3 Control's
    path signed as s3)."""
    native = CATALOG.get(name)
    if native is None:
        return None
    other_models = _NOT_NATIVE_PATHS.get(name)
    if other_models is not None and request.raw_path.startswith(other_models):
        return None
    if not native.dialects:  # one way to speak it (STS, SNS, S3): no media type to read
        return native
    return native.spoken_as(request.index.get("content-type"), request.raw_query)


def info_for_target(prefix: str) -> ServiceInfo | None:
    """The JSON service whose target prefix is `prefix` (for a request that names no credential scope)."""
    model = next((m for m in catalogue() if m.target_prefix == prefix), None)
    return info_for(model.name) if model else None


@lru_cache(maxsize=1024)
def _info(model_name: str, protocol: str) -> ServiceInfo:
    native = CATALOG.get(model_name)
    if native is not None and native.family.name == protocol:
        return native
    model = catalogue().get(model_name)
    assert model is not None
    return ServiceInfo(
        model.name,
        FAMILIES.get(protocol, FAMILIES["query"]),
        model.api_version,
        model.namespace,
        model.target_prefix,
        model.json_version,
        {} if model.query_compatible else None,
        endpoint_prefix=model.endpoint_prefix,
        global_endpoint=model.global_endpoint,
    )


def _clues(request: Request) -> Clues:
    fields = _form(request)
    return Clues(
        request.method,
        request.raw_path,
        request.raw_query,
        request.header("x-amz-target") or "",
        fields.get("Action", ""),
        fields.get("Version", ""),
    )


def _form(request: Request) -> dict[str, str]:
    content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    text = request.body.read().decode("latin-1") if content_type == "application/x-www-form-urlencoded" else ""
    return dict(parse_qsl(text or request.raw_query, keep_blank_values=True))


def _spoken(model: ServiceModel, request: Request | None, clues: Clues) -> str:
    """The protocol the request speaks, among those the model lists (the model's own when it does not say)."""
    if request is None:
        return model.protocol
    evidence = [
        ("smithy-rpc-v2-cbor", request.header("smithy-protocol") == "rpc-v2-cbor" or cbor_target(clues.path)),
        ("json", bool(clues.target)),
        ("query", bool(clues.action)),
    ]
    spoken = next((protocol for protocol, seen in evidence if seen), model.protocol)
    return spoken if spoken in model.protocols else model.protocol
