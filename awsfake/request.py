"""A request as it came off the wire: raw path and query (as signed), header pairs, and the bounded body.

The verifier must see what the client signed, so the path is taken from the raw request target rather than the
decoded `PATH_INFO`, and the body is read here once, within the configured limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, ItemsView, Iterator, KeysView, Mapping, ValuesView
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar, overload
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from werkzeug.exceptions import HTTPException

from awsclient import sigv4
from awsfake.checksums import named_checksums
from awsfake.doubles import redact
from awsfake.errors import Fault, incomplete_body, invalid_uri, not_implemented
from awsfake.head import TOO_LONG, content_length
from awsfake.store.body import CHUNK, SPOOL_THRESHOLD, Body, BodyWriter

if TYPE_CHECKING:
    from awsfake.store.blobs import Blobs

__all__ = [
    "DEFAULT_MAX_BODY",
    "MAX_OBJECT_SIZE",
    "HeaderMap",
    "Request",
    "SignedPrefix",
    "Unreadable",
    "query_params",
    "read_body",
    "read_head",
    "read_request",
    "signed_prefix",
]

DEFAULT_MAX_BODY = 64 * 1024 * 1024
"""The body limit of services whose payloads are documents (every family but S3's objects)."""
MAX_OBJECT_SIZE = 5 * 1024**3
"""S3's limit for one PutObject or UploadPart: 5 GiB (a larger object is a multipart upload)."""
_NON_HEADER_KEYS = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}
_CONTROL = re.compile("[\x00-\x20\x7f]")  # bytes a request target cannot carry as they are
# (In ASCII text, `isprintable()` is False for each of them but the space: a target that is ASCII, printable and
# without a space has none, found without a pattern's set-up.)
_HEADER_CREDENTIAL = re.compile(r"Credential=([^,\s]*)")
_SDK_PREFIX = "AWS4-HMAC-SHA256 Credential="
_SDK_SIGNED = ", SignedHeaders="
_SDK_SIGNATURE = ", Signature="
_PREFIX_CACHE_MAX_LEN = 1024
_T = TypeVar("_T")
_NO_BODY = Body()  # a request's body until `read_body` reads it (an empty body's hashes are the same for all)


class HeaderMap(Mapping[str, str]):
    """Request headers for services: case-insensitive lookups, lower-case names when iterated (cheap to build).

    `get`, `in` and the views go straight to the dict: services look up many headers a request does not carry, and
    `Mapping`'s own `get` finds each absence by catching a `KeyError`."""

    __slots__ = ("_values",)

    def __init__(self, headers: list[tuple[str, str]] | dict[str, str]) -> None:
        """`headers`: (name, value) pairs, or a dict whose names are lower-case already (a `Request`'s), which is
        shared, not copied."""
        self._values = headers if isinstance(headers, dict) else {name.lower(): value for name, value in headers}

    def __getitem__(self, name: str) -> str:
        return self._values[name.lower()]

    @overload
    def get(self, name: str, /) -> str | None: ...

    @overload
    def get(self, name: str, default: str | _T, /) -> str | _T: ...

    def get(self, name: str, default: object = None, /) -> object:
        return self._values.get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> KeysView[str]:
        return self._values.keys()

    def items(self) -> ItemsView[str, str]:
        return self._values.items()

    def values(self) -> ValuesView[str]:
        return self._values.values()

    def __repr__(self) -> str:
        """The session token is a secret: it never shows in a repr (services read it by name if they must)."""
        return f"HeaderMap({redact.mapping(self._values)!r})"


class Request:
    """A request as read: method, raw path and query (as signed), headers, body, the connection it came on.

    A plain class with slots rather than a dataclass: one is made for every request, and the dataclass's default
    factories (an empty `Body`, a dict replaced at once) cost more than the rest of it."""

    __slots__ = (
        "_pairs",
        "body",
        "connection_id",
        "credential",
        "header_map",
        "index",
        "method",
        "named_service",
        "raw_path",
        "raw_query",
        "signed_prefix",
    )

    def __init__(
        self,
        method: str,
        raw_path: str,
        raw_query: str,
        headers: list[tuple[str, str]] | dict[str, str],
        body: Body | None = None,
        connection_id: int | None = None,
    ) -> None:
        self.method = method
        self.raw_path = raw_path  # still percent-encoded, as sent
        self.raw_query = raw_query
        self.body = _NO_BODY if body is None else body  # `read_body` sets the body read
        self.connection_id = connection_id
        # `headers`: (lower-case name, value) pairs, or a dict of them (each name once), which is read, not copied:
        # awsfake's server hands over its own (`awsfake.headers`)
        if isinstance(headers, dict):
            self.index = index = headers
            self._pairs: list[tuple[str, str]] | None = None
        else:
            self.index = index = dict(headers)
            self._pairs = headers
        """Lower-case name -> value: the dict `header` and `header_map` read."""
        self.header_map = HeaderMap(index)
        """The headers as services and the checksums read them (the same dict as `header`'s)."""
        authorization = index.get("authorization")
        self.signed_prefix = prefix = None if authorization is None else signed_prefix(authorization)
        """The Authorization header's `SignedPrefix` when the whole header is as the SDKs write it, else None."""
        self.credential = prefix.credential if prefix is not None else _presented_credential(authorization, raw_query)
        """The credential string presented (`AKID/DATE/REGION/SERVICE/aws4_request`, as sent): the Authorization
        header's `Credential=`, else the `X-Amz-Credential` query parameter; None when neither names one. Found
        once here: the service guess, the verifier and the journal all start from it."""
        self.named_service: object = None
        """The native service the credential names, in the dialect the head speaks (a `catalog.ServiceInfo`, typed
        loosely: the catalogue reads requests, so this module does not import it): found once, by
        `auth.guess_info`."""

    def __repr__(self) -> str:
        """Method, path, query and body only: headers carry the signature and the session token."""
        return f"Request({self.method} {self.raw_path!r} query={self.raw_query!r} body={self.body!r})"

    @property
    def headers(self) -> list[tuple[str, str]]:
        """(lower-case name, value) pairs in the order received (the server joins repeats); made from `index`
        when first asked for, if the request was made from a dict (the journal and a refusal ask, not every
        request)."""
        pairs = self._pairs
        if pairs is None:
            pairs = self._pairs = list(self.index.items())
        return pairs

    def header(self, name: str, default: str | None = None) -> str | None:
        """The value of header `name` (lower-case)."""
        return self.index.get(name, default)

    @property
    def host(self) -> str:
        return self.index.get("host", "")

    def path(self) -> str:
        """The decoded path; a path that is not UTF-8 is refused as AWS refuses it."""
        if "%" not in self.raw_path:  # nothing to decode (the raw path is text already)
            return self.raw_path
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
    """A `Request` from a WSGI environ, its body not read yet (`read_body`). awsfake's own server hands over the
    headers (a dict of lower-case names, read as it is) and the target as sent (`awsfake.headers`,
    `awsfake.target`); from another WSGI server they are derived from the environ's other keys."""
    headers = environ.get("awsfake.headers")
    target = environ.get("awsfake.target")
    raw_path, raw_query = _raw_target(environ) if target is None else _target_parts(target)
    return Request(
        environ.get("REQUEST_METHOD", "GET").upper(),
        raw_path,
        raw_query,
        _header_pairs(environ) if headers is None else headers,
        None,  # the body (`read_body`; arguments in order: a keyword argument costs more)
        environ.get("awsfake.connection_id"),
    )


def read_body(environ: dict[str, Any], request: Request, max_body: int, blobs: Blobs | None) -> None:
    """Read the body in bounded chunks; above the spool threshold it goes to a file, hashed on the way.

    A body of a declared length that stays in memory is read as it is: its hashes are computed when first asked
    for, from the bytes held (most requests' bodies are a few hundred bytes, and many are never hashed). Raises
    `Unreadable` (with the request's head) when the framing is broken or the body too large.
    """
    length = _declared_length(request, max_body)
    if length == 0:  # one shared empty body: its hashes, the same for every empty body, are worked out once
        request.body = _NO_BODY
        return
    if length is not None and length <= SPOOL_THRESHOLD:  # held in memory: usually one read
        stream = environ.get("wsgi.input")
        try:
            data = stream.read(length if length <= CHUNK else CHUNK) if stream is not None else b""
        except (OSError, ValueError, HTTPException):  # werkzeug's ClientDisconnected is an HTTPException
            raise Unreadable(request, incomplete_body()) from None
        body = Body(data if len(data) == length else _read_rest(stream, data, length, request))
    else:
        writer = BodyWriter(blobs, named_checksums(request.header_map))
        try:
            _read_body(environ, request, length, max_body, writer)
        except BaseException:
            writer.discard()
            raise
        body = writer.finish()
    request.body = body


def query_params(raw_query: str) -> dict[str, str]:
    """A raw query string's parameters, decoded (a name given twice: its last value)."""
    return {unquote(name): unquote(value) for name, value in sigv4.split_query(raw_query)}


class SignedPrefix:
    """What an Authorization header as the SDKs write it says before its signature (`AWS4-HMAC-SHA256
    Credential=C, SignedHeaders=S, Signature=`, no comma in C or S, C printable and without spaces): the credential,
    its scope when well-formed, the signed names as a tuple and a set. A client repeats its prefix on every request
    of a kind, so each is read once (`signed_prefix`) and the object shared by the requests that carry it.

    Only what the prefix's text alone decides is here. Everything that depends on anything else is still checked
    on every request by `awsfake.auth`, never skipped because a prefix was seen before: the signature (after the
    prefix) and its comparison; the date headers, the scope's date against them, the clock skew; the key's
    existence, session token and expiry (the accounts change); the service row the request's shape selects; the
    signed names against the request's own headers (`host`, S3's `x-amz-*`); the payload. A malformed prefix is
    read as None (the general readings and their denials then take the request, as before), so a cached prefix
    never stands for a check that failed. Strangers choose prefixes: the cache holds at most 256 of at most
    `_PREFIX_CACHE_MAX_LEN` characters (longer ones are read each time), so their headers cannot grow memory.
    """

    __slots__ = ("credential", "length", "scope", "scope_text", "signed_headers", "signed_names")

    def __init__(self, credential: str, length: int, signed: str) -> None:
        self.credential = credential
        self.length = length
        """The prefix's length: the signature starts there."""
        parts = credential.split("/")
        well_formed = len(parts) == 5 and all(parts) and parts[4] == "aws4_request"
        self.scope: tuple[str, str, str, str] | None = (parts[0], parts[1], parts[2], parts[3]) if well_formed else None
        """(access key id, date, region, service) of a well-formed credential, else None."""
        self.scope_text = credential[len(parts[0]) + 1 :] if well_formed else ""
        """The credential scope as signed (`DATE/REGION/SERVICE/aws4_request`) of a well-formed credential."""
        self.signed_headers = tuple(signed.split(";"))
        self.signed_names = frozenset(self.signed_headers)


def signed_prefix(authorization: str) -> SignedPrefix | None:
    """The `SignedPrefix` of an Authorization header as the SDKs write it (its signature holds no comma either),
    else None: the header is then read the general way."""
    prefix, found, signature = authorization.rpartition(_SDK_SIGNATURE)
    if not found or "," in signature:
        return None
    known = _PREFIXES.get(prefix)
    if known is None:
        known = _read_prefix(prefix)
        if known is not None and len(prefix) <= _PREFIX_CACHE_MAX_LEN:
            if len(_PREFIXES) >= _PREFIX_CACHE_SIZE:  # bounded: strangers choose prefixes
                _PREFIXES.clear()
            _PREFIXES[prefix] = known
    return known


def _read_prefix(prefix: str) -> SignedPrefix | None:
    """The `SignedPrefix` of the text before `, Signature=`; None unless it is as the SDKs write it."""
    if not prefix.startswith(_SDK_PREFIX):
        return None
    credential, named, signed = prefix[len(_SDK_PREFIX) :].partition(_SDK_SIGNED)
    if not named or "," in credential or "," in signed or " " in credential or not credential.isprintable():
        return None
    return SignedPrefix(credential, len(prefix) + len(_SDK_SIGNATURE), signed.strip())


# The prefixes read (text before `, Signature=` -> its reading): a plain dict, emptied when full, costs less to
# look up than an `lru_cache` (a client repeats a handful of prefixes).
_PREFIXES: dict[str, SignedPrefix] = {}
_PREFIX_CACHE_SIZE = 256


def _presented_credential(authorization: str | None, raw_query: str) -> str | None:
    if authorization is not None:
        return _header_credential(authorization)  # (an SDK's header is read by `signed_prefix` first)
    if "X-Amz-Credential=" in raw_query:
        return query_params(raw_query).get("X-Amz-Credential")
    return None


def _header_credential(authorization: str) -> str | None:
    match = _HEADER_CREDENTIAL.search(authorization)
    return match.group(1) if match else None


def _raw_target(environ: dict[str, Any]) -> tuple[str, str]:
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if target is None:  # an app driven by a plain WSGI server: rebuild from the decoded parts
        from urllib.parse import quote

        return quote(environ.get("PATH_INFO", "/"), safe="/~!$&'()*+,;=:@%"), environ.get("QUERY_STRING", "")
    plain = target.isascii() and target.isprintable() and " " not in target  # nothing `_CONTROL` matches
    text = target if plain else _wire_text(_as_sent(target))
    return _split_target(text)


def _target_parts(target: str) -> tuple[str, str]:
    """(path, query) of the target as sent (`awsfake.target`: its bytes as latin-1), read as `_raw_target` reads
    it. The usual one, origin-form and plain (nothing `_CONTROL` matches), is split here, in one step."""
    if target.isascii() and target.isprintable() and " " not in target:
        path, _, query = target.partition("?")
        if path[:1] == "/" and "://" not in path:  # what `_split_target` finds for it
            return path, query
        return _split_target(target)
    return _split_target(_wire_text(target.encode("latin-1")))


def _split_target(text: str) -> tuple[str, str]:
    """(path, query) of a request target: origin-form, or absolute-form (`http://host/path?query`)."""
    path, _, query = text.partition("?")
    if "://" in path:
        try:
            split = urlsplit(text)
        except ValueError:  # an authority it cannot read (`http://[x/`): the target is taken as a path
            return path, query
        return split.path or "/", split.query
    return path or "/", query


def _as_sent(target: str) -> bytes:
    """werkzeug re-encodes the latin-1 request line as UTF-8 (an ASCII target, the usual one, is left as it is);
    undo it to get the bytes as sent."""
    try:
        return target.encode("latin-1").decode("utf-8").encode("latin-1")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return target.encode("utf-8", "surrogateescape")


def _wire_text(wire: bytes) -> str:
    """The request target as text: UTF-8 kept as sent (the client signed those characters), other bytes %-encoded."""
    try:
        text = wire.decode("utf-8")
    except UnicodeDecodeError:
        return "".join(chr(b) if 0x20 < b < 0x7F else f"%{b:02X}" for b in wire)
    if _CONTROL.search(text):
        return "".join(f"%{ord(ch):02X}" if ord(ch) < 0x21 or ord(ch) == 0x7F else ch for ch in text)
    return text


def _header_pairs(environ: dict[str, Any]) -> list[tuple[str, str]]:
    return [(name, value) for key, value in environ.items() if (name := _header_name(key))]


@lru_cache(maxsize=1024)
def _header_name(environ_key: str) -> str:
    """The header an environ key carries (`HTTP_X_AMZ_DATE` -> `x-amz-date`), "" for other keys. The same few
    dozen keys come with every request, so each is worked out once."""
    if environ_key.startswith("HTTP_"):
        return environ_key[5:].replace("_", "-").lower()
    return _NON_HEADER_KEYS.get(environ_key, "")


def _declared_length(request: Request, max_body: int) -> int | None:
    """The body's length from the framing headers: 0 when they announce no body, None for a chunked one (read to
    its end). Raises `Unreadable` for framing the server cannot follow and for a declared length over `max_body`."""
    headers = request.index
    length_text = headers.get("content-length")
    coding = headers.get("transfer-encoding")
    if coding is not None:
        coding = coding.strip().lower()
        if coding and length_text:
            raise _bad_framing(request, "Conflicting Content-Length and Transfer-Encoding headers")
        if coding and coding != "chunked":  # gzip, "gzip, chunked", ...: the body's end cannot be found (RFC 9112 6.1)
            raise Unreadable(request, not_implemented("Transfer-Encoding"))
    if not length_text:
        return None if coding == "chunked" else 0
    length = content_length(length_text)
    if length is None:
        raise _bad_framing(request, "The Content-Length header is not a valid number")
    if length > max_body or length == TOO_LONG:
        raise _too_large(request, max_body)
    return length


def _read_body(
    environ: dict[str, Any], request: Request, length: int | None, max_body: int, writer: BodyWriter
) -> None:
    stream = environ.get("wsgi.input")
    if length is None:
        _read_to_end(stream, request, max_body, writer)
    else:
        _read_exact(stream, length, request, writer.write)


def _read_rest(stream: Any, first: bytes, length: int, request: Request) -> bytes:
    """The `length` bytes of a body held in memory whose first read gave only `first`: completed in bounded
    chunks; `Unreadable` if the stream ended."""
    if not first:  # the stream ended
        raise Unreadable(request, incomplete_body())
    parts = [first]
    _read_exact(stream, length - len(first), request, parts.append)
    return b"".join(parts)


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


def _read_exact(stream: Any, length: int, request: Request, write: Callable[[bytes], object]) -> None:
    """`length` bytes handed to `write` chunk by chunk; `Unreadable` if the stream ends (or fails) before them."""
    remaining = length
    while remaining > 0 and stream is not None:
        try:
            chunk = stream.read(min(remaining, CHUNK))
        except (OSError, ValueError, HTTPException):  # werkzeug's ClientDisconnected is an HTTPException
            break
        if not chunk:
            break
        write(chunk)
        remaining -= len(chunk)
    if remaining:
        raise Unreadable(request, incomplete_body())


def _bad_framing(request: Request, message: str) -> Unreadable:
    return Unreadable(request, Fault("InvalidRequest", message))


def _too_large(request: Request, max_body: int) -> Unreadable:
    return Unreadable(request, max_body=max_body)
