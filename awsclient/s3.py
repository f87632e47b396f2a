"""Amazon S3: buckets and objects, thin over `awsclient.request` (REST-XML, path-style addresses).

Path-style (`/bucket/key` on the regional endpoint) works against AWS and every endpoint override alike; keys are
plain text, percent-encoded once by `request`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus

from awsclient import _xml
from awsclient.errors import header_and_response_to_exn
from awsclient.transport import Response, region_for, request

__all__ = ["NS", "create_bucket", "delete_object", "get_object", "list_buckets", "list_objects", "put_object"]

NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _call(method: str, path: str, **kwargs: Any) -> Response:
    """`awsclient.request` for S3, where a redirect is a failure too: the bucket lives in another region.

    S3 answers 301 `PermanentRedirect` (or 307 `TemporaryRedirect`) with an `<Error>` body naming the endpoint to
    use; the helpers raise it as an `AwsError` instead of reading it as a result.
    """
    response = request(method, path, service="s3", **kwargs)
    if 300 <= response.status < 400:
        raise header_and_response_to_exn(response.headers, response.body, status=response.status)
    return response


def list_buckets(*, region: str | None = None) -> list[str]:
    """Every bucket's name, following continuation tokens through all pages."""
    names: list[str] = []
    token: str | None = None
    while True:
        query = {"continuation-token": token} if token else None
        response = _call("GET", "/", region=region, query=query)
        root = _xml.parse(response.body, "s3 ListBuckets")
        names += _xml.find_all_text(root, "Buckets/Bucket/Name")
        token = _xml.find_text(root, "ContinuationToken")
        if not token:
            return names


def create_bucket(bucket: str, *, region: str | None = None) -> None:
    """Create `bucket` in the region (outside us-east-1 S3 needs the region named in the body too)."""
    where = region_for(region)
    body = b""
    if where != "us-east-1":
        body = (
            f'<CreateBucketConfiguration xmlns="{NS}"><LocationConstraint>{where}</LocationConstraint>'
            "</CreateBucketConfiguration>"
        ).encode()
    _call("PUT", f"/{bucket}", region=where, body=body)


def put_object(
    bucket: str,
    key: str,
    body: bytes,
    *,
    content_type: str | None = None,
    metadata: Mapping[str, str] | None = None,
    region: str | None = None,
) -> str:
    """Store `body` under `key`; return the ETag S3 gave it (quoted, as S3 sends it)."""
    headers = {f"x-amz-meta-{name}": value for name, value in (metadata or {}).items()}
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = _call("PUT", f"/{bucket}/{key}", region=region, headers=headers, body=body)
    return response.headers.get("ETag", "")


def get_object(bucket: str, key: str, *, region: str | None = None) -> bytes:
    return _call("GET", f"/{bucket}/{key}", region=region).body


def delete_object(bucket: str, key: str, *, region: str | None = None) -> None:
    _call("DELETE", f"/{bucket}/{key}", region=region)


def list_objects(bucket: str, prefix: str = "", *, region: str | None = None) -> list[str]:
    """The keys under `prefix`, in S3's (UTF-8 binary) order, following ListObjectsV2 continuation tokens.

    Keys are asked for URL-encoded (as botocore does), so keys with characters XML cannot carry still list.
    """
    keys: list[str] = []
    token: str | None = None
    while True:
        query = {"list-type": "2", "prefix": prefix, "encoding-type": "url"}
        if token:
            query["continuation-token"] = token
        response = _call("GET", f"/{bucket}", region=region, query=query)
        root = _xml.parse(response.body, "s3 ListObjectsV2")
        found = _xml.find_all_text(root, "Contents/Key")
        keys += [unquote_plus(k) for k in found] if _xml.find_text(root, "EncodingType") == "url" else found
        token = _xml.find_text(root, "NextContinuationToken") if _xml.find_text(root, "IsTruncated") == "true" else None
        if not token:
            return keys
