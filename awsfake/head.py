"""An HTTP/1.1 request head read straight off the socket: the request line, the header fields, the WSGI environ.

http.server hands the header block to the `email` package and werkzeug then walks the parsed message to build
the environ; for a small request those two steps cost more than verifying its signature. Here the head is read
line by line with the same limits (a line over 64 KiB or 100 fields and more is a 431) and the same reading of
each field (a folded line continues the previous value; a line that is no field ends the fields), and the environ is
built from the fields in one pass, with werkzeug's keys and encodings.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from werkzeug.http import parse_set_header
from werkzeug.serving import DechunkedInput

__all__ = ["Fields", "HeadError", "RequestLine", "environ_for", "read_fields", "request_line"]

MAX_LINE = 65536
MAX_FIELDS = 100
_END = (b"\r\n", b"\n", b"")
_BODY_KEYS = {"CONTENT_TYPE", "CONTENT_LENGTH"}
_FIELD = re.compile(r"[\x21-\x39\x3b-\x7e]*:")  # a name of visible characters, then the colon


class Readable(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...


class HeadError(Exception):
    """A head the server refuses before any app runs: `status` (400, 431, 505) is what it answers."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class RequestLine:
    method: str
    target: str  # as sent (latin-1), a leading `//` reduced to `/` as http.server does
    version: str  # "HTTP/1.1"
    at_least_1_1: bool


def request_line(raw: bytes) -> RequestLine | None:
    """The parsed request line; None for a blank line (nothing to answer); `HeadError` when it is refused.

    Only `METHOD TARGET HTTP/x.y` with a version below 2.0 is accepted (HTTP/0.9's two-word form is refused)."""
    words = str(raw, "iso-8859-1").rstrip("\r\n").split()
    if not words:
        return None
    if len(words) != 3:
        raise HeadError(400, "Bad request syntax")
    method, target, version = words
    major, minor = _version(version)
    if major >= 2:
        raise HeadError(505, "Invalid HTTP version")
    if target.startswith("//"):  # never read as a scheme-less absolute URL (http.server's gh-87389 rule)
        target = "/" + target.lstrip("/")
    return RequestLine(method, target, version, (major, minor) >= (1, 1))


def _version(text: str) -> tuple[int, int]:
    name, _, number = text.partition("/")
    parts = number.split(".")
    if name != "HTTP" or len(parts) != 2 or not all(p.isdigit() and p.isascii() and len(p) <= 10 for p in parts):
        raise HeadError(400, "Bad request version")
    return int(parts[0]), int(parts[1])


class Fields:
    """The header fields in the order received; `get` is case-insensitive and gives the first of repeats."""

    __slots__ = ("_first", "pairs")

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs
        self._first: dict[str, str] = {}
        for name, value in pairs:
            self._first.setdefault(name.lower(), value)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._first.get(name.lower(), default)

    def items(self) -> list[tuple[str, str]]:
        return list(self.pairs)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._first

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self.pairs)


def read_fields(stream: Readable) -> Fields:
    """The header fields up to the blank line; `HeadError(431)` for a line too long or too many fields."""
    lines: list[str] = []
    while True:
        raw = stream.readline(MAX_LINE + 1)
        if len(raw) > MAX_LINE:
            raise HeadError(431, "Line too long")
        if len(lines) >= MAX_FIELDS:  # http.client counts the blank line ending the head: 99 fields at most
            raise HeadError(431, "Too many headers")
        if raw in _END:
            break
        lines.append(str(raw, "iso-8859-1").rstrip("\r\n"))
    pairs: list[tuple[str, str]] = []
    for line in lines:
        if line[:1] in (" ", "\t"):
            if pairs:  # obsolete line folding: the value goes on
                name, value = pairs[-1]
                pairs[-1] = (name, value + line)
            continue
        if not _FIELD.match(line):
            break
        name, _, value = line.partition(":")
        if name:
            pairs.append((name, value.lstrip(" \t")))
    return Fields(pairs)


def environ_for(handler: Any, line: RequestLine, fields: Fields, scheme: str) -> dict[str, Any]:
    """The WSGI environ werkzeug would build for this head (the same keys, the same latin-1 re-encoding)."""
    split = urlsplit(line.target)
    path = f"/{split.netloc}{split.path}" if not split.scheme and split.netloc else split.path
    server = handler.server
    environ: dict[str, Any] = {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": handler.rfile,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": server.multithread,
        "wsgi.multiprocess": server.multiprocess,
        "wsgi.run_once": False,
        "werkzeug.socket": handler.connection,
        "SERVER_SOFTWARE": handler.server_version,
        "REQUEST_METHOD": line.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": _wsgi_text(unquote(path)),
        "QUERY_STRING": _wsgi_text(split.query),
        "REQUEST_URI": _wsgi_text(line.target),
        "RAW_URI": _wsgi_text(line.target),
        "REMOTE_ADDR": handler.client_address[0],
        "REMOTE_PORT": handler.client_address[1],
        "SERVER_NAME": server.server_address[0],
        "SERVER_PORT": str(server.server_address[1]),
        "SERVER_PROTOCOL": line.version,
    }
    for name, value in fields.pairs:
        if "_" in name:  # HTTP_X_AMZ_DATE must not be forgeable as X_Amz_Date (werkzeug's rule)
            continue
        key = name.upper().replace("-", "_")
        value = value.replace("\r\n", "")
        if key not in _BODY_KEYS:
            key = "HTTP_" + key
            if key in environ:
                value = f"{environ[key]},{value}"
        environ[key] = value
    coding = environ.get("HTTP_TRANSFER_ENCODING")
    if coding and "chunked" in parse_set_header(coding):
        environ["wsgi.input_terminated"] = True
        environ["wsgi.input"] = DechunkedInput(handler.rfile)
    if split.scheme and split.netloc:  # an absolute target names the host
        environ["HTTP_HOST"] = split.netloc
    return environ


def _wsgi_text(text: str) -> str:
    """PEP 3333's "native string": the UTF-8 bytes of `text` read as latin-1 (werkzeug's encoding of the target)."""
    return text.encode().decode("latin-1")
