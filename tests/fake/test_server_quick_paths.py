"""The connection loop's quick paths give what its general paths give.

The usual request arrives whole in one read (head, body and all), and the loop takes quick paths for it: the head's
end found with one search, the head read straight into the environ, a body already received handed over as it is.
A request that arrives a byte at a time, or cut anywhere, takes the general paths (the head completed over several
reads, a body read from the socket as the app asks). The same byte stream, however it is cut, must give the app
the same environ and body, and the client the same answers. A stand-in socket hands out the pieces, so where the
stream is cut is up to the test (over a real socket the kernel joins what arrives close together).
"""

from __future__ import annotations

import itertools
import json
import re
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awsfake.connection import Answer, Connection, Limits
from awsfake.handler import Handler
from awsfake.server import plain_early_error


class _Pieces:
    """A connected socket as the handler uses it, whose reads return the given pieces, then the end of stream."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces[::-1]
        self.sent = bytearray()

    def recv(self, size: int) -> bytes:
        if not self.pieces:
            return b""
        piece = self.pieces.pop()
        if len(piece) > size:
            self.pieces.append(piece[size:])
        return piece[:size]

    def sendall(self, data: bytes) -> None:
        self.sent += data

    def setsockopt(self, *args: Any) -> None:
        pass

    def settimeout(self, seconds: float | None) -> None:
        pass

    def shutdown(self, how: int) -> None:
        self.pieces = []

    def close(self) -> None:
        pass


def _app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """What the app was given: the environ's text keys and the body, read as the request's X-Read asks."""
    stream = environ["wsgi.input"]
    how = environ.get("HTTP_X_READ", "all")
    try:
        if how == "all":
            body = stream.read()
        elif how == "sized":  # a read may return less than asked (a chunk's end): the app reads on
            body = b"".join(iter(partial(stream.read, 3), b""))
        elif how == "lines":
            body = b"|".join(stream)
        else:  # the app leaves the body for the server to drain
            body = b""
    except OSError:  # the body's framing broke, or the stream ended early
        body = b"(broken)"
    shown = {k: v for k, v in environ.items() if isinstance(v, (str, int, bool, dict, tuple))}
    data = json.dumps([shown, body.decode("latin-1")], sort_keys=True).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    if environ.get("HTTP_X_ANSWER") == "close":
        headers.append(("Connection", "close"))
    start_response("201 Created" if environ["REQUEST_METHOD"] == "PUT" else "200 OK", headers)
    return [data]


def _refuse_marked(environ: dict[str, Any]) -> Answer | None:
    """`before_body`: requests marked X-Refuse are refused before their body."""
    return Answer(403, [("Content-Type", "text/plain")], b"no") if "HTTP_X_REFUSE" in environ else None


class _Server:
    app = staticmethod(_app)
    limits = Limits()
    tls = None
    early_error = staticmethod(plain_early_error)
    before_body = staticmethod(_refuse_marked)
    host = "127.0.0.1"
    port = 4566
    stopping = False

    def closed(self, handler: Any) -> None:
        pass


_DATE = re.compile(rb"\r\nDate: [^\r]*\r\n")


def _served(pieces: list[bytes]) -> bytes:
    """What the server sends back for the stream cut into `pieces` (Date lines blanked: the clock moves)."""
    sock = _Pieces(pieces)
    Handler(_Server(), sock, ("127.0.0.1", 50000), Connection(1, "127.0.0.1:50000", 0.0)).run()  # type: ignore[arg-type]
    return _DATE.sub(b"\r\nDate: -\r\n", bytes(sock.sent))


_NAMES = st.sampled_from(["Host", "X-Amz-Date", "x-amz-date", "User-Agent", "X_Under", "X-Repeated", "Accept"])
_VALUES = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=12)
_FIELDS = st.lists(st.tuples(_NAMES, st.sampled_from([": ", ":", ":  ", ":\t"]), _VALUES), max_size=5)
_ODD_LINES = st.sampled_from(["", " folded", "no colon", "Expect: 100-continue", "X-Refuse: 1", "X-Answer: close"])


@st.composite
def _requests(draw: st.DrawFn) -> bytes:
    """One request as a client might send it: usually well framed, sometimes not (a short body, a bad length,
    a broken chunked body, bare LF line ends, HTTP/1.0, Connection tokens)."""
    method = draw(st.sampled_from(["GET", "POST", "PUT", "HEAD"]))
    version = draw(st.sampled_from(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0"]))
    body = draw(st.binary(max_size=40) | st.sampled_from([b"", b"a\nb\nc", b"line one\r\nline two\r\n"]))
    lines = [f"{name}{colon}{value}" for name, colon, value in draw(_FIELDS)]
    lines.append(f"X-Read: {draw(st.sampled_from(['all', 'sized', 'lines', 'none']))}")
    framing = draw(st.sampled_from(["length", "length", "none", "chunked", "short", "bad", "both"]))
    if framing in ("length", "short", "both"):
        lines.append(f"Content-Length: {len(body) + (5 if framing == 'short' else 0)}")
    elif framing == "bad":
        lines.append(draw(st.sampled_from(["Content-Length: 1x", "Content-Length: -1", "Content-Length: \xb2"])))
    if framing in ("chunked", "both"):
        lines.append(f"Transfer-Encoding: {draw(st.sampled_from(['chunked', 'Chunked', 'gzip']))}")
        body = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:7], body[7:]) if part) + b"0\r\n\r\n"
        body = body[: draw(st.integers(0, len(body)))] if draw(st.booleans()) else body
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(["Connection: close", "Connection: keep-alive", "Connection: a, Close"])))
    if draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), draw(_ODD_LINES))
    end = draw(st.sampled_from(["\r\n", "\r\n", "\r\n", "\n"]))
    head = end.join([f"{method} /p?q={len(lines)} {version}", *lines, "", ""])
    return head.encode("latin-1") + body


@pytest.mark.fuzz
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests=st.lists(_requests(), min_size=1, max_size=3), cuts=st.lists(st.integers(0, 400), max_size=4))
def test_a_stream_gives_the_same_answers_whole_byte_by_byte_or_cut_anywhere(
    requests: list[bytes], cuts: list[int]
) -> None:
    stream = b"".join(requests)
    whole = _served([stream])
    assert _served([stream[i : i + 1] for i in range(len(stream))]) == whole
    points = sorted({0, len(stream), *(c for c in cuts if c < len(stream))})
    assert _served([stream[a:b] for a, b in itertools.pairwise(points)]) == whole


def test_the_stand_in_socket_serves_a_usual_request_and_its_pipelined_successor() -> None:
    first = b"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
    answers = _served([first + b"GET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"])
    assert answers.count(b"HTTP/1.1 200 OK\r\n") == 2
    assert b'"hello"]' in answers and b'"/b"' in answers and answers.endswith(b'""]')
    assert answers.count(b"Connection: close\r\n") == 1
