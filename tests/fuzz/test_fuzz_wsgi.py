"""Hostile input straight into the WSGI app: whatever arrives, the answer is an AWS error, never an InternalError."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awsclient import sigv4
from awsclient.credentials import Credentials
from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS

FAKE = FakeAWS()
text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x2FF), max_size=60)
authorizations = st.one_of(
    text,
    st.builds(
        lambda cred, signed, sig: f"AWS4-HMAC-SHA256 Credential={cred}, SignedHeaders={signed}, Signature={sig}",
        st.one_of(text, st.builds("/".join, st.lists(text, min_size=0, max_size=6))),
        st.one_of(text, st.just("host;x-amz-date")),
        st.one_of(text, st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)),
    ),
)


def _environ(method: str, target: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "RAW_URI": target,
        "PATH_INFO": target.split("?")[0],
        "QUERY_STRING": target.partition("?")[2],
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def _status(environ: dict[str, Any]) -> int:
    seen: list[str] = []
    b"".join(FAKE(environ, lambda status, headers, exc_info=None: seen.append(status)))
    return int(seen[0].split()[0])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "PUT", "POST", "HEAD", "DELETE", "PATCH"]),
    target=st.one_of(text.map(lambda t: "/" + t), st.just("/?X-Amz-Credential=a%2Fb&X-Amz-Algorithm=x")),
    authorization=authorizations,
    date=st.one_of(text, st.just(sigv4.amz_date_now())),
    extra=st.dictionaries(
        st.sampled_from(["x-amz-content-sha256", "x-amz-target", "x-amz-security-token", "content-encoding", "date"]),
        text,
        max_size=3,
    ),
    body=st.binary(max_size=200),
)
def test_random_requests_get_aws_errors(
    method: str, target: str, authorization: str, date: str, extra: dict[str, str], body: bytes
) -> None:
    headers = {"host": "localhost", "authorization": authorization, "x-amz-date": date, **extra}
    status = _status(_environ(method, target, headers, body))
    assert 400 <= status < 500 or status == 501, status
    assert FAKE.errors == []


@settings(max_examples=150, deadline=None)
@given(
    body=st.binary(max_size=300),
    mode=st.sampled_from(
        [
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
        ]
    ),
    trailer=st.one_of(st.none(), st.sampled_from(["x-amz-checksum-crc32", "x-amz-checksum-sha256", "bogus"])),
)
def test_garbled_aws_chunked_bodies_are_client_errors(body: bytes, mode: str, trailer: str | None) -> None:
    """A correctly signed request whose aws-chunked body is garbage: an AWS error, never a 500 or a hang."""
    base = {"content-encoding": "aws-chunked", **({"x-amz-trailer": trailer} if trailer else {})}
    headers = sigv4.add_v4_auth_heads(
        base,
        method="PUT",
        uri="http://localhost/bucket/key",
        sha256=mode,
        region="us-east-1",
        service="s3",
        credentials=Credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY),
    )
    status = _status(_environ("PUT", "/bucket/key", {k.lower(): v for k, v in headers.items()}, body))
    assert status < 500, status  # a body that happens to be well-framed may even succeed
    assert FAKE.errors == []
