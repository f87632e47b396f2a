"""`fake.stub(service, operation, ...)` for services of every protocol: the journal names the operation, and the
stub's body is laid out as the operation's output says (headers, status code, payload), read back by boto3."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
import wire_requests
from endpoint_helpers import client

from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS


def test_lambda_invoke_stub_sets_payload_status_and_headers(fake: FakeAWS, endpoint: tuple[FakeAWS, str]) -> None:
    fake.stub(
        "lambda",
        "Invoke",
        body={"StatusCode": 200, "FunctionError": "Unhandled", "Payload": b'{"errorMessage": "boom"}'},
    )
    answer = client(endpoint[1], "lambda").invoke(FunctionName="anything", Payload=b"{}")
    assert (answer["StatusCode"], answer["FunctionError"]) == (200, "Unhandled")
    assert json.loads(answer["Payload"].read()) == {"errorMessage": "boom"}
    (record,) = fake.requests.assert_called("lambda", "Invoke", FunctionName="anything")
    assert record.verified


def test_rest_json_stub_keeps_the_operations_success_status(fake: FakeAWS, endpoint: tuple[FakeAWS, str]) -> None:
    """CreateFunction answers 201 on AWS; a stub without a status gets the modeled one."""
    fake.stub("lambda", "CreateFunction", body={"FunctionName": "f", "FunctionArn": "arn:aws:lambda:::function:f"})
    created = client(endpoint[1], "lambda").create_function(
        FunctionName="f", Role="arn:aws:iam::123456789012:role/r", Code={"ZipFile": b"x"}, Runtime="python3.12"
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201 and created["FunctionName"] == "f"


def test_api_gateway_stub_and_labels_in_the_journal(fake: FakeAWS, endpoint: tuple[FakeAWS, str]) -> None:
    fake.stub("apigateway", "GetResources", body={"items": [{"id": "r1", "path": "/orders"}]})
    listed = client(endpoint[1], "apigateway").get_resources(restApiId="api-7", limit=5)
    assert listed["items"] == [{"id": "r1", "path": "/orders"}]
    fake.requests.assert_called("apigateway", "GetResources", restApiId="api-7", limit="5")


def test_step_functions_stub(fake: FakeAWS, endpoint: tuple[FakeAWS, str]) -> None:
    fake.stub("stepfunctions", "StartExecution", body={"executionArn": "arn:x", "startDate": 1700000000})
    started = client(endpoint[1], "stepfunctions").start_execution(stateMachineArn="arn:sm", input="{}")
    assert started["executionArn"] == "arn:x" and started["startDate"].year == 2023
    fake.requests.assert_called("stepfunctions", "StartExecution", stateMachineArn="arn:sm")


def _cloudwatch_in_cbor(url: str, tmp_path: Path) -> Any:
    """A boto3 CloudWatch client that speaks smithy-rpc-v2-cbor (botocore's model, made to)."""
    return boto3.session.Session(botocore_session=wire_requests.cbor_botocore_session(tmp_path)).client(
        "cloudwatch",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
        aws_secret_access_key=DEFAULT_SECRET_ACCESS_KEY,
    )


def test_cloudwatch_stub_in_json_and_in_cbor(fake: FakeAWS, endpoint: tuple[FakeAWS, str], tmp_path: Path) -> None:
    body = {"MetricDataResults": [{"Id": "m1", "Values": [1.5, 2.5], "StatusCode": "Complete"}]}
    fake.stub("cloudwatch", "GetMetricData", body=body)
    params: dict[str, Any] = {"MetricDataQueries": [{"Id": "m1", "Expression": "1"}], "StartTime": 0, "EndTime": 60}
    json_client = client(endpoint[1], "cloudwatch")
    cbor_client = _cloudwatch_in_cbor(endpoint[1], tmp_path)
    for made in (json_client, cbor_client):
        assert made.get_metric_data(**params)["MetricDataResults"][0]["Values"] == [1.5, 2.5]
    fake.requests.assert_called("cloudwatch", "GetMetricData", times=2)
    protocols = [dict(r.headers).get("smithy-protocol") for r in fake.requests]
    assert protocols == [None, "rpc-v2-cbor"]


def test_a_flat_text_answer_is_cbor_to_a_cbor_client(
    fake: FakeAWS, endpoint: tuple[FakeAWS, str], tmp_path: Path
) -> None:
    """An answer of text leaves alone (the JSON family's quick path) is still CBOR to a client that spoke CBOR."""
    body = {"DashboardArn": "arn:aws:cloudwatch::000000000000:dashboard/d", "DashboardName": "d", "DashboardBody": "{}"}
    fake.stub("cloudwatch", "GetDashboard", body=body)
    json_client = client(endpoint[1], "cloudwatch")
    cbor_client = _cloudwatch_in_cbor(endpoint[1], tmp_path)
    for made in (json_client, cbor_client):
        answer = made.get_dashboard(DashboardName="d")
        assert {name: answer[name] for name in body} == body


def test_stub_errors_render_in_rest_json_and_cbor(fake: FakeAWS, endpoint: tuple[FakeAWS, str]) -> None:
    fake.stub("lambda", "GetFunction", error=("ResourceNotFoundException", "Function not found: f", 404))
    with pytest.raises(Exception) as raised:
        client(endpoint[1], "lambda").get_function(FunctionName="f")
    error = raised.value.response  # type: ignore[attr-defined]
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("ResourceNotFoundException", 404)
    assert error["Error"]["Message"] == "Function not found: f"


def test_reset_forgets_what_moto_holds(fake: FakeAWS, endpoint: tuple[FakeAWS, str]) -> None:
    ddb = client(endpoint[1], "dynamodb")
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert ddb.list_tables()["TableNames"] == ["t"]
    fake.reset()
    assert ddb.list_tables()["TableNames"] == []
