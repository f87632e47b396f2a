"""S3's PostObject: a browser upload (the form was verified by `awsfake.auth.post_policy`) stored as PutObject
would store it, answered as S3 answers a form: a redirect, a PostResponse document, or an empty 200/204."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote, urlencode

from awsfake.auth.post_policy import PostUpload, is_post_upload, parse_upload, post_bucket
from awsfake.auth.virtual_host import virtual_bucket
from awsfake.request import HeaderMap
from awsfake.services import Call, Result
from awsfake.store.body import Body

__all__ = ["answer", "is_browser_upload", "store_call", "upload_of"]

# Form fields that become object headers (besides x-amz-meta-*).
_OBJECT_FIELDS = (
    "content-type",
    "cache-control",
    "content-disposition",
    "content-encoding",
    "expires",
    "x-amz-storage-class",
    "x-amz-tagging",
    "x-amz-website-redirect-location",
    "x-amz-server-side-encryption",
)
# Form fields named otherwise than the PutObject header they amount to.
_RENAMED_FIELDS = {"acl": "x-amz-acl"}


def is_browser_upload(call: Call) -> bool:
    if call.method != "POST":  # the one question most requests need answered
        return False
    has_auth = "authorization" in call.headers or "X-Amz-Credential" in call.query
    return is_post_upload(call.method, call.host, call.path, call.headers.get("content-type") or "", has_auth)


def upload_of(call: Call) -> PostUpload:
    return parse_upload(post_bucket(call.host, call.path), call.headers.get("content-type") or "", call.body.read())


def store_call(call: Call, upload: PostUpload) -> Call:
    """The PutObject call the form amounts to: its file as the body, its fields as object headers."""
    headers = HeaderMap([("host", call.host), *_object_headers(upload)])
    path = f"/{upload.key}" if virtual_bucket(call.host) else f"/{upload.bucket}/{upload.key}"  # the host's style
    return replace(call, action="PutObject", method="PUT", path=path, query={}, headers=headers, body=Body(upload.file))


def _object_headers(upload: PostUpload) -> list[tuple[str, str]]:
    """The PutObject headers the form asks for: Content-Type (S3's default if absent), metadata and the like."""
    fields = upload.fields
    headers = [("content-type", fields.get("content-type") or "binary/octet-stream")]
    headers += [(name, fields[name]) for name in _OBJECT_FIELDS[1:] if fields.get(name)]
    headers += [(header, fields[name]) for name, header in _RENAMED_FIELDS.items() if fields.get(name)]
    headers += [(name, value) for name, value in fields.items() if name.startswith("x-amz-meta-")]
    return headers


def answer(upload: PostUpload, etag: str, host: str) -> Result:
    """S3's reply: a 303 to `success_action_redirect`, else 200 / 201 (with a PostResponse) / 204 as asked."""
    path = quote(upload.key) if virtual_bucket(host) else f"{quote(upload.bucket)}/{quote(upload.key)}"
    location = f"http://{host}/{path}"  # the object's address, in the style the form was sent
    headers = {"ETag": etag, "Location": location}
    redirect = upload.fields.get("success_action_redirect") or upload.fields.get("redirect")
    if redirect:
        query = urlencode({"bucket": upload.bucket, "key": upload.key, "etag": etag})
        headers["Location"] = f"{redirect}{'&' if '?' in redirect else '?'}{query}"
        return Result(status=303, headers=headers)
    status = upload.fields.get("success_action_status", "204")
    if status == "201":
        body = {"Location": location, "Bucket": upload.bucket, "Key": upload.key, "ETag": etag}
        return Result(body, root="PostResponse", status=201, headers=headers)
    return Result(status=200 if status == "200" else 204, headers=headers)
