"""AWS errors: one exception for every protocol family, read from a response's head and body; and `CredentialsError`,
for credentials that could not be loaded or used.

AWS answers a failed call in one of four shapes, and the shape follows the service, not the status:

- S3 (REST-XML): `<Error><Code/><Message/>...<RequestId/><HostId/></Error>`, no namespace;
- query (SNS, STS, IAM, ...): `<ErrorResponse xmlns=...><Error><Type/><Code/><Message/></Error><RequestId/>`;
- EC2: `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`;
- JSON (awsJson 1.0/1.1, REST-JSON): `{"__type": "ns#Code", "message": ...}`, with the code also (or only) in
  the `x-amzn-ErrorType` header, and `x-amzn-query-error: Code;Sender` for codes carried over from query APIs.

Parsing is pure and never raises: an empty, HTML or malformed body (a proxy's page, a truncated read) still gives an
`AwsError` with the HTTP fields set and the AWS fields empty, so the caller always learns the status. XML is read
with an lxml parser that resolves no entities, loads no DTD and touches no network, so a hostile body can neither
read local files (XXE) nor expand into gigabytes (billion laughs).
"""

from __future__ import annotations

import http
import io
import json
import threading
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeAlias

from lxml import etree

__all__ = [
    "MAX_ERROR_BODY",
    "PASS_STATUSES",
    "AwsError",
    "Body",
    "CredentialsError",
    "Found",
    "Head",
    "Readable",
    "check_response",
    "header_and_response_to_exn",
    "parse_xml",
    "safe_xml_parser",
]


class CredentialsError(ValueError):
    """Credentials could not be loaded or used. The message names the source, never a secret.

    Here rather than in `awsclient.credentials` so that `awsclient.imds`, which that package uses, can raise it.
    """


MAX_ERROR_BODY = 1024 * 1024
"""At most this many bytes of an error body are read: AWS's are a few KiB; anything bigger is not AWS's."""

PASS_STATUSES = frozenset({301, 302, 307})
"""Besides 2xx, statuses that are answers, not failures (S3 redirects to a bucket's region with these)."""

Head: TypeAlias = "str | bytes | Mapping[str, str] | Iterable[tuple[str, str]]"
Body: TypeAlias = "bytes | str | etree._Element | None"


class Readable(Protocol):
    def read(self, amt: int) -> bytes: ...


class AwsError(Exception):
    """A call AWS (or something in front of it) refused. Secrets never reach these fields from the client side.

    `details` holds the error's other fields (S3's `StringToSign`, `Region`, a query error's `Type`, ...), and
    `request_id` the id AWS gave the request when it said one, for support cases and log correlation.
    """

    def __init__(
        self,
        http_code: int,
        http_message: str = "",
        aws_code: str = "",
        aws_message: str = "",
        request_id: str | None = None,
        details: Mapping[str, str] | None = None,
    ) -> None:
        self.http_code = http_code
        self.http_message = http_message or _standard_phrase(http_code)
        self.aws_code = aws_code
        self.aws_message = aws_message
        self.request_id = request_id
        self.details: dict[str, str] = dict(details or {})
        super().__init__(str(self))

    def __str__(self) -> str:
        return f'HTTP {self.http_code} "{self.http_message}". AWS Code="{self.aws_code}" Message="{self.aws_message}"'

    def __repr__(self) -> str:
        return f"AwsError({self.http_code}, {self.aws_code!r}, {self.aws_message!r}, request_id={self.request_id!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        args = (self.http_code, self.http_message, self.aws_code, self.aws_message, self.request_id, self.details)
        return (type(self), args)

    def redacted(self, *secrets: str | None) -> AwsError:
        """This error with every occurrence of `secrets` hidden (a server may echo a session token back)."""
        hidden = [s for s in secrets if s]
        if not hidden:
            return self

        def scrub(text: str) -> str:
            for secret in hidden:
                text = text.replace(secret, "<hidden>")
            return text

        details = {key: scrub(value) for key, value in self.details.items()}
        return AwsError(
            self.http_code, self.http_message, self.aws_code, scrub(self.aws_message), self.request_id, details
        )


def safe_xml_parser() -> etree.XMLParser:
    """The only way the client reads XML: no entities resolved, no DTD, no network, no huge trees."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


_parsers = threading.local()


def parse_xml(data: bytes) -> etree._Element:
    """Parse with this thread's safe parser (building a parser costs more than parsing a small AWS answer)."""
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = safe_xml_parser()
    return etree.fromstring(data, parser=parser)


def header_and_response_to_exn(
    headers: Head, body: Body = b"", *, status: int | None = None, reason: str | None = None
) -> AwsError:
    """The `AwsError` a response stands for.

    `headers` is the raw response head (status line then header lines, as text or bytes) or the header fields
    (a mapping, `http.client`'s message, or (name, value) pairs); with fields, give `status`, and `reason` (the
    status line's phrase) if known, else the standard phrase for the status is used. `body` is the body's bytes
    (or text, or an lxml element already parsed). Header names are matched case-insensitively.
    """
    code, head_reason, fields = _read_head(headers, status)
    reason = reason or head_reason
    found = _from_body(body, fields)
    aws_code, aws_message, request_id, details = found if found else ("", "", None, {})
    aws_code = _code_from_headers(fields) or aws_code
    aws_code, query_type = _query_compatible(fields, aws_code)
    if query_type:
        details.setdefault("Type", query_type)
    request_id = fields.get("x-amzn-requestid") or fields.get("x-amz-request-id") or request_id
    if "x-amz-id-2" in fields:
        details.setdefault("HostId", fields["x-amz-id-2"])
    return AwsError(code, reason, aws_code, aws_message, request_id or None, details)


def check_response(stream: Readable, headers: Head, *, status: int | None = None) -> Head:
    """`headers` back when the response is a success (2xx) or a redirect AWS uses (301, 302, 307); else raise.

    `stream` is anything with `read(n) -> bytes` positioned at the body (a urllib3 `HTTPResponse` read with
    `preload_content=False`, an `http.client.HTTPResponse`, `io.BytesIO`). `headers` is as for
    `header_and_response_to_exn`; with a mapping the status is `status`, else `stream.status` (and the reason
    phrase `stream.reason`, when the stream has one, as urllib3's and http.client's responses do). On failure at
    most `MAX_ERROR_BODY` bytes are read; the stream is left open, for the caller to drain or close (a transport
    decides whether its connection can be reused).
    """
    code, _, _ = _read_head(headers, status if status is not None else getattr(stream, "status", None))
    if 200 <= code < 300 or code in PASS_STATUSES:
        return headers
    reason = getattr(stream, "reason", None)
    body = _read_bounded(stream, MAX_ERROR_BODY)
    raise header_and_response_to_exn(headers, body, status=code, reason=reason if isinstance(reason, str) else None)


def _read_bounded(stream: Readable, limit: int) -> bytes:
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _standard_phrase(code: int) -> str:
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return ""


def _read_head(headers: Head, status: int | None) -> tuple[int, str, dict[str, str]]:
    """(status, reason phrase, lower-cased header fields) from a raw head or a mapping."""
    if not isinstance(headers, (str, bytes)):
        if status is None:
            raise ValueError("give status= with a header mapping (only a raw head carries its status line)")
        items = headers.items() if hasattr(headers, "items") else headers  # http.client's HTTPMessage too
        return status, "", {str(k).lower(): str(v) for k, v in items}
    raw = headers.encode("latin-1", "replace") if isinstance(headers, str) else headers
    first, _, rest = raw.lstrip(b"\r\n").partition(b"\n")
    parts = first.decode("latin-1").strip().split(None, 2)
    parsed_status = _status_from(parts)
    if parsed_status is None and status is None:
        raise ValueError(f"no HTTP status line in the response head: {first[:80]!r}")
    reason = parts[2].strip() if len(parts) > 2 and parsed_status is not None else ""
    import http.client  # here: only a raw head needs it, and it imports ssl (the fake's XML parsing needs neither)

    message = http.client.parse_headers(io.BytesIO(rest if parsed_status is not None else raw))
    fields = {name.lower(): value for name, value in message.items()}
    return (status if status is not None else parsed_status or 0), reason, fields


def _status_from(parts: list[str]) -> int | None:
    if len(parts) >= 2 and parts[0].upper().startswith("HTTP/") and parts[1].isascii() and parts[1].isdigit():
        return int(parts[1])
    return None


Found: TypeAlias = "tuple[str, str, str | None, dict[str, str]]"


def _from_body(body: Body, fields: Mapping[str, str]) -> Found | None:
    if body is None:
        return None
    if isinstance(body, etree._Element):
        return _from_xml(body)
    data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    stripped = data.strip()
    if not stripped:
        return None
    if _is_json(fields.get("content-type", "")) or stripped.startswith(b"{"):
        return _from_json(stripped)
    if stripped.startswith(b"<"):
        try:
            return _from_xml(parse_xml(stripped))
        except (etree.XMLSyntaxError, ValueError):
            return None
    return None


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.startswith("application/x-amz-json-")


_JSON_CODE_KEYS = ("__type", "code", "Code")
_JSON_MESSAGE_KEYS = ("message", "Message")


def _from_json(data: bytes) -> Found | None:
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    raw_code = next((doc[k] for k in _JSON_CODE_KEYS if isinstance(doc.get(k), str)), "")
    message = next((doc[k] for k in _JSON_MESSAGE_KEYS if isinstance(doc.get(k), str)), "")
    known = (*_JSON_CODE_KEYS, *_JSON_MESSAGE_KEYS)
    details = {k: v for k, v in doc.items() if isinstance(v, str) and k not in known}
    return _clean_code(raw_code), message, None, details


def _clean_code(code: str) -> str:
    """`ns.v1#Code:http://internal...` -> `Code`: the namespace and the type URL are not part of the code."""
    return code.split(":", 1)[0].rsplit("#", 1)[-1].strip()


def _code_from_headers(fields: Mapping[str, str]) -> str:
    return _clean_code(fields.get("x-amzn-errortype", ""))


def _query_compatible(fields: Mapping[str, str], code: str) -> tuple[str, str]:
    """`x-amzn-query-error: Code;Sender` gives the code a query-protocol client knows (SQS on JSON does this)."""
    parts = fields.get("x-amzn-query-error", "").split(";")
    if len(parts) == 2 and parts[0].strip():
        return parts[0].strip(), parts[1].strip()
    return code, ""


def _local(tag: object) -> str:
    """`{namespace}Name` -> `Name`; "" for comments, processing instructions and entity references."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _from_xml(root: etree._Element) -> Found | None:
    """S3's `<Error>` root, query's `<ErrorResponse><Error>`, EC2's `<Response><Errors><Error>`, in any namespace."""
    name = _local(root.tag)
    error = root if name == "Error" else next((el for el in root.iter() if _local(el.tag) == "Error"), None)
    if error is None:
        return None
    fields = {_local(child.tag): _text(child) for child in error if _is_leaf(child)}
    code = fields.pop("Code", "")
    message = fields.pop("Message", "")
    top = {_local(child.tag): _text(child) for child in root if _is_leaf(child)}
    request_id = fields.pop("RequestId", "") or top.get("RequestId") or top.get("RequestID") or None
    return code, message, request_id, fields


def _is_leaf(element: etree._Element) -> bool:
    return bool(_local(element.tag)) and not any(_local(child.tag) for child in element)


def _text(element: etree._Element) -> str:
    """The element's text as sent (no trimming), entity references left out (they are never resolved)."""
    parts = [element.text or ""]
    for child in element:
        if _local(child.tag):
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)
