"""The one table of services: protocol family, API version, XML namespace, JSON target prefix, implementation.

Everything that depends on "which wire format does this service speak" reads this table; nothing else keeps its
own list. A service with no implementation still has a family, so its requests are verified and answered with that
family's unknown-operation error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from awsfake.services import Service
from awsfake.services.s3 import S3
from awsfake.services.sns import SNS
from awsfake.services.sqs import SQS
from awsfake.services.sts import STS

__all__ = ["CATALOG", "Family", "ServiceInfo", "info_for", "service_class"]

Family = Literal["rest-xml", "query", "ec2", "json"]


@dataclass(frozen=True)
class ServiceInfo:
    """How one service is spoken. `query_compatible`: a JSON service that still reports query-era error codes."""

    name: str
    family: Family
    api_version: str = ""
    namespace: str = ""
    target_prefix: str = ""
    json_version: str = "1.0"
    query_compatible: bool = False
    implementation: type[Service] | None = None

    @property
    def json_content_type(self) -> str:
        return f"application/x-amz-json-{self.json_version}"


def _query(name: str, version: str, namespace: str, implementation: type[Service] | None = None) -> ServiceInfo:
    return ServiceInfo(name, "query", version, namespace, implementation=implementation)


def _json(name: str, version: str, prefix: str, json_version: str, **kw: object) -> ServiceInfo:
    return ServiceInfo(name, "json", version, target_prefix=prefix, json_version=json_version, **kw)  # type: ignore[arg-type]


_ENTRIES = [
    ServiceInfo("s3", "rest-xml", "2006-03-01", "http://s3.amazonaws.com/doc/2006-03-01/", implementation=S3),
    _query("sns", "2010-03-31", "http://sns.amazonaws.com/doc/2010-03-31/", SNS),
    _query("sts", "2011-06-15", "https://sts.amazonaws.com/doc/2011-06-15/", STS),
    _query("iam", "2010-05-08", "https://iam.amazonaws.com/doc/2010-05-08/"),
    _query("ses", "2010-12-01", "http://ses.amazonaws.com/doc/2010-12-01/"),
    _query("cloudformation", "2010-05-15", "http://cloudformation.amazonaws.com/doc/2010-05-15/"),
    _query("rds", "2014-10-31", "http://rds.amazonaws.com/doc/2014-10-31/"),
    _query("elasticache", "2015-02-02", "http://elasticache.amazonaws.com/doc/2015-02-02/"),
    _query("autoscaling", "2011-01-01", "http://autoscaling.amazonaws.com/doc/2011-01-01/"),
    _query("monitoring", "2010-08-01", "http://monitoring.amazonaws.com/doc/2010-08-01/"),
    ServiceInfo("ec2", "ec2", "2016-11-15", "http://ec2.amazonaws.com/doc/2016-11-15/"),
    _json("sqs", "2012-11-05", "AmazonSQS", "1.0", query_compatible=True, implementation=SQS),
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
    return CATALOG.get(name) or ServiceInfo(name, "query")


def service_class(info: ServiceInfo) -> type[Service] | None:
    """The `Service` subclass implementing `info`, or None when the fake has no operations for it."""
    return info.implementation
