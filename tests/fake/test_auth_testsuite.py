"""AWS's SigV4 test suite replayed on the wire: each signed request (`.sreq`) must verify at the fake.

The suite's service is "service", which the fake does not implement, so a verified request is answered with the
query family's error for a missing action; what matters is the journal's `verified` flag. `get-space` has a
literal space in its request line, which is not valid HTTP: it must get an AWS-style 400, not a crash. Each case's
`.authz` is used as its Authorization header (one `.sreq` in the suite carries another case's signature).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from endpoint_helpers import raw_exchange, served
from freezegun import freeze_time

from awsfake import FakeAWS

SUITE = Path(__file__).resolve().parents[2] / "fixtures" / "aws4_testsuite"
CASES = sorted(SUITE.rglob("*.sreq"))
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
INVALID_HTTP = {"get-space"}


def _wire(sreq: Path) -> tuple[bytes, str | None]:
    text = sreq.read_bytes().decode("utf-8")
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    # The suite's .authz is the reference signature (get-vanilla-with-session-token's .sreq carries a stale one).
    authz = sreq.with_suffix(".authz").read_text().strip()
    lines = [f"Authorization: {authz}" if line.startswith("Authorization:") else line for line in lines]
    token = next((line.split(":", 1)[1] for line in lines if line.lower().startswith("x-amz-security-token:")), None)
    data = body.encode()
    if data:
        lines.append(f"Content-Length: {len(data)}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data, token


@pytest.mark.timeout(60)
@pytest.mark.parametrize("sreq", CASES, ids=[c.stem for c in CASES])
def test_signed_request_from_the_suite_verifies(endpoint: tuple[FakeAWS, str], sreq: Path) -> None:
    assert CASES, "the vendored test suite is missing"
    wire, token = _wire(sreq)
    fake, url = endpoint
    fake.reset()
    with freeze_time("2015-08-30 12:36:00"):
        fake.add_credentials("AKIDEXAMPLE", SECRET, session_token=token)
        answer = raw_exchange(int(url.rsplit(":", 1)[1]), wire)
        if sreq.stem in INVALID_HTTP:
            assert answer.startswith(b"HTTP/1.1 400 ") and b"<Error>" in answer
            return
        (record,) = fake.requests
        assert record.verified, re.sub(rb"\s+", b" ", answer)[:800]
        assert record.service == "service" and record.access_key_id == "AKIDEXAMPLE"


def test_a_changed_byte_fails_verification() -> None:
    wire, _ = _wire(SUITE / "get-vanilla-query-order-key-case" / "get-vanilla-query-order-key-case.sreq")
    with served() as (fake, url), freeze_time("2015-08-30 12:36:00"):
        fake.add_credentials("AKIDEXAMPLE", SECRET)
        raw_exchange(int(url.rsplit(":", 1)[1]), wire.replace(b"Param1=value1", b"Param1=value2", 1))
        (record,) = fake.requests
        assert not record.verified and record.error == "SignatureDoesNotMatch"
