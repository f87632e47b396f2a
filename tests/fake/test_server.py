import contextlib
import socket
import ssl
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import urllib3
from endpoint_helpers import client, signed

from awsfake import FakeAWS, FakeIMDS
from awsfake.server import Limits, serve_app
from awsfake.tls import make_certificates


def hello(environ, start_response):  # type: ignore[no-untyped-def]
    body = str(environ["awsfake.connection_id"]).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def test_keep_alive_reuses_one_connection_and_shutdown_closes_it() -> None:
    before = threading.active_count()
    with serve_app(hello) as server:
        assert server.url.startswith("http://127.0.0.1:") and server.port > 0
        pool = urllib3.HTTPConnectionPool("127.0.0.1", server.port, maxsize=1)
        ids = {pool.request("GET", "/").data for _ in range(3)}
        assert len(ids) == 1
        assert len(server.connections) == 1 and server.connections[0].requests == 3
        assert server.open_connections()
    deadline = time.monotonic() + 5
    while server.open_connections() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not server.open_connections()
    pool.close()
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() <= before


def test_refuses_non_loopback_without_explicit_flag() -> None:
    with pytest.raises(ValueError, match="must not face a network"), serve_app(hello, host="0.0.0.0"):
        pass


# ---------------------------------------------------------------- serving like a server


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_with_a_generated_certificate_boto3_trusts_through_its_ca_file(tmp_path: Path) -> None:
    certificates = make_certificates(tmp_path)
    assert oct(certificates.key_file.stat().st_mode & 0o777) == "0o600"
    fake = FakeAWS()
    with serve_app(fake, tls=certificates.context(), early_error=fake.early_error) as server:
        assert server.url.startswith("https://127.0.0.1:")
        import boto3

        verified = boto3.client(
            "s3",
            region_name="us-east-1",
            endpoint_url=server.url,
            aws_access_key_id="AKIDFAKEFAKEFAKE1234",
            aws_secret_access_key="awsfake/secret/key/for/tests/only/000000",
            verify=str(certificates.ca_file),
        )
        verified.create_bucket(Bucket="secure")
        unverified = boto3.client(
            "s3",
            region_name="us-east-1",
            endpoint_url=server.url.replace("127.0.0.1", "localhost"),
            aws_access_key_id="AKIDFAKEFAKEFAKE1234",
            aws_secret_access_key="awsfake/secret/key/for/tests/only/000000",
            verify=False,
        )
        assert [b["Name"] for b in unverified.list_buckets()["Buckets"]] == ["secure"]
        # A client that does not trust the CA is refused by its own TLS check, and the server keeps serving.
        with pytest.raises(ssl.SSLCertVerificationError), socket.create_connection(("127.0.0.1", server.port)) as raw:
            ssl.create_default_context().wrap_socket(raw, server_hostname="127.0.0.1")
        # Plain HTTP to the TLS port: the handshake fails in that connection's thread only.
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as plain:
            plain.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert b"HTTP/1.1" not in _read_all(plain)
        assert verified.list_buckets()["Buckets"][0]["Name"] == "secure"
    assert fake.errors == []


def test_a_request_trickled_a_byte_at_a_time_is_cut_off_at_its_deadline() -> None:
    """Each byte arrives well within the idle timeout; the whole head is still bounded."""
    fake = FakeAWS()
    limits = Limits(idle_timeout=5.0, head_deadline=0.6, request_deadline=1.2)
    with serve_app(fake, limits=limits) as server, socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.settimeout(5)
        started = time.monotonic()
        head = b"GET /trickle HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
        closed_after = None
        for byte in head:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                closed_after = time.monotonic() - started
                break
            time.sleep(0.2)
            if time.monotonic() - started > 3:
                break
        if closed_after is None:
            assert _read_all(sock) == b""
            closed_after = time.monotonic() - started
        assert closed_after < 2.0, closed_after


def test_a_body_trickled_past_the_request_deadline_is_refused() -> None:
    fake = FakeAWS()
    limits = Limits(idle_timeout=5.0, head_deadline=1.0, request_deadline=1.0)
    with serve_app(fake, limits=limits) as server, socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.settimeout(5)
        sock.sendall(b"PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
        started = time.monotonic()
        answer = b""
        for _ in range(30):
            try:
                sock.sendall(b"x")
            except OSError:
                break
            time.sleep(0.2)
            sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                answer += sock.recv(65536)
            sock.setblocking(True)
            if answer:
                break
        sock.settimeout(5)
        answer += _read_all(sock)
        assert time.monotonic() - started < 2.5
    assert answer.startswith(b"HTTP/1.1 400 ") and b"<Code>IncompleteBody</Code>" in answer


def _expect_head(url: str, path: str, body: bytes, **kw: object) -> bytes:
    headers = signed(url, "PUT", path, service="s3", body=body, **kw)  # type: ignore[arg-type]
    headers.update({"Content-Length": str(len(body)), "Expect": "100-continue"})
    lines = [f"PUT {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_100_continue_only_after_the_head_passed_signature_and_size() -> None:
    from awsclient.credentials import Credentials

    fake = FakeAWS(max_object_size=1000)  # S3 objects are bounded by max_object_size
    body = b"b" * 500
    with fake.serve() as server:
        client(server.url, "s3").create_bucket(Bucket="uploads")
        host = server.url.removeprefix("http://")
        url = f"http://{host}"
        # A good head: 100 Continue, then (after the body) 200.
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(_expect_head(url, "/uploads/good", body))
            assert sock.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
            sock.sendall(body)
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
        # A wrong secret: refused at once, no 100 Continue, the body never asked for.
        wrong = Credentials("AKIDFAKEFAKEFAKE1234", "not-the-secret")
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(_expect_head(url, "/uploads/bad", body, credentials=wrong))
            answer = _read_all(sock)
        assert answer.startswith(b"HTTP/1.1 403 ") and b"SignatureDoesNotMatch" in answer
        assert b"100 Continue" not in answer
        # Too large: refused from Content-Length alone.
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(_expect_head(url, "/uploads/big", b"c" * 2000))
            answer = _read_all(sock)
        assert answer.startswith(b"HTTP/1.1 400 ") and b"EntityTooLarge" in answer
        assert b"100 Continue" not in answer
    verdicts = [(r.path, r.error) for r in fake.requests if r.action != "CreateBucket"]
    assert verdicts == [
        ("/uploads/good", None),
        ("/uploads/bad", "SignatureDoesNotMatch"),
        ("/uploads/big", "EntityTooLarge"),
    ]
    assert fake.service("s3").buckets["uploads"].objects.keys() == {"good"}  # type: ignore[union-attr]


def test_boto3_upload_with_a_wrong_secret_is_refused_before_its_body() -> None:
    """botocore sends `Expect: 100-continue` for S3 bodies of 1 MB and more and waits for the answer."""
    fake = FakeAWS()
    with fake.serve() as server:
        client(server.url, "s3").create_bucket(Bucket="uploads")
        bad = client(server.url, "s3", secret="wrong")
        started = time.monotonic()
        with pytest.raises(Exception, match="SignatureDoesNotMatch"):
            bad.put_object(Bucket="uploads", Key="big", Body=b"z" * (4 << 20))
        elapsed = time.monotonic() - started
    assert elapsed < 0.9  # botocore sends the body anyway after waiting 1 s for an interim answer
    assert [r.error for r in fake.requests][-1] == "SignatureDoesNotMatch"


@pytest.mark.parametrize(
    ("app", "marker", "content_type"),
    [
        (FakeAWS, b"<Code>BadRequest</Code>", "application/xml"),
        (FakeIMDS, b"<title>400 - Bad Request</title>", "text/html"),
        (lambda: hello, b"400 Bad Request", "text/plain"),
    ],
)
def test_a_garbage_request_line_is_answered_by_the_app_being_served(app, marker, content_type) -> None:  # type: ignore[no-untyped-def]
    served = app()
    hook = getattr(served, "early_error", None)
    with serve_app(served, early_error=hook) as server, socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.settimeout(5)
        sock.sendall(b"\x16\x03\x01garbage\r\n\r\n")
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 400 "), answer
    assert marker in answer and content_type.encode() in answer
    if app is FakeIMDS:
        assert b"<Error>" not in answer


def test_stopping_lets_an_in_flight_request_finish_and_closes_idle_connections() -> None:
    fake = FakeAWS()
    results: list[object] = []
    with fake.serve() as server:
        idle = urllib3.HTTPConnectionPool("127.0.0.1", server.port, maxsize=1)
        idle.request("GET", "/_nothing")  # a kept-alive connection, now waiting for its next request
        sqs = client(server.url, "sqs")
        queue = sqs.create_queue(QueueName="slow")["QueueUrl"]
        long_poll = lambda: results.append(sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1))  # noqa: E731
        worker = threading.Thread(target=long_poll)
        worker.start()
        time.sleep(0.3)
        stopping = time.monotonic()
    stopped = time.monotonic() - stopping
    worker.join(5)
    assert results and isinstance(results[0], dict), "the in-flight request was answered"
    assert 0.5 < stopped < 1.5, stopped  # the long poll's remaining 0.7 s, not more
    assert not server.open_connections()


def test_boto3_keeps_its_connection_in_step_when_an_answer_takes_longer_than_its_continue_wait() -> None:
    """botocore waits 1 s for an interim answer; a final answer seen while it waits stays on its connection as the
    next answer's status line. So `100 Continue` goes out as soon as the head passed, never a bare final answer."""
    import io

    fake = FakeAWS()
    slow_puts: list[str] = []
    with fake.serve() as server:
        s3 = client(server.url, "s3")
        s3.create_bucket(Bucket="steady")
        s3.put_object(Bucket="steady", Key="empty", Body=b"")
        real = fake.service("s3")
        assert real is not None

        def slow(call: Any) -> Any:
            time.sleep(1.3)
            slow_puts.append(call.path)
            return real.put_object(call)  # type: ignore[attr-defined]

        fake.stub("s3", "PutObject", handler=slow, times=1)
        s3.put_object(Bucket="steady", Key="slow", Body=io.BytesIO(b"s" * 1000))
        assert s3.get_object(Bucket="steady", Key="slow")["Body"].read() == b"s" * 1000
    assert slow_puts == ["/steady/slow"]
