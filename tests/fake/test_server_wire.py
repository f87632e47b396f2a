"""The server's own connection loop over real sockets: heads split across segments, pipelined requests, chunked
bodies, streamed answers, the environ keys it adds for the app (`awsfake.headers`, `awsfake.target`)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fuzz_helpers import parse_answers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awsfake import head
from awsfake.request import _as_sent, _header_pairs
from awsfake.server import serve_app


def echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The request as the app saw it: method, raw target, headers (the server's keys) and the body."""
    body = environ["wsgi.input"].read()
    seen = {
        "method": environ["REQUEST_METHOD"],
        "target": environ["awsfake.target"],
        "headers": list(environ["awsfake.headers"].items()),
        "body": body.decode("latin-1"),
        "connection": environ["awsfake.connection_id"],
    }
    data = json.dumps(seen).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with serve_app(echo) as running:
        yield running.port


def _talk(port: int, pieces: list[bytes], pause: float = 0.0) -> list[dict[str, Any]]:
    """Send `pieces` one by one (each its own segment), half-close, and read every answer until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for piece in pieces:
            sock.sendall(piece)
            time.sleep(pause)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return [json.loads(answer.body) for answer in parse_answers(data)]


REQUEST = b"PUT /b/k?x=1 HTTP/1.1\r\nHost: h\r\nX-Amz-Date: 20261127T000000Z\r\nContent-Length: 5\r\n\r\nhello"


def test_a_head_split_across_many_segments_reads_as_one(port: int) -> None:
    whole = _talk(port, [REQUEST])
    split = _talk(port, [REQUEST[i : i + 3] for i in range(0, len(REQUEST), 3)], pause=0.002)
    assert len(whole) == len(split) == 1
    assert {**split[0], "connection": 0} == {**whole[0], "connection": 0}
    assert split[0]["body"] == "hello" and split[0]["target"] == "/b/k?x=1"


def test_a_pipelined_second_request_in_the_same_segment_is_answered_after_the_first(port: int) -> None:
    second = b"POST /second HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
    answers = _talk(port, [REQUEST + second + b"GET /third HTTP/1.1\r\nHost: h\r\n\r\n"])
    assert [(a["method"], a["target"], a["body"]) for a in answers] == [
        ("PUT", "/b/k?x=1", "hello"),
        ("POST", "/second", "abc"),
        ("GET", "/third", ""),
    ]
    assert len({a["connection"] for a in answers}) == 1


def test_a_head_of_lf_only_lines_ends_at_its_own_blank_line_before_a_pipelined_crlf_request(port: int) -> None:
    first = b"POST /lf HTTP/1.1\nHost: h\nContent-Length: 4\n\nbody"
    answers = _talk(port, [first + b"GET /crlf HTTP/1.1\r\nHost: h\r\nX-Late: 1\r\n\r\n"])
    assert [(a["target"], a["body"], a["headers"]) for a in answers] == [
        ("/lf", "body", [["host", "h"], ["content-length", "4"]]),
        ("/crlf", "", [["host", "h"], ["x-late", "1"]]),
    ]


def test_a_chunked_body_is_read_without_its_framing_extensions_and_trailers(port: int) -> None:
    head_ = b"PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
    body = b"5;name=value\r\nhello\r\nA\r\n, chunked!\r\n0\r\nX-Trailer: t\r\n\r\n"
    after = b"GET /after HTTP/1.1\r\nHost: h\r\n\r\n"
    answers = _talk(port, [head_ + body[:9], body[9:] + after])
    assert [(a["target"], a["body"]) for a in answers] == [("/c", "hello, chunked!"), ("/after", "")]


@pytest.mark.parametrize("framing", [b"5\r\nhel", b"zz\r\nhello\r\n0\r\n\r\n", b"5\r\nhelloXX0\r\n\r\n"])
def test_a_broken_chunked_body_ends_the_connection(port: int, framing: bytes) -> None:
    raw = b"PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + framing
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw + b"GET /never HTTP/1.1\r\nHost: h\r\n\r\n")
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert b"/never" not in data  # nothing after a body whose end is lost is taken for a request


def test_connection_close_among_other_tokens_closes(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):  # the server closes after its answer: no need to half-close
            data += chunk
    assert data.startswith(b"HTTP/1.1 200 ") and b"Connection: close\r\n" in data


def streamed(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    """Three chunks; Content-Length only when the query asks for it."""
    headers = [("Content-Type", "text/plain")]
    if environ["QUERY_STRING"] == "length":
        headers.append(("Content-Length", "15"))
    start_response("200 OK", headers)
    yield from (b"first", b"-next", b"-last")


def test_a_streamed_answer_keeps_the_connection_with_a_length_and_ends_it_without() -> None:
    with serve_app(streamed) as server, socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /?length HTTP/1.1\r\nHost: h\r\n\r\nHEAD /?length HTTP/1.1\r\nHost: h\r\n\r\n")
        sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    first, rest = data.split(b"first-next-last", 1)
    assert b"Content-Length: 15\r\n" in first and b"Connection: close" not in first
    head_answer, last = rest.split(b"\r\n\r\n", 1)
    assert b"Content-Length: 15" in head_answer  # HEAD: the length of the body GET would have, and no body
    assert b"Content-Length" not in last and b"Connection: close\r\n" in last and last.endswith(b"first-next-last")


def test_an_app_that_raises_costs_its_connection_only(capsys: pytest.CaptureFixture[str]) -> None:
    def broken(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] == "/boom":
            raise RuntimeError("a bug in the app")
        return echo(environ, start_response)

    with serve_app(broken) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"GET /boom HTTP/1.1\r\nHost: h\r\n\r\n")
            assert sock.recv(65536) == b""
        assert _talk(server.port, [b"GET /fine HTTP/1.1\r\nHost: h\r\n\r\n"])[0]["target"] == "/fine"
    assert "a bug in the app" in capsys.readouterr().err


# ---------------------------------------------------------------- the keys the server adds for the app

NAMES = st.one_of(
    st.sampled_from(["Host", "Content-Type", "content-length", "X-Amz-Date", "x-amz-date", "Authorization"]),
    st.sampled_from(["X_Amz_Date", "Expect", "Transfer-Encoding", "Connection", "X-Repeated", "x-REPEATED"]),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters=":"), min_size=1, max_size=8),
    st.text(st.characters(min_codepoint=0, max_codepoint=0xFF, exclude_characters=":\n"), min_size=1, max_size=4),
)
VALUES = st.text(st.characters(min_codepoint=0, max_codepoint=0xFF, exclude_characters="\r\n"), max_size=20)
LINES = st.one_of(
    st.tuples(NAMES, st.sampled_from(["", " ", "\t ", "  "]), VALUES).map(lambda t: f"{t[0]}:{t[1]}{t[2]}"),
    st.tuples(NAMES, VALUES).map(lambda t: f"{t[0]}: {t[1]}\r"),  # a CR before the line's CR LF
    st.sampled_from([" folded on", "\tfolded too", "no field here", ": no name", "Late\r: odd"]),
)
TARGETS = st.one_of(
    st.sampled_from(["/", "//b/k", "/b/k?x=1&y", "http://other.example:81/p?q", "*", "/a%20b/%C3%A9", "/é?ü=1"]),
    st.text(
        st.characters(min_codepoint=0x21, max_codepoint=0xFF, exclude_characters="\x85\xa0"), min_size=1, max_size=30
    ),
)


@pytest.mark.fuzz
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "PUT", "POST", "HEAD"]),
    target=TARGETS,
    version=st.sampled_from(["HTTP/1.1", "HTTP/1.0"]),
    lines=st.lists(LINES, max_size=12),
    ending=st.sampled_from(["\r\n", "\n"]),
)
def test_the_header_pairs_and_target_are_what_the_app_would_derive_from_the_environ(
    method: str, target: str, version: str, lines: list[str], ending: str
) -> None:
    raw = ending.join([f"{method} {target} {version}", *lines, "", ""]).encode("latin-1")
    end = head.head_end(raw)
    assert end == len(raw) or raw[end:] == b"\n"  # a line ending in CR then LF LF: the head ends early
    parsed = head.parse(raw[:end])
    assert parsed is not None
    assert parsed.fields == head._fields(str(raw[:end], "latin-1").split("\n")[1:-2])  # the plain lines' pass
    assert parsed.size == end
    # Given more than the head (as the server may), up to a later CR LF blank line: the same head, its own size.
    assert head.parse(raw[:end] + b"X-Next: 1\r\n\r\n") == parsed
    environ = head.environ_for(parsed, {"wsgi.version": (1, 0)})
    # What the server calls: the same environ, whether the head is read in one step or through its `Head`.
    for sent in (raw[:end], raw[:end] + b"X-Next: 1\r\n\r\n"):
        assert head.read(sent, {"wsgi.version": (1, 0)}) == (environ, parsed.at_least_1_1, parsed.size)
    rest = {k: v for k, v in environ.items() if not k.startswith("awsfake.")}
    assert list(environ["awsfake.headers"].items()) == _header_pairs(rest)
    assert environ["awsfake.target"] == _as_sent(rest["RAW_URI"]).decode("latin-1")
    assert environ["awsfake.target"].encode("latin-1") in raw.split(b"\n", 1)[0]
