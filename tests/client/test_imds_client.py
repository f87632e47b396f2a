"""awsclient.imds against a real FakeIMDS on 127.0.0.1: loading, refreshing, failing, and botocore's own provider."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from awsclient import imds as client
from awsclient.credentials import (
    CredentialsError,
    credentials_from_ec2_instance,
    current_credentials,
    reset_credentials,
    set_credentials,
)
from awsclient.sigv4 import add_v4_auth_heads
from awsfake import FakeIMDS
from awsfake.imds import RunningIMDS
from awsfake.pytest_plugin import without_credential_sources

pytestmark = pytest.mark.timeout(60)

ROLE = "awsfake-instance-role"
CREDS_PATH = f"/latest/meta-data/iam/security-credentials/{ROLE}"
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
START = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
PARAMETERS = [
    client.endpoint,
    client.timeout,
    client.attempts,
    client.disabled,
    client.v1_disabled,
    client.refresh_window,
    client.retry_interval,
]


class Registry:
    """Records what FakeIMDS registers (stands in for FakeAWS until the endpoint lands on this branch)."""

    def __init__(self) -> None:
        self.added: list[dict[str, Any]] = []

    def add_credentials(self, access_key_id: str, secret_access_key: str, **kwargs: Any) -> None:
        self.added.append({"access_key_id": access_key_id, "secret_access_key": secret_access_key, **kwargs})


@pytest.fixture(scope="module")
def imds_server() -> Iterator[tuple[FakeIMDS, RunningIMDS]]:
    imds = FakeIMDS(Registry(), role_name=ROLE)
    with imds.serve() as running:
        yield imds, running


@pytest.fixture
def imds(imds_server: tuple[FakeIMDS, RunningIMDS], monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIMDS]:
    imds, running = imds_server
    imds.reset()
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", running.url)
    for name in ("AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_V1_DISABLED", "AWS_METADATA_SERVICE_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_METADATA_SERVICE_NUM_ATTEMPTS", raising=False)
    yield imds
    imds.clear_faults()
    reset_credentials()  # no keys, no refresher
    for parameter in PARAMETERS:
        parameter.reset()
    imds.check()


def signed_key() -> str:
    """Sign a request with the current credentials; the access key id the signature used."""
    heads = add_v4_auth_heads(
        {}, method="GET", uri="https://sts.amazonaws.com/", sha256=EMPTY_SHA256, region="us-east-1", service="sts"
    )
    found = re.search(r"Credential=([A-Z0-9]+)/", heads["Authorization"])
    assert found
    return found.group(1)


def journal(imds: FakeIMDS) -> list[tuple[str, str, int, bool]]:
    return [(r.method, r.path, r.status, r.token) for r in imds.journal]


# --- loading ------------------------------------------------------------------------------------------------------


def test_loads_with_imdsv2_and_sets_all_three_parameters(imds: FakeIMDS) -> None:
    refresher = credentials_from_ec2_instance()
    served = imds.issued[-1]
    creds = current_credentials()
    assert (creds.access_key_id, creds.secret_access_key, creds.session_token) == (
        served.access_key_id,
        served.secret_access_key,
        served.token,
    )
    assert journal(imds) == [
        ("PUT", "/latest/api/token", 200, False),
        ("GET", "/latest/meta-data/iam/security-credentials/", 200, True),
        ("GET", CREDS_PATH, 200, True),
    ]
    assert served.secret_access_key not in repr(refresher) and served.token not in repr(refresher)
    assert signed_key() == served.access_key_id


def test_a_named_role_skips_the_listing(imds: FakeIMDS) -> None:
    credentials_from_ec2_instance(ROLE)
    assert [path for _, path, _, _ in journal(imds)] == ["/latest/api/token", CREDS_PATH]


def test_tokens_required(imds: FakeIMDS) -> None:
    imds.tokens = "required"
    credentials_from_ec2_instance(ROLE)
    assert all(token for method, _, _, token in journal(imds) if method == "GET")


@pytest.mark.parametrize("status", [403, 404, 405])
def test_falls_back_to_imdsv1_when_the_token_request_is_refused(imds: FakeIMDS, status: int) -> None:
    with imds.fail(status, path="/latest/api/token"):
        credentials_from_ec2_instance(ROLE)
    assert journal(imds) == [("PUT", "/latest/api/token", status, False), ("GET", CREDS_PATH, 200, False)]


def test_falls_back_to_imdsv1_when_the_token_answer_never_comes(imds: FakeIMDS) -> None:
    client.timeout(0.3)
    started = time.monotonic()
    with imds.slow(10, path="/latest/api/token"):
        credentials_from_ec2_instance(ROLE)
    assert time.monotonic() - started < 3
    assert ("GET", CREDS_PATH, 200, False) in journal(imds)


def test_400_on_the_token_request_ends_the_attempt(imds: FakeIMDS) -> None:
    with imds.fail(400, path="/latest/api/token"), pytest.raises(CredentialsError, match="400") as raised:
        credentials_from_ec2_instance(ROLE)
    assert imds.url in str(raised.value)
    assert [method for method, *_ in journal(imds)] == ["PUT"]


def test_v1_disabled_forbids_the_fallback(imds: FakeIMDS, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_V1_DISABLED", "true")
    with imds.fail(404, path="/latest/api/token"), pytest.raises(CredentialsError, match="IMDSv1 is disabled"):
        credentials_from_ec2_instance(ROLE)
    assert [method for method, *_ in journal(imds)] == ["PUT"]


def test_v1_read_refused_by_an_imdsv2_only_instance_says_so(imds: FakeIMDS) -> None:
    imds.tokens = "required"
    with imds.fail(404, path="/latest/api/token"), pytest.raises(CredentialsError, match="requires IMDSv2 tokens"):
        credentials_from_ec2_instance(ROLE)


def test_disabled_makes_no_request(imds: FakeIMDS, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "TRUE")
    with pytest.raises(CredentialsError, match="disabled"):
        credentials_from_ec2_instance()
    assert list(imds.journal) == []


def test_unreachable_fails_fast_naming_the_endpoint(imds: FakeIMDS) -> None:
    with imds.go_down():
        started = time.monotonic()
        with pytest.raises(CredentialsError, match="could not reach IMDS") as raised:
            credentials_from_ec2_instance()
        assert time.monotonic() - started < 1
    assert imds.url in str(raised.value)


def test_slow_service_is_bounded_by_the_timeout(imds: FakeIMDS) -> None:
    client.timeout(0.2)
    started = time.monotonic()
    with imds.slow(10), pytest.raises(CredentialsError, match=r"no answer within 0\.2 s"):
        credentials_from_ec2_instance()
    assert time.monotonic() - started < 2


def test_attempts_retry_server_errors(imds: FakeIMDS) -> None:
    with imds.fail(500, path=CREDS_PATH, times=2), pytest.raises(CredentialsError, match="500"):
        credentials_from_ec2_instance(ROLE)
    client.attempts(3)
    with imds.fail(500, path=CREDS_PATH, times=2):
        credentials_from_ec2_instance(ROLE)
    assert [status for _, path, status, _ in journal(imds) if path == CREDS_PATH] == [500, 500, 500, 200]


def test_parameters_follow_botocores_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_METADATA_SERVICE_TIMEOUT", "0.25")
    monkeypatch.setenv("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3")
    monkeypatch.delenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6")
    assert (client.timeout(), client.attempts(), client.endpoint()) == (0.25, 3, "http://[fd00:ec2::254]")
    monkeypatch.delenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")
    assert client.endpoint() == "http://169.254.169.254"
    monkeypatch.setenv("AWS_METADATA_SERVICE_TIMEOUT", "soon")
    with pytest.raises(CredentialsError, match="AWS_METADATA_SERVICE_TIMEOUT"):
        client.timeout()
    with pytest.raises(ValueError, match="imds_timeout"):
        client.timeout(0)
    with pytest.raises(TypeError, match="imds_disabled"):
        client.disabled("yes")  # type: ignore[arg-type]


def test_a_bad_endpoint_is_named(imds: FakeIMDS, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254")
    with pytest.raises(CredentialsError, match="not an http"):
        credentials_from_ec2_instance()


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not an object"),
        ('{"Code": "AssumeRoleUnauthorizedAccess", "Message": "EC2 cannot assume the role"}', "cannot assume"),
        ('{"Code": "Success", "AccessKeyId": "ASIAX", "SecretAccessKey": "hush", "Expiration": "x"}', "without Token"),
        (
            '{"Code": "Success", "AccessKeyId": "ASIAX", "SecretAccessKey": "hush", "Token": "tok", "Expiration": "x"}',
            "not a time",
        ),
        (
            '{"Code": "Success", "AccessKeyId": "ASIAX", "SecretAccessKey": "hush", "Token": "tok",'
            ' "Expiration": "2001-01-01T00:00:00Z"}',
            "expired at 2001",
        ),
    ],
)
def test_unusable_answers_are_named_without_secrets(imds: FakeIMDS, body: str, problem: str) -> None:
    with imds.answer(CREDS_PATH, body), pytest.raises(CredentialsError, match=problem) as raised:
        credentials_from_ec2_instance(ROLE)
    assert imds.url in str(raised.value)
    assert "hush" not in str(raised.value) and 'tok"' not in str(raised.value)


def test_read_metadata_and_instance_identity(imds: FakeIMDS) -> None:
    assert client.read_metadata("meta-data/placement/region") == "us-east-1"
    assert client.read_metadata("/latest/meta-data/instance-id") == imds.instance.instance_id
    document = client.instance_identity()
    assert document["instanceId"] == imds.instance.instance_id and document["accountId"] == imds.instance.account_id
    with pytest.raises(CredentialsError, match="404"):
        client.read_metadata("meta-data/no-such-thing")


# --- refreshing ---------------------------------------------------------------------------------------------------


def test_refreshes_inside_the_window_and_not_before(imds: FakeIMDS) -> None:
    with freeze_time(START, tick=True) as clock:
        credentials_from_ec2_instance(ROLE)
        first = imds.issued[-1].access_key_id
        clock.move_to(START + timedelta(hours=5, minutes=54))  # 6 minutes left: outside the 5-minute window
        assert signed_key() == first
        assert imds.credential_fetches == 1
        clock.move_to(START + timedelta(hours=5, minutes=56))  # 4 minutes left: refresh
        second = signed_key()
        assert second != first and second == imds.issued[-1].access_key_id
        assert imds.credential_fetches == 2
        assert signed_key() == second and imds.credential_fetches == 2


def test_the_window_is_a_parameter(imds: FakeIMDS) -> None:
    client.refresh_window(20 * 60.0)
    with freeze_time(START, tick=True) as clock:
        credentials_from_ec2_instance(ROLE)
        clock.move_to(START + timedelta(hours=5, minutes=44))  # 16 minutes left, inside a 20-minute window
        signed_key()
        assert imds.credential_fetches == 2


def sign_in_threads(count: int) -> tuple[list[str], list[BaseException]]:
    barrier = threading.Barrier(count)
    keys: list[str] = []
    errors: list[BaseException] = []

    def sign() -> None:
        barrier.wait()
        try:
            keys.append(signed_key())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sign) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return keys, errors


def test_many_threads_in_the_window_fetch_once_and_nobody_waits(imds: FakeIMDS) -> None:
    with freeze_time(START, tick=True) as clock:
        credentials_from_ec2_instance(ROLE)
        old = imds.issued[-1].access_key_id
        clock.move_to(START + timedelta(hours=5, minutes=56))
        with imds.slow(0.3):
            keys, errors = sign_in_threads(24)
        assert errors == []
        assert imds.credential_fetches == 2  # the load, and exactly one refresh
        new = imds.issued[-1].access_key_id
        assert set(keys) <= {old, new} and len(keys) == 24
        assert keys.count(new) >= 1  # the thread that fetched signed with the new set
        assert signed_key() == new


def test_many_threads_after_expiry_wait_for_one_fetch(imds: FakeIMDS) -> None:
    with freeze_time(START, tick=True) as clock:
        credentials_from_ec2_instance(ROLE)
        clock.move_to(START + timedelta(hours=6, minutes=1))  # expired: nobody may sign with the old set
        with imds.slow(0.2):
            keys, errors = sign_in_threads(24)
        assert errors == []
        assert imds.credential_fetches == 2
        assert set(keys) == {imds.issued[-1].access_key_id}


def test_a_failed_refresh_keeps_valid_credentials_and_warns(imds: FakeIMDS, caplog: pytest.LogCaptureFixture) -> None:
    with freeze_time(START, tick=True) as clock:
        credentials_from_ec2_instance(ROLE)
        old = imds.issued[-1]
        clock.move_to(START + timedelta(hours=5, minutes=56))
        imds.fail(500)
        with caplog.at_level(logging.WARNING, logger="awsclient.imds"):
            assert signed_key() == old.access_key_id
        [record] = [r for r in caplog.records if r.name == "awsclient.imds"]
        message = record.getMessage()
        assert old.access_key_id in message and "500" in message
        assert old.secret_access_key not in message and old.token not in message
        tried = len(imds.journal)
        assert signed_key() == old.access_key_id
        assert len(imds.journal) == tried  # no new attempt before retry_interval has passed
        clock.tick(timedelta(seconds=11))
        assert signed_key() == old.access_key_id
        assert len(imds.journal) > tried
        imds.clear_faults()
        clock.tick(timedelta(seconds=11))
        assert signed_key() == imds.issued[-1].access_key_id != old.access_key_id


def test_expired_credentials_and_no_imds_make_signing_fail_clearly(imds: FakeIMDS) -> None:
    with freeze_time(START, tick=True) as clock:
        credentials_from_ec2_instance(ROLE)
        old = imds.issued[-1]
        clock.move_to(START + timedelta(hours=6, minutes=1))
        with imds.go_down():
            started = time.monotonic()
            with pytest.raises(CredentialsError, match="expired at 2026-03-01T18:00:00Z") as raised:
                signed_key()
            assert time.monotonic() - started < 1
        assert old.access_key_id in str(raised.value) and imds.url in str(raised.value)
        assert old.secret_access_key not in str(raised.value)
        assert signed_key() == imds.issued[-1].access_key_id  # IMDS is back: the next signature refreshes


def test_other_credentials_replace_the_refresher(imds: FakeIMDS) -> None:
    with freeze_time(START, tick=True) as clock:
        credentials_from_ec2_instance(ROLE)
        set_credentials("AKIDEXAMPLE", "secret")
        clock.move_to(START + timedelta(hours=7))
        assert signed_key() == "AKIDEXAMPLE"
        assert imds.credential_fetches == 1


# --- botocore's own provider against the fake ---------------------------------------------------------------------


@pytest.fixture
def bare_environment(imds: FakeIMDS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials anywhere but the instance: botocore's chain must reach its IMDS provider."""
    without_credential_sources(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url)


@pytest.mark.parametrize("tokens", ["optional", "required"])
def test_botocore_gets_credentials_from_the_fake(imds: FakeIMDS, bare_environment: None, tokens: str) -> None:
    boto3 = pytest.importorskip("boto3")
    imds.tokens = tokens  # type: ignore[assignment]
    credentials = boto3.Session(region_name="us-east-1").get_credentials()
    assert credentials is not None and credentials.method == "iam-role"
    frozen = credentials.get_frozen_credentials()
    served = imds.issued[-1]
    assert (frozen.access_key, frozen.secret_key, frozen.token) == (
        served.access_key_id,
        served.secret_access_key,
        served.token,
    )
    assert journal(imds)[0] == ("PUT", "/latest/api/token", 200, False)


def test_a_restarted_service_is_reached_on_a_new_connection(imds: FakeIMDS) -> None:
    credentials_from_ec2_instance(ROLE)
    with imds.go_down():  # closes the connection the client pooled
        pass
    for _ in range(3):
        credentials_from_ec2_instance(ROLE)
    assert imds.credential_fetches == 4


@pytest.mark.parametrize("url", ["169.254.169.254", "ftp://169.254.169.254", "http://[::1", "http://host:port", ""])
def test_a_malformed_endpoint_is_named(imds: FakeIMDS, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    client.endpoint(url)
    with pytest.raises(CredentialsError, match="not an http"):
        credentials_from_ec2_instance()


def test_public_names() -> None:
    import awsclient.credentials
    import awsfake
    import awsfake.imds
    import awsfake.imds.instance

    for module in (client, awsfake.imds, awsfake.imds.instance):
        assert module.__all__ == sorted(module.__all__)
        assert all(hasattr(module, name) for name in module.__all__)
    assert "FakeIMDS" in awsfake.__all__
    assert "credentials_from_ec2_instance" in awsclient.credentials.__all__


def test_no_role_or_the_wrong_role_is_named(imds: FakeIMDS) -> None:
    with imds.fail(404, path="/latest/meta-data/iam/"), pytest.raises(CredentialsError, match="no instance profile"):
        credentials_from_ec2_instance()
    with pytest.raises(CredentialsError, match="no credentials for role 'other-role'"):
        credentials_from_ec2_instance("other-role")
