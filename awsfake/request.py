"""A request as it came off the wire: raw path and query (as signed), header pairs, and the bounded body.

The verifier must see what the client signed, so the path is taken from the raw request target rather than the
decoded `PATH_INFO`, and the body is read here once, within the configured limit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes, urlsplit

from werkzeug.exceptions import HTTPException

from awsfake.checksums import named_checksums
from awsfake.doubles import redact
from awsfake.errors import Fault, incomplete_body, invalid_uri, not_implemented
from awsfake.store.body import CHUNK, Body, BodyWriter

if TYPE_CHECKING:
    from awsfake.store.blobs import Blobs

__all__ = [
    "DEFAULT_MAX_BODY",
    "MAX_OBJECT_SIZE",
    "HeaderMap",
    "Request",
    "Unreadable",
    "read_body",
    "read_head",
    "read_request",
]

DEFAULT_MAX_BODY = 64 * 1024 * 1024
"""The body limit of services whose payloads are documents (every family but S3's objects)."""
MAX_OBJECT_SIZE = 5 * 1024**3
"""S3's limit for one PutObject or UploadPart: 5 GiB (a larger object is a multipart upload)."""
_NON_HEADER_KEYS = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}


class HeaderMap(Mapping[str, str]):
    """Request headers for services: case-insensitive lookups, lower-case names when iterated (cheap to build)."""

    __slots__ = ("_values",)

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._values = {name.lower(): value for name, value in pairs}

    def __getitem__(self, name: str) -> str:
        return self._values[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        """The session token is a secret: it never shows in a repr (services read it by name if they must)."""
        return f"HeaderMap({redact.mapping(self._values)!r})"


@dataclass
class Request:
    method: str
    raw_path: str  # still percent-encoded, as sent
    raw_query: str
    headers: list[tuple[str, str]]  # lower-case names, in the order received (repeats joined by werkzeug)
    body: Body = field(default_factory=Body)
    connection_id: int | None = None
    _index: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index = dict(self.headers)

    def header(self, name: str, default: str | None = None) -> str | None:
        return self._index.get(name, default)

    @property
    def host(self) -> str:
        return self._index.get("host", "")

    def path(self) -> str:
        """The decoded path; a path that is not UTF-8 is refused as AWS refuses it."""
        try:
            return unquote_to_bytes(self.raw_path).decode("utf-8")
        except UnicodeDecodeError:
            raise invalid_uri() from None


class Unreadable(Exception):
    """A request that could not be read whole: its head (`request`, no body) and why: a `fault` (framing), or a
    body over `max_body` bytes (each family names that error its own way)."""

    def __init__(self, request: Request, fault: Fault | None = None, max_body: int | None = None) -> None:
        super().__init__(fault.code if fault else f"body over {max_body} bytes")
        self.request = request
        self.fault = fault
        self.max_body = max_body


def read_request(environ: dict[str, Any], max_body: int, blobs: Blobs | None = None) -> Request:
    """A `Request` with its body read within `max_body` bytes (spooled to `blobs` above the threshold)."""
    request = read_head(environ)
    read_body(environ, request, max_body, blobs)
    return request


def read_head(environ: dict[str, Any]) -> Request:
    """A `Request` from a WSGI environ, its body not read yet (`read_body`)."""
    raw_path, raw_query = _raw_target(environ)
    return Request(
        environ.get("REQUEST_METHOD", "GET").upper(),
        raw_path,
        raw_query,
        _header_pairs(environ),
        connection_id=environ.get("awsfake.connection_id"),
    )


def read_body(environ: dict[str, Any], request: Request, max_body: int, blobs: Blobs | None) -> None:
    """Read the body in bounded chunks, hashing it on the way; above the spool threshold it goes to a file.

    Raises `Unreadable` (with the request's head) when the framing is broken or the body too large.
    """
    writer = BodyWriter(blobs, named_checksums(HeaderMap(request.headers)))
    try:
        _read_body(environ, request, max_body, writer)
    except BaseException:
        writer.discard()
        raise
    request.body = writer.finish()


def _raw_target(environ: dict[str, Any]) -> tuple[str, str]:
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if target is None:  # an app driven by a plain WSGI server: rebuild from the decoded parts
        from urllib.parse import quote

        return quote(environ.get("PATH_INFO", "/"), safe="/~!$&'()*+,;=:@%"), environ.get("QUERY_STRING", "")
    # werkzeug re-encodes the latin-1 request line as UTF-8; undo it to get the bytes as sent.
    try:
        wire = target.encode("latin-1").decode("utf-8").encode("latin-1")
    except (UnicodeEncodeError, UnicodeDecodeError):
        wire = target.encode("utf-8", "surrogateescape")
    text = _wire_text(wire)
    split = urlsplit(text) if "://" in text.split("?", 1)[0] else None
    if split is not None:
        return split.path or "/", split.query
    path, _, query = text.partition("?")
    return path or "/", query


def _wire_text(wire: bytes) -> str:
    """The request target as text: UTF-8 kept as sent (the client signed those characters), other bytes %-encoded."""
    try:
        text = wire.decode("utf-8")
    except UnicodeDecodeError:
        return "".join(chr(b) if 0x20 < b < 0x7F else f"%{b:02X}" for b in wire)
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in text):
        return "".join(f"%{ord(ch):02X}" if ord(ch) < 0x21 or ord(ch) == 0x7F else ch for ch in text)
    return text


def _header_pairs(environ: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            pairs.append((key[5:].replace("_", "-").lower(), value))
        elif key in _NON_HEADER_KEYS:
            pairs.append((_NON_HEADER_KEYS[key], value))
    return pairs


def _read_body(environ: dict[str, Any], request: Request, max_body: int, writer: BodyWriter) -> None:
    stream = environ.get("wsgi.input")
    length_text = request.header("content-length")
    coding = (request.header("transfer-encoding") or "").strip().lower()
    chunked = coding == "chunked"
    if coding and length_text:
        raise _bad_framing(request, "Conflicting Content-Length and Transfer-Encoding headers")
    if coding and not chunked:  # gzip, "gzip, chunked", ...: the server cannot find the body's end (RFC 9112 6.1)
        raise Unreadable(request, not_implemented("Transfer-Encoding"))
    if length_text:
        if not (length_text.isascii() and length_text.isdigit()):  # "²" is a digit to isdigit(), not to int()
            raise _bad_framing(request, "The Content-Length header is not a valid number")
        digits = length_text.lstrip("0") or "0"  # int() refuses more than 4300 digits
        if len(digits) > 19 or int(digits) > max_body:
            raise _too_large(request, max_body)
        _read_exact(stream, int(digits), request, writer)
    elif chunked:
        _read_to_end(stream, request, max_body, writer)


def _read_to_end(stream: Any, request: Request, max_body: int, writer: BodyWriter) -> None:
    """A de-chunked body (werkzeug hands it over a chunk at a time), refused once it passes `max_body`."""
    while stream is not None:
        try:
            part = stream.read(CHUNK)
        except (OSError, ValueError, HTTPException):
            raise Unreadable(request, incomplete_body()) from None
        if not part:
            break
        if writer.size + len(part) > max_body:
            raise _too_large(request, max_body)
        writer.write(part)


def _read_exact(stream: Any, length: int, request: Request, writer: BodyWriter) -> None:
    remaining = length
    while remaining > 0 and stream is not None:
        try:
            chunk = stream.read(min(remaining, CHUNK))
        except (OSError, ValueError, HTTPException):  # werkzeug's ClientDisconnected is an HTTPException
            break
        if not chunk:
            break
        writer.write(chunk)
        remaining -= len(chunk)
    if remaining:
        raise Unreadable(request, incomplete_body())


def _bad_framing(request: Request, message: str) -> Unreadable:
    return Unreadable(request, Fault("InvalidRequest", message))


def _too_large(request: Request, max_body: int) -> Unreadable:
    return Unreadable(request, max_body=max_body)
