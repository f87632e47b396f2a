"""moto behind the verifier, end to end through boto3: the caller's account (keys added to the fake, STS sessions
included) is the account moto serves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from endpoint_helpers import client, served

from awsfake import FakeAWS

OTHER_ACCOUNT = "210987654321"
TABLE: dict[str, Any] = {
    "TableName": "ledger",
    "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}


@pytest.fixture
def endpoint() -> Iterator[tuple[FakeAWS, str]]:
    with served() as (fake, url):
        fake.reset()
        yield fake, url
        fake.reset()


def test_a_key_of_another_account_sees_that_accounts_state(endpoint: tuple[FakeAWS, str]) -> None:
    fake, url = endpoint
    fake.add_credentials("AKIDOTHERACCOUNT0001", "other-secret", account_id=OTHER_ACCOUNT)
    theirs = client(url, "dynamodb", key="AKIDOTHERACCOUNT0001", secret="other-secret")
    created = theirs.create_table(**TABLE)["TableDescription"]["TableArn"]
    assert created == f"arn:aws:dynamodb:us-east-1:{OTHER_ACCOUNT}:table/ledger"
    assert client(url, "dynamodb").list_tables()["TableNames"] == []
    assert theirs.list_tables()["TableNames"] == ["ledger"]


def test_an_sts_session_acts_in_the_roles_account(endpoint: tuple[FakeAWS, str]) -> None:
    fake, url = endpoint
    role = f"arn:aws:iam::{OTHER_ACCOUNT}:role/auditor"
    creds = client(url, "sts").assume_role(RoleArn=role, RoleSessionName="audit")["Credentials"]
    session = client(
        url, "secretsmanager", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"]
    )
    arn = session.create_secret(Name="audit/key", SecretString="v")["ARN"]
    assert arn.startswith(f"arn:aws:secretsmanager:us-east-1:{OTHER_ACCOUNT}:secret:audit/key-")
    assert client(url, "secretsmanager").list_secrets()["SecretList"] == []
    assert all(r.verified for r in fake.requests)


def test_the_journal_records_moto_served_operations_with_their_parameters(endpoint: tuple[FakeAWS, str]) -> None:
    fake, url = endpoint
    client(url, "dynamodb").create_table(**TABLE)
    client(url, "dynamodb").put_item(TableName="ledger", Item={"k": {"S": "a"}})
    (record,) = fake.requests.assert_called("dynamodb", "PutItem", TableName="ledger")
    assert record.params["Item"] == {"k": {"S": "a"}} and record.status == 200


def test_a_new_fake_starts_moto_afresh() -> None:
    """moto's state is per process; a FakeAWS never sees what an earlier one left there."""
    with served() as (_, url):
        client(url, "dynamodb").create_table(**TABLE)
    with served() as (_, url):
        assert client(url, "dynamodb").list_tables()["TableNames"] == []
