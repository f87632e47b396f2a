"""The service helpers against AWS-shaped answers: what they send, and how they read what comes back."""

from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest
from transport_helpers import ScriptedApp, signature_verifies

from awsclient import AwsError, parameterize, s3, sns, sts
from awsclient.credentials import private_key, public_key
from awsclient.transport import close_pools
from awsfake.server import serve_app

pytestmark = pytest.mark.timeout(30)

SNS_NS = "http://sns.amazonaws.com/doc/2010-03-31/"
XML = [("Content-Type", "text/xml")]


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedApp]:
    scripted = ScriptedApp()
    with serve_app(scripted) as server, parameterize({public_key: "AKIDEXAMPLE", private_key: "secret"}):
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        monkeypatch.setenv("AWS_REGION", "eu-west-1")
        scripted.host = f"127.0.0.1:{server.port}"  # type: ignore[attr-defined]
        yield scripted
    close_pools()


def form(app: ScriptedApp, index: int = -1) -> dict[str, str]:
    return dict(parse_qsl(app.seen[index].body.decode(), keep_blank_values=True))


def test_sns_create_topic_sends_the_query_form_and_reads_the_arn(app: ScriptedApp) -> None:
    arn = "arn:aws:sns:eu-west-1:123456789012:foobar"
    app.replies = [
        (
            200,
            XML,
            f'<CreateTopicResponse xmlns="{SNS_NS}"><CreateTopicResult><TopicArn>{arn}</TopicArn></CreateTopicResult>'
            "<ResponseMetadata><RequestId>a8dec8b3-33a4-11df-8963-01868b7c937a</RequestId></ResponseMetadata>"
            "</CreateTopicResponse>".encode(),
        )
    ]
    assert sns.create_topic("foobar", attributes={"DisplayName": "Foo Bar"}) == arn
    seen = app.seen[0]
    assert (seen.method, seen.raw_uri) == ("POST", "/")
    assert seen.headers["content-type"] == "application/x-www-form-urlencoded; charset=utf-8"
    assert form(app) == {
        "Action": "CreateTopic",
        "Version": "2010-03-31",
        "Name": "foobar",
        "Attributes.entry.1.key": "DisplayName",
        "Attributes.entry.1.value": "Foo Bar",
    }
    assert b"Foo%20Bar" in seen.body
    assert "/eu-west-1/sns/aws4_request" in seen.headers["authorization"]
    assert signature_verifies(seen, app.host, region="eu-west-1")  # type: ignore[attr-defined]


def _topics_page(arns: list[str], token: str | None) -> bytes:
    members = "".join(f"<member><TopicArn>{a}</TopicArn></member>" for a in arns)
    next_token = f"<NextToken>{token}</NextToken>" if token else ""
    return (
        f'<ListTopicsResponse xmlns="{SNS_NS}"><ListTopicsResult><Topics>{members}</Topics>{next_token}'
        "</ListTopicsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListTopicsResponse>"
    ).encode()


def test_sns_list_topics_follows_next_token(app: ScriptedApp) -> None:
    app.replies = [(200, XML, _topics_page(["arn:a", "arn:b"], "tok/+=")), (200, XML, _topics_page(["arn:c"], None))]
    assert sns.list_topics() == ["arn:a", "arn:b", "arn:c"]
    assert "NextToken" not in form(app, 0) and form(app, 1)["NextToken"] == "tok/+="


def test_sns_publish_with_subject_and_attributes(app: ScriptedApp) -> None:
    app.replies = [
        (
            200,
            XML,
            f'<PublishResponse xmlns="{SNS_NS}"><PublishResult><MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b'
            "</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
            "</PublishResponse>".encode(),
        )
    ]
    assert sns.publish("arn:t", "héllo & bye", subject="s", attributes={"k": "v"}).startswith("94f20ce6")
    assert form(app) == {
        "Action": "Publish",
        "Version": "2010-03-31",
        "TopicArn": "arn:t",
        "Message": "héllo & bye",
        "Subject": "s",
        "MessageAttributes.entry.1.Name": "k",
        "MessageAttributes.entry.1.Value.DataType": "String",
        "MessageAttributes.entry.1.Value.StringValue": "v",
    }


def test_sns_errors_are_aws_errors(app: ScriptedApp) -> None:
    app.replies = [
        (
            404,
            XML,
            f'<ErrorResponse xmlns="{SNS_NS}"><Error><Type>Sender</Type><Code>NotFound</Code>'
            "<Message>Topic does not exist</Message></Error><RequestId>r</RequestId></ErrorResponse>".encode(),
        )
    ]
    with pytest.raises(AwsError, match='AWS Code="NotFound" Message="Topic does not exist"'):
        sns.delete_topic("arn:aws:sns:eu-west-1:123456789012:gone")
    assert len(app.seen) == 1


def test_sts_get_caller_identity(app: ScriptedApp) -> None:
    app.replies = [
        (
            200,
            XML,
            b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
            b"<Arn>arn:aws:iam::123456789012:user/Alice</Arn><UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>"
            b"<Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r"
            b"</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
        )
    ]
    assert sts.get_caller_identity() == {
        "Account": "123456789012",
        "Arn": "arn:aws:iam::123456789012:user/Alice",
        "UserId": "AIDACKCEVSQ6C2EXAMPLE",
    }
    assert form(app) == {"Action": "GetCallerIdentity", "Version": "2011-06-15"}
    assert "/eu-west-1/sts/aws4_request" in app.seen[0].headers["authorization"]


S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def test_s3_create_bucket_outside_us_east_1_names_the_region(app: ScriptedApp) -> None:
    s3.create_bucket("my-bucket")
    s3.create_bucket("other", region="us-east-1")
    first, second = app.seen
    assert (first.method, first.raw_uri) == ("PUT", "/my-bucket")
    assert b"<LocationConstraint>eu-west-1</LocationConstraint>" in first.body and second.body == b""
    assert "/us-east-1/s3/aws4_request" in second.headers["authorization"]
    assert signature_verifies(first, app.host, region="eu-west-1", service="s3")  # type: ignore[attr-defined]


def test_s3_objects_round_trip_shapes(app: ScriptedApp) -> None:
    app.replies = [
        (200, [("ETag", '"0cc175b9c0f1b6a831c399e269772661"')], b""),
        (200, [("Content-Type", "application/octet-stream"), ("Content-Encoding", "gzip")], b"\x1f\x8b raw"),
        (204, [], b""),
    ]
    etag = s3.put_object("b", "dir/a key+1.txt", b"a", content_type="text/plain", metadata={"who": "me"})
    assert etag == '"0cc175b9c0f1b6a831c399e269772661"'
    assert s3.get_object("b", "dir/a key+1.txt") == b"\x1f\x8b raw"  # stored bytes, never decoded
    s3.delete_object("b", "dir/a key+1.txt")
    put, got, deleted = app.seen
    assert put.raw_uri == got.raw_uri == deleted.raw_uri == "/b/dir/a%20key%2B1.txt"
    assert put.headers["x-amz-meta-who"] == "me" and put.headers["content-type"] == "text/plain"
    assert put.headers["x-amz-content-sha256"] == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
    assert (got.method, deleted.method) == ("GET", "DELETE")


def test_s3_list_objects_pages_and_decodes_keys(app: ScriptedApp) -> None:
    page1 = (
        f'<ListBucketResult xmlns="{S3_NS}"><Name>b</Name><Prefix>p</Prefix><KeyCount>2</KeyCount>'
        "<MaxKeys>2</MaxKeys><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>"
        "<Contents><Key>p/a+b%01</Key><Size>1</Size></Contents><Contents><Key>p/%C3%BC</Key></Contents>"
        "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
        "</ListBucketResult>"
    )
    page2 = f'<ListBucketResult xmlns="{S3_NS}"><IsTruncated>false</IsTruncated><Contents><Key>p/z</Key></Contents>'
    app.replies = [(200, XML, page1.encode()), (200, XML, (page2 + "</ListBucketResult>").encode())]
    assert s3.list_objects("b", "p") == ["p/a b\x01", "p/ü", "p/z"]
    assert app.seen[0].raw_uri == "/b?list-type=2&prefix=p&encoding-type=url"
    assert "continuation-token=1ueGcxLPRx1Tr%2FXYExHnhbYLgveDs2J%2Fwm36Hy4vbOwM%3D" in app.seen[1].raw_uri


def test_s3_list_buckets(app: ScriptedApp) -> None:
    app.replies = [
        (
            200,
            XML,
            f'<ListAllMyBucketsResult xmlns="{S3_NS}"><Owner><ID>abc</ID></Owner><Buckets>'
            "<Bucket><Name>one</Name><CreationDate>2019-12-11T23:32:47+00:00</CreationDate></Bucket>"
            "<Bucket><Name>two</Name><CreationDate>2019-11-10T23:32:13+00:00</CreationDate></Bucket>"
            "</Buckets></ListAllMyBucketsResult>".encode(),
        )
    ]
    assert s3.list_buckets() == ["one", "two"]
    assert app.seen[0].raw_uri == "/"


def test_a_success_body_that_is_not_xml_is_a_clear_error(app: ScriptedApp) -> None:
    app.replies = [(200, XML, b"<html>oops")]
    with pytest.raises(ValueError, match="s3 ListBuckets: the response body is not XML"):
        s3.list_buckets()


def test_s3_redirect_to_another_region_is_an_error_not_a_result(app: ScriptedApp) -> None:
    app.replies = [
        (
            301,
            [("Content-Type", "application/xml"), ("x-amz-bucket-region", "eu-central-1")],
            b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PermanentRedirect</Code><Message>The bucket you '
            b"are attempting to access must be addressed using the specified endpoint. Please send all future "
            b"requests to this endpoint.</Message><Endpoint>s3.eu-central-1.amazonaws.com</Endpoint>"
            b"<Bucket>b</Bucket><RequestId>R</RequestId><HostId>H</HostId></Error>",
        )
    ]
    with pytest.raises(AwsError) as info:
        s3.list_objects("b")
    assert (info.value.http_code, info.value.aws_code, info.value.request_id) == (301, "PermanentRedirect", "R")
    assert info.value.details["Endpoint"] == "s3.eu-central-1.amazonaws.com"
