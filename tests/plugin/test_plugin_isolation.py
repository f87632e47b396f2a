"""Isolation as a downstream project meets it, from a developer's shell: a profile, real-looking keys, a region and
a credentials file are all in reach, and none of them may be used.

Each suite runs in a subprocess (see test_pytest_plugin.py for why), serially and under xdist.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

pytestmark = pytest.mark.timeout(300)

REAL_KEY_ID = "AKIAREALDEVELOPERKEY"

APP = """
import boto3

s3 = boto3.client("s3")  # made at import time, as AWS recommends for Lambda handlers


def save_report(name, body):
    s3.put_object(Bucket="reports", Key=name, Body=body)
"""

CONFTEST = """
import os
import pytest

os.environ["AWS_DEFAULT_REGION"] = "eu-west-1"  # the project's region, chosen here


@pytest.fixture(autouse=True)
def never_the_developers_key(request):
    fake = request.getfixturevalue("aws_fake") if "aws_fake" in request.fixturenames else None
    yield
    if fake is not None:
        assert fake.requests, "the test made requests to the fake"
        assert {r.access_key_id for r in fake.requests}.isdisjoint({"REAL_KEY_ID"})
""".replace("REAL_KEY_ID", REAL_KEY_ID)

TESTS = """
import os
import boto3, pytest
from botocore.exceptions import ClientError

import app

LOCATION = {"LocationConstraint": "eu-west-1"}


def test_region_chosen_in_conftest(aws_fake):
    assert aws_fake.region == "eu-west-1" == boto3.client("sts").meta.region_name == app.s3.meta.region_name
    boto3.client("sts").get_caller_identity()


def test_import_time_client(aws_env, aws_fake):
    boto3.client("s3").create_bucket(Bucket="reports", CreateBucketConfiguration=LOCATION)
    app.save_report("2026-11.csv", b"total,42\\n")
    assert boto3.client("s3").get_object(Bucket="reports", Key="2026-11.csv")["Body"].read() == b"total,42\\n"


def test_wrong_secret_via_environment(aws_env, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    with pytest.raises(ClientError) as info:
        boto3.client("sts").get_caller_identity()
    assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"


def test_aws_fake_alone(aws_fake):
    from awsfake import DEFAULT_ACCESS_KEY_ID
    boto3.client("sqs").create_queue(QueueName="jobs")
    assert [r.access_key_id for r in aws_fake.requests] == [DEFAULT_ACCESS_KEY_ID]
    assert "AWS_PROFILE" not in os.environ


def test_static_keys(aws_env):
    assert boto3.client("sts").get_caller_identity()["Arn"].endswith(":user/awsfake")


def test_instance_role_after_static_keys(aws_env, aws_imds):
    arn = boto3.client("sts").get_caller_identity()["Arn"]
    assert ":assumed-role/awsfake-instance-role/" in arn


class TestClassSharesAQueue:
    @pytest.fixture(scope="class")
    def queue(self, aws_class):
        return boto3.client("sqs").create_queue(QueueName="shared")["QueueUrl"]

    def test_queue_made_once(self, queue, aws_fake):
        assert boto3.client("sqs").list_queues()["QueueUrls"] == [queue]

    def test_and_still_there(self, queue, aws_fake):
        assert boto3.client("sqs").get_queue_url(QueueName="shared")["QueueUrl"] == queue


def test_awsclient_with_no_arguments(aws_env):
    import awsclient.s3
    awsclient.s3.create_bucket("plain")
    assert awsclient.s3.list_buckets() == ["plain"]


def test_assert_on_a_request_parameter(aws_fake):
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="one")
    aws_fake.requests.assert_called("sqs", "SendMessage", times=1, QueueUrl=url)
"""

SHARED = """
import boto3, pytest

pytestmark = pytest.mark.usefixtures("catalogue")


@pytest.fixture(scope="module")
def catalogue(aws_module):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="catalogue", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_object(Bucket="catalogue", Key="items.json", Body=b"[]")
    return s3


def test_first_reader(catalogue, aws_fake):
    assert catalogue.get_object(Bucket="catalogue", Key="items.json")["Body"].read() == b"[]"
    assert [r.action for r in aws_fake.requests][-1] == "GetObject"


def test_second_reader(aws_fake):
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="catalogue")["Contents"]]
    assert keys == ["items.json"]
"""

UNITTEST = """
import os
import unittest

import boto3
from botocore.exceptions import ClientError

from awsfake import fake_aws

fake_aws(region="eu-west-1").start()  # before the app is imported: its import-time client uses the fake
import app  # noqa: E402

LOCATION = {"LocationConstraint": "eu-west-1"}


@fake_aws(region="eu-west-1")
class ReportTests(unittest.TestCase):
    def test_import_time_client(self):
        boto3.client("s3").create_bucket(Bucket="reports", CreateBucketConfiguration=LOCATION)
        app.save_report("2026-11.csv", b"total,42\\n")
        body = boto3.client("s3").get_object(Bucket="reports", Key="2026-11.csv")["Body"].read()
        self.assertEqual(body, b"total,42\\n")

    def test_each_test_starts_clean(self):
        self.assertEqual(boto3.client("s3").list_buckets()["Buckets"], [])

    def test_wrong_secret_via_environment(self):
        os.environ["AWS_SECRET_ACCESS_KEY"] = "wrong"
        with self.assertRaises(ClientError) as info:
            boto3.client("sts").get_caller_identity()
        self.assertEqual(info.exception.response["Error"]["Code"], "SignatureDoesNotMatch")

    def test_no_developer_credentials(self):
        self.assertNotIn("AWS_PROFILE", os.environ)
        self.assertEqual(open(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).read(), "")
"""


@pytest.fixture
def developer_shell(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A shell as a developer's: AWS_PROFILE, keys, a region and ~/.aws files with real-looking keys."""
    home = pytester.path / "home"
    (home / ".aws").mkdir(parents=True)
    profile = f"aws_access_key_id = {REAL_KEY_ID}\naws_secret_access_key = developer-secret-0123456789\n"
    (home / ".aws" / "credentials").write_text(f"[default]\n{profile}[dev]\n{profile}")
    (home / ".aws" / "config").write_text("[default]\nregion = us-west-2\n[profile dev]\nregion = us-west-2\n")
    monkeypatch.setenv("HOME", str(home))
    for name in ("AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_ENDPOINT_URL", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_PROFILE", "dev")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", REAL_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "developer-secret-0123456789")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    return home


@pytest.fixture
def downstream(pytester: pytest.Pytester, developer_shell: Path) -> pytest.Pytester:
    pytester.makeini("[pytest]\naws_isolate = true\n")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(app=APP, test_app=TESTS, test_shared=SHARED, test_app_unittest=UNITTEST)
    return pytester


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_downstream_suite_never_uses_the_developers_keys(downstream: pytest.Pytester, workers: tuple[str, ...]):
    result = downstream.runpytest_subprocess("-p", "no:cacheprovider", "-q", *workers)
    result.assert_outcomes(passed=16)


def test_downstream_unittest_suite(downstream: pytest.Pytester) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "unittest", "-v", "test_app_unittest"],
        cwd=downstream.path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Ran 4 tests" in done.stderr


IMPORT_TIME_CLIENT = """
import boto3

s3 = boto3.client("s3")


def test_import_time_client_is_refused(aws_fake):
    s3.list_buckets()
"""


def test_import_time_client_without_isolation_fails_at_once(pytester: pytest.Pytester, developer_shell: Path):
    pytester.makepyfile(test_refused=IMPORT_TIME_CLIENT)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert (
        "RealAWSBlocked: awsfake refused to let the botocore client for 's3' send ListBuckets to "
        "https://s3.us-west-2.amazonaws.com/: " in out
    )
    assert "`aws_isolate = true` in the pytest ini file, or `pytest --aws-isolate`" in out
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", "--aws-isolate")
    result.assert_outcomes(passed=1)


REGIONS = """
import os

def test_region(aws_fake):
    assert aws_fake.region == os.environ["AWS_DEFAULT_REGION"] == os.environ["EXPECTED"]
"""


def test_region_rules(pytester: pytest.Pytester, developer_shell: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shell's region is ignored like its keys; a conftest's `aws_region` fixture, or its variable, wins."""
    pytester.makepyfile(test_regions=REGIONS)
    monkeypatch.setenv("EXPECTED", "us-east-1")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    pytester.makeconftest(
        "import pytest\n@pytest.fixture(scope='session')\ndef aws_region():\n    return 'ap-south-1'\n"
    )
    monkeypatch.setenv("EXPECTED", "ap-south-1")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    pytester.makeconftest("import os\nos.environ['AWS_DEFAULT_REGION'] = 'sa-east-1'\n")
    monkeypatch.setenv("EXPECTED", "sa-east-1")
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2").assert_outcomes(passed=1)


def test_marker_help_lists_every_argument(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(["*@pytest.mark.aws(region=None, imds_tokens=None, clock=None)*"])


BUG_IN_THE_FAKES = """
import boto3, pytest
from botocore.exceptions import ClientError

def test_a_bug_in_the_metadata_fake(aws_imds):
    def broken(record):
        raise ZeroDivisionError("a bug in the metadata fake")
    aws_imds.on_request = broken
    try:
        assert boto3.Session().get_credentials().method == "iam-role"
    finally:
        aws_imds.on_request = None

def test_a_bug_in_the_endpoint(aws_fake):
    aws_fake.stub("sts", "GetCallerIdentity", handler=lambda call: 1 / 0)
    with pytest.raises(ClientError):  # answered as AWS's InternalError...
        boto3.client("sts", config=boto3.session.Config(retries={"max_attempts": 1})).get_caller_identity()
"""


def test_both_fakes_are_checked_after_each_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_bugs=BUG_IN_THE_FAKES)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", "-q")
    result.assert_outcomes(passed=2, errors=2)  # ...and re-raised after the test
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_a_bug_in_the_metadata_fake*",
            "*ZeroDivisionError: a bug in the metadata fake",
            "*ERROR at teardown of test_a_bug_in_the_endpoint*",
            "*ZeroDivisionError: division by zero",
        ]
    )
