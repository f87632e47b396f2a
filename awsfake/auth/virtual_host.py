"""Which S3 bucket a Host header names (virtual-hosted style), for S3's addressing and for SigV2, which signs the
bucket as part of the resource.

Virtual-hosted style puts the bucket in the host: `bucket.localhost:PORT` (RFC 6761 loopback names) or
`bucket.s3[.REGION].amazonaws.com`; any other host is path style.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["virtual_bucket"]

_MAX_HOST = 255  # a DNS name's limit: a longer Host is worked out each time, not kept
_VIRTUAL_AWS_HOST = re.compile(r"^(?P<bucket>.+)\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com$")


def virtual_bucket(host: str) -> str | None:
    """The bucket named by a virtual-hosted style Host header, or None for path style."""
    return _cached_bucket(host) if len(host) <= _MAX_HOST else _bucket(host)


def _bucket(host: str) -> str | None:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.lower().rstrip(".")
    if name.endswith(".localhost"):
        return name[: -len(".localhost")] or None
    match = _VIRTUAL_AWS_HOST.match(name)
    return match.group("bucket") if match else None


# A client sends the same Host with every request, and S3 asks of each request several times.
_cached_bucket = lru_cache(maxsize=256)(_bucket)
