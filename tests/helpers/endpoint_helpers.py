"""Shared helpers for the endpoint tests: a served FakeAWS, boto3 clients for it, raw signed requests."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import urllib3
from botocore.config import Config

from awsclient import sigv4
from awsclient.credentials import Credentials
from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS

NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})


@contextmanager
def served(**kwargs: Any) -> Iterator[tuple[FakeAWS, str]]:
    """The one served shape: a FakeAWS and its URL, checked after (the `endpoint` fixture is this per module)."""
    fake = FakeAWS(**kwargs)
    with fake.serve() as running:
        yield fake, running.url
    fake.check()


def client(
    url: str,
    service: str,
    *,
    key: str = DEFAULT_ACCESS_KEY_ID,
    secret: str = DEFAULT_SECRET_ACCESS_KEY,
    token: str | None = None,
    region: str = "us-east-1",
    config: Config = NO_RETRY,
) -> Any:
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=config,
    )


def creds(
    key: str = DEFAULT_ACCESS_KEY_ID, secret: str = DEFAULT_SECRET_ACCESS_KEY, token: str | None = None
) -> Credentials:
    return Credentials(key, secret, token)


def signed(
    url: str,
    method: str,
    path: str,
    *,
    service: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    region: str = "us-east-1",
    credentials: Credentials | None = None,
    payload_hash: str | None = None,
) -> dict[str, str]:
    """Headers signed with awsclient.sigv4 for a request to `url` + `path`."""
    return sigv4.add_v4_auth_heads(
        headers or {},
        method=method,
        uri=url + path,
        sha256=payload_hash or hashlib.sha256(body).hexdigest(),
        region=region,
        service=service,
        credentials=credentials or creds(),
    )


def aws_chunked(seed: str, amz_date: str, chunks: list[bytes], region: str = "us-east-1") -> tuple[bytes, str]:
    """`chunks` framed as an SDK frames an aws-chunked upload, each (and the closing empty one) signed in a chain
    from `seed`, the request's own signature. Returns the body and the last signature (a signed trailer chains on
    from it). Written out here rather than taken from awsfake.auth.chunked, so the tests check the verifier against an
    independent framing."""
    scope = sigv4.credential_scope(amz_date, region, "s3")
    key = sigv4.signing_key(DEFAULT_SECRET_ACCESS_KEY, amz_date, region, "s3")
    previous, body = seed, b""
    for chunk in [*chunks, b""]:
        digest = hashlib.sha256(chunk).hexdigest()
        sts = f"AWS4-HMAC-SHA256-PAYLOAD\n{amz_date}\n{scope}\n{previous}\n{sigv4.EMPTY_SHA256}\n{digest}"
        previous = sigv4.signature(key, sts)
        body += f"{len(chunk):x};chunk-signature={previous}\r\n".encode() + chunk + b"\r\n"
    return body, previous


def send(url: str, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> urllib3.BaseHTTPResponse:
    return urllib3.request(method, url + path, headers=headers, body=body or None, retries=False, timeout=10)


def parsed_error(protocol: str, response: urllib3.BaseHTTPResponse) -> dict[str, Any]:
    """The error as botocore's own parser for `protocol` reads it (so our bodies are checked by a real client)."""
    from botocore.awsrequest import HeadersDict
    from botocore.parsers import create_parser

    headers = HeadersDict(response.headers.items())  # case-insensitive, as botocore's own responses are
    raw = {"status_code": response.status, "headers": headers, "body": response.data}
    parsed: dict[str, Any] = create_parser(protocol).parse(raw, None)
    return {**parsed["Error"], "status": response.status}


def raw_exchange(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes on a fresh connection and return everything the server answers before closing (or idling)."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


class MiniS3:
    """A test-only S3 service (routes GetObject / PutObject / ListBuckets) to exercise the machinery alone."""

    @staticmethod
    def make() -> type:
        from awsfake.services import Call, Result, Service

        class _MiniS3(Service):
            name = "s3"

            def reset(self) -> None:
                self.objects: dict[str, bytes] = {}

            def route(self, call: Call) -> str:
                bucket, _, key = call.path.lstrip("/").partition("/")
                if key and call.method in ("GET", "HEAD"):
                    return "GetObject"
                if key and call.method == "PUT":
                    return "PutObject"
                return "ListBuckets" if not bucket else "ListObjects"

            def put_object(self, call: Call) -> Result:
                with self.lock:
                    self.objects[call.path] = call.body
                return Result(headers={"ETag": '"etag"'})

            def get_object(self, call: Call) -> Result:
                with self.lock:
                    body = self.objects.get(call.path)
                if body is None:
                    from awsfake.errors import Fault

                    raise Fault("NoSuchKey", "The specified key does not exist.", 404, extras={"Key": call.path})
                return Result(body, headers={"Content-Type": "application/octet-stream"})

            def list_buckets(self, call: Call) -> Result:
                return Result(
                    {"Buckets": {"Bucket": [{"Name": "b"}]}, "Owner": {"ID": "me"}}, root="ListAllMyBucketsResult"
                )

        return _MiniS3


def aws_cli(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The AWS CLI in a subprocess, pointed at `url` with the default keys and no other configuration."""
    empty = tmp_path / "empty-config"
    empty.write_text("")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": DEFAULT_SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(empty),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    return subprocess.run(
        [sys.executable, "-m", "awscli", *args], env=env, capture_output=True, text=True, timeout=90, check=False
    )
