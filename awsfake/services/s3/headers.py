"""What S3 makes of an object request's headers: digests, ranges, preconditions, copy sources, stored headers."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import lru_cache
from urllib.parse import parse_qsl, unquote

from werkzeug.http import http_date, parse_date

from awsfake.auth.chunked import check_checksum
from awsfake.checksums import named_checksums
from awsfake.errors import Fault, no_such_key
from awsfake.services.s3.model import DEFAULT_CONTENT_TYPE, S3Object, argument, big_int
from awsfake.store.body import Body

__all__ = [
    "MAX_METADATA_BYTES",
    "MAX_TAGS",
    "SSE",
    "STORED_HEADERS",
    "check_conditions",
    "check_content_md5",
    "check_copy_conditions",
    "check_tags",
    "check_write_conditions",
    "copy_range",
    "header_tags",
    "object_checksum",
    "object_fields",
    "object_headers",
    "parse_copy_source",
    "parse_range",
    "plain_request",
    "response_overrides",
]


# Headers kept with an object and returned by GetObject/HeadObject as they were sent.
STORED_HEADERS = ("Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires")

MAX_METADATA_BYTES = 2048

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")

# S3 encrypts every object at rest (SSE-S3) since January 2023 and says so on writes and reads.
SSE = {"x-amz-server-side-encryption": "AES256"}

# GetObject's query parameters that override response headers (used by presigned download links).
_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}


def check_content_md5(headers: Mapping[str, str], body: Body) -> None:
    """Content-MD5, when sent, must be the base64 of 16 bytes and match the body."""
    sent = headers.get("Content-MD5")
    if sent is None:
        return
    try:
        digest = base64.b64decode(sent, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 16:
        raise Fault("InvalidDigest", "The Content-MD5 you specified is not valid.", extras={"Content-MD5": sent})
    calculated = body.md5
    if digest != calculated:
        raise Fault(
            "BadDigest",
            "The Content-MD5 you specified did not match what we received.",
            extras={"ExpectedDigest": sent, "CalculatedDigest": base64.b64encode(calculated).decode()},
        )


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive byte span a Range header asks for; None for the whole object.

    A header that is not a single `bytes=` range is ignored (the whole object is sent), as AWS does.
    """
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match or match.group(1) == match.group(2) == "":
        return None
    first_s, last_s = match.groups()
    if first_s == "":
        suffix = big_int(last_s)
        if suffix == 0 or size == 0:
            raise _invalid_range(header, size)
        return max(size - suffix, 0), size - 1
    first = big_int(first_s)
    if last_s and big_int(last_s) < first:
        return None  # syntactically invalid: ignored
    if first >= size:
        raise _invalid_range(header, size)
    return first, min(big_int(last_s), size - 1) if last_s else size - 1


def _invalid_range(header: str, size: int) -> Fault:
    return Fault(
        "InvalidRange",
        "The requested range is not satisfiable",
        416,
        extras={"RangeRequested": header, "ActualObjectSize": str(size)},
    )


def check_conditions(headers: Mapping[str, str], obj: S3Object) -> bool:
    """Apply If-Match/If-Unmodified-Since (412) and If-None-Match/If-Modified-Since; True means 304 Not Modified."""
    if_match = headers.get("If-Match")
    if if_match is not None and not _etag_matches(if_match, obj.etag):
        raise _precondition_failed("If-Match")
    since = _http_time(headers.get("If-Unmodified-Since"))
    if if_match is None and since is not None and obj.last_modified > since:
        raise _precondition_failed("If-Unmodified-Since")
    if_none = headers.get("If-None-Match")
    if if_none is not None:
        return _etag_matches(if_none, obj.etag)
    modified_since = _http_time(headers.get("If-Modified-Since"))
    return modified_since is not None and obj.last_modified <= modified_since


def check_write_conditions(headers: Mapping[str, str], current: S3Object | None, key: str) -> None:
    """Conditional writes: If-None-Match `*` refuses to overwrite, If-Match requires the current ETag (412)."""
    if_none = headers.get("If-None-Match")
    if if_none is not None and current is not None and if_none.strip() == "*":
        raise _precondition_failed("If-None-Match")
    if_match = headers.get("If-Match")
    if if_match is None:
        return
    if current is None:
        raise no_such_key(key)
    if not _etag_matches(if_match, current.etag):
        raise _precondition_failed("If-Match")


def check_copy_conditions(headers: Mapping[str, str], obj: S3Object) -> None:
    """The x-amz-copy-source-if-* preconditions; any that fails is 412."""
    if_match = headers.get("x-amz-copy-source-if-match")
    if if_match is not None and not _etag_matches(if_match, obj.etag):
        raise _precondition_failed("x-amz-copy-source-If-Match")
    if_none = headers.get("x-amz-copy-source-if-none-match")
    if if_none is not None and _etag_matches(if_none, obj.etag):
        raise _precondition_failed("x-amz-copy-source-If-None-Match")
    since = _http_time(headers.get("x-amz-copy-source-if-unmodified-since"))
    if if_match is None and since is not None and obj.last_modified > since:
        raise _precondition_failed("x-amz-copy-source-If-Unmodified-Since")
    modified = _http_time(headers.get("x-amz-copy-source-if-modified-since"))
    if if_none is None and modified is not None and obj.last_modified <= modified:
        raise _precondition_failed("x-amz-copy-source-If-Modified-Since")


def _etag_matches(header: str, etag: str) -> bool:
    wanted = {t.strip().removeprefix("W/").strip('"') for t in header.split(",")}
    return "*" in wanted or etag.strip('"') in wanted


def _precondition_failed(condition: str) -> Fault:
    return Fault(
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
        412,
        extras={"Condition": condition},
    )


def _http_time(value: str | None) -> datetime | None:
    return parse_date(value) if value else None


def copy_range(header: str | None, size: int) -> tuple[int, int]:
    """UploadPartCopy's `x-amz-copy-source-range`: an exact `bytes=first-last` inside the source (whole if absent)."""
    if header is None:
        return 0, size - 1
    match = _RANGE.match(header.strip())
    if not match or not match.group(1) or not match.group(2) or big_int(match.group(2)) < big_int(match.group(1)):
        raise Fault(
            "InvalidArgument",
            "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the "
            "zero-based offsets of the first and last bytes to copy",
            extras=argument("x-amz-copy-source-range", header),
        )
    first_byte, last_byte = big_int(match.group(1)), big_int(match.group(2))
    if last_byte >= size:
        raise Fault(
            "InvalidRequest",
            f"The specified copy range is invalid for the source object size: {size}",
            extras=argument("x-amz-copy-source-range", header),
        )
    return first_byte, last_byte


def parse_copy_source(header: str) -> tuple[str, str]:
    """(bucket, key) of `x-amz-copy-source`: `bucket/key` or `/bucket/key`, URL-encoded (its `?versionId=` is
    `version_headers.copy_source_version`'s)."""
    source = header.split("?", 1)[0]
    source = unquote(source)
    bucket, slash, key = source.removeprefix("/").partition("/")
    if not bucket or not slash or not key:
        raise Fault(
            "InvalidArgument",
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            extras=argument("x-amz-copy-source", header),
        )
    return bucket, key


def response_overrides(query: Mapping[str, list[str]]) -> dict[str, str]:
    if not query:
        return {}
    return {header: values[0] for name, header in _OVERRIDES.items() if (values := query.get(name))}


MAX_TAGS = 10


def header_tags(headers: Mapping[str, str]) -> dict[str, str]:
    """The `x-amz-tagging` header (a URL-encoded query string, `k1=v1&k2=v2`) as checked tags."""
    raw = headers.get("x-amz-tagging")
    if not raw:
        return {}
    pairs = parse_qsl(raw, keep_blank_values=True)
    if len({k for k, _ in pairs}) != len(pairs):
        raise Fault("InvalidTag", "Cannot provide multiple Tags with the same key", extras={"TagKey": pairs[0][0]})
    return check_tags(pairs)


def check_tags(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """S3's object tag limits: at most 10, keys 1..128 characters, values up to 256."""
    if len(pairs) > MAX_TAGS:
        raise Fault("BadRequest", "Object tags cannot be greater than 10")
    for key, value in pairs:
        if not 1 <= len(key) <= 128:
            raise Fault("InvalidTag", "The TagKey you have provided is invalid", extras={"TagKey": key})
        if len(value) > 256:
            raise Fault("InvalidTag", "The TagValue you have provided is invalid", extras={"TagKey": key})
    return dict(pairs)


# Headers an object request may carry that change nothing S3 stores, checks or answers (Content-Type aside, which
# PutObject reads on its own): the headers of an SDK's usual PutObject and GetObject.
_PLAIN = frozenset(
    {
        *("host", "content-type", "content-length", "user-agent", "amz-sdk-request", "amz-sdk-invocation-id"),
        *("x-amz-date", "x-amz-content-sha256", "authorization", "x-amz-security-token", "accept-encoding"),
        *("expect", "x-amz-user-agent"),
    }
)


def plain_request(headers: Mapping[str, str]) -> bool:
    """Whether an object request carries only `_PLAIN` headers, so that every optional header (metadata, stored
    headers, Content-MD5, checksums, tags, ACL, conditions, range, checksum mode) would read as absent: one set test
    for the usual request instead of a lookup for each. Names are compared as given: a `HeaderMap`'s are lower
    case; any other mapping with a capital letter is not plain, and takes the general readings."""
    return _PLAIN.issuperset(headers.keys())


def sent_names(headers: Mapping[str, str]) -> str:
    """The names of a request's headers, lower case, each on a line of its own: whether the request carries a
    header is then a substring search, where a case-blind lookup costs more for each absent one. An upload can
    send a dozen optional headers and usually sends none."""
    return "\n" + "\n".join(headers.keys()).lower() + "\n"


def object_fields(headers: Mapping[str, str]) -> tuple[str, dict[str, str], dict[str, str]]:
    """Content-Type, x-amz-meta-* and the other stored headers of a PutObject/CreateMultipartUpload request."""
    names = sent_names(headers)
    metadata = _metadata(headers) if "\nx-amz-meta-" in names else {}
    stored = {name: headers[name] for name, line in _STORED_LINES if line in names}
    if "Content-Encoding" in stored:
        encoding = [e.strip() for e in stored.pop("Content-Encoding").split(",") if e.strip() != "aws-chunked"]
        if any(encoding):
            stored["Content-Encoding"] = ",".join(e for e in encoding if e)
    return headers.get("Content-Type") or DEFAULT_CONTENT_TYPE, metadata, stored


_STORED_LINES = tuple((name, f"\n{name.lower()}\n") for name in STORED_HEADERS)


def _metadata(headers: Mapping[str, str]) -> dict[str, str]:
    metadata = {
        name.lower()[len("x-amz-meta-") :]: value
        for name, value in _items(headers)
        if name.lower().startswith("x-amz-meta-")
    }
    size = sum(len(k) + len(v) for k, v in metadata.items())
    if size > MAX_METADATA_BYTES:
        raise Fault(
            "MetadataTooLarge",
            "Your metadata headers exceed the maximum allowed metadata size",
            extras={"Size": str(size), "MaxSizeAllowed": str(MAX_METADATA_BYTES)},
        )
    return metadata


def _items(headers: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    items = getattr(headers, "items", None)
    yield from (items() if items is not None else ((k, headers[k]) for k in headers))


def object_headers(obj: S3Object) -> dict[str, str]:
    headers = {
        "Content-Type": obj.content_type,
        "ETag": obj.etag,
        "Last-Modified": _http_date(obj.last_modified),
        "Accept-Ranges": "bytes",
        **SSE,
    }
    if obj.headers:  # most objects keep none of these, nor metadata, nor tags
        headers.update(obj.headers)
    if obj.metadata:
        for name, value in obj.metadata.items():
            headers[f"x-amz-meta-{name}"] = value
    if obj.tags:
        headers["x-amz-tagging-count"] = str(len(obj.tags))
    return headers


@lru_cache(maxsize=1024)
def _http_date(moment: datetime) -> str:
    """An object's Last-Modified, formatted once per second it was written in (every read sends it)."""
    return http_date(moment)


def object_checksum(headers: Mapping[str, str], body: Body) -> tuple[str, str] | None:
    """The flexible checksum S3 keeps for an upload: the algorithm the client named, its value computed here.

    A value sent as a header must match the body (BadDigest); one sent as an aws-chunked trailer was already
    checked by the endpoint. Algorithms we cannot compute (CRC64NVME) are not kept, so none is reported.
    """
    names = sent_names(headers)
    if "checksum" not in names and "\nx-amz-trailer\n" not in names:  # it names none (the checksum is S3's choice)
        return None
    name = next(iter(named_checksums(headers)), None)
    if name is None:
        return None
    sent = headers.get(name)
    if sent is not None:
        check_checksum(name, sent, body)
    return name, body.checksum(name)
