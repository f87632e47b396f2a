"""AWS STS: who am I, thin over `awsclient.request` (query protocol)."""

from __future__ import annotations

from awsclient import _query, _xml

__all__ = ["VERSION", "get_caller_identity"]

VERSION = "2011-06-15"


def get_caller_identity(*, region: str | None = None) -> dict[str, str]:
    """`{"Account": ..., "Arn": ..., "UserId": ...}` for the current credentials."""
    result = _query.call("sts", "GetCallerIdentity", VERSION, region=region)
    return {name: _xml.find_text(result, name) or "" for name in ("Account", "Arn", "UserId")}
