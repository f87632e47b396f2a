"""Security properties: hostile XML (XXE, billion laughs, external DTDs) to both servers and to the client's error
parser, request smuggling framing, the body size limit in every family, secrets kept out of logs, reprs and
messages, and loopback-only binding."""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from fuzz_helpers import botocore_error_code, exchange, parse_answers, raw_request, signed_raw

from awsclient import AwsError, parameterize, request
from awsclient.credentials import Credentials, reset_credentials, set_credentials
from awsclient.errors import header_and_response_to_exn
from awsclient.transport import close_pools, max_attempts
from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS, FakeIMDS
from awsfake.errors import Fault
from awsfake.request import DEFAULT_MAX_BODY
from awsfake.services import Result

pytestmark = pytest.mark.timeout(90)
ROOT = Path(__file__).resolve().parents[2]
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})
MARKER = "TOP-SECRET-FILE-CONTENT-4242"


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xxe") / "secret.txt"
    path.write_text(MARKER)
    return path


class Listener:
    """A TCP listener that counts connections: an external DTD or entity fetch would show up here."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    listening = Listener()
    yield listening
    listening.close()


def hostile_documents(secret_file: Path, port: int, root: str) -> dict[str, bytes]:
    laughs = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{"".join(f"&l{i - 1};" for _ in range(10))}">' for i in range(1, 10)
    )
    return {
        "xxe-file": (
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret_file}">]>'
            f"<{root}><Object><Key>&x;</Key></Object></{root}>"
        ).encode(),
        "billion-laughs": (
            f"<?xml version='1.0'?><!DOCTYPE r [{laughs}]><{root}><Object><Key>&l9;</Key></Object></{root}>"
        ).encode(),
        "external-dtd": f'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:{port}/x.dtd"><{root}/>'.encode(),
        "parameter-entity": (
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p.dtd"> %p;]><{root}/>'
        ).encode(),
        "quadratic": (
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "{"a" * 100_000}">]><{root}><Object><Key>'
            + "&a;" * 2000
            + f"</Key></Object></{root}>"
        ).encode(),
    }


# ---------------------------------------------------------------- hostile XML to the endpoint


@pytest.fixture(scope="module")
def endpoint() -> Iterator[tuple[FakeAWS, int]]:
    fake = FakeAWS()
    with fake.serve() as running:
        yield fake, running.port
    fake.check()


S3_XML_REQUESTS = {
    "DeleteObjects": ("POST", "/sec?delete", "Delete"),
    "CompleteMultipartUpload": ("POST", "/sec/key?uploadId={upload}", "CompleteMultipartUpload"),
    "CreateBucket": ("PUT", "/sec-new", "CreateBucketConfiguration"),
}


def _s3(port: int, method: str, target: str, body: bytes = b"") -> list[object]:
    heads = {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()} if body else {}
    headers = signed_raw(port, method, target, service="s3", body=body, headers=heads)
    return parse_answers(exchange(port, raw_request(method, target, headers, body)), method)  # type: ignore[return-value]


@pytest.mark.parametrize("action", sorted(S3_XML_REQUESTS))
def test_hostile_xml_bodies_to_s3_are_malformed_xml(
    endpoint: tuple[FakeAWS, int], secret_file: Path, listener: Listener, action: str
) -> None:
    fake, port = endpoint
    _s3(port, "PUT", "/sec")
    _s3(port, "PUT", "/sec/key", b"data")
    upload_answer = _s3(port, "POST", "/sec/key?uploads")[0]
    upload = upload_answer.body.split(b"<UploadId>")[1].split(b"</UploadId>")[0].decode()  # type: ignore[attr-defined]
    method, target, root = S3_XML_REQUESTS[action]
    for name, document in hostile_documents(secret_file, listener.port, root).items():
        started = time.monotonic()
        answer = _s3(port, method, target.format(upload=upload), document)[0]
        assert time.monotonic() - started < 2, name
        assert answer.status == 400, (name, answer.body)  # type: ignore[attr-defined]
        assert botocore_error_code("rest-xml", answer) == "MalformedXML", (name, answer.body)  # type: ignore[arg-type,attr-defined]
        assert MARKER.encode() not in answer.body  # type: ignore[attr-defined]
    assert listener.connections == 0
    assert [a.status for a in _s3(port, "GET", "/sec/key")] == [200]  # nothing was deleted or replaced
    fake.check()


def test_hostile_xml_to_imds_is_ignored(secret_file: Path, listener: Listener) -> None:
    imds = FakeIMDS()
    with imds.serve() as running:
        for document in hostile_documents(secret_file, listener.port, "r").values():
            headers = [("Host", "x"), ("X-aws-ec2-metadata-token-ttl-seconds", "60")]
            headers += [("Content-Type", "application/xml"), ("Content-Length", str(len(document)))]
            answer = parse_answers(exchange(running.port, raw_request("PUT", "/latest/api/token", headers, document)))
            assert [a.status for a in answer] == [200]
    imds.check()
    assert listener.connections == 0


# ---------------------------------------------------------------- hostile XML to the client


@pytest.mark.parametrize("family_root", ["Error", "ErrorResponse", "Response"])
def test_client_error_parser_resists_hostile_xml(secret_file: Path, listener: Listener, family_root: str) -> None:
    for name, document in hostile_documents(secret_file, listener.port, family_root).items():
        started = time.monotonic()
        err = header_and_response_to_exn({"Content-Type": "application/xml"}, document, status=400)
        assert time.monotonic() - started < 1, name
        assert isinstance(err, AwsError) and err.http_code == 400
        assert MARKER not in str(err) and MARKER not in repr(err.details), name
        assert "lollollol" not in str(err) and len(str(err)) < 10_000, name
    assert listener.connections == 0


def test_client_reads_a_hostile_error_answer_from_the_wire(
    endpoint: tuple[FakeAWS, int], secret_file: Path, listener: Listener
) -> None:
    """An endpoint answering XXE: awsclient.request raises AwsError with the status, nothing read, nothing fetched."""
    fake, port = endpoint
    document = hostile_documents(secret_file, listener.port, "ErrorResponse")["xxe-file"]
    fake.stub("sns", "ListTopics", handler=lambda call: Result(document, status=400))
    set_credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, None)
    try:
        with pytest.raises(AwsError) as raised:
            request(
                "POST",
                "/",
                service="sns",
                region="us-east-1",
                endpoint=f"http://127.0.0.1:{port}",
                body=b"Action=ListTopics&Version=2010-03-31",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
    finally:
        fake.stubs.clear()
        reset_credentials()
        close_pools()
    assert raised.value.http_code == 400 and MARKER not in str(raised.value)
    assert listener.connections == 0


# ---------------------------------------------------------------- framing and size


@pytest.mark.parametrize("te", ["chunked", "Chunked", "gzip, chunked"])
def test_content_length_with_transfer_encoding_is_refused(endpoint: tuple[FakeAWS, int], te: str) -> None:
    """Request smuggling's first ingredient: AWS answers 400, and the smuggled request never runs."""
    fake, port = endpoint
    _s3(port, "PUT", "/sec")
    _s3(port, "PUT", "/sec/key", b"data")
    smuggled = raw_request("DELETE", "/sec/key", signed_raw(port, "DELETE", "/sec/key", service="s3"))
    for body in (f"{len(smuggled):x}\r\n".encode() + smuggled + b"\r\n0\r\n\r\n", b"0\r\n\r\n" + smuggled):
        headers = [("Host", "x"), ("Content-Length", str(len(body))), ("Transfer-Encoding", te)]
        before = len(list(fake.requests))
        answers = parse_answers(exchange(port, raw_request("PUT", "/sec/other", headers, body)), "PUT")
        assert [a.status for a in answers] == [400] and b"<Code>InvalidRequest</Code>" in answers[0].body
        assert all(r.action != "DeleteObject" for r in list(fake.requests)[before:])
    assert [a.status for a in _s3(port, "GET", "/sec/key")] == [200]
    fake.check()


def test_imds_closes_the_connection_after_content_length_with_transfer_encoding() -> None:
    """RFC 9112 6.1: such a request may be served by its Transfer-Encoding, but the connection must then close,
    so bytes after the chunked body are never read as a second request."""
    imds = FakeIMDS()
    smuggled = raw_request("GET", "/latest/meta-data/instance-id", [("Host", "x")])
    body = b"0\r\n\r\n" + smuggled
    headers = [("Host", "x"), ("X-aws-ec2-metadata-token-ttl-seconds", "60")]
    headers += [("Content-Length", str(len(body))), ("Transfer-Encoding", "chunked")]
    with imds.serve() as running:
        answers = parse_answers(exchange(running.port, raw_request("PUT", "/latest/api/token", headers, body)), "PUT")
    assert len(answers) == 1 and imds.instance.instance_id.encode() not in answers[0].body
    assert [r.path for r in imds.journal] == ["/latest/api/token"]


def test_the_default_body_limit_is_64_mib() -> None:
    assert DEFAULT_MAX_BODY == 64 * 1024 * 1024 and FakeAWS().max_body_size == DEFAULT_MAX_BODY


@pytest.fixture(scope="module")
def small_limit() -> Iterator[str]:
    fake = FakeAWS(max_body_size=1024, max_object_size=1024)
    with fake.serve() as running:
        yield running.url
    fake.check()


def _boto(url: str, service: str) -> object:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
        aws_secret_access_key=DEFAULT_SECRET_ACCESS_KEY,
        config=NO_RETRY,
    )


@pytest.mark.parametrize(
    ("service", "call", "code", "status"),
    [
        ("s3", lambda c: c.put_object(Bucket="b", Key="k", Body=b"x" * 2048), "EntityTooLarge", 400),
        (
            "sns",
            lambda c: c.publish(TopicArn="arn:aws:sns:us-east-1:1:t", Message="m" * 2048),
            "RequestEntityTooLarge",
            413,
        ),
        (
            "sqs",
            lambda c: c.send_message(QueueUrl="http://q/1/q", MessageBody="m" * 2048),
            "RequestEntityTooLarge",
            413,
        ),
    ],
)
def test_over_the_limit_in_each_family_as_boto3_sees_it(
    small_limit: str, service: str, call: object, code: str, status: int
) -> None:
    with pytest.raises(ClientError) as raised:
        call(_boto(small_limit, service))  # type: ignore[operator]
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status
    assert error["Error"]["Code"] in (code, code + "Exception"), error


def test_over_the_limit_with_chunked_transfer_encoding(small_limit: str) -> None:
    port = int(small_limit.rsplit(":", 1)[1])
    body = b"x" * 4096
    headers = [h for h in signed_raw(port, "PUT", "/b/k", service="s3", body=body) if h[0] != "Content-Length"]
    framed = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    answer = parse_answers(
        exchange(port, raw_request("PUT", "/b/k", [*headers, ("Transfer-Encoding", "chunked")], framed))
    )[0]
    assert answer.status == 400 and botocore_error_code("rest-xml", answer) == "EntityTooLarge"


# ---------------------------------------------------------------- no secrets in logs, messages, reprs

SESSION_SECRET = "session/secret/do-not-log/0000000000000"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLE-token-do-not-log-" + "T" * 60
WRONG_SECRET = "wrong/secret/do-not-log/111111111111111"


def _secrets_absent(text: str) -> None:
    for secret in (SESSION_SECRET, SESSION_TOKEN, WRONG_SECRET, DEFAULT_SECRET_ACCESS_KEY):
        assert secret not in text, f"{secret[:12]}... appears in: {text[:300]}"


def _failing_verifications(url: str, fake: FakeAWS) -> list[str]:
    """Wrong secret, expired token, bad chunk signature, garbage token: the texts a user would see."""
    seen: list[str] = []
    wrong = boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
        aws_secret_access_key=WRONG_SECRET,
        config=NO_RETRY,
    )
    expired = boto3.client(
        "sns",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="ASIAEXPIREDEXPIRED01",
        aws_secret_access_key=SESSION_SECRET,
        aws_session_token=SESSION_TOKEN,
        config=NO_RETRY,
    )
    for attempt in (lambda: wrong.list_buckets(), lambda: expired.list_topics()):
        with pytest.raises(ClientError) as raised:
            attempt()
        seen += [str(raised.value), repr(raised.value), repr(raised.value.response)]
    port = int(url.rsplit(":", 1)[1])
    creds = Credentials("ASIAVALIDSESSION0001", SESSION_SECRET, SESSION_TOKEN)  # valid: the chunk is what fails
    heads = {"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": "5"}
    mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    headers = signed_raw(port, "PUT", "/b/k", service="s3", headers=heads, payload_hash=mode, credentials=creds)
    body = b"5;chunk-signature=" + b"0" * 64 + b"\r\nhello\r\n0;chunk-signature=" + b"0" * 64 + b"\r\n\r\n"
    headers = [(n, str(len(body)) if n == "Content-Length" else v) for n, v in headers]
    chunk_answer = exchange(port, raw_request("PUT", "/b/k", headers, body)).decode("latin-1")
    assert (
        "<Code>SignatureDoesNotMatch</Code>" in chunk_answer and "<CanonicalRequest>" not in chunk_answer
    )  # the chunk's
    seen.append(chunk_answer)
    set_credentials(DEFAULT_ACCESS_KEY_ID, WRONG_SECRET, SESSION_TOKEN)
    try:
        with parameterize({max_attempts: 1}), pytest.raises(AwsError) as raised_aws:
            request("GET", "/", service="sts", region="us-east-1", endpoint=url, query={"Action": "GetCallerIdentity"})
        seen += [str(raised_aws.value), repr(raised_aws.value), repr(raised_aws.value.details)]
    finally:
        reset_credentials()
        close_pools()
    seen += [repr(r) for r in fake.requests]
    return seen


def test_failing_verifications_leave_no_secret_in_logs_messages_or_reprs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, botocore's, urllib3's
    fake = FakeAWS()
    identity = fake.add_credentials(
        "ASIAEXPIREDEXPIRED01", SESSION_SECRET, session_token=SESSION_TOKEN, expiration=time.time() - 60
    )
    fake.add_credentials("ASIAVALIDSESSION0001", SESSION_SECRET, session_token=SESSION_TOKEN)
    with fake.serve() as running:
        seen = _failing_verifications(running.url, fake)
    fake.check()
    failures = [(r.access_key_id, r.service, r.error) for r in fake.requests]
    assert (DEFAULT_ACCESS_KEY_ID, "s3", "SignatureDoesNotMatch") in failures  # wrong secret
    assert ("ASIAEXPIREDEXPIRED01", "sns", "ExpiredToken") in failures
    assert ("ASIAVALIDSESSION0001", "s3", "SignatureDoesNotMatch") in failures  # the bad chunk signature
    assert all(error for _, _, error in failures), failures
    # botocore's own DEBUG lines print the canonical request, token included: that is botocore, not us.
    ours = [r for r in caplog.records if not r.name.startswith("botocore")]
    assert any(r.name.startswith("urllib3") for r in ours)  # the capture did see the HTTP traffic
    seen += [caplog.handler.format(r) for r in ours]
    seen += [repr(identity), repr(Credentials("AKID", SESSION_SECRET, SESSION_TOKEN))]
    seen += [repr(Fault("X", "y")), str(Fault("X", "y"))]
    for text in seen:
        _secrets_absent(text)


def test_calls_seen_by_stubs_do_not_show_the_session_token() -> None:
    fake = FakeAWS()
    fake.add_credentials("ASIASTUBSTUBSTUB0001", SESSION_SECRET, session_token=SESSION_TOKEN)
    stub = fake.stub("sns", "ListTopics", body={"Topics": []})
    with fake.serve() as running:
        client = boto3.client(
            "sns",
            endpoint_url=running.url,
            region_name="us-east-1",
            aws_access_key_id="ASIASTUBSTUBSTUB0001",
            aws_secret_access_key=SESSION_SECRET,
            aws_session_token=SESSION_TOKEN,
            config=NO_RETRY,
        )
        client.list_topics()
        url = boto3.client(
            "s3",
            endpoint_url=running.url,
            region_name="us-east-1",
            aws_access_key_id="ASIASTUBSTUBSTUB0001",
            aws_secret_access_key=SESSION_SECRET,
            aws_session_token=SESSION_TOKEN,
            config=Config(signature_version="s3v4"),
        ).generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"})
        s3_stub = fake.stub("s3", "GetObject", body=b"ok")
        import urllib3

        assert urllib3.request("GET", url).status == 200
    assert stub.calls and s3_stub.calls
    assert stub.calls[0].headers["x-amz-security-token"] == SESSION_TOKEN  # the value is there for handlers
    for call in (stub.calls[0], s3_stub.calls[0]):
        _secrets_absent(repr(call))
        _secrets_absent(repr(call.headers))


@pytest.mark.slow
def test_the_cli_log_shows_no_secret(tmp_path: Path) -> None:
    secret = "cli/secret/do-not-log/22222222222222222222"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "awsfake.cli",
            "serve",
            "--port",
            "0",
            "--access-key-id",
            "AKIDCLILOG0000000001",
            "--secret-access-key",
            secret,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        url = ""
        while not url:
            line = process.stdout.readline()
            assert line, "awsfake serve ended early"
            if line.startswith("export AWS_ENDPOINT_URL="):
                url = line.strip().split("=", 1)[1]
        good = boto3.client(
            "sts",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="AKIDCLILOG0000000001",
            aws_secret_access_key=secret,
            config=NO_RETRY,
        )
        session = good.get_session_token()["Credentials"]
        good.get_caller_identity()
        for key, wrong_secret, token in (
            ("AKIDCLILOG0000000001", WRONG_SECRET, None),
            (session["AccessKeyId"], WRONG_SECRET, session["SessionToken"]),
            (session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"] + "x"),
        ):
            bad = boto3.client(
                "sts",
                endpoint_url=url,
                region_name="us-east-1",
                aws_access_key_id=key,
                aws_secret_access_key=wrong_secret,
                aws_session_token=token,
                config=NO_RETRY,
            )
            with pytest.raises(ClientError):
                bad.get_caller_identity()
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    assert "GetCallerIdentity 403" in stderr or "SignatureDoesNotMatch" in stderr, stderr
    for text in (secret, WRONG_SECRET, session["SecretAccessKey"], session["SessionToken"]):
        assert text not in stderr


# ---------------------------------------------------------------- loopback only


@pytest.mark.slow
@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3"])
def test_the_cli_refuses_a_non_loopback_address_without_allow_remote(host: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "awsfake.cli", "serve", "--host", host],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        timeout=30,
    )
    assert result.returncode != 0 and result.stdout == ""
    assert f"refusing to listen on '{host}'" in result.stderr and "--allow-remote" in result.stderr


def test_the_servers_refuse_a_non_loopback_address_without_allow_remote() -> None:
    with pytest.raises(ValueError, match="must not face a network"), FakeAWS().serve("0.0.0.0"):
        pass
    with pytest.raises(ValueError, match="must not face a network"), FakeIMDS().serve("0.0.0.0"):
        pass
    with FakeAWS().serve() as running:
        assert running.host == "127.0.0.1"


def test_instance_role_credentials_stay_out_of_logs_and_reprs(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from awsclient import imds as imds_client
    from awsclient.credentials import credentials_from_ec2_instance, current_credentials

    caplog.set_level(logging.DEBUG)
    fake = FakeAWS()
    imds = FakeIMDS(fake, role_name="secret-role")
    with fake.serve() as endpoint, imds.serve() as metadata:
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata.url)
        monkeypatch.delenv("AWS_EC2_METADATA_DISABLED", raising=False)
        try:
            refresher = credentials_from_ec2_instance()
            issued = imds.issued[-1]
            fetched = imds_client.fetch_role_credentials("secret-role")
            with imds.fail(500), pytest.raises(Exception) as raised:
                imds_client.fetch_role_credentials("secret-role")
            assert request("GET", "/", service="s3", region="us-east-1", endpoint=endpoint.url).status == 200
            texts = [repr(refresher), repr(issued), repr(fetched), repr(current_credentials()), str(raised.value)]
            texts += [caplog.handler.format(r) for r in caplog.records if not r.name.startswith("botocore")]
        finally:
            reset_credentials()
            close_pools()
    for text in texts:
        assert issued.secret_access_key not in text and issued.token not in text, text[:300]
    fake.check()
    imds.check()


@pytest.mark.parametrize("coding", ["gzip", "gzip, chunked", "chunked, identity"])
def test_a_transfer_coding_other_than_chunked_is_not_implemented_and_ends_the_connection(
    endpoint: tuple[FakeAWS, int], coding: str
) -> None:
    """The body's end can't be found: S3's NotImplemented (501) naming the header; what follows is never served."""
    fake, port = endpoint
    smuggled = raw_request("GET", "/", signed_raw(port, "GET", "/", service="s3"))
    before = len(list(fake.requests))
    data = raw_request("PUT", "/sec/te", [("Host", "x"), ("Transfer-Encoding", coding)], smuggled)
    answers = parse_answers(exchange(port, data), "PUT")
    assert [a.status for a in answers] == [501]
    assert (
        botocore_error_code("rest-xml", answers[0]) == "NotImplemented"
        and b"<Header>Transfer-Encoding" in answers[0].body
    )
    assert [r.action for r in list(fake.requests)[before:]] == [""]
