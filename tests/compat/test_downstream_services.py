"""A downstream application's tests, written as its authors would: boto3 clients made with no arguments, the
plugin's `aws_env` fixture, DynamoDB, Secrets Manager, SSM, KMS, IAM, Lambda, EventBridge, CloudWatch Logs and
metrics (JSON and CBOR), Kinesis and Step Functions, every request verified. The same scenarios signed with a wrong
secret fail on their first call with the signature error of the service's own wire format.
"""

from __future__ import annotations

import base64
import io
import json
import textwrap
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
import wire_requests
from botocore.exceptions import ClientError

from awsfake import FakeAWS

pytestmark = pytest.mark.slow

Clients = Callable[[str], Any]

HANDLER = """
import os
import boto3

def total(event, context):
    prices = boto3.client("dynamodb").get_item(TableName=os.environ["PRICES"], Key={"sku": {"S": event["sku"]}})
    price = int(prices["Item"]["cents"]["N"])
    print(f"pricing {event['qty']} x {event['sku']}")
    return {"total": price * event["qty"], "function": context.function_name}

def refuse(event, context):
    raise ValueError(f"quantity {event['qty']} is not allowed")
"""


def dynamodb(client: Clients) -> None:
    ddb = client("dynamodb")
    ddb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "id", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "customer", "AttributeType": "S"},
            {"AttributeName": "id", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for order, total in (("o1", "10"), ("o2", "25"), ("o3", "7")):
        ddb.put_item(TableName="orders", Item={"customer": {"S": "ann"}, "id": {"S": order}, "total": {"N": total}})
    got = ddb.get_item(TableName="orders", Key={"customer": {"S": "ann"}, "id": {"S": "o2"}})
    assert got["Item"]["total"] == {"N": "25"}
    found = ddb.query(
        TableName="orders",
        KeyConditionExpression="customer = :c AND id > :after",
        ExpressionAttributeValues={":c": {"S": "ann"}, ":after": {"S": "o1"}},
    )
    assert [item["id"]["S"] for item in found["Items"]] == ["o2", "o3"]
    key = {"customer": {"S": "ann"}, "id": {"S": "o3"}}
    with pytest.raises(ClientError) as refused:
        ddb.update_item(
            TableName="orders",
            Key=key,
            UpdateExpression="SET #t = :new",
            ConditionExpression="#t = :old",
            ExpressionAttributeNames={"#t": "total"},
            ExpressionAttributeValues={":new": {"N": "8"}, ":old": {"N": "999"}},
        )
    assert refused.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    ddb.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": "orders",
                    "Item": {"customer": {"S": "bob"}, "id": {"S": "o9"}, "total": {"N": "1"}},
                }
            },
            {"Delete": {"TableName": "orders", "Key": key}},
        ]
    )
    with pytest.raises(ClientError) as cancelled:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "orders", "Item": {"customer": {"S": "cy"}, "id": {"S": "x"}}}},
                {
                    "ConditionCheck": {
                        "TableName": "orders",
                        "Key": {"customer": {"S": "bob"}, "id": {"S": "o9"}},
                        "ConditionExpression": "attribute_not_exists(id)",
                    }
                },
            ]
        )
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert ddb.scan(TableName="orders")["Count"] == 3


def secrets(client: Clients) -> None:
    sm = client("secretsmanager")
    sm.create_secret(Name="app/db", SecretString=json.dumps({"password": "first"}))
    sm.put_secret_value(SecretId="app/db", SecretString=json.dumps({"password": "second"}))
    assert json.loads(sm.get_secret_value(SecretId="app/db")["SecretString"]) == {"password": "second"}
    with pytest.raises(ClientError) as missing:
        sm.get_secret_value(SecretId="app/nothing")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def parameters(client: Clients) -> None:
    ssm = client("ssm")
    ssm.put_parameter(Name="/app/db/host", Value="db.internal", Type="String")
    ssm.put_parameter(Name="/app/db/password", Value="s3cret", Type="SecureString")
    ssm.put_parameter(Name="/app/cache/host", Value="cache.internal", Type="String")
    found = ssm.get_parameters_by_path(Path="/app/db", WithDecryption=True)["Parameters"]
    assert {p["Name"]: p["Value"] for p in found} == {"/app/db/host": "db.internal", "/app/db/password": "s3cret"}
    assert len(ssm.get_parameters_by_path(Path="/app", Recursive=True)["Parameters"]) == 3


def keys(client: Clients) -> None:
    kms = client("kms")
    key_id = kms.create_key(Description="app data")["KeyMetadata"]["KeyId"]
    sealed = kms.encrypt(KeyId=key_id, Plaintext=b"card 4111")["CiphertextBlob"]
    assert sealed != b"card 4111"
    opened = kms.decrypt(CiphertextBlob=sealed)
    assert opened["Plaintext"] == b"card 4111" and opened["KeyId"].endswith(key_id)


def roles(client: Clients) -> None:
    iam = client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    arn = iam.create_role(RoleName="app-worker", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    assert arn == "arn:aws:iam::123456789012:role/app-worker"
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    policy = iam.create_policy(PolicyName="read-objects", PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="app-worker", PolicyArn=policy)
    attached = iam.list_attached_role_policies(RoleName="app-worker")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["read-objects"]
    with pytest.raises(ClientError) as missing:
        iam.get_role(RoleName="nobody")
    assert missing.value.response["Error"]["Code"] == "NoSuchEntity"


def functions(client: Clients) -> None:
    ddb = client("dynamodb")
    ddb.create_table(
        TableName="prices",
        KeySchema=[{"AttributeName": "sku", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "sku", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="prices", Item={"sku": {"S": "apple"}, "cents": {"N": "30"}})
    role = client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam = client("lambda")
    package = _zip({"shop.py": HANDLER})
    common = {"Runtime": "python3.12", "Role": role, "Code": {"ZipFile": package}}
    lam.create_function(
        FunctionName="total", Handler="shop.total", Environment={"Variables": {"PRICES": "prices"}}, **common
    )
    lam.create_function(FunctionName="refuse", Handler="shop.refuse", **common)
    done = lam.invoke(FunctionName="total", Payload=json.dumps({"sku": "apple", "qty": 3}), LogType="Tail")
    assert done["StatusCode"] == 200 and "FunctionError" not in done
    assert json.loads(done["Payload"].read()) == {"total": 90, "function": "total"}
    assert "pricing 3 x apple" in base64.b64decode(done["LogResult"]).decode()
    failed = lam.invoke(FunctionName="refuse", Payload=json.dumps({"qty": -1}))
    assert failed["FunctionError"] == "Unhandled"
    error = json.loads(failed["Payload"].read())
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "quantity -1 is not allowed")
    logged = client("logs").filter_log_events(logGroupName="/aws/lambda/total")["events"]
    assert any("pricing 3 x apple" in event["message"] for event in logged)


def events(client: Clients) -> None:
    bridge = client("events")
    sent = bridge.put_events(
        Entries=[{"Source": "shop", "DetailType": "OrderPlaced", "Detail": json.dumps({"id": "o1"})}]
    )
    assert sent["FailedEntryCount"] == 0 and sent["Entries"][0]["EventId"]


def logs(client: Clients) -> None:
    cw_logs = client("logs")
    cw_logs.create_log_group(logGroupName="/app/web")
    cw_logs.create_log_stream(logGroupName="/app/web", logStreamName="i-1")
    now = int(time.time() * 1000)
    cw_logs.put_log_events(
        logGroupName="/app/web",
        logStreamName="i-1",
        logEvents=[{"timestamp": now, "message": "GET /"}, {"timestamp": now + 1, "message": "POST /orders"}],
    )
    got = cw_logs.get_log_events(logGroupName="/app/web", logStreamName="i-1", startFromHead=True)
    assert [e["message"] for e in got["events"]] == ["GET /", "POST /orders"]


def metrics(client: Clients) -> None:
    cloudwatch = client("cloudwatch")
    cloudwatch.put_metric_data(
        Namespace="Shop",
        MetricData=[{"MetricName": "Orders", "Value": 3.0, "Dimensions": [{"Name": "Store", "Value": "a"}]}],
    )
    listed = cloudwatch.list_metrics(Namespace="Shop")["Metrics"]
    assert [(m["MetricName"], m["Dimensions"]) for m in listed] == [("Orders", [{"Name": "Store", "Value": "a"}])]
    stats = cloudwatch.get_metric_statistics(
        Namespace="Shop",
        MetricName="Orders",
        Dimensions=[{"Name": "Store", "Value": "a"}],
        StartTime=time.time() - 600,
        EndTime=time.time() + 600,
        Period=60,
        Statistics=["Sum"],
    )
    assert sum(point["Sum"] for point in stats["Datapoints"]) == 3.0


def streams(client: Clients) -> None:
    kinesis = client("kinesis")
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    kinesis.put_record(StreamName="clicks", Data=b"click-1", PartitionKey="u1")
    shard = kinesis.describe_stream(StreamName="clicks")["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName="clicks", ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = kinesis.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    assert [r["Data"] for r in records] == [b"click-1"]


def workflows(client: Clients) -> None:
    sfn = client("stepfunctions")
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    machine = sfn.create_state_machine(
        name="checkout", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/sfn"
    )["stateMachineArn"]
    started = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"order": "o1"}))
    listed = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert [e["executionArn"] for e in listed] == [started["executionArn"]]


# scenario -> (its function, the signature error its service's wire format reports, client factory kind)
SCENARIOS: dict[str, tuple[Callable[[Clients], None], str]] = {
    "dynamodb": (dynamodb, "InvalidSignatureException"),
    "secretsmanager": (secrets, "InvalidSignatureException"),
    "ssm": (parameters, "InvalidSignatureException"),
    "kms": (keys, "InvalidSignatureException"),
    "iam": (roles, "SignatureDoesNotMatch"),
    "lambda": (functions, "InvalidSignatureException"),
    "events": (events, "InvalidSignatureException"),
    "logs": (logs, "InvalidSignatureException"),
    "cloudwatch": (metrics, "SignatureDoesNotMatch"),
    "cloudwatch-cbor": (metrics, "SignatureDoesNotMatch"),
    "kinesis": (streams, "InvalidSignatureException"),
    "stepfunctions": (workflows, "InvalidSignatureException"),
}


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, textwrap.dedent(text))
    return buffer.getvalue()


def _clients(scenario: str, tmp_path: Path) -> Clients:
    """Clients made as the application makes them (no arguments: the environment says where and who). For
    "cloudwatch-cbor", botocore's CloudWatch model narrowed to CBOR, as SDKs that prefer it speak."""
    core = wire_requests.cbor_botocore_session(tmp_path) if scenario == "cloudwatch-cbor" else None
    session = boto3.session.Session(botocore_session=core)
    return session.client


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_scenario_passes_with_every_request_verified(
    aws_fake: FakeAWS, aws_env: dict[str, str], scenario: str, tmp_path: Path
) -> None:
    run, _ = SCENARIOS[scenario]
    run(_clients(scenario, tmp_path))
    assert aws_fake.requests and all(r.verified for r in aws_fake.requests)
    if scenario == "cloudwatch-cbor":
        assert any(dict(r.headers).get("smithy-protocol") == "rpc-v2-cbor" for r in aws_fake.requests)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_scenario_with_a_wrong_secret_fails_with_the_signature_error(
    aws_fake: FakeAWS, aws_env: dict[str, str], scenario: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run, code = SCENARIOS[scenario]
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    with pytest.raises(ClientError) as refused:
        run(_clients(scenario, tmp_path))
    assert refused.value.response["Error"]["Code"] == code
    assert aws_fake.requests and not any(r.verified for r in aws_fake.requests)
