"""Shared by the fuzz tests and `fuzz/endpoint_atheris.py`: raw-socket exchanges and the checks every answer passes.

The checks are the endpoint's promise under hostile input: no 5xx (the deliberate 501 NotImplemented aside), no
exception inside the app, every error body readable by botocore's parser for the family the fake answered in, and
the server still serving a normal signed request afterwards.
"""

from __future__ import annotations

import io
import socket
from dataclasses import dataclass, field
from http.client import HTTPException, HTTPResponse
from typing import Any

from botocore.parsers import create_parser
from endpoint_helpers import signed

from awsclient.credentials import Credentials
from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS
from awsfake.catalog import info_for

__all__ = [
    "Answer",
    "assert_endpoint_answer",
    "assert_still_serving",
    "exchange",
    "parse_answers",
    "raw_request",
    "signed_raw",
]

DEFAULT_CREDS = Credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY)


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(repr=False)


class _Unclosable(io.BytesIO):
    """http.client closes its file after each response; pipelined answers need the rest kept."""

    def close(self) -> None:
        pass


class _Bytes:
    """Just enough of a socket for http.client to read a response from bytes already received."""

    def __init__(self, stream: io.BytesIO) -> None:
        self._stream = stream

    def makefile(self, *args: Any, **kwargs: Any) -> io.BytesIO:
        return self._stream


def exchange(port: int, data: bytes, *, timeout: float = 10.0) -> bytes:
    """Send raw bytes on a fresh connection, half-close, and read until the server closes.

    Half-closing tells the server the request (and any body) has ended, so a server that keeps waiting anyway is
    a hang, reported as an AssertionError rather than swallowed.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server refused early (say, oversized headers) and closed: read what it said
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            except TimeoutError:
                raise AssertionError(f"no close within {timeout} s after the request ended: {data[:200]!r}") from None
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def parse_answers(raw: bytes, method: str = "GET") -> list[Answer]:
    """Every HTTP response in `raw` (pipelined requests get several). Raises AssertionError on unreadable bytes."""
    stream = _Unclosable(raw)
    answers = []
    while stream.tell() < len(raw):
        response = HTTPResponse(_Bytes(stream), method=method)  # type: ignore[arg-type]
        try:
            response.begin()
            body = response.read()
        except HTTPException as exc:
            raise AssertionError(f"unreadable answer ({exc!r}): {raw[:300]!r}") from None
        answers.append(Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body))
        if response.will_close:
            break
    return answers


def raw_request(
    method: str, target: str | bytes, headers: list[tuple[str, str]] | list[tuple[bytes, bytes]], body: bytes = b""
) -> bytes:
    """An HTTP/1.1 request as bytes, headers written exactly as given (no Content-Length added)."""
    line = (target if isinstance(target, bytes) else target.encode("utf-8", "surrogateescape")).join(
        [method.encode("latin-1") + b" ", b" HTTP/1.1\r\n"]
    )
    head = b"".join(_b(name) + b": " + _b(value) + b"\r\n" for name, value in headers)
    return line + head + b"\r\n" + body


def _b(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8")


def signed_raw(
    port: int,
    method: str,
    target: str,
    *,
    service: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    region: str = "us-east-1",
    payload_hash: str | None = None,
    credentials: Credentials = DEFAULT_CREDS,
) -> list[tuple[str, str]]:
    """Header pairs (Content-Length included) signed with awsclient.sigv4 for a raw request to the fake."""
    heads = signed(
        f"http://127.0.0.1:{port}",
        method,
        target,
        service=service,
        body=body,
        headers=headers,
        region=region,
        credentials=credentials,
        payload_hash=payload_hash,
    )
    return [*heads.items(), ("Content-Length", str(len(body)))]


def _family_of(answer: Answer, records: list[Any]) -> str:
    """The protocol family the fake answered in: its journal names the service of the request whose id the answer
    carries (header or body). An answer no record owns was refused before the app ran: S3-style XML."""
    for record in records:
        if record.request_id and (
            record.request_id in answer.headers.values() or record.request_id.encode() in answer.body
        ):
            return _spoken_family(info_for(record.service), answer)
    return "rest-xml"


def _spoken_family(info: Any, answer: Answer) -> str:
    """Among the service's row and its dialects (SQS: JSON, and query for forms and `GET ?Action=`), the family
    whose media the answer carries: a JSON answer is the JSON row's, an XML one the query dialect's."""
    rows = [info, *(row for _, row in info.dialects)]
    json_answer = "json" in answer.headers.get("content-type", "")
    return next((row.family.name for row in rows if (row.family.name == "json") == json_answer), info.family.name)


def assert_endpoint_answer(fake: FakeAWS, journal_before: int, raw: bytes, method: str = "GET") -> list[Answer]:
    """No 5xx, no exception in the app, and every error body parses with botocore for the family answered in."""
    fake.check()  # re-raises (and clears) what the app raised, so one bug does not fail every later example
    if not raw:
        return []  # nothing that looks like HTTP at all: the server closed without a word, which is fine
    if not raw.startswith(b"HTTP/"):
        raise AssertionError(f"the answer is not HTTP: {raw[:200]!r}")
    answers = parse_answers(raw, method)
    records = list(fake.requests)[journal_before:]
    for answer in answers:
        family = _family_of(answer, records)
        assert answer.status < 500 or answer.status == 501, f"{answer.status}: {answer.body[:500]!r}"
        if answer.status >= 400 and answer.body:
            code = botocore_error_code(family, answer)
            assert code and code != str(answer.status), f"botocore ({family}) read no code from {answer.body!r}"
    return answers


def botocore_error_code(family: str, answer: Answer) -> str:
    """The error code botocore's parser for `family` reads from the answer."""
    raw = {"status_code": answer.status, "headers": answer.headers, "body": answer.body}
    parsed: dict[str, Any] = create_parser(family).parse(raw, None)
    return str(parsed.get("Error", {}).get("Code", ""))


def assert_still_serving(fake: FakeAWS, port: int) -> None:
    """A normal signed request (SNS ListTopics) still gets its 200 on a new connection."""
    body = b"Action=ListTopics&Version=2010-03-31"
    headers = signed_raw(
        port, "POST", "/", service="sns", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    answers = parse_answers(exchange(port, raw_request("POST", "/", headers, body)), "POST")
    assert [a.status for a in answers] == [200], answers
    assert b"<ListTopicsResponse" in answers[0].body
    fake.check()
