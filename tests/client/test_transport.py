import contextvars
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from freezegun import freeze_time
from transport_helpers import (
    RawServer,
    ScriptedApp,
    ok,
    raw_server,
    read_request,
    signature_verifies,
    wait_until,
)

import awsclient
from awsclient import AwsError, current_pool_timeout, parameterize, request
from awsclient.credentials import private_key, public_key, security_token
from awsclient.pools import _reaper
from awsclient.transport import (
    TransportError,
    close_pools,
    endpoint_for,
    max_attempts,
    read_timeout,
    region_for,
    retry_base_delay,
    retry_max_delay,
)
from awsfake.server import RunningServer, serve_app

pytestmark = pytest.mark.timeout(30)

THROTTLED = (
    400,
    [("Content-Type", "text/xml")],
    b'<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type>'
    b"<Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r-1</RequestId></ErrorResponse>",
)
UNAVAILABLE = (503, [("Content-Type", "text/html")], b"<html><body>Service Unavailable</body></html>")


@pytest.fixture(autouse=True)
def settings() -> Iterator[None]:
    values = {
        public_key: "AKIDEXAMPLE",
        private_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        retry_base_delay: 0.01,
        retry_max_delay: 0.05,
    }
    with parameterize(values):
        yield
    close_pools()


@pytest.fixture
def app() -> ScriptedApp:
    return ScriptedApp()


@pytest.fixture
def server(app: ScriptedApp) -> Iterator[RunningServer]:
    with serve_app(app) as running:
        yield running


def get(server: RunningServer | RawServer, path: str = "/", **kw: object) -> awsclient.transport.Response:
    return request("GET", path, service="sns", region="us-east-1", endpoint=server.url, **kw)  # type: ignore[arg-type]


def test_pool_zero_uses_one_connection_per_request_and_closes_it(server: RunningServer, app: ScriptedApp) -> None:
    assert current_pool_timeout() == 0
    assert get(server).body == b"ok" and get(server).status == 200
    assert len(server.connections) == 2
    assert wait_until(lambda: not server.open_connections())
    assert [s.connection_id for s in app.seen] == [c.id for c in server.connections]
    assert all(signature_verifies(seen, f"127.0.0.1:{server.port}") for seen in app.seen)


def test_pool_keeps_one_connection_for_sequential_requests(server: RunningServer) -> None:
    with parameterize({current_pool_timeout: 30}):
        for _ in range(5):
            get(server)
    assert len(server.connections) == 1 and server.connections[0].requests == 5
    assert server.open_connections()  # still pooled, 30 s to go


def test_idle_pooled_connection_is_closed_without_another_request(server: RunningServer) -> None:
    with parameterize({current_pool_timeout: 0.3}):
        get(server)
        started = time.monotonic()
        assert server.open_connections()
        assert wait_until(lambda: not server.open_connections(), timeout=3)
    elapsed = time.monotonic() - started
    assert 0.2 <= elapsed < 1.5
    assert wait_until(lambda: not _reaper.alive(), timeout=2)  # nothing pooled: the reaper thread is gone


def test_reuse_within_timeout_and_fresh_connection_after_it(server: RunningServer) -> None:
    with parameterize({current_pool_timeout: 0.3}):
        get(server)
        get(server)
        time.sleep(0.5)
        get(server)
    assert [c.requests for c in server.connections] == [2, 1]


def test_server_closed_idle_connection_is_replaced_silently(app: ScriptedApp) -> None:
    with serve_app(app, idle_timeout=0.2) as server, parameterize({current_pool_timeout: 30}):
        get(server)
        assert wait_until(lambda: not server.open_connections())
        assert get(server).body == b"ok"
        assert len(server.connections) == 2


def test_request_lost_on_a_kept_alive_connection_is_resent_without_counting_an_attempt() -> None:
    def handle(sock: socket.socket, number: int, state: RawServer) -> None:
        read_request(sock)
        state.requests += 1
        sock.sendall(ok(b"first"))
        if number == 1 and read_request(sock):
            state.requests += 1  # the second request arrives, and the server closes without answering
            return
        while read_request(sock):
            state.requests += 1
            sock.sendall(ok(b"again"))

    with raw_server(handle) as srv, parameterize({current_pool_timeout: 30, max_attempts: 1}):
        assert get(srv).body == b"first"
        assert get(srv).body == b"first"  # answered by a second connection's first reply
        assert (srv.connections, srv.requests) == (2, 3)


@pytest.mark.parametrize("reply", [THROTTLED, UNAVAILABLE])
def test_throttling_and_5xx_are_retried_each_attempt_signed_afresh(
    server: RunningServer, app: ScriptedApp, reply: tuple[int, list[tuple[str, str]], bytes]
) -> None:
    app.replies = [reply, reply]
    with freeze_time("2026-01-02 03:04:05", auto_tick_seconds=1):
        assert get(server).body == b"ok"
    assert len(app.seen) == 3
    assert len({s.headers["x-amz-date"] for s in app.seen}) == 3
    assert len({s.headers["authorization"] for s in app.seen}) == 3


def test_retries_exhausted_raise_the_last_error(server: RunningServer, app: ScriptedApp) -> None:
    app.replies = [UNAVAILABLE] * 10
    with parameterize({max_attempts: 4}), pytest.raises(AwsError) as info:
        get(server)
    assert (info.value.http_code, info.value.http_message, info.value.aws_code) == (503, "Service Unavailable", "")
    assert len(app.seen) == 4


def test_client_errors_are_not_retried_and_the_connection_is_reused(server: RunningServer, app: ScriptedApp) -> None:
    app.replies = [
        (
            403,
            [("Content-Type", "text/xml"), ("x-amzn-RequestId", "rid-9")],
            THROTTLED[2].replace(b"Throttling", b"InvalidClientTokenId"),
        )
    ]
    with parameterize({current_pool_timeout: 30}):
        with pytest.raises(AwsError) as info:
            get(server)
        assert get(server).body == b"ok"
    assert (info.value.aws_code, info.value.request_id) == ("InvalidClientTokenId", "rid-9")
    assert len(app.seen) == 2 and len(server.connections) == 1  # the error left the connection reusable


def test_a_huge_error_body_closes_the_connection_instead_of_reading_it(server: RunningServer, app: ScriptedApp) -> None:
    app.replies = [(400, [("Content-Type", "text/plain")], b"x" * (3 * 1024 * 1024))]
    with parameterize({current_pool_timeout: 30}), pytest.raises(AwsError):
        get(server)
    assert wait_until(lambda: not server.open_connections())


def test_error_messages_never_show_the_session_token(server: RunningServer, app: ScriptedApp) -> None:
    token = "FwoGZXIvYXdzEJr//////////wEaDEXAMPLETOKEN"
    body = f"<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>x-amz-security-token:{token}"
    app.replies = [(403, [], (body + "</Message></Error></ErrorResponse>").encode())]
    with parameterize({security_token: token}), pytest.raises(AwsError) as info:
        get(server)
    assert info.value.aws_code == "SignatureDoesNotMatch" and token not in str(info.value)
    assert app.seen[0].headers["x-amz-security-token"] == token


def test_connection_dropped_mid_response_is_retried_then_reported() -> None:
    def handle(sock: socket.socket, number: int, state: RawServer) -> None:
        read_request(sock)
        state.requests += 1
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")

    dropped = r"failed after 3 attempts: the connection closed mid-response \(7 of 100 body bytes received\)"
    with raw_server(handle) as srv, pytest.raises(TransportError, match=dropped) as info:
        get(srv)
    assert srv.requests == 3 and srv.url.split("//")[1] in str(info.value)


def test_connection_dropped_once_then_answered() -> None:
    def handle(sock: socket.socket, number: int, state: RawServer) -> None:
        read_request(sock)
        state.requests += 1
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial" if number == 1 else ok(b"whole"))

    with raw_server(handle) as srv:
        assert get(srv).body == b"whole"
        assert srv.requests == 2


def test_a_silent_server_times_out_instead_of_hanging() -> None:
    def handle(sock: socket.socket, number: int, state: RawServer) -> None:
        read_request(sock)
        state.requests += 1
        sock.recv(1)  # never answers; returns when the client gives up and closes

    started = time.monotonic()
    timed_out = r"failed after 3 attempts: no answer within the read timeout \(0.2 s\)"
    with raw_server(handle) as srv, parameterize({read_timeout: 0.2}), pytest.raises(TransportError, match=timed_out):
        get(srv)
    assert srv.requests == 3 and time.monotonic() - started < 5


def test_refused_connection_is_a_transport_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    refused = "failed after 2 attempts: could not connect .*refused"
    with parameterize({max_attempts: 2}), pytest.raises(TransportError, match=refused):
        request("GET", "/", service="sns", region="us-east-1", endpoint=f"http://127.0.0.1:{port}")


def test_paths_are_encoded_once_and_signed_as_sent(server: RunningServer, app: ScriptedApp) -> None:
    key = "/bucket/dir/a b+c%d~e/ünï?#.txt"
    request("PUT", key, service="s3", region="us-east-1", endpoint=server.url, body=b"data", query={"x y": "1/2"})
    seen = app.seen[0]
    assert seen.raw_uri == "/bucket/dir/a%20b%2Bc%25d~e/%C3%BCn%C3%AF%3F%23.txt?x%20y=1%2F2"
    assert seen.body == b"data"
    assert signature_verifies(seen, f"127.0.0.1:{server.port}", service="s3")


def test_concurrent_requests_share_the_pool_safely(server: RunningServer, app: ScriptedApp) -> None:
    with parameterize({current_pool_timeout: 30}), ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(contextvars.copy_context().run, get, server) for _ in range(200)]
        bodies = [f.result().body for f in futures]
    assert bodies == [b"ok"] * 200 and len(app.seen) == 200
    assert len(server.connections) <= 16


def test_region_and_endpoint_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SNS"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match="AWS_REGION"):
        region_for()
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert region_for() == "eu-west-1"
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    assert region_for() == "eu-central-1" and region_for("us-west-2") == "us-west-2"
    assert endpoint_for("s3", "eu-central-1") == "https://s3.eu-central-1.amazonaws.com"
    assert endpoint_for("sts", "cn-north-1") == "https://sts.cn-north-1.amazonaws.com.cn"
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:1")
    assert endpoint_for("sns", "eu-central-1") == "http://localhost:1"
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", "http://localhost:2")
    assert endpoint_for("sns", "eu-central-1") == "http://localhost:2"
    assert endpoint_for("s3", "eu-central-1") == "http://localhost:1"
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    assert endpoint_for("sns", "eu-central-1") == "https://sns.eu-central-1.amazonaws.com"


def test_environment_endpoint_is_used(monkeypatch: pytest.MonkeyPatch, server: RunningServer, app: ScriptedApp) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", server.url)
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    assert request("POST", "/", service="sts", body=b"Action=GetCallerIdentity").status == 200
    assert "/ap-south-1/sts/aws4_request" in app.seen[0].headers["authorization"]


def test_parameters_validate() -> None:
    with pytest.raises(ValueError, match="current_pool_timeout"):
        current_pool_timeout(-1)
    with pytest.raises(ValueError, match="max_attempts"):
        max_attempts(0)
    with pytest.raises(ValueError, match="read_timeout"):
        read_timeout(0)


def test_no_thread_left_behind(server: RunningServer) -> None:
    with parameterize({current_pool_timeout: 0.1}):
        get(server)
    assert wait_until(lambda: not any(t.name == "awsclient-pool-reaper" for t in threading.enumerate()))


def test_a_server_that_closes_after_each_answer_is_followed_quietly() -> None:
    def handle(sock: socket.socket, number: int, state: RawServer) -> None:
        read_request(sock)
        state.requests += 1
        sock.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")

    with raw_server(handle) as srv, parameterize({current_pool_timeout: 30, max_attempts: 1}):
        assert [get(srv).body for _ in range(3)] == [b"ok"] * 3
    assert (srv.connections, srv.requests) == (3, 3)


def test_the_servers_reason_phrase_reaches_the_error() -> None:
    def handle(sock: socket.socket, number: int, state: RawServer) -> None:
        read_request(sock)
        body = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
        sock.sendall(b"HTTP/1.1 503 Slow Down\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    with raw_server(handle) as srv, parameterize({max_attempts: 1}), pytest.raises(AwsError) as info:
        get(srv)
    assert str(info.value) == 'HTTP 503 "Slow Down". AWS Code="SlowDown" Message="Please reduce your request rate."'


def test_method_case_does_not_break_the_signature(server: RunningServer, app: ScriptedApp) -> None:
    request("get", "/x", service="sns", region="us-east-1", endpoint=server.url)
    assert app.seen[0].method == "GET" and signature_verifies(app.seen[0], f"127.0.0.1:{server.port}")


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("the openssl command makes the test certificate")

    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_tls_verifies_against_aws_ca_bundle(tls_files: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    import ssl

    cert, key = tls_files
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def handle(sock: socket.socket, number: int, state: RawServer) -> None:
        with context.wrap_socket(sock, server_side=True) as tls:
            while read_request(tls):  # type: ignore[arg-type]
                state.requests += 1
                tls.sendall(ok(b"secure"))

    with raw_server(handle) as srv, parameterize({max_attempts: 1}):
        url = srv.url.replace("http://", "https://")
        monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
        with pytest.raises(TransportError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
            request("GET", "/", service="sns", region="us-east-1", endpoint=url)
        monkeypatch.setenv("AWS_CA_BUNDLE", cert)
        assert request("GET", "/", service="sns", region="us-east-1", endpoint=url).body == b"secure"
        close_pools()


def test_max_attempts_defaults_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    assert max_attempts() == 3
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "5")
    assert max_attempts() == 5
    with parameterize({max_attempts: 2}):
        assert max_attempts() == 2
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "zero")
    with pytest.raises(ValueError, match="AWS_MAX_ATTEMPTS"):
        max_attempts()
