"""`redact.kept` (the journal's one walk of the headers) redacts exactly what `redact.headers` and `redact.body` do."""

from __future__ import annotations

import pytest

from awsfake.doubles import redact

_TOKEN = "FwoGZXIvYXdzEXAMPLETOKEN"
_SIGNATURE = "0123456789abcdef" * 4
_AUTH = f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/sts/aws4_request, Signature={_SIGNATURE}"

CASES = [
    ([("host", "h"), ("content-length", "3")], b"abc", ""),
    ([("Host", "h"), ("Authorization", _AUTH), ("X-Amz-Security-Token", _TOKEN)], f"t={_TOKEN}".encode(), ""),
    ([("authorization", _AUTH), ("x-amz-security-token", _TOKEN)], b"", ""),
    (
        [("host", "h")],
        f"Token={_TOKEN}&sig={_SIGNATURE}".encode(),
        f"X-Amz-Security-Token={_TOKEN}&x-amz-signature={_SIGNATURE}&x=1",
    ),
    (
        [("content-type", "multipart/form-data; boundary=b")],
        b'--b\r\nContent-Disposition: form-data; name="X-Amz-Signature"\r\n\r\nabcdef\r\n--b--\r\n',
        "",
    ),
]


@pytest.mark.parametrize(("pairs", "raw", "query"), CASES)
def test_kept_is_headers_and_body_redacted(pairs: list[tuple[str, str]], raw: bytes, query: str) -> None:
    headers, body = redact.kept(pairs, raw, query)
    assert headers == redact.headers(pairs)
    assert body == redact.body(raw, pairs, query)
    shown = repr(headers).encode() + body
    assert _TOKEN.encode() not in shown
    assert _SIGNATURE.encode() not in shown
    assert b"abcdef\r\n" not in body


def test_a_presented_signature_shows_neither_its_signature_nor_its_token() -> None:
    from awsfake.auth.presented import Presented
    from awsfake.catalog import CATALOG

    signature, token = "f" * 64, "FwoGZXIvYXdzEXAMPLE-session-token"
    presented = Presented(
        CATALOG["sts"], "ASIAEXAMPLE", "20260101", "us-east-1", "sts", ("host",), signature, "20260101T000000Z",
        False, 0, token,
    )  # fmt: skip
    assert "ASIAEXAMPLE" in repr(presented)
    assert signature not in repr(presented) and token not in repr(presented)
