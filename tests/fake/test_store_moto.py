"""moto-backed services' state on disk: a DynamoDB table and item and a Secrets Manager secret, made with boto3
through one `FakeAWS(data_dir=)`, are read back through a second one on the same directory (moto started afresh
in between); in memory, a new endpoint still starts empty."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from endpoint_helpers import client

from awsfake import FakeAWS
from awsfake.services.moto_saved import is_read

pytestmark = pytest.mark.timeout(120)
TABLE = {
    "TableName": "ledger",
    "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def test_moto_backed_state_survives_a_restart(tmp_path: Path) -> None:
    fake = FakeAWS(data_dir=tmp_path)
    with fake.serve() as running:
        dynamodb = client(running.url, "dynamodb")
        dynamodb.create_table(**TABLE)
        dynamodb.put_item(TableName="ledger", Item={"k": {"S": "a"}, "v": {"N": "1"}})
        secrets = client(running.url, "secretsmanager", region="eu-west-1")
        secrets.create_secret(Name="db", SecretString="s3cr3t")
    fake.close()
    saved = sqlite3.connect(tmp_path / "state.sqlite3").execute("SELECT key FROM records WHERE service='moto'")
    assert sorted(key for (key,) in saved) == ["dynamodb/123456789012", "secretsmanager/123456789012"]

    again = FakeAWS(data_dir=tmp_path)
    with again.serve() as running:
        dynamodb = client(running.url, "dynamodb")
        assert dynamodb.list_tables()["TableNames"] == ["ledger"]
        item = dynamodb.get_item(TableName="ledger", Key={"k": {"S": "a"}})["Item"]
        assert item == {"k": {"S": "a"}, "v": {"N": "1"}}
        secrets = client(running.url, "secretsmanager", region="eu-west-1")
        assert secrets.get_secret_value(SecretId="db")["SecretString"] == "s3cr3t"
        assert client(running.url, "secretsmanager").list_secrets()["SecretList"] == []  # another region
        dynamodb.delete_table(TableName="ledger")
    again.check()
    again.close()

    third = FakeAWS(data_dir=tmp_path)
    with third.serve() as running:
        assert client(running.url, "dynamodb").list_tables()["TableNames"] == []
    third.close()


def test_in_memory_moto_state_is_per_endpoint() -> None:
    with FakeAWS().serve() as running:
        client(running.url, "dynamodb").create_table(**TABLE)
    with FakeAWS().serve() as running:
        assert client(running.url, "dynamodb").list_tables()["TableNames"] == []


@pytest.mark.parametrize(
    ("action", "read"),
    [
        *[("GetItem", True), ("ListTables", True), ("DescribeTable", True), ("Query", True), ("Scan", True)],
        *[("BatchGetItem", True), ("PutItem", False), ("CreateSecret", False), ("BatchWriteItem", False)],
    ],
)
def test_reads_are_told_by_their_operation_name(action: str, read: bool) -> None:
    assert is_read(action) is read
