"""The catalogue: built from the installed botocore's models, and it names the operation of what botocore sends."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import wire_requests
from botocore.loaders import Loader
from botocore.model import ServiceModel as BotocoreModel

from awsfake.catalogue import Catalogue, build, catalogue, cbor_target, store

# (client, operation, params, expected model, expected labels): requests the resolver must tell apart.
REQUESTS: list[tuple[str, str, dict[str, Any], str, dict[str, str]]] = [
    ("lambda", "Invoke", {"FunctionName": "my-fn:live"}, "lambda", {"FunctionName": "my-fn:live"}),
    ("lambda", "GetFunction", {"FunctionName": "f"}, "lambda", {"FunctionName": "f"}),
    ("lambda", "ListFunctions", {}, "lambda", {}),
    ("apigateway", "GetResources", {"restApiId": "a1"}, "apigateway", {"restapi_id": "a1"}),
    ("apigatewayv2", "GetApis", {}, "apigatewayv2", {}),
    ("stepfunctions", "StartExecution", {"stateMachineArn": "arn"}, "stepfunctions", {}),
    ("dynamodb", "PutItem", {"TableName": "t", "Item": {}}, "dynamodb", {}),
    ("dynamodbstreams", "GetRecords", {"ShardIterator": "i"}, "dynamodbstreams", {}),
    ("cloudwatch", "PutMetricData", {"Namespace": "n", "MetricData": []}, "cloudwatch", {}),
    ("cloudtrail", "DescribeTrails", {}, "cloudtrail", {}),
    ("bedrock-runtime", "InvokeModel", {"modelId": "m/1", "body": b"{}"}, "bedrock-runtime", {"modelId": "m/1"}),
    ("bedrock", "ListFoundationModels", {}, "bedrock", {}),
    ("elb", "DescribeLoadBalancers", {}, "elb", {}),
    ("elbv2", "DescribeLoadBalancers", {}, "elbv2", {}),
    ("ses", "SendEmail", {}, "ses", {}),
    ("sesv2", "SendEmail", {}, "sesv2", {}),
    (
        "timestream-write",
        "WriteRecords",
        {"DatabaseName": "d", "TableName": "t", "Records": []},
        "timestream-write",
        {},
    ),
    ("iam", "CreateRole", {"RoleName": "r", "AssumeRolePolicyDocument": "{}"}, "iam", {}),
    ("ec2", "DescribeInstances", {}, "ec2", {}),
]


@pytest.fixture(scope="module")
def boto_session() -> Any:
    return wire_requests.session()


@pytest.mark.parametrize(("client", "operation", "params", "model", "labels"), REQUESTS, ids=lambda v: str(v)[:24])
def test_request_botocore_sends_names_its_model_and_operation(
    boto_session: Any, client: str, operation: str, params: dict[str, Any], model: str, labels: dict[str, str]
) -> None:
    wire = wire_requests.captured(wire_requests.client(client, boto_session), operation, **params)
    resolved = catalogue().resolve(wire.signing_name, wire.clues)
    assert resolved is not None and resolved.name == model
    match = catalogue().operation(resolved, wire.clues)
    assert match is not None and match.operation.name == operation
    assert dict(match.labels) == labels


def test_cbor_request_names_its_operation(tmp_path: Path) -> None:
    """A client speaking smithy-rpc-v2-cbor names the operation in the path, after the model's target prefix."""
    made = wire_requests.client("cloudwatch", wire_requests.cbor_session(tmp_path))
    wire = wire_requests.captured(made, "GetMetricData", MetricDataQueries=[], StartTime=0, EndTime=1)
    assert cbor_target(wire.clues.path) == ("GraniteServiceVersion20100801", "GetMetricData")
    model = catalogue().resolve(wire.signing_name, wire.clues)
    assert model is not None and model.name == "cloudwatch"
    match = catalogue().operation(model, wire.clues)
    assert match is not None and match.operation.name == "GetMetricData"


@pytest.mark.parametrize("path", ["/service/x/operation/", "/service//operation/Op", "/service/x/op/Op", "/x"])
def test_malformed_cbor_paths_name_nothing(path: str) -> None:
    assert cbor_target(path) is None


def test_a_models_own_name_resolves_to_it_where_another_model_signs_with_that_name() -> None:
    """The SSO portal's model `sso` signs as awsssoportal, while sso-admin signs as `sso`; CloudWatch's model signs as
    monitoring, while botocore 1.44's cloudwatchomni signs as `cloudwatch`. A name means either; the request decides."""
    cat = catalogue()
    portal = cat.resolve("sso", wire_requests.Clues("GET", "/federation/credentials"))
    admin = cat.resolve("sso", wire_requests.Clues(target="SWBExternalService.ListInstances"))
    cloudwatch = cat.resolve("cloudwatch", wire_requests.Clues(target="GraniteServiceVersion20100801.ListMetrics"))
    assert (portal and portal.name, admin and admin.name) == ("sso", "sso-admin")
    assert cloudwatch is not None and cloudwatch.name == "cloudwatch"


def test_unknown_names_resolve_to_nothing() -> None:
    assert catalogue().resolve("no-such-service", wire_requests.Clues()) is None
    model = catalogue().get("lambda")
    assert model is not None
    assert catalogue().operation(model, wire_requests.Clues("GET", "/2015-03-31/nothing-here")) is None
    dynamodb = catalogue().get("dynamodb")
    assert dynamodb is not None
    assert catalogue().operation(dynamodb, wire_requests.Clues(target="DynamoDB_20120810.NoSuchOperation")) is None
    assert catalogue().operation(dynamodb, wire_requests.Clues(target="OtherPrefix.PutItem")) is None


def test_output_bindings_say_how_to_shape_an_answer() -> None:
    """Lambda Invoke: status in a member, FunctionError and LogResult in headers, the payload as the whole body."""
    invoke = catalogue().get("lambda").operations["Invoke"]  # type: ignore[union-attr]
    assert (invoke.method, invoke.uri) == ("POST", "/2015-03-31/functions/{FunctionName}/invocations")
    assert invoke.output.status == "StatusCode"
    assert invoke.output.headers["X-Amz-Function-Error"] == "FunctionError"
    assert invoke.output.headers["X-Amz-Log-Result"] == "LogResult"
    assert (invoke.output.payload, invoke.output.payload_type) == ("Payload", "blob")
    assert invoke.input.labels == {"FunctionName": "FunctionName"}
    assert invoke.input.headers["X-Amz-Invocation-Type"] == "InvocationType"
    create = catalogue().get("lambda").operations["CreateFunction"]  # type: ignore[union-attr]
    assert create.status == 201
    metric = catalogue().get("cloudwatch").operations["GetMetricData"]  # type: ignore[union-attr]
    assert metric.output.wrapper == "GetMetricDataResult"


def test_service_metadata_for_the_protocols_clients_speak() -> None:
    cloudwatch = catalogue().get("cloudwatch")
    assert cloudwatch is not None
    assert (cloudwatch.signing_name, cloudwatch.endpoint_prefix) == ("monitoring", "monitoring")
    assert cloudwatch.query_compatible and "smithy-rpc-v2-cbor" in cloudwatch.protocols
    assert cloudwatch.target_prefix == "GraniteServiceVersion20100801"
    kms = catalogue().get("kms")
    assert kms is not None and (kms.protocol, kms.target_prefix, kms.json_content_type) == (
        "json",
        "TrentService",
        "application/x-amz-json-1.1",
    )
    iam = catalogue().get("iam")
    assert iam is not None and (iam.protocol, iam.api_version) == ("query", "2010-05-08")
    assert iam.namespace == "https://iam.amazonaws.com/doc/2010-05-08/"
    assert {m.name for m in catalogue().signed_as("rds")} == {"rds", "docdb", "neptune"}


def test_loading_reads_the_shipped_index_not_botocore() -> None:
    """Cheap: the catalogue comes from the compact index; botocore's model loader is never imported for it (the
    index for the installed botocore is there: shipped, or cached by the `open_store` call here)."""
    store.open_store()
    code = (
        "import sys, time\n"
        "t = time.perf_counter()\n"
        "from awsfake.catalogue import catalogue, Clues\n"
        "c = catalogue(); m = c.resolve('lambda', Clues('GET', '/2015-03-31/functions'))\n"
        "assert c.operation(m, Clues('GET', '/2015-03-31/functions')).operation.name == 'ListFunctions'\n"
        "assert 'botocore.loaders' not in sys.modules, 'the model loader was imported'\n"
        "print(round((time.perf_counter() - t) * 1000, 1))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


# ---------------------------------------------------------------- against the whole installed botocore (slow)


@pytest.mark.slow
def test_index_matches_the_installed_botocore() -> None:
    """The index in use says what botocore's own models say, service by service and operation by operation."""
    in_use = store.open_store()
    rows = list(build.build_rows())
    summaries = {row["name"]: row for row in in_use.services()}
    assert sorted(summaries) == sorted(row["name"] for row in rows)
    loader = Loader()
    for row in rows:
        ops = row.pop("ops")
        assert summaries[row["name"]] == json.loads(json.dumps(row)), row["name"]
        assert in_use.operations(row["name"]) == json.loads(json.dumps(ops)), row["name"]
        botocore_model = BotocoreModel(loader.load_service_model(row["name"], "service-2"), row["name"])
        assert row["signing"] == botocore_model.signing_name
        assert row["protocol"] == botocore_model.resolved_protocol
        assert row["prefix"] == botocore_model.endpoint_prefix


@pytest.mark.slow
def test_shipped_index_is_current() -> None:
    shipped = store.Store(store.SHIPPED)
    if shipped.botocore_version != build.botocore_version():
        pytest.skip(f"index built from botocore {shipped.botocore_version}: run python -m awsfake.catalogue")
    assert store.open_store().botocore_version == shipped.botocore_version


@pytest.mark.slow
def test_a_stale_shipped_index_is_rebuilt_for_the_installed_botocore(tmp_path: Path, monkeypatch: Any) -> None:
    stale = tmp_path / "stale.zip"
    with zipfile.ZipFile(stale, "w") as archive:
        archive.writestr(build.VERSION_MEMBER, "0.0.0")
        archive.writestr(build.SERVICES_MEMBER, "[]")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    fresh = store.open_store(shipped=stale)
    assert fresh.botocore_version == build.botocore_version()
    assert store.cache_path(fresh.botocore_version).is_file()
    assert Catalogue(fresh).get("dynamodb") is not None


def _wire_key(model: Any, operation: Any) -> tuple[str, ...]:
    """What the request carries to name an operation; two operations with one key cannot be told apart."""
    if model.is_rest:
        return (operation.method, re.sub(r"\{[^}]*\}", "{}", operation.uri))
    if model.target_prefix and model.protocol != "query":
        return (model.target_prefix, operation.name)
    return (operation.name,)


@pytest.mark.slow
def test_every_operation_of_models_sharing_a_signing_name_resolves(boto_session: Any) -> None:
    """Where several models sign alike, every operation botocore sends lands on its model, unless another model
    has an operation the request cannot be told apart from (chime's tag operations, rds/docdb/neptune)."""
    cat = catalogue()
    shared = [m for m in cat if len(cat.signed_as(m.signing_name)) > 1 and m.signature_version != "v2"]
    wrong = []
    for model in shared:
        if model.name in ("s3", "s3control"):  # S3 routes on headers and required query parameters too
            continue
        made = wire_requests.client(model.name, boto_session)
        for name, operation in model.operations.items():
            try:
                wire = wire_requests.captured(made, name)
            except Exception:  # an operation botocore cannot send without real parameters
                continue
            got = cat.resolve(wire.signing_name, wire.clues)
            match = got and cat.operation(got, wire.clues)
            if not match or _wire_key(got, match.operation) != _wire_key(model, operation):
                wrong.append((model.name, name, got and got.name, match and match.operation.name))
    assert wrong == [], "\n".join(map(str, wrong))
