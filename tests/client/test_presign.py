"""Presigned URLs against a served FakeAWS: presigning again replaces the old authentication, and a session token
left unsigned (`sign_token=False`) is refused by S3 and STS, which sign it like any other parameter."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
import urllib3
from endpoint_helpers import client, served
from freezegun import freeze_time

from awsclient.credentials import Credentials
from awsclient.sigv4 import PRESIGN_PARAMETERS, presign_url
from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS

KEY, SECRET, TOKEN = "ASIATESTSESSION00001", "session/secret+key", "session-token/with+odd=chars"
SESSION = Credentials(KEY, SECRET, TOKEN)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[tuple[FakeAWS, str]]:
    with served() as (fake, url):
        fake.add_credentials(KEY, SECRET, session_token=TOKEN)
        client(url, "s3").create_bucket(Bucket="reports")
        client(url, "s3").put_object(Bucket="reports", Key="report.csv", Body=b"a,b\n")
        yield fake, url


def fetch(url: str) -> urllib3.BaseHTTPResponse:
    return urllib3.request("GET", url, retries=False)


def names(url: str) -> list[str]:
    return [name for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)]


def test_presigning_a_presigned_url_replaces_its_authentication(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    first = presign_url(
        "GET", f"{url}/reports/report.csv?x-id=GetObject", region="us-east-1", service="s3", credentials=SESSION
    )
    again = presign_url("GET", first, region="us-east-1", service="s3", expires=60, credentials=SESSION)
    assert sorted(names(again)) == sorted(["x-id", *PRESIGN_PARAMETERS])  # each once; the URL's own kept
    assert dict(parse_qsl(urlsplit(again).query))["X-Amz-Expires"] == "60"
    assert fetch(again).data == b"a,b\n"


def test_without_replacing_the_old_parameters_the_fake_refuses(endpoint: tuple[FakeAWS, str]) -> None:
    """What presigning again would give if it kept the old parameters: refused, as the fix is needed."""
    _, url = endpoint
    first = presign_url("GET", f"{url}/reports/report.csv", region="us-east-1", service="s3", credentials=SESSION)
    doubled = presign_url("GET", f"{url}/reports/report.csv", region="us-east-1", service="s3", credentials=SESSION)
    doubled += "&" + urlsplit(first).query
    assert fetch(doubled).status in (400, 403)


def test_an_unsigned_token_goes_after_the_signature(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    target = f"{url}/reports/report.csv"
    with freeze_time("2026-11-27 12:00:00"):  # both URLs dated alike
        unsigned = presign_url("GET", target, region="us-east-1", service="s3", credentials=SESSION, sign_token=False)
        keys_only = presign_url("GET", target, region="us-east-1", service="s3", credentials=Credentials(KEY, SECRET))
    assert names(unsigned)[-2:] == ["X-Amz-Signature", "X-Amz-Security-Token"]
    assert dict(parse_qsl(urlsplit(unsigned).query))["X-Amz-Security-Token"] == TOKEN
    # the signature is the one made without any token: the token is no part of what was signed
    assert unsigned.partition("&X-Amz-Security-Token=")[0] == keys_only


@pytest.mark.parametrize(
    ("service", "path"),
    [("s3", "/reports/report.csv"), ("sts", "/?Action=GetCallerIdentity&Version=2011-06-15")],
)
def test_s3_and_sts_accept_a_signed_token_and_refuse_an_unsigned_one(
    endpoint: tuple[FakeAWS, str], service: str, path: str
) -> None:
    _, url = endpoint
    signed = presign_url("GET", url + path, region="us-east-1", service=service, credentials=SESSION)
    assert fetch(signed).status == 200
    unsigned = presign_url(
        "GET", url + path, region="us-east-1", service=service, credentials=SESSION, sign_token=False
    )
    refused = fetch(unsigned)
    assert refused.status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in refused.data


def test_without_a_session_token_sign_token_changes_nothing(endpoint: tuple[FakeAWS, str]) -> None:
    _, url = endpoint
    plain = Credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY)
    target = f"{url}/reports/report.csv"
    with_flag = presign_url("GET", target, region="us-east-1", service="s3", credentials=plain, sign_token=False)
    assert "X-Amz-Security-Token" not in with_flag and fetch(with_flag).data == b"a,b\n"
