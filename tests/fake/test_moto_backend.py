"""moto behind the fake: a verified request handed in-process to moto, its answer back as moto gave it.

The requests are the ones botocore sends (captured before the socket); the answers are read by botocore's parser.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import wire_requests

from awsfake.catalogue import catalogue
from awsfake.services import moto_backend

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"


@pytest.fixture(autouse=True)
def clean_moto() -> Iterator[None]:
    moto_backend.reset()
    yield
    moto_backend.reset()


def call(client: str, operation: str, account: str = ACCOUNT_A, region: str = "us-east-1", **params: Any) -> Any:
    """Send what botocore would send for `operation` to moto as `account`; botocore's parse of the answer."""
    made = wire_requests.client(client)
    wire = wire_requests.captured(made, operation, **params)
    model = catalogue().resolve(wire.signing_name, wire.clues)
    assert model is not None
    target = wire.clues.path + (f"?{wire.clues.raw_query}" if wire.clues.raw_query else "")
    request = moto_backend.MotoRequest(
        model.endpoint_prefix,
        region,
        account,
        wire.clues.method,
        target,
        list(wire.headers.items()),
        wire.body,
        model.global_endpoint,
    )
    answer = moto_backend.answer(request)
    if answer is None:
        return None
    return wire_requests.parsed(made, operation, answer.status, answer.headers, answer.body)


TABLE = {
    "TableName": "orders",
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def test_dynamodb_round_trip_through_moto() -> None:
    created = call("dynamodb", "CreateTable", **TABLE)
    assert created["TableDescription"]["TableArn"] == f"arn:aws:dynamodb:us-east-1:{ACCOUNT_A}:table/orders"
    call("dynamodb", "PutItem", TableName="orders", Item={"id": {"S": "o-1"}, "total": {"N": "42"}})
    got = call("dynamodb", "GetItem", TableName="orders", Key={"id": {"S": "o-1"}})
    assert got["Item"] == {"id": {"S": "o-1"}, "total": {"N": "42"}}


def test_moto_errors_come_back_as_moto_wrote_them() -> None:
    missing = call("dynamodb", "GetItem", TableName="nope", Key={"id": {"S": "x"}})
    assert missing["Error"]["Code"] == "ResourceNotFoundException"
    role = call("iam", "GetRole", RoleName="nobody")
    assert role["Error"]["Code"] == "NoSuchEntity"


def test_each_caller_account_has_its_own_state() -> None:
    call("dynamodb", "CreateTable", account=ACCOUNT_A, **TABLE)
    assert call("dynamodb", "ListTables", account=ACCOUNT_A)["TableNames"] == ["orders"]
    assert call("dynamodb", "ListTables", account=ACCOUNT_B)["TableNames"] == []
    secret = call("secretsmanager", "CreateSecret", account=ACCOUNT_B, Name="s", SecretString="v")
    assert secret["ARN"].startswith(f"arn:aws:secretsmanager:us-east-1:{ACCOUNT_B}:secret:s-")


def test_an_account_header_sent_by_the_client_is_not_believed() -> None:
    """The caller's account comes from the fake's key registry; a client cannot pick another one."""
    made = wire_requests.client("dynamodb")
    wire = wire_requests.captured(made, "CreateTable", **TABLE)
    headers = [*wire.headers.items(), ("X-Moto-Account-Id", ACCOUNT_B)]
    request = moto_backend.MotoRequest("dynamodb", "us-east-1", ACCOUNT_A, "POST", "/", headers, wire.body)
    answer = moto_backend.answer(request)
    assert answer is not None and f":{ACCOUNT_A}:table/orders".encode() in answer.body


def test_regions_are_separate() -> None:
    call("dynamodb", "CreateTable", region="eu-west-1", **TABLE)
    assert call("dynamodb", "ListTables", region="us-east-1")["TableNames"] == []
    assert call("dynamodb", "ListTables", region="eu-west-1")["TableNames"] == ["orders"]


def test_reset_forgets_moto_state() -> None:
    call("dynamodb", "CreateTable", **TABLE)
    call("iam", "CreateRole", RoleName="app", AssumeRolePolicyDocument="{}")
    moto_backend.reset()
    assert call("dynamodb", "ListTables")["TableNames"] == []
    assert call("iam", "ListRoles")["Roles"] == []


def test_global_services_are_found_at_their_global_host() -> None:
    created = call("iam", "CreateRole", RoleName="app", AssumeRolePolicyDocument="{}")
    assert created["Role"]["Arn"] == f"arn:aws:iam::{ACCOUNT_A}:role/app"


def test_what_moto_does_not_emulate_is_none() -> None:
    """No backend for the service, or a backend without the operation: None, for the fake to say so plainly."""
    assert moto_backend.backend_name("bedrock-agent-runtime") is None
    assert call("bedrock-agent-runtime", "ListSessions") is None
    assert moto_backend.backend_name("codecommit") == "codecommit"
    assert call("codecommit", "ListRepositories") is None


def test_moto_is_imported_on_first_use_only() -> None:
    code = (
        "import sys\n"
        "import awsfake\n"
        "from awsfake.services import moto_backend\n"
        "moto_backend.reset()\n"
        "assert not any(m == 'moto' or m.startswith('moto.') for m in sys.modules), 'moto imported early'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
