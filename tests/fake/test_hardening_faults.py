"""Network faults between the client and the fakes: dropped connections, silence, slowness. Clear errors, the
specified retries, and never a hang: every socket on both sides has a timeout."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.parsers import ResponseParserError

from awsclient import imds as imds_client
from awsclient import parameterize, request, s3, sns
from awsclient.credentials import (
    CredentialsError,
    credentials_from_ec2_instance,
    current_credentials,
    reset_credentials,
    set_credentials,
)
from awsclient.transport import TransportError, close_pools, max_attempts, read_timeout, retry_base_delay
from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS, FakeIMDS
from awsfake.server import RunningServer, serve_app

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def fake_server() -> Iterator[tuple[FakeAWS, RunningServer]]:
    fake = FakeAWS()
    with fake.serve() as running:
        yield fake, running


@pytest.fixture
def fake(fake_server: tuple[FakeAWS, RunningServer], monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAWS]:
    fake, running = fake_server
    fake.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", running.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    set_credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, None)
    with parameterize({retry_base_delay: 0.01}):
        yield fake
    close_pools()
    reset_credentials()
    fake.check()


def _actions(fake: FakeAWS, action: str) -> int:
    return sum(1 for r in fake.requests if r.action == action)


# ---------------------------------------------------------------- dropped connections


def test_a_connection_dropped_mid_answer_is_retried(fake: FakeAWS) -> None:
    fake.stub("sns", "ListTopics", drop=True, times=1)
    assert sns.list_topics() == []
    assert _actions(fake, "ListTopics") == 2


def test_dropped_on_every_attempt_is_a_transport_error_naming_the_endpoint(fake: FakeAWS) -> None:
    stub = fake.stub("sns", "ListTopics", drop=True)
    started = time.monotonic()
    with pytest.raises(TransportError, match=r"after 3 attempts") as raised:
        sns.list_topics()
    assert time.monotonic() - started < 5
    assert fake.url is not None and fake.url.split("//")[1] in str(raised.value)
    assert len(stub.calls) == 3 and _actions(fake, "ListTopics") == 3
    with parameterize({max_attempts: 1}), pytest.raises(TransportError, match=r"after 1 attempt\b"):
        sns.list_topics()
    assert len(stub.calls) == 4


def test_an_object_cut_off_mid_body_is_fetched_again_whole(fake: FakeAWS) -> None:
    s3.create_bucket("drops")
    s3.put_object("drops", "big", b"0123456789" * 10_000)
    stub = fake.stub("s3", "GetObject", body=b"x" * 100_000, drop=True, times=2)
    assert s3.get_object("drops", "big") == b"0123456789" * 10_000  # the third attempt reaches the service
    assert len(stub.calls) == 2


def test_an_error_answer_dropped_mid_way_is_a_connection_failure_not_a_parse_error(fake: FakeAWS) -> None:
    fake.stub("sns", "ListTopics", error=("AccessDenied", "no", 403), drop=True)
    with parameterize({max_attempts: 2}), pytest.raises(TransportError):
        sns.list_topics()


def test_boto3_never_takes_a_cut_answer_for_a_whole_one(fake: FakeAWS) -> None:
    """botocore up to 1.43 has urllib3 enforce Content-Length: the cut is a connection error, retried. From 1.44 it
    turns that check off, so the truncated XML reaches the parser: ResponseParserError, not retried. Both are
    what AWS over a failing network would give; a silent success on half a body would be the bug."""
    fake.stub("sns", "ListTopics", drop=True, times=1)
    client = boto3.client(
        "sns",
        endpoint_url=fake.url,
        region_name="us-east-1",
        aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
        aws_secret_access_key=DEFAULT_SECRET_ACCESS_KEY,
        config=Config(retries={"mode": "standard", "total_max_attempts": 3}),
    )
    try:
        topics = client.list_topics()["Topics"]
    except ResponseParserError:
        assert _actions(fake, "ListTopics") == 1
    else:
        assert topics == []
        assert _actions(fake, "ListTopics") == 2


def test_a_dropped_answer_is_journaled_and_the_server_keeps_serving(
    fake: FakeAWS, fake_server: tuple[FakeAWS, RunningServer]
) -> None:
    _, running = fake_server
    fake.stub("sns", "CreateTopic", drop=True, times=1)
    with parameterize({max_attempts: 1}), pytest.raises(TransportError):
        sns.create_topic("cut")
    assert [r.action for r in fake.requests] == ["CreateTopic"]
    assert sns.create_topic("cut").endswith(":cut")
    dropped = [c for c in running.connections if c.closed_at is not None and c.requests == 1]
    assert dropped, "the cut connection is closed on the server's side"


# ---------------------------------------------------------------- slowness and silence


def test_a_slow_answer_is_bounded_by_the_clients_read_timeout(fake: FakeAWS) -> None:
    def slow(call: object) -> None:
        time.sleep(1.0)

    fake.stub("sns", "ListTopics", handler=slow)
    started = time.monotonic()
    timed_out = pytest.raises(TransportError, match="no answer within the read timeout")
    with parameterize({read_timeout: 0.2, max_attempts: 2}), timed_out:
        sns.list_topics()
    assert time.monotonic() - started < 1.5


def test_the_server_closes_a_connection_that_sends_nothing() -> None:
    fake = FakeAWS()
    with serve_app(fake, idle_timeout=0.3) as running, socket.create_connection(("127.0.0.1", running.port)) as sock:
        sock.settimeout(5)
        started = time.monotonic()
        assert sock.recv(100) == b""  # closed by the server, without an answer
        assert time.monotonic() - started < 3


def test_the_server_gives_up_on_a_body_that_never_comes() -> None:
    """A slow-loris upload: the server answers IncompleteBody once the idle timeout passes, then closes."""
    fake = FakeAWS()
    with serve_app(fake, idle_timeout=0.3) as running, socket.create_connection(("127.0.0.1", running.port)) as sock:
        sock.settimeout(5)
        sock.sendall(b"PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten b")
        started = time.monotonic()
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        assert time.monotonic() - started < 3
    assert answer.startswith(b"HTTP/1.1 400 ") and b"<Code>IncompleteBody</Code>" in answer
    assert fake.errors == []


def test_half_a_request_head_is_dropped_after_the_idle_timeout() -> None:
    imds = FakeIMDS()
    fake = FakeAWS()
    for app in (fake, imds):
        with serve_app(app, idle_timeout=0.3) as running, socket.create_connection(("127.0.0.1", running.port)) as s:
            s.settimeout(5)
            s.sendall(b"GET /latest/meta-data/ HTTP/1.1\r\nHost: x\r\n")  # no blank line: the head never ends
            started = time.monotonic()
            while s.recv(65536):
                pass
            assert time.monotonic() - started < 3


def test_the_servers_have_an_idle_timeout_by_default() -> None:
    with serve_app(FakeAWS()) as running:
        server = running._server
        assert server is not None and 0 < server.idle_timeout <= 120  # type: ignore[attr-defined]


# ---------------------------------------------------------------- instance metadata


@pytest.fixture
def metadata(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIMDS]:
    imds = FakeIMDS(fake, role_name="fault-role")
    with imds.serve() as running:
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", running.url)
        monkeypatch.delenv("AWS_EC2_METADATA_DISABLED", raising=False)
        yield imds
    for parameter in (imds_client.timeout, imds_client.attempts):
        parameter.reset()
    imds.check()


def test_imds_down_slow_and_failing_are_clear_fast_errors_without_secrets(metadata: FakeIMDS) -> None:
    imds_client.timeout(0.2)
    cases = [
        (metadata.go_down, "could not reach IMDS"),
        (lambda: metadata.slow(5), r"no answer within 0\.2 s"),
        (lambda: metadata.fail(500), "500"),
        (lambda: metadata.answer("/latest/meta-data/iam/security-credentials/fault-role", '{"Code": "Suc'), "JSON"),
    ]
    for fault, problem in cases:
        started = time.monotonic()
        with fault(), pytest.raises(CredentialsError, match=problem) as raised:
            credentials_from_ec2_instance()
        assert time.monotonic() - started < 2, problem
        assert all(c.secret_access_key not in str(raised.value) for c in metadata.issued)
    credentials_from_ec2_instance()  # and after all that it works
    assert sns.list_topics() == []
    assert current_credentials().access_key_id == metadata.issued[-1].access_key_id


def test_imds_going_down_after_loading_does_not_stop_signing(metadata: FakeIMDS, fake: FakeAWS) -> None:
    credentials_from_ec2_instance()
    with metadata.go_down():
        assert request("GET", "/", service="s3").status == 200  # fresh credentials need no metadata call
    assert all(r.verified for r in fake.requests)
