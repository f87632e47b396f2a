"""The REST-JSON and smithy-rpc-v2-cbor families on raw signed requests: bad bodies and unknown operations get
the family's own errors (read by botocore's parser for that protocol), never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from endpoint_helpers import parsed_error, send, served, signed

from awsfake import FakeAWS

CBOR_PATH = "/service/GraniteServiceVersion20100801/operation/ListMetrics"
CBOR_HEADERS = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[tuple[FakeAWS, str]]:
    with served() as pair:
        yield pair


def _send(url: str, method: str, path: str, service: str, body: bytes, headers: dict[str, str]) -> object:
    return send(url, method, path, signed(url, method, path, service=service, body=body, headers=dict(headers)), body)


@pytest.mark.parametrize(
    "body", [b"\xff\x00garbage", b"\xa1", b"\x83\x01\x02\x03"], ids=["garbage", "truncated", "array"]
)
def test_a_body_that_is_no_cbor_map_is_a_serialization_error(endpoint: tuple[FakeAWS, str], body: bytes) -> None:
    response = _send(endpoint[1], "POST", CBOR_PATH, "monitoring", body, CBOR_HEADERS)
    assert response.status == 400  # type: ignore[attr-defined]
    assert parsed_error("smithy-rpc-v2-cbor", response)["Code"] == "SerializationException"  # type: ignore[arg-type]


def test_an_operation_cloudwatch_does_not_have_in_cbor(endpoint: tuple[FakeAWS, str]) -> None:
    path = "/service/GraniteServiceVersion20100801/operation/NoSuchOperation"
    response = _send(endpoint[1], "POST", path, "monitoring", b"", CBOR_HEADERS)
    assert response.status == 404  # type: ignore[attr-defined]
    assert parsed_error("smithy-rpc-v2-cbor", response)["Code"] == "UnknownOperationException"  # type: ignore[arg-type]


def test_a_path_lambda_does_not_route_is_unknown_in_rest_json(endpoint: tuple[FakeAWS, str]) -> None:
    response = _send(endpoint[1], "GET", "/2015-03-31/no-such-thing", "lambda", b"", {})
    assert response.status == 404  # type: ignore[attr-defined]
    error = parsed_error("rest-json", response)  # type: ignore[arg-type]
    assert error["Code"] == "UnknownOperationException" and "GET /2015-03-31/no-such-thing" in error["Message"]


def test_a_json_body_that_is_no_object_is_a_serialization_error_in_rest_json(endpoint: tuple[FakeAWS, str]) -> None:
    response = _send(
        endpoint[1], "POST", "/2015-03-31/functions", "lambda", b"[1, 2", {"Content-Type": "application/json"}
    )
    assert response.status == 400  # type: ignore[attr-defined]
    assert parsed_error("rest-json", response)["Code"] == "SerializationException"  # type: ignore[arg-type]
