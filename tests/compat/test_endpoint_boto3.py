"""End to end: boto3 against a served FakeAWS, every family, answers from stubs (auth and rendering are real)."""

from __future__ import annotations

import datetime

import pytest
from botocore.exceptions import ClientError
from endpoint_helpers import client, served

from awsfake import DEFAULT_ACCESS_KEY_ID
from awsfake.services import Call

pytestmark = pytest.mark.timeout(60)


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def test_query_family_stub_answers_a_signed_boto3_call() -> None:
    with served() as (fake, url):
        fake.stub("sns", "ListTopics", body={"Topics": [{"TopicArn": "arn:aws:sns:us-east-1:123456789012:t"}]})
        topics = client(url, "sns").list_topics()["Topics"]
        assert topics == [{"TopicArn": "arn:aws:sns:us-east-1:123456789012:t"}]
        (record,) = fake.requests.filter(service="sns")
        assert record.action == "ListTopics" and record.verified and record.error is None
        assert record.access_key_id == DEFAULT_ACCESS_KEY_ID


def test_query_family_renders_maps_timestamps_and_no_result() -> None:
    expires = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    with served() as (fake, url):
        fake.stub("sns", "GetTopicAttributes", body={"Attributes": _map({"Owner": "123456789012", "Policy": "{}"})})
        fake.stub("sns", "DeleteTopic")
        fake.stub(
            "sts",
            "GetSessionToken",
            body={
                "Credentials": {
                    "AccessKeyId": "ASIAX",
                    "SecretAccessKey": "s",
                    "SessionToken": "t",
                    "Expiration": expires,
                }
            },
        )
        sns = client(url, "sns")
        assert sns.get_topic_attributes(TopicArn="arn:x")["Attributes"] == {"Owner": "123456789012", "Policy": "{}"}
        assert sns.delete_topic(TopicArn="arn:x")["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert client(url, "sts").get_session_token()["Credentials"]["Expiration"] == expires


def test_query_family_hands_services_nested_values() -> None:
    """Lists (`member.N`), maps (`entry.N`) and structures arrive decoded, in the call and in the journal."""
    seen: list[dict[str, object]] = []

    def create_topic(call: Call) -> dict[str, str]:
        seen.append(call.params)
        return {"TopicArn": "arn:aws:sns:us-east-1:123456789012:t"}

    with served() as (fake, url):
        fake.stub("sns", "CreateTopic", handler=create_topic)
        client(url, "sns").create_topic(
            Name="t",
            Attributes={"DisplayName": "Shown", "FifoTopic": "false"},
            Tags=[{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "b"}],
        )
        (record,) = fake.requests.filter(service="sns", action="CreateTopic")
    (params,) = seen
    assert params["Name"] == "t"
    assert params["Attributes"] == {"DisplayName": "Shown", "FifoTopic": "false"}
    assert params["Tags"] == [{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "b"}]
    assert record.params["Tags"] == params["Tags"]


def _map(values: dict[str, str]) -> object:
    from awsfake.services import Map

    return Map(values)


def test_unknown_action_gets_each_family_s_own_error() -> None:
    with served() as (_, url):
        with pytest.raises(ClientError) as sns:
            client(url, "sns").list_platform_applications()
        assert error_of(sns) == (
            "InvalidAction",
            400,
            "The action ListPlatformApplications is not valid for this web service.",
        )
        ddb = client(url, "dynamodb")
        ddb.meta.events.register("before-sign.dynamodb.ListTables", _rename_target)
        with pytest.raises(ClientError) as unknown:
            ddb.list_tables()
        assert error_of(unknown)[:2] == ("UnknownOperationException", 400)


def _rename_target(request: object, **_: object) -> None:
    """An operation the model does not have: the target header renamed before signing."""
    request.headers.replace_header("X-Amz-Target", "DynamoDB_20120810.NoSuchOperation")  # type: ignore[attr-defined]


def test_an_operation_neither_the_fake_nor_moto_emulates_says_so_in_the_family() -> None:
    """CodeCommit is known to moto, ListRepositories is not: a plain error naming both and the way out."""
    with served() as (fake, url):
        with pytest.raises(ClientError) as excinfo:
            client(url, "codecommit").list_repositories()
        code, status, message = error_of(excinfo)
        assert (code, status) == ("NotImplemented", 501)
        assert "codecommit ListRepositories" in message and "fake.stub('codecommit', 'ListRepositories'" in message
        assert [(r.service, r.action, r.verified) for r in fake.requests] == [("codecommit", "ListRepositories", True)]


def test_stub_error_renders_in_the_service_family_and_is_used_in_order() -> None:
    with served() as (fake, url):
        fake.stub("sns", "Publish", error=("Throttling", "Rate exceeded", 400), times=2)
        fake.stub("sns", "Publish", body={"MessageId": "m-1"})
        sns = client(url, "sns")
        for _ in range(2):
            with pytest.raises(ClientError) as excinfo:
                sns.publish(TopicArn="arn:aws:sns:us-east-1:123456789012:t", Message="hi")
            assert error_of(excinfo) == ("Throttling", 400, "Rate exceeded")
        assert sns.publish(TopicArn="arn:aws:sns:us-east-1:123456789012:t", Message="hi")["MessageId"] == "m-1"
        fake.requests.assert_called("sns", "Publish", times=3)


def test_throttle_twice_then_succeed_with_boto3_retries() -> None:
    from botocore.config import Config

    with served() as (fake, url):
        fake.stub("sns", "Publish", error=("Throttling", "Rate exceeded", 400), times=2)
        fake.stub("sns", "Publish", body={"MessageId": "m-2"})
        sns = client(url, "sns", config=Config(retries={"total_max_attempts": 3, "mode": "standard"}))
        assert sns.publish(TopicArn="arn:aws:sns:us-east-1:123456789012:t", Message="hi")["MessageId"] == "m-2"
        assert len(fake.requests.filter(action="Publish")) == 3


def test_sqs_query_compatible_errors_map_to_modeled_exceptions() -> None:
    with served() as (fake, url):
        fake.stub("sqs", "GetQueueUrl", error=("QueueDoesNotExist", "The specified queue does not exist."))
        fake.stub("sqs", "ListQueues", body={"QueueUrls": ["http://example/q"]})
        sqs = client(url, "sqs")
        with pytest.raises(sqs.exceptions.QueueDoesNotExist) as excinfo:
            sqs.get_queue_url(QueueName="nope")
        assert excinfo.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
        assert sqs.list_queues()["QueueUrls"] == ["http://example/q"]


def test_json_results_and_handler_stubs_see_the_call() -> None:
    seen = []

    def handler(call: object) -> dict[str, object]:
        seen.append(call)
        return {"TableNames": ["a", "b"]}

    with served() as (fake, url):
        fake.stub("dynamodb", "ListTables", handler=handler)
        assert client(url, "dynamodb", region="eu-west-1").list_tables(Limit=5)["TableNames"] == ["a", "b"]
        (call,) = seen
        assert call.params == {"Limit": 5} and call.region == "eu-west-1"  # type: ignore[attr-defined]
        assert call.caller.account_id == "123456789012"  # type: ignore[attr-defined]


def test_ec2_family_result_and_error() -> None:
    with served() as (fake, url):
        fake.stub("ec2", "DescribeRegions", body={"regionInfo": [{"regionName": "us-east-1"}]})
        fake.stub(
            "ec2", "DescribeInstances", error=("InvalidInstanceID.NotFound", "The instance ID 'i-1' does not exist")
        )
        ec2 = client(url, "ec2")
        assert ec2.describe_regions()["Regions"] == [{"RegionName": "us-east-1"}]
        with pytest.raises(ClientError) as excinfo:
            ec2.describe_instances(InstanceIds=["i-1"])
        assert error_of(excinfo) == ("InvalidInstanceID.NotFound", 400, "The instance ID 'i-1' does not exist")


def test_a_handler_bug_is_an_internal_error_and_check_reraises_it() -> None:
    def broken(call: object) -> object:
        raise RuntimeError("bug in the handler")

    from awsfake import FakeAWS

    fake = FakeAWS()
    with fake.serve() as running:
        fake.stub("sns", "ListTopics", handler=broken)
        with pytest.raises(ClientError) as excinfo:
            client(running.url, "sns").list_topics()
        assert error_of(excinfo)[:2] == ("InternalError", 500)
    with pytest.raises(RuntimeError, match="bug in the handler"):
        fake.check()
    fake.check()  # reported once


def test_reset_forgets_stubs_and_journal_but_keeps_added_keys() -> None:
    with served() as (fake, url):
        fake.add_credentials("AKIDOTHERKEY00000001", "other-secret")
        fake.stub("sns", "ListPlatformApplications", body={"PlatformApplications": []})
        client(url, "sns").list_platform_applications()
        fake.reset()
        assert len(fake.requests) == 0
        with pytest.raises(ClientError) as excinfo:
            client(url, "sns", key="AKIDOTHERKEY00000001", secret="other-secret").list_platform_applications()
        assert error_of(excinfo)[0] == "InvalidAction"


def test_callable_body_and_bytes_body_stubs() -> None:
    with served() as (fake, url):
        fake.stub("sqs", "GetQueueUrl", body=lambda call: {"QueueUrl": f"http://q/{call.params['QueueName']}"})
        assert client(url, "sqs").get_queue_url(QueueName="jobs")["QueueUrl"] == "http://q/jobs"
        fake.stub("s3", "GetObject", body=b"canned bytes", headers={"Content-Type": "text/plain"}, times=1)
        s3 = client(url, "s3")
        got = s3.get_object(Bucket="any-bucket", Key="k")
        assert got["Body"].read() == b"canned bytes" and got["ContentType"] == "text/plain"
        with pytest.raises(ClientError) as excinfo:  # the stub is used up: the real S3 answers
            s3.get_object(Bucket="any-bucket", Key="k")
        assert error_of(excinfo)[:2] == ("NoSuchBucket", 404)


def test_journal_limit_keeps_the_newest_records() -> None:
    with served(journal_limit=3) as (fake, url):
        fake.stub("sns", "ListTopics", body={"Topics": []})
        sns = client(url, "sns")
        for _ in range(5):
            sns.list_topics()
        assert len(fake.requests) == 3
        assert fake.requests[-1].time >= fake.requests[0].time


def test_s3_refuses_an_unknown_method_with_method_not_allowed() -> None:
    from endpoint_helpers import parsed_error, send, signed

    with served() as (_, url):
        headers = signed(url, "PATCH", "/some-bucket/key", service="s3")
        error = parsed_error("rest-xml", send(url, "PATCH", "/some-bucket/key", headers))
        assert (error["Code"], error["status"], error["Method"], error["ResourceType"]) == (
            "MethodNotAllowed",
            405,
            "PATCH",
            "OBJECT",
        )
