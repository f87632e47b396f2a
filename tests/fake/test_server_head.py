"""The request head as the server reads it (awsfake.head): request line, header fields, the environ an app sees.

Raw bytes over a real socket to a served app that echoes what it was given.
"""

import json
import socket

import pytest

from awsfake.server import serve_app

SHOWN = ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "RAW_URI", "SERVER_PROTOCOL", "CONTENT_TYPE", "CONTENT_LENGTH")


def echo(environ, start_response):  # type: ignore[no-untyped-def]
    """The environ's request keys and its HTTP_* headers, as JSON."""
    environ["wsgi.input"].read()
    shown = {k: v for k, v in environ.items() if k in SHOWN or k.startswith("HTTP_")}
    body = json.dumps(shown).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def exchange(raw: bytes) -> tuple[bytes, bytes]:
    """Send `raw` on a fresh connection; the status line and the body of the one answer."""
    with serve_app(echo) as server, socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(raw)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")),
            0,
        )
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        return head.split(b"\r\n")[0], body


def environ_of(raw: bytes) -> dict[str, str]:
    status, body = exchange(raw)
    assert status.startswith(b"HTTP/1.1 200"), status
    return json.loads(body)  # type: ignore[no-any-return]


def test_fields_reach_the_environ_as_werkzeug_names_them() -> None:
    seen = environ_of(
        b"POST /a%20b/c?x=1&y=%2F HTTP/1.1\r\nHost: example\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 3\r\nX-Amz-Date:  20261127T000000Z \r\nX-Repeated: one\r\nx-repeated: two\r\n\r\nabc"
    )
    assert seen["REQUEST_METHOD"] == "POST" and seen["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert seen["PATH_INFO"] == "/a b/c" and seen["QUERY_STRING"] == "x=1&y=%2F"
    assert seen["RAW_URI"] == "/a%20b/c?x=1&y=%2F"
    assert seen["CONTENT_TYPE"] == "text/plain" and seen["CONTENT_LENGTH"] == "3"
    assert seen["HTTP_X_AMZ_DATE"] == "20261127T000000Z "  # leading space dropped, trailing kept (as before)
    assert seen["HTTP_X_REPEATED"] == "one,two"  # repeats joined, in order
    assert "HTTP_CONTENT_TYPE" not in seen


def test_a_folded_line_continues_its_field_and_an_underscore_name_is_dropped() -> None:
    seen = environ_of(b"GET / HTTP/1.1\r\nHost: h\r\nX-Long: first\r\n second\r\nX_Amz_Date: forged\r\n\r\n")
    assert seen["HTTP_X_LONG"] == "first second"
    assert "HTTP_X_AMZ_DATE" not in seen


def test_a_line_that_is_no_field_ends_the_fields() -> None:
    seen = environ_of(b"GET / HTTP/1.1\r\nHost: h\r\nnot a field\r\nX-After: 1\r\n\r\n")
    assert seen["HTTP_HOST"] == "h" and "HTTP_X_AFTER" not in seen


def test_a_target_starting_with_two_slashes_is_a_path_and_utf8_arrives_as_werkzeug_encodes_it() -> None:
    """The raw target stays as sent (the client signed it so); the decoded path is never read as a host."""
    seen = environ_of("GET //bucket/ké HTTP/1.1\r\nHost: h\r\n\r\n".encode())
    as_sent = "//bucket/ké".encode().decode("latin-1")  # the request line's bytes, read as latin-1
    assert seen["RAW_URI"] == as_sent.encode().decode("latin-1")  # then re-encoded as werkzeug does
    assert seen["PATH_INFO"] == seen["RAW_URI"][1:] and seen["HTTP_HOST"] == "h"


def test_an_absolute_target_names_the_host() -> None:
    seen = environ_of(b"GET http://other.example:81/p?q=1 HTTP/1.1\r\nHost: h\r\n\r\n")
    assert seen["HTTP_HOST"] == "other.example:81" and seen["PATH_INFO"] == "/p" and seen["QUERY_STRING"] == "q=1"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GET / HTTP/1.1\r\n" + b"".join(b"X-F%d: v\r\n" % i for i in range(100)) + b"\r\n", b"431"),
        (b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n", b"431"),
        (b"GET / HTTP/2.0\r\n\r\n", b"505"),
        (b"GET / HTTP/1.x\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1 extra\r\n\r\n", b"400"),
        (b"GET /\r\n\r\n", b"400"),  # HTTP/0.9: its answer would have no status line
        (b"GET http://[a/x HTTP/1.1\r\nHost: a\r\n\r\n", b"400"),  # an authority urlsplit cannot read
    ],
)
def test_a_head_the_server_cannot_take_is_refused_with_a_status_line(raw: bytes, status: bytes) -> None:
    line, _ = exchange(raw)
    assert line.startswith(b"HTTP/1.1 " + status), line


def test_a_head_request_refused_for_its_size_gets_a_status_line_and_no_body() -> None:
    line, body = exchange(b"HEAD / HTTP/1.1\r\n" + b"".join(b"X-F%d: v\r\n" % i for i in range(100)) + b"\r\n")
    assert line.startswith(b"HTTP/1.1 431") and body == b""


def test_ninety_nine_fields_are_taken() -> None:
    fields = b"".join(b"X-F%d: v%d\r\n" % (i, i) for i in range(98))
    seen = environ_of(b"GET / HTTP/1.1\r\nHost: h\r\n" + fields + b"\r\n")
    assert seen["HTTP_X_F97"] == "v97"


def test_http_1_0_closes_after_its_answer_unless_it_asks_to_keep_alive() -> None:
    with serve_app(echo) as server:
        for keep, expected in ((b"", b""), (b"Connection: keep-alive\r\n", b"still open")):
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
                sock.sendall(b"GET / HTTP/1.0\r\nHost: h\r\n" + keep + b"\r\n")
                data = sock.recv(65536)
                assert data.startswith(b"HTTP/1.1 200")
                sock.settimeout(0.3)
                try:
                    rest = sock.recv(65536)
                    state = b"" if rest == b"" else b"more"
                except TimeoutError:
                    state = b"still open"
                assert state == expected


def test_a_head_of_many_lines_without_a_colon_is_refused_at_once() -> None:
    """A head of one read (64 KiB: some 21,000 short lines, none a field) is refused as soon as it is read: the
    field pattern is never searched across lines (that search took seconds, the whole server waiting on it)."""
    raw = b"GET / HTTP/1.1\r\n" + b"a\r\n" * 21_800 + b"\r\n"
    assert len(raw) <= 65536  # one read of the socket's
    with serve_app(echo) as server, socket.create_connection(("127.0.0.1", server.port), timeout=1.5) as sock:
        sock.sendall(raw)
        assert sock.recv(65536).startswith(b"HTTP/1.1 431")
