"""The client's parsers under generated input: an answer from anywhere becomes an `AwsError` (or the documented
ValueError / CredentialsError), never a parser's own exception, a hang or a secret in the message."""

from __future__ import annotations

import json
import os
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from awsclient import AwsError
from awsclient.credentials import CredentialsError
from awsclient.errors import header_and_response_to_exn
from awsclient.imds import parse_role_credentials
from awsclient.sigv4 import parse_amz_date

pytestmark = pytest.mark.timeout(120)

SCALE = float(os.environ.get("FUZZ_EXAMPLES", "1"))


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
    )


XMLISH = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.builds(
        lambda root, code, msg, extra: (
            f"<{root}><Error><Code>{code}</Code><Message>{msg}</Message>{extra}</Error></{root}>".encode()
        ),
        st.sampled_from(["ErrorResponse", "Response", "Error", "Errors", "x"]),
        st.text(max_size=30),
        st.text(max_size=30),
        st.text(max_size=60),
    ),
    st.integers(1, 50_000).map(lambda n: b"<Error>" * n),
    st.integers(1, 50_000).map(lambda n: b'{"a":' * n),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=15,
    ).map(lambda v: json.dumps(v).encode()),
)
HEADS = st.one_of(
    st.binary(max_size=200),
    st.builds(
        lambda code, reason, lines: f"HTTP/1.1 {code} {reason}\r\n{lines}\r\n\r\n",
        st.integers(100, 999),
        st.text(max_size=20),
        st.lists(
            st.one_of(
                st.sampled_from(
                    [
                        "Content-Type: application/xml",
                        "Content-Type: application/x-amz-json-1.0",
                        "Content-Type: application/json",
                        "Content-Type: text/html",
                        "x-amzn-ErrorType: Foo:http://x",
                        "x-amzn-query-error: AWS.Code;Sender",
                        "x-amzn-query-error: ;",
                        "x-amzn-RequestId: r-1",
                    ]
                ),
                st.text(max_size=40),
            ),
            max_size=5,
        ).map("\r\n".join),
    ),
)


@fuzz_settings(400)
@given(head=HEADS, body=XMLISH)
def test_any_answer_becomes_an_aws_error(head: str | bytes, body: bytes) -> None:
    try:
        err = header_and_response_to_exn(head, body)
    except ValueError as exc:  # documented: a raw head without a status line
        assert "status line" in str(exc)
        return
    assert isinstance(err, AwsError)
    assert isinstance(str(err), str) and isinstance(repr(err), str)


@fuzz_settings(300)
@given(status=st.integers(300, 599), content_type=st.text(max_size=40), body=XMLISH)
def test_any_body_with_header_fields(status: int, content_type: str, body: bytes) -> None:
    err = header_and_response_to_exn({"Content-Type": content_type}, body, status=status)
    assert err.http_code == status


@fuzz_settings(300)
@given(
    text=st.one_of(
        st.text(max_size=300),
        st.dictionaries(
            st.sampled_from(["Code", "AccessKeyId", "SecretAccessKey", "Token", "Expiration", "Type"]),
            st.one_of(st.text(max_size=40), st.integers(), st.none(), st.lists(st.integers(), max_size=2)),
        ).map(json.dumps),
        st.integers(1, 100_000).map(lambda n: "[" * n),
    )
)
def test_any_credentials_document_is_a_credentials_error_without_its_values(text: str) -> None:
    try:
        creds = parse_role_credentials(text, role_name="r", source="http://imds")
    except CredentialsError as exc:
        for value in ("SecretAccessKey", "Token"):
            try:
                document = json.loads(text)
                secret = document.get(value)
            except (ValueError, AttributeError, RecursionError):
                continue
            others = [str(v) for k, v in document.items() if k != value]
            if isinstance(secret, str) and len(secret) > 3 and not any(secret in other for other in others):
                assert secret not in str(exc)
        return
    assert creds.access_key_id and creds.secret_access_key and creds.token


@fuzz_settings(300)
@given(value=st.one_of(st.text(max_size=30), st.from_regex(r"\A[0-9]{8}T[0-9]{6}Z\Z")))
@example(value="00010101T000060Z")  # a leap second: strptime takes it, a signed date may not name it
def test_amz_dates_parse_exactly_or_raise_value_error(value: str) -> None:
    try:
        epoch = parse_amz_date(value)
    except ValueError:
        return
    t = time.gmtime(epoch)
    shown = f"{t.tm_year:04d}{t.tm_mon:02d}{t.tm_mday:02d}T{t.tm_hour:02d}{t.tm_min:02d}{t.tm_sec:02d}Z"
    assert shown == value  # only real dates, read exactly
