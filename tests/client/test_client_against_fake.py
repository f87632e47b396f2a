"""awsclient's transport and service helpers against the real fake endpoint (which verifies every signature)."""

import time
from collections.abc import Iterator

import pytest
from freezegun import freeze_time
from transport_helpers import wait_until

from awsclient import AwsError, current_pool_timeout, max_attempts, parameterize, request, s3, sns, sts
from awsclient.credentials import private_key, public_key
from awsclient.transport import close_pools, retry_base_delay, retry_max_delay
from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCOUNT_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS
from awsfake.server import RunningServer

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def fake() -> FakeAWS:
    return FakeAWS()


@pytest.fixture
def server(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningServer]:
    values = {
        public_key: DEFAULT_ACCESS_KEY_ID,
        private_key: DEFAULT_SECRET_ACCESS_KEY,
        retry_base_delay: 0.01,
        retry_max_delay: 0.05,
    }
    with fake.serve() as running, parameterize(values):
        monkeypatch.setenv("AWS_ENDPOINT_URL", running.url)
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        yield running
    close_pools()
    fake.check()


def test_readme_sns_example(server: RunningServer, fake: FakeAWS) -> None:
    from awsclient import sns

    arn = sns.create_topic("foobar")
    assert arn == f"arn:aws:sns:us-east-1:{DEFAULT_ACCOUNT_ID}:foobar"
    assert arn in sns.list_topics()
    assert sns.publish(arn, "hello", subject="greeting")
    sns.delete_topic(arn)
    assert arn not in sns.list_topics()
    assert all(r.verified for r in fake.requests)


def test_readme_pooled_list_buckets(server: RunningServer, fake: FakeAWS) -> None:
    from awsclient import current_pool_timeout, parameterize
    from awsclient.s3 import list_buckets

    with parameterize({current_pool_timeout: 30}):
        list_buckets()
        list_buckets()
    ids = {r.connection_id for r in fake.requests}
    assert len(fake.requests) == 2 and len(ids) == 1 and len(server.connections) == 1


def test_pool_zero_opens_a_connection_per_request(server: RunningServer, fake: FakeAWS) -> None:
    sts.get_caller_identity()
    sts.get_caller_identity()
    assert len({r.connection_id for r in fake.requests}) == 2
    assert wait_until(lambda: not server.open_connections())


def test_pooled_connection_closes_after_the_idle_timeout(server: RunningServer, fake: FakeAWS) -> None:
    with parameterize({current_pool_timeout: 0.3}):
        sts.get_caller_identity()
        assert server.open_connections()
        assert wait_until(lambda: not server.open_connections(), timeout=3)
    assert len(fake.requests) == 1


def test_sts_identity_is_the_signing_key(server: RunningServer) -> None:
    identity = sts.get_caller_identity()
    assert identity["Account"] == DEFAULT_ACCOUNT_ID and identity["Arn"].startswith("arn:aws:iam::")


def test_s3_helpers_round_trip(server: RunningServer, fake: FakeAWS) -> None:
    s3.create_bucket("transport-bucket")
    assert "transport-bucket" in s3.list_buckets()
    keys = ["plain.txt", "dir/with space+plus.txt", "ünïcode/ключ", "tilde~/pct%41", "what?#.txt", "a//b", "c/../d"]
    for key in keys:
        etag = s3.put_object("transport-bucket", key, key.encode(), content_type="text/plain")
        assert etag.startswith('"')
        assert s3.get_object("transport-bucket", key) == key.encode()
    assert sorted(s3.list_objects("transport-bucket")) == sorted(keys)
    assert s3.list_objects("transport-bucket", "dir/") == ["dir/with space+plus.txt"]
    s3.delete_object("transport-bucket", "plain.txt")
    with pytest.raises(AwsError) as info:
        s3.get_object("transport-bucket", "plain.txt")
    assert (info.value.http_code, info.value.aws_code) == (404, "NoSuchKey")
    assert info.value.request_id
    assert all(r.verified for r in fake.requests)


def test_throttling_is_retried_until_success(server: RunningServer, fake: FakeAWS) -> None:
    fake.stub("sns", "ListTopics", error=("Throttling", "Rate exceeded", 400), times=2)
    with freeze_time(auto_tick_seconds=1):
        assert sns.list_topics() == []
    records = fake.requests.filter(service="sns", action="ListTopics")
    assert [r.error for r in records] == ["Throttling", "Throttling", None]
    assert all(r.verified for r in records)


def test_server_errors_exhaust_the_attempts(server: RunningServer, fake: FakeAWS) -> None:
    fake.stub("sts", "GetCallerIdentity", error=("InternalFailure", "boom", 500))
    with parameterize({max_attempts: 2}), pytest.raises(AwsError) as info:
        sts.get_caller_identity()
    assert (info.value.http_code, info.value.aws_code, info.value.aws_message) == (500, "InternalFailure", "boom")
    assert len(fake.requests) == 2


def test_wrong_secret_is_a_signature_error_and_leaves_no_connection_stuck(server: RunningServer, fake: FakeAWS) -> None:
    with parameterize({private_key: "not-the-secret", current_pool_timeout: 30}):
        with pytest.raises(AwsError) as info:
            sns.list_topics()
        assert info.value.aws_code == "SignatureDoesNotMatch" and info.value.http_code == 403
        assert "not-the-secret" not in str(info.value)
    with parameterize({current_pool_timeout: 30}):
        sns.list_topics()
    assert len(fake.requests) == 2 and len(server.connections) == 1  # the error's connection was reused


def test_unknown_key_over_s3(server: RunningServer) -> None:
    with parameterize({public_key: "AKIDUNKNOWNUNKNOWN00"}), pytest.raises(AwsError) as info:
        s3.list_buckets()
    assert (info.value.http_code, info.value.aws_code) == (403, "InvalidAccessKeyId")


def test_request_for_a_plain_call(server: RunningServer) -> None:
    response = request(
        "POST",
        "/",
        service="sts",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=b"Action=GetCallerIdentity&Version=2011-06-15",
    )
    assert response.status == 200 and b"GetCallerIdentityResult" in response.body and response.request_id
    assert current_pool_timeout() == 0


def _boto3_error(server: RunningServer, service: str, call: str, **kwargs: object) -> dict[str, str]:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    client = boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=server.url,
        aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
        aws_secret_access_key=DEFAULT_SECRET_ACCESS_KEY,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    with pytest.raises(ClientError) as info:
        getattr(client, call)(**kwargs)
    client.close()
    error: dict[str, str] = info.value.response["Error"]
    return {**error, "RequestId": info.value.response["ResponseMetadata"].get("RequestId", "")}


def test_errors_read_the_same_as_boto3_reads_them(server: RunningServer) -> None:
    missing_topic = f"arn:aws:sns:us-east-1:{DEFAULT_ACCOUNT_ID}:missing"
    s3.create_bucket("diff-bucket")
    cases = [
        (lambda: sns.publish(missing_topic, "x"), ("sns", "publish", {"TopicArn": missing_topic, "Message": "x"})),
        (lambda: s3.get_object("diff-bucket", "nope"), ("s3", "get_object", {"Bucket": "diff-bucket", "Key": "nope"})),
        (lambda: s3.list_objects("no-such-bucket"), ("s3", "list_objects_v2", {"Bucket": "no-such-bucket"})),
    ]
    for ours_call, (service, call, kwargs) in cases:
        with pytest.raises(AwsError) as info:
            ours_call()
        theirs = _boto3_error(server, service, call, **kwargs)
        assert (info.value.aws_code, info.value.aws_message) == (theirs["Code"], theirs["Message"])
        assert info.value.request_id and theirs["RequestId"]
    with parameterize({private_key: "wrong"}), pytest.raises(AwsError) as info:
        sts.get_caller_identity()
    assert info.value.aws_code == "SignatureDoesNotMatch" and info.value.details.get("Type") == "Sender"


@pytest.mark.timeout(60)
def test_short_idle_timeout_under_concurrency_never_surfaces_an_error(server: RunningServer, fake: FakeAWS) -> None:
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    def burst() -> None:
        for n in range(25):
            sts.get_caller_identity()
            time.sleep(0.002 * (n % 5))

    with parameterize({current_pool_timeout: 0.005, max_attempts: 1}), ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(contextvars.copy_context().run, burst) for _ in range(4)]
        for future in futures:
            future.result()
    assert len(fake.requests) == 100 and all(r.status == 200 for r in fake.requests)
    assert wait_until(lambda: not server.open_connections())


def test_an_error_without_pooling_closes_its_connection(server: RunningServer, fake: FakeAWS) -> None:
    fake.stub("sts", "GetCallerIdentity", error=("AccessDenied", "no", 403))
    with pytest.raises(AwsError, match='AWS Code="AccessDenied" Message="no"'):
        sts.get_caller_identity()
    assert len(server.connections) == 1
    assert wait_until(lambda: not server.open_connections())
