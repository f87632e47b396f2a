"""FakeIMDS with a real FakeAWS: the role credentials it hands out pass the endpoint's verification until they expire.

Both clients take part: botocore's own instance-metadata provider (boto3) and awsclient's refreshing credentials.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import urllib3
from freezegun import freeze_time

from awsclient import imds as client
from awsclient import sts
from awsclient.credentials import (
    CredentialsError,
    credentials_from_ec2_instance,
    current_credentials,
    reset_credentials,
)
from awsclient.sigv4 import add_v4_auth_heads
from awsfake import FakeAWS, FakeIMDS
from awsfake.pytest_plugin import without_credential_sources

boto3 = pytest.importorskip("boto3")
botocore_exceptions = pytest.importorskip("botocore.exceptions")

pytestmark = pytest.mark.timeout(60)

ROLE = "app-role"
START = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
BODY = b"Action=GetCallerIdentity&Version=2011-06-15"


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[FakeAWS, str, FakeIMDS, str]]:
    fake = FakeAWS(region="us-east-1")
    imds = FakeIMDS(fake, role_name=ROLE)
    with fake.serve() as endpoint, imds.serve() as metadata:
        yield fake, endpoint.url, imds, metadata.url


@pytest.fixture
def world(
    servers: tuple[FakeAWS, str, FakeIMDS, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[FakeAWS, str, FakeIMDS]]:
    """Only the instance has credentials: botocore's chain must reach its IMDS provider."""
    fake, endpoint_url, imds, metadata_url = servers
    imds.reset()
    without_credential_sources(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata_url)
    yield fake, endpoint_url, imds
    reset_credentials()
    client.endpoint.reset()
    imds.check()
    fake.check()


def test_botocore_instance_credentials_pass_the_endpoints_verification(
    world: tuple[FakeAWS, str, FakeIMDS],
) -> None:
    _, endpoint_url, imds = world
    session = boto3.Session(region_name="us-east-1")
    sts = session.client("sts", endpoint_url=endpoint_url)
    identity = sts.get_caller_identity()
    assert session.get_credentials().method == "iam-role"
    assert identity["Account"] == imds.instance.account_id
    assert identity["Arn"] == f"arn:aws:sts::{imds.instance.account_id}:assumed-role/{ROLE}/{imds.instance.instance_id}"


def test_expired_instance_credentials_get_expired_token(world: tuple[FakeAWS, str, FakeIMDS]) -> None:
    _, endpoint_url, imds = world
    with freeze_time(START, tick=True) as clock:
        frozen = boto3.Session(region_name="us-east-1").get_credentials().get_frozen_credentials()
        sts = boto3.client(
            "sts",
            region_name="us-east-1",
            endpoint_url=endpoint_url,
            aws_access_key_id=frozen.access_key,
            aws_secret_access_key=frozen.secret_key,
            aws_session_token=frozen.token,
        )
        assert sts.get_caller_identity()["Arn"].endswith(f"assumed-role/{ROLE}/{imds.instance.instance_id}")
        clock.move_to(START + timedelta(hours=6, seconds=1))
        with pytest.raises(botocore_exceptions.ClientError) as raised:
            sts.get_caller_identity()
    error = raised.value.response["Error"]
    assert error["Code"] == "ExpiredToken"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_awsclient_keeps_signing_across_rotations(
    world: tuple[FakeAWS, str, FakeIMDS], monkeypatch: pytest.MonkeyPatch
) -> None:
    """awsclient's own stack (sts helper, transport, signer) on instance credentials, across four rotations."""
    _, endpoint_url, imds = world
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint_url)
    with freeze_time(START, tick=True) as clock:
        refresher = credentials_from_ec2_instance()
        used = []
        for _ in range(4):
            assert sts.get_caller_identity(region="us-east-1")["Arn"].endswith(
                f"assumed-role/{ROLE}/{imds.instance.instance_id}"
            )
            used.append(current_credentials().access_key_id)
            expiring = imds.issued[-1].expiration
            clock.move_to(datetime.fromtimestamp(expiring - 240, timezone.utc))  # inside the 5-minute window
        assert len(set(used)) == 4 and imds.credential_fetches == 4
        clock.move_to(datetime.fromtimestamp(imds.issued[-1].expiration + 60, timezone.utc))
        with imds.go_down(), pytest.raises(CredentialsError, match="expired"):
            sts.get_caller_identity(region="us-east-1")
    assert "ASIA" in repr(refresher)


def caller_arn(endpoint_url: str) -> tuple[int, bytes]:
    """GetCallerIdentity signed by `add_v4_auth_heads` with the current credential parameters."""
    heads = add_v4_auth_heads(
        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        method="POST",
        uri=endpoint_url + "/",
        sha256=hashlib.sha256(BODY).hexdigest(),
        region="us-east-1",
        service="sts",
    )
    pool = urllib3.PoolManager()
    try:
        response = pool.request("POST", endpoint_url + "/", body=BODY, headers=heads, retries=False, timeout=5)
        return response.status, response.data
    finally:
        pool.clear()


def test_signing_through_expiry_refreshes_before_the_endpoint_sees_it(world: tuple[FakeAWS, str, FakeIMDS]) -> None:
    _, endpoint_url, imds = world
    with freeze_time(START, tick=True) as clock:
        credentials_from_ec2_instance()
        for hours in range(0, 25, 3):  # a day, jumping past whole lifetimes: never an ExpiredToken
            clock.move_to(START + timedelta(hours=hours, minutes=57))
            status, body = caller_arn(endpoint_url)
            assert status == 200, body
            assert f"assumed-role/{ROLE}/".encode() in body
    assert len({c.access_key_id for c in imds.issued}) >= 4


def test_botocore_refreshes_from_the_fake_when_its_credentials_near_expiry(
    world: tuple[FakeAWS, str, FakeIMDS],
) -> None:
    _, endpoint_url, imds = world
    with freeze_time(START, tick=True) as clock:
        session = boto3.Session(region_name="us-east-1")
        sts = session.client("sts", endpoint_url=endpoint_url)
        sts.get_caller_identity()
        first = session.get_credentials().get_frozen_credentials().access_key
        clock.move_to(START + timedelta(hours=5, minutes=55))
        sts.get_caller_identity()
        second = session.get_credentials().get_frozen_credentials().access_key
    assert first != second
    assert second == imds.issued[-1].access_key_id
    assert imds.credential_fetches >= 2


@pytest.mark.slow
def test_aws_cli_on_the_instance(world: tuple[FakeAWS, str, FakeIMDS]) -> None:
    """The AWS CLI, in its own process, finds the instance credentials and the endpoint accepts them."""
    _, endpoint_url, imds = world
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_") or name in KEEP}
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "awscli",
            "sts",
            "get-caller-identity",
            "--endpoint-url",
            endpoint_url,
            "--output",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"].endswith(f"assumed-role/{ROLE}/{imds.instance.instance_id}")
    assert imds.credential_fetches == 1
    assert imds.journal[0].method == "PUT"


KEEP = ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE")
