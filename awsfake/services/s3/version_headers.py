"""Which version a request names and the headers that report versions (`x-amz-version-id`,
`x-amz-delete-marker`, `x-amz-copy-source-version-id`), with AWS's errors for missing versions and markers."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs

from awsfake.errors import Fault, no_such_key
from awsfake.services.s3.model import S3Object
from awsfake.services.s3.versions import Versions, no_such_version

__all__ = ["DELETE_MARKER", "chosen", "copy_source_version", "marker_headers", "source_version", "version_header"]

DELETE_MARKER = {"x-amz-delete-marker": "true"}


def version_header(version_id: str | None) -> dict[str, str]:
    return {"x-amz-version-id": version_id} if version_id else {}


def marker_headers(marker_id: str | None) -> dict[str, str]:
    """A DeleteObject that left a delete marker reports it; an unversioned delete reports nothing."""
    return {**DELETE_MARKER, **version_header(marker_id)} if marker_id else {}


def chosen(
    versions: Versions, key: str, version_id: str | None, objects: Mapping[str, S3Object]
) -> tuple[S3Object, dict[str, str]]:
    """The object a read names (a version, else the latest) and its version header; AWS's error otherwise."""
    if version_id is None:
        obj = objects.get(key)
        latest = versions.latest(key) if versions.status else None
        if obj is None:
            headers = marker_headers(latest.version_id) if latest is not None and latest.obj is None else {}
            missing = no_such_key(key)
            raise Fault(missing.code, missing.message, missing.status, extras=missing.extras, headers=headers)
        return obj, version_header(latest.version_id if latest is not None else None)
    found = versions.find(key, version_id, objects)
    if found is None:
        raise no_such_version(key, version_id)
    if found.obj is None:
        raise Fault(
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
            405,
            extras={"Method": "GET", "ResourceType": "DeleteMarker"},
            headers={**marker_headers(version_id), "Allow": "DELETE"},
        )
    return found.obj, version_header(version_id)


def copy_source_version(header: str) -> str | None:
    """The `?versionId=` of an `x-amz-copy-source` header."""
    _, _, query = header.partition("?")
    values = parse_qs(query).get("versionId")
    return values[0] if values else None


def source_version(headers: Mapping[str, str]) -> dict[str, str]:
    version_id = copy_source_version(headers.get("x-amz-copy-source", ""))
    return {"x-amz-copy-source-version-id": version_id} if version_id else {}
