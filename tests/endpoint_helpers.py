"""Shared helpers for the endpoint tests: a served FakeAWS, boto3 clients for it, raw signed requests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
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


def send(url: str, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> urllib3.BaseHTTPResponse:
    return urllib3.request(method, url + path, headers=headers, body=body or None, retries=False, timeout=10)
