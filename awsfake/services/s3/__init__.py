"""Amazon S3: routing and addressing, headers, XML bodies, listings and the object model; the service in `service`."""

from __future__ import annotations

from awsfake.services.s3.service import S3

__all__ = ["S3"]
