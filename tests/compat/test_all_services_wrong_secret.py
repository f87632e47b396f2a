"""Every service botocore knows, signed with a wrong secret: boto3 raises ClientError with the code AWS's own
wire format for that service carries (never a parse error, never a 500). One SigV4-signed operation per service.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore
import pytest
import wire_requests
from botocore.config import Config
from botocore.exceptions import ClientError, MissingDependencyException
from endpoint_helpers import served

from awsfake import DEFAULT_ACCESS_KEY_ID, FakeAWS
from awsfake.catalogue import ServiceModel, catalogue

pytestmark = pytest.mark.slow

CONFIG = Config(parameter_validation=False, retries={"total_max_attempts": 1}, inject_host_prefix=False)

# What AWS answers a request whose signature does not match, by the protocol the client speaks.
SIGNATURE_ERROR = {
    "rest-xml": "SignatureDoesNotMatch",
    "query": "SignatureDoesNotMatch",
    "ec2": "AuthFailure",
    "json": "InvalidSignatureException",
    "rest-json": "InvalidSignatureException",
    "smithy-rpc-v2-cbor": "InvalidSignatureException",
}
# Parameters without which botocore will not even build the request (its endpoint rules read them).
PARAMS = {"cloudfront-keyvaluestore": {"KvsARN": "arn:aws:cloudfront::123456789012:key-value-store/k"}}
# Services whose endpoint rules put a parameter into the host name, which a loopback endpoint cannot take.
HOST_NAMED = {"s3control": "its endpoint rules put the account id in the host name"}
# Static context parameters under which a service's endpoint rules ignore the endpoint URL (signin, from botocore
# 1.44: its control-plane operations always go to signin.<region>.api.aws): such operations are not called.
FIXED_HOST = {("IsControlPlane", True)}
# Services botocore signs only with bearer tokens (account-access-runtime: botocore 1.44 on).
BEARER_ONLY = ("account-access-runtime", "codecatalyst")
# SimpleDB: botocore signs it with Signature Version 2 (in the form body), so no SigV4 signature is presented.
UNSIGNED_FOR_SIGV4 = {"sdb": "MissingAuthenticationToken"}


def expected_code(model: ServiceModel) -> str:
    """A query-compatible service (SQS, CloudWatch) reports the query-era code."""
    if model.name in UNSIGNED_FOR_SIGV4:
        return UNSIGNED_FOR_SIGV4[model.name]
    return "SignatureDoesNotMatch" if model.query_compatible else SIGNATURE_ERROR[model.protocol]


def signed_operation(client: Any) -> Any:
    """The first operation botocore signs with SigV4 (not unsigned, not bearer, no event stream) at the endpoint URL."""
    service_model = client.meta.service_model
    for name in service_model.operation_names:
        operation = service_model.operation_model(name)
        if operation.auth_type in ("none", "bearer") or operation.has_event_stream_input:
            continue
        if operation.has_event_stream_output:
            continue
        if any((param.name, param.value) in FIXED_HOST for param in operation.static_context_parameters):
            continue
        return operation
    return None


SIGV4_MODELS = [m for m in catalogue() if m.signature_version != "bearer"]


@pytest.fixture(scope="module")
def endpoint() -> Iterator[tuple[FakeAWS, str]]:
    with served() as pair:
        yield pair


@pytest.fixture(scope="module")
def wrong_session() -> Any:
    return boto3.session.Session(
        aws_access_key_id=DEFAULT_ACCESS_KEY_ID, aws_secret_access_key="not-the-secret", region_name="us-east-1"
    )


def call_with(client: Any, operation: Any, params: dict[str, Any]) -> None:
    shape = operation.input_shape
    for name, member in shape.members.items() if shape else ():
        if member.serialization.get("location") == "uri":
            params.setdefault(name, "x")
    getattr(client, botocore.xform_name(operation.name))(**params)


@pytest.mark.parametrize("model", SIGV4_MODELS, ids=lambda m: m.name)
def test_wrong_secret_gets_the_families_signature_error(
    endpoint: tuple[FakeAWS, str], wrong_session: Any, model: ServiceModel
) -> None:
    if model.name in HOST_NAMED:
        pytest.skip(f"{model.name}: {HOST_NAMED[model.name]}")
    client = wrong_session.client(model.name, endpoint_url=endpoint[1], config=CONFIG)
    operation = signed_operation(client)
    if operation is None:
        pytest.skip(f"{model.name}: botocore signs none of its operations with SigV4 (unsigned or bearer only)")
    with pytest.raises((ClientError, MissingDependencyException)) as raised:
        call_with(client, operation, dict(PARAMS.get(model.name, {})))
    if isinstance(raised.value, MissingDependencyException):  # SigV4A needs awscrt, which is optional
        pytest.skip(f"{model.name}: botocore signs it with SigV4A, which needs botocore[crt]")
    assert isinstance(raised.value, ClientError)
    error = raised.value.response["Error"]
    assert error["Code"] == expected_code(model), (operation.name, error)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 401, 403)


def test_bearer_services_are_the_only_ones_left_out() -> None:
    """Only services botocore never signs with SigV4 are outside the test above."""
    known = [name for name in BEARER_ONLY if catalogue().get(name) is not None]
    assert sorted(m.name for m in catalogue() if m not in SIGV4_MODELS) == known


def test_cloudwatch_spoken_in_cbor_gets_its_signature_error(endpoint: tuple[FakeAWS, str], tmp_path: Path) -> None:
    session = wire_requests.cbor_session(tmp_path)
    client = session.client(
        "cloudwatch",
        endpoint_url=endpoint[1],
        aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
        aws_secret_access_key="not-the-secret",
        config=CONFIG,
    )
    assert client.meta.service_model.resolved_protocol == "smithy-rpc-v2-cbor"
    with pytest.raises(ClientError) as raised:
        client.list_metrics()
    assert raised.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
