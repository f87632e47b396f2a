"""Servers for transport tests: a scripted WSGI app (served by awsfake.server) and raw-socket misbehavers."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from awsclient.credentials import current_credentials
from awsclient.sigv4 import add_v4_auth_heads

Reply = tuple[int, list[tuple[str, str]], bytes]


@dataclass
class Seen:
    connection_id: int
    method: str
    raw_uri: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ScriptedApp:
    """Answers with queued replies (then `default`), and records every request it saw."""

    replies: list[Reply] = field(default_factory=list)
    default: Reply = (200, [("Content-Type", "text/plain")], b"ok")
    seen: list[Seen] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"]
        self.seen.append(Seen(environ["awsfake.connection_id"], environ["REQUEST_METHOD"], raw_uri, headers, body))
        status, reply_headers, reply_body = self.replies.pop(0) if self.replies else self.default
        start_response(
            f"{status} {HTTPStatus(status).phrase}", [*reply_headers, ("Content-Length", str(len(reply_body)))]
        )
        return [reply_body]


def signature_verifies(seen: Seen, host: str, region: str = "us-east-1", service: str = "sns") -> bool:
    """Re-sign what the server received with the same date; the Authorization must come out identical."""
    signed = seen.headers["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    heads = {name: seen.headers[name] for name in signed if name != "host"}
    heads["host"] = host
    payload = seen.headers.get("x-amz-content-sha256") or hashlib.sha256(seen.body).hexdigest()
    again = add_v4_auth_heads(
        heads,
        method=seen.method,
        uri=seen.raw_uri,
        sha256=payload,
        region=region,
        service=service,
        credentials=current_credentials(),
    )
    return again["Authorization"] == seen.headers["authorization"]


@dataclass
class RawServer:
    """A TCP server whose per-connection behaviour is a plain function of (socket, connection number)."""

    port: int
    url: str
    connections: int = 0
    requests: int = 0
    closed: list[float] = field(default_factory=list)


def read_request(sock: socket.socket) -> bytes:
    """Read one request head (and its Content-Length body); b'' when the client closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head


def ok(body: bytes = b"ok") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


@contextmanager
def raw_server(handle: Callable[[socket.socket, int, RawServer], None]) -> Iterator[RawServer]:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    state = RawServer(port, f"http://127.0.0.1:{port}")
    stop = threading.Event()
    threads: list[threading.Thread] = []
    sockets: list[socket.socket] = []

    def serve_one(sock: socket.socket, number: int) -> None:
        sock.settimeout(5)
        try:
            handle(sock, number, state)
        except OSError:
            pass
        finally:
            sock.close()
            state.closed.append(time.monotonic())

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            state.connections += 1
            sockets.append(sock)
            thread = threading.Thread(target=serve_one, args=(sock, state.connections), daemon=True)
            threads.append(thread)
            thread.start()

    acceptor = threading.Thread(target=accept_loop, daemon=True)
    acceptor.start()
    try:
        yield state
    finally:
        stop.set()
        acceptor.join(5)
        listener.close()
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(6)


def wait_until(condition: Callable[[], object], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False
