"""The services this package implements itself, by catalogue name (the others answer unknown-operation)."""

from __future__ import annotations

from awsfake.services import Service
from awsfake.services.s3 import S3
from awsfake.services.sns import SNS
from awsfake.services.sqs import SQS
from awsfake.services.sts import STS

__all__ = ["NATIVE"]

NATIVE: dict[str, type[Service]] = {"s3": S3, "sns": SNS, "sqs": SQS, "sts": STS}
