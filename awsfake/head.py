"""An HTTP/1.1 request head held in bytes: where it ends, its request line and header fields, the WSGI environ.

The server receives a request into a buffer (usually the whole head, often the body too, in one `recv`), finds the
blank line that ends the head and parses the head from memory. The limits are http.server's (a line over 64 KiB
is a 431, a request line over 64 KiB a 414, 100 fields and more a 431), and so is the reading of each field (a
folded line continues the previous value; a line that is no field ends the fields). The environ is built in one
pass with werkzeug's keys and encodings, plus the headers and the raw target the app would otherwise derive from it
(`awsfake.headers`: a dict of lower-case name -> value in the order received, the dict the app reads its headers
through; `awsfake.target`). The server calls `read`: `parse` and `environ_for` in one step, the usual head's fields
going straight from the pattern's pairs into the environ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = [
    "TOO_LONG",
    "Head",
    "HeadError",
    "PartialHead",
    "content_length",
    "environ_for",
    "head_end",
    "method_of",
    "parse",
    "read",
]

MAX_LINE = 65536  # a line's bytes with its line feed
MAX_FIELDS = 100  # http.client counts the blank line ending the head: 99 fields at most
_BODY_NAMES = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}
_TOKEN = re.compile(r"[\x21-\x39\x3b-\x7e]+")  # a field name: visible characters but the colon
_FIELD = re.compile(r"[\x21-\x39\x3b-\x7e]*:")  # a name of visible characters, then the colon
# A plain field line: a name, the colon, the value (without its leading blanks) up to the line's CR LF. `[^:]` and
# `[^\r]` are among the few classes the regex engine skips through without testing each character against a set
# (`[^\r\n]*` cost 45 instructions a character, 8 % of a whole STS request; a name class stopping at the line's end,
# ~4k a request). Both are possessive (`++`, `*+`: what they took is never given back, which could not make a
# match here anyway), so a search from a line start fails in one pass over the text after it rather than one per
# character: a name running over a line end, or a value over a LF, makes fewer pairs than lines, and the
# line-by-line reading takes over (as for LF-only heads); a name that is no `_TOKEN` (a blank, a CR, a line without
# a colon before the next) is found when the name is first seen (`_name`), and the line-by-line reading takes over
# too. The pattern is searched only in a head within the limits (fewer than `MAX_FIELDS` lines, `MAX_LINE` bytes):
# the worst such head (no colon anywhere) costs ~2 ms.
_PAIR = re.compile(r"^([^:]++):[ \t]*+([^\r]*+)\r$", re.MULTILINE)
_NAMES: dict[str, tuple[str, str]] = {}  # header name as sent -> `_name(name)`, for the names seen


class HeadError(Exception):
    """A head the server refuses before any app runs: `status` (400, 414, 431, 505) is what it answers."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(slots=True)
class Head:
    method: str
    target: str  # the request target as sent, its bytes read as latin-1
    version: str  # "HTTP/1.1"
    at_least_1_1: bool
    fields: list[tuple[str, str]]  # as received: names as sent, values without leading blanks
    size: int  # the head's bytes, its blank line included


def head_end(data: bytes | bytearray, start: int = 0) -> int:
    """The index just past the blank line that ends the head in `data` (lines end in LF, CR LF allowed), or -1.

    `start`: where to look from (a line feed before it has been looked at already)."""
    crlf = data.find(b"\n\r\n", start)
    lf = data.find(b"\n\n", start, None if crlf < 0 else crlf + 2)
    if lf >= 0:
        return lf + 2
    return crlf + 3 if crlf >= 0 else -1


class PartialHead:
    """A head still arriving over several reads: the bytes so far, refused (`HeadError`) as soon as they pass
    the limits, so a client cannot make the server hold more than one head's worth of lines."""

    __slots__ = ("data", "lines", "scanned")

    def __init__(self) -> None:
        self.data = bytearray()
        self.lines = 0  # line feeds seen (the request line's included)
        self.scanned = 0

    def add(self, data: bytes) -> int:
        """Append what arrived; where the head ends (as `head_end`), or -1 if it has not all arrived yet."""
        start = self.scanned
        self.data += data
        buffer = self.data
        first = buffer.find(b"\n")
        if first >= 0 and not buffer[:first].strip():
            return first + 1  # a blank request line: nothing to answer (`parse` says so)
        end = head_end(buffer, max(start - 2, 0))
        if end >= 0:
            return end
        self.lines += buffer.count(b"\n", start)
        self.scanned = len(buffer)
        if first < 0 or first >= MAX_LINE:
            if first >= MAX_LINE or len(buffer) > MAX_LINE:
                raise HeadError(414, "Request line too long")
        elif self.lines > MAX_FIELDS or len(buffer) - buffer.rfind(b"\n") - 1 > MAX_LINE:
            raise HeadError(431, "Request header fields too large")
        return -1


def parse(head: bytes | bytearray) -> Head | None:
    """The request line and header fields of `head` (up to its blank line, or an earlier one: `Head.size`); None
    for a blank request line (nothing to answer); `HeadError` when the head is refused.

    Only `METHOD TARGET HTTP/x.y` with a version below 2.0 is accepted (HTTP/0.9's two-word form is refused)."""
    line, _, rest = head.decode("latin-1").partition("\n")
    if len(line) >= MAX_LINE:
        raise HeadError(414, "Request line too long")
    words = line.split()
    if not words:
        return None
    if len(words) != 3:
        raise HeadError(400, "Bad request syntax")
    method, target, version = words
    at_least_1_1 = version == "HTTP/1.1" or _at_least_1_1(version)
    count = rest.count("\n") - 1  # the field lines: all the lines but the blank line
    plain = count < MAX_FIELDS and len(head) <= MAX_LINE  # (the pattern searched within the limits only)
    pairs = _PAIR.findall(rest) if plain else []  # (the blank line is no pair)
    if plain and len(pairs) == count and all(_TOKEN.fullmatch(name) for name, _ in pairs):  # the usual head
        return Head(method, target, version, at_least_1_1, pairs, len(head))
    end = head_end(head)
    if end < len(head):  # a blank line ending in a bare LF ends the head before the first CR LF CR LF
        return parse(head[:end])
    if count >= MAX_FIELDS:
        raise HeadError(431, "Too many headers")
    block = rest[: -2 if rest.endswith("\r\n") else -1]  # the field lines, each with its LF
    return Head(method, target, version, at_least_1_1, _fields(block.split("\n")[:-1]), len(head))


def read(head: bytes, base: dict[str, Any]) -> tuple[dict[str, Any], bool, int] | None:
    """`environ_for(parse(head), base)`, whether the request is HTTP/1.1 or later, and the head's size: for the
    usual head (plain CR LF field lines) without the `Head` between them."""
    line, _, rest = head.decode("latin-1").partition("\n")
    words = line.split()
    count = rest.count("\n") - 1
    if len(words) == 3 and count < MAX_FIELDS and len(head) <= MAX_LINE and len(pairs := _PAIR.findall(rest)) == count:
        method, target, version = words
        at_least_1_1 = version == "HTTP/1.1" or _at_least_1_1(version)
        try:
            return _environ(method, target, version, pairs, base), at_least_1_1, len(head)
        except _NotAName:  # a line that is no plain field: read line by line
            pass
    request = parse(head)
    if request is None:
        return None
    return environ_for(request, base), request.at_least_1_1, request.size


def method_of(data: bytes | bytearray) -> str:
    """The method a head (even a refused one) starts with, for answering it: an answer to HEAD has no body."""
    words = bytes(data[:32]).split(None, 1)
    return str(words[0], "iso-8859-1") if words else "GET"


def _at_least_1_1(version: str) -> bool:
    """Whether the request's HTTP version is 1.1 or later; `HeadError` for no version, or 2.0 and later."""
    if version == "HTTP/1.1":
        return True
    name, _, number = version.partition("/")
    parts = number.split(".")
    if name != "HTTP" or len(parts) != 2 or not all(p.isdigit() and p.isascii() and len(p) <= 10 for p in parts):
        raise HeadError(400, "Bad request version")
    major, minor = int(parts[0]), int(parts[1])
    if major >= 2:
        raise HeadError(505, "Invalid HTTP version")
    return (major, minor) >= (1, 1)


def _fields(lines: list[str]) -> list[tuple[str, str]]:
    """The header fields of lines that are not all plain `name: value` lines, read as http.server reads them."""
    if any(len(raw) >= MAX_LINE for raw in lines):
        raise HeadError(431, "Line too long")
    pairs: list[tuple[str, str]] = []
    for raw in lines:
        line = raw.rstrip("\r")
        if line[:1] in (" ", "\t"):
            if pairs:  # obsolete line folding: the value goes on
                name, value = pairs[-1]
                pairs[-1] = (name, value + line)
            continue
        if not _FIELD.match(line):
            break  # the rest of the head is read, not taken (as http.server does)
        name, _, value = line.partition(":")
        if name:
            pairs.append((name, value.lstrip(" \t")))
    return pairs


def environ_for(head: Head, base: dict[str, Any]) -> dict[str, Any]:
    """The WSGI environ werkzeug would build for this head (the same keys, the same latin-1 re-encoding), from
    `base` (the connection's keys), with `awsfake.headers` (lower-case name -> value, in the order the names came;
    the app's `Request` reads through this very dict rather than copying pairs into one) and `awsfake.target`.

    Header names with `_` are dropped (HTTP_X_AMZ_DATE must not be forgeable as X_Amz_Date: werkzeug's rule);
    repeats are joined with `,`, but for Content-Type and Content-Length, where the last one counts."""
    return _environ(head.method, head.target, head.version, head.fields, base)


def _environ(
    method: str, target: str, version: str, fields: list[tuple[str, str]], base: dict[str, Any]
) -> dict[str, Any]:
    """`environ_for` of a head's parts."""
    netloc = ""
    if target[0] == "/" and target[1:2] != "/":  # origin form, the usual one: what urlsplit would find
        path, _, query = target.partition("?")
        if "#" in target:
            path, _, query = target.partition("#")[0].partition("?")
    else:
        try:
            split = urlsplit(target)
        except ValueError:  # an authority it cannot read (`http://[x/`): the request line is refused
            raise HeadError(400, "Bad request target") from None
        path, query, netloc = split.path, split.query, split.netloc
        if not split.scheme and netloc:  # `//x/y` is a path, not a host (werkzeug's reading)
            path, netloc = f"/{netloc}{path}", ""
    environ = base.copy()
    environ["REQUEST_METHOD"] = method
    if target.isascii():
        environ["PATH_INFO"] = _wsgi_text(unquote(path)) if "%" in path else path
        environ["QUERY_STRING"] = query
        environ["REQUEST_URI"] = environ["RAW_URI"] = target
    else:
        environ["PATH_INFO"] = _wsgi_text(unquote(path))
        environ["QUERY_STRING"] = _wsgi_text(query)
        environ["REQUEST_URI"] = environ["RAW_URI"] = _wsgi_text(target)
    environ["SERVER_PROTOCOL"] = version
    headers: dict[str, str] = {}
    for name, value in fields:
        try:
            lower, key = _NAMES[name]
        except KeyError:  # a name not seen yet
            lower, key = _name(name)
        if key:
            environ[key] = value
            headers[lower] = value
    if len(headers) != len(fields):  # a name came twice, or one the environ does not take
        headers = _joined(fields, environ)
    if netloc:  # an absolute target names the host
        environ["HTTP_HOST"] = netloc
        headers["host"] = netloc
    environ["awsfake.headers"] = headers
    environ["awsfake.target"] = target
    return environ


def _joined(fields: list[tuple[str, str]], environ: dict[str, Any]) -> dict[str, str]:
    """The headers of fields that may name a header twice, and their environ keys: the values joined with `,`
    (but for Content-Type and Content-Length, where the last one counts), where the name first came."""
    headers: dict[str, str] = {}
    for name, value in fields:
        lower, key = _NAMES.get(name) or _name(name)
        if not key:
            continue
        if lower in headers and lower not in _BODY_NAMES:
            value = f"{headers[lower]},{value}"
        headers[lower] = environ[key] = value
    return headers


class _NotAName(Exception):
    """`_PAIR` took text that is no field name for one (the head is read line by line instead)."""


def _name(name: str) -> tuple[str, str]:
    """A header name's lower-case form and environ key; ("", "") for a name the environ does not take;
    `_NotAName` for text that is no field name."""
    if not _TOKEN.fullmatch(name):
        raise _NotAName(name)
    if "_" in name:
        named = ("", "")
    else:
        lower = name.lower()
        named = (lower, _BODY_NAMES.get(lower) or "HTTP_" + name.upper().replace("-", "_"))
    if len(_NAMES) < 1024 and len(name) <= 128:  # a client's names are few and short; a hostile one's not kept
        _NAMES[name] = named
    return named


def _wsgi_text(text: str) -> str:
    """PEP 3333's "native string": the UTF-8 bytes of `text` read as latin-1 (werkzeug's encoding of the target)."""
    return text.encode().decode("latin-1")


TOO_LONG = 10**19
"""What `content_length` gives for a value of more than 19 significant digits: longer than any body (`int()`
refuses more than 4,300 digits), and no value of 19 digits or fewer."""


def content_length(text: str) -> int | None:
    """A Content-Length value's number (the server frames the body by it, the app checks it against its limit);
    None when it is no number (ASCII digits only: "²" is a digit to `isdigit()`, not to `int()`), `TOO_LONG` for
    more than 19 significant digits. The usual values (up to 19 characters) are kept: `int()` of a text costs
    ~1.6k instructions, a lookup ~0.6k, and a client's requests come in a few sizes."""
    known = _LENGTHS.get(text)
    if known is not None:
        return known
    if not (text.isascii() and text.isdigit()):
        return None
    if len(text) > 19:
        digits = text.lstrip("0") or "0"
        return int(digits) if len(digits) <= 19 else TOO_LONG
    length = int(text)
    if len(_LENGTHS) < 4096:  # a client's lengths are mostly a few; a stranger's many are not all kept
        _LENGTHS[text] = length
    return length


_LENGTHS: dict[str, int] = {}  # Content-Length texts read (up to 19 characters) -> their numbers
