"""The one table of services: protocol family, API version, XML namespace, JSON target prefix, signing rules.

Everything that depends on "which wire format does this service speak" reads this table; nothing else keeps its
own list. A service with no implementation (see `awsfake.services.native`) still has a family, so its requests are
verified and answered with that family's unknown-operation error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from awsfake.families import FAMILIES, Family
from awsfake.services.sqs.codes import QUERY_CODES as SQS_QUERY_CODES

__all__ = ["CATALOG", "S3_SIGNING", "ServiceInfo", "Signing", "info_for"]


@dataclass(frozen=True)
class Signing:
    """What a service demands of a SigV4 request beyond the signature (S3's rules; other services demand none).

    `regional`: only the endpoint's own region is served. `amz_headers_signed`: every x-amz-* header must be
    signed. `payload_header`: x-amz-content-sha256 is required, checked against the body, and may announce an
    aws-chunked body. `presign_expires`: presigned URLs must carry X-Amz-Expires. `post_form`: a browser POST
    form signed with a policy is a third way to authenticate.
    """

    regional: bool = False
    amz_headers_signed: bool = False
    payload_header: bool = False
    presign_expires: bool = False
    post_form: bool = False


S3_SIGNING = Signing(True, True, True, True, True)


@dataclass(frozen=True)
class ServiceInfo:
    """How one service is spoken. `query_errors`: a JSON service that still reports query-era error codes
    (modeled shape -> query-era code)."""

    name: str
    family: Family
    api_version: str = ""
    namespace: str = ""
    target_prefix: str = ""
    json_version: str = "1.0"
    query_errors: Mapping[str, str] | None = None
    signing: Signing = Signing()

    @property
    def json_content_type(self) -> str:
        return f"application/x-amz-json-{self.json_version}"


def _query(name: str, version: str, namespace: str) -> ServiceInfo:
    return ServiceInfo(name, FAMILIES["query"], version, namespace)


def _json(
    name: str, version: str, prefix: str, json_version: str, query_errors: Mapping[str, str] | None = None
) -> ServiceInfo:
    return ServiceInfo(
        name, FAMILIES["json"], version, target_prefix=prefix, json_version=json_version, query_errors=query_errors
    )


_S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
_ENTRIES = [
    ServiceInfo(
        "s3", FAMILIES["rest-xml"], "2006-03-01", "http://s3.amazonaws.com/doc/2006-03-01/", signing=S3_SIGNING
    ),
    _query("sns", "2010-03-31", "http://sns.amazonaws.com/doc/2010-03-31/"),
    _query("sts", "2011-06-15", "https://sts.amazonaws.com/doc/2011-06-15/"),
    _query("iam", "2010-05-08", "https://iam.amazonaws.com/doc/2010-05-08/"),
    _query("ses", "2010-12-01", "http://ses.amazonaws.com/doc/2010-12-01/"),
    _query("cloudformation", "2010-05-15", "http://cloudformation.amazonaws.com/doc/2010-05-15/"),
    _query("rds", "2014-10-31", "http://rds.amazonaws.com/doc/2014-10-31/"),
    _query("elasticache", "2015-02-02", "http://elasticache.amazonaws.com/doc/2015-02-02/"),
    _query("autoscaling", "2011-01-01", "http://autoscaling.amazonaws.com/doc/2011-01-01/"),
    _query("monitoring", "2010-08-01", "http://monitoring.amazonaws.com/doc/2010-08-01/"),
    ServiceInfo("ec2", FAMILIES["ec2"], "2016-11-15", "http://ec2.amazonaws.com/doc/2016-11-15/"),
    _json("sqs", "2012-11-05", "AmazonSQS", "1.0", SQS_QUERY_CODES),
    _json("dynamodb", "2012-08-10", "DynamoDB_20120810", "1.0"),
    _json("kms", "2014-11-01", "TrentService", "1.1"),
    _json("secretsmanager", "2017-10-17", "secretsmanager", "1.1"),
    _json("ssm", "2014-11-06", "AmazonSSM", "1.1"),
    _json("logs", "2014-03-28", "Logs_20140328", "1.1"),
    _json("events", "2015-10-07", "AWSEvents", "1.1"),
    _json("kinesis", "2013-12-02", "Kinesis_20131202", "1.1"),
    _json("ecr", "2015-09-21", "AmazonEC2ContainerRegistry_V20150921", "1.1"),
]

CATALOG: dict[str, ServiceInfo] = {info.name: info for info in _ENTRIES}


def info_for(name: str) -> ServiceInfo:
    """The catalog entry, or a query-family entry with no operations for a service we do not know."""
    return CATALOG.get(name) or ServiceInfo(name, FAMILIES["query"])
