"""Hostile and odd input: body limits, conflicting framing, huge headers, odd bytes. Always an answer, never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from endpoint_helpers import MiniS3, parsed_error, raw_exchange, send, served, signed

from awsfake import FakeAWS

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def small() -> Iterator[tuple[FakeAWS, str]]:
    with served(services={"s3": MiniS3.make()}, max_body_size=1000, max_object_size=1000) as pair:
        yield pair


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_body_over_the_limit_is_entity_too_large(small: tuple[FakeAWS, str]) -> None:
    _, url = small
    body = b"x" * 2000
    error = parsed_error(
        "rest-xml", send(url, "PUT", "/b/k", signed(url, "PUT", "/b/k", service="s3", body=body), body)
    )
    assert (error["Code"], error["status"], error["MaxSizeAllowed"]) == ("EntityTooLarge", 400, "1000")
    form = b"Action=Publish&Version=2010-03-31&Message=" + b"m" * 2000
    headers = signed(
        url, "POST", "/", service="sns", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    error = parsed_error("query", send(url, "POST", "/", headers, form))
    assert (error["Code"], error["status"]) == ("RequestEntityTooLarge", 413)


def test_conflicting_content_length_and_transfer_encoding(small: tuple[FakeAWS, str]) -> None:
    fake, url = small
    request = (
        b"PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n0\r\n\r\n"
    )
    answer = raw_exchange(_port(url), request)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"<Code>InvalidRequest</Code>" in answer
    assert fake.errors == []


def test_huge_headers_and_garbage_get_client_errors(small: tuple[FakeAWS, str]) -> None:
    _, url = small
    huge = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n"
    many = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(200)) + b"\r\n"
    for request in (huge, many):
        answer = raw_exchange(_port(url), request)
        assert answer.startswith(b"HTTP/1.1 400 ") and b"<Code>RequestHeaderSectionTooLarge</Code>" in answer
    long_line = raw_exchange(_port(url), b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert long_line.startswith(b"HTTP/1.1 400 ") and b"<Error>" in long_line
    garbage = raw_exchange(_port(url), b"\x00\x01\x02 nonsense\r\n\r\n")  # an HTTP/0.9-style line: no status line
    assert b"500" not in garbage and b"Traceback" not in garbage


def test_raw_non_ascii_bytes_in_the_path(small: tuple[FakeAWS, str]) -> None:
    fake, url = small
    for path in (b"/b/\xff\xfe", b"/b/caf\xc3\xa9", b"/%zz/.."):
        answer = raw_exchange(_port(url), b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 403 ") and b"<Code>AccessDenied</Code>" in answer
    assert fake.errors == []


def test_a_short_body_is_an_error_not_a_hang(small: tuple[FakeAWS, str]) -> None:
    _, url = small
    request = b"PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nonly-this"
    answer = raw_exchange(_port(url), request)  # the client half-closes: the server sees the end of the body
    assert answer.startswith(b"HTTP/1.1 400 ") and b"IncompleteBody" in answer


def test_head_error_has_no_body(small: tuple[FakeAWS, str]) -> None:
    _, url = small
    response = send(url, "HEAD", "/b/missing", signed(url, "HEAD", "/b/missing", service="s3"))
    assert response.status == 404 and response.data == b""


def test_transfer_encoding_chunked_bodies_are_read_whole(small: tuple[FakeAWS, str]) -> None:
    import hashlib

    import urllib3

    fake, url = small
    body = b"0123456789" * 90
    headers = signed(url, "PUT", "/b/chunked", service="s3", body=body)
    pieces = (body[i : i + 100] for i in range(0, len(body), 100))
    response = urllib3.request("PUT", url + "/b/chunked", headers=headers, body=pieces, retries=False)
    assert response.status == 200, response.data
    got = send(url, "GET", "/b/chunked", signed(url, "GET", "/b/chunked", service="s3"))
    assert hashlib.sha256(got.data).hexdigest() == hashlib.sha256(body).hexdigest()
    too_big = (b"z" * 500 for _ in range(4))
    headers = signed(url, "PUT", "/b/big", service="s3", body=b"z" * 2000)
    response = urllib3.request("PUT", url + "/b/big", headers=headers, body=too_big, retries=False)
    assert parsed_error("rest-xml", response)["Code"] == "EntityTooLarge"
    assert fake.errors == []


def test_unsigned_header_names_a_stranger_sends_are_not_kept_whole() -> None:
    """`check_amz_headers_signed` keeps its answer per (signed names, header names) before the key or signature is
    checked: a stranger's long header names must not be what it keeps (256 answers of 90 names of 600 characters
    each would hold ~14 MB of text per distinct set)."""
    from awsfake.auth import checks

    with served() as (_, url):
        for n in range(3):
            headers = signed(url, "GET", "/b/k", service="s3")
            headers.update({f"x-filler-{n}-{i}-" + "a" * 600: "v" for i in range(90)})
            assert send(url, "GET", "/b/k", headers).status == 404  # NoSuchBucket: the check passed
    kept = [sum(map(len, names)) for _, names in checks._UNSIGNED_AMZ]
    assert max(kept, default=0) <= 4096


def test_long_header_names_and_content_types_a_stranger_sends_are_not_kept() -> None:
    """The server remembers each header name's environ key, and the query family each Content-Type's reading (a
    client sends the same few): bounded in count, and now in length, so long ones cannot make them hold megabytes."""
    from awsfake import head
    from awsfake.families import query

    with served() as (_, url):
        for n in range(3):
            headers = signed(url, "POST", "/", service="sns", body=b"Action=ListTopics&Version=2010-03-31")
            headers["Content-Type"] = "application/x-www-form-urlencoded; x=" + "c" * 5000 + str(n)
            headers.update({f"x-long-{n}-{i}-" + "a" * 600: "v" for i in range(20)})
            sent = send(url, "POST", "/", headers, b"Action=ListTopics&Version=2010-03-31")
            assert sent.status == 200, sent.data
    assert max(map(len, head._NAMES), default=0) <= 128
    assert max(map(len, query._FORM_TYPES), default=0) <= 256
