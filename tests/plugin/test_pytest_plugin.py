"""The plugin as a downstream project meets it: small test files run by pytester with only our fixtures.

pytester runs them in-process (`runpytest_inprocess` would share our own session's servers and environment),
so each runs in a subprocess: its own fixtures, its own servers, its own ports, as in a real project.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

pytestmark = pytest.mark.timeout(240)


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_downstream=source)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", *args)


BOTO3_S3_SNS = """
import boto3

def test_s3_round_trip(aws_env):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="reports")
    s3.put_object(Bucket="reports", Key="2026/11.csv", Body=b"a,b\\n1,2\\n")
    assert s3.get_object(Bucket="reports", Key="2026/11.csv")["Body"].read() == b"a,b\\n1,2\\n"

def test_state_is_reset_between_tests(aws_env):
    assert boto3.client("s3").list_buckets()["Buckets"] == []

def test_sns_and_journal(aws_env, aws_fake):
    sns = boto3.client("sns")
    arn = sns.create_topic(Name="orders")["TopicArn"]
    sns.publish(TopicArn=arn, Message="hello")
    actions = [r.action for r in aws_fake.requests if r.service == "sns"]
    assert actions == ["CreateTopic", "Publish"]
    assert all(r.verified for r in aws_fake.requests)
"""


def test_boto3_downstream_suite_passes(pytester: pytest.Pytester) -> None:
    result = run(pytester, BOTO3_S3_SNS)
    result.assert_outcomes(passed=3)


WRONG_SECRET = """
import boto3, pytest
from botocore.exceptions import ClientError

def test_wrong_secret_is_refused(aws_env):
    import os
    sts = boto3.client("sts", aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key="wrong")
    with pytest.raises(ClientError) as info:
        sts.get_caller_identity()
    assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"

def test_real_aws_credentials_are_not_in_reach(aws_env):
    import os
    assert os.environ["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert os.environ.get("AWS_PROFILE") is None
    assert open(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).read() == ""
"""


def test_wrong_signature_fails_with_aws_code(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "production")  # what a developer's shell may carry
    result = run(pytester, WRONG_SECRET)
    result.assert_outcomes(passed=2)


AWS_CLI = """
import json, subprocess, sys

def test_cli_talks_to_the_fake(aws_env, tmp_path):
    src = tmp_path / "report.txt"
    src.write_bytes(b"numbers\\n" * 1000)
    def aws(*args):
        done = subprocess.run([sys.executable, "-m", "awscli", *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout
    identity = json.loads(aws("sts", "get-caller-identity"))
    assert identity["Account"] == "123456789012"
    aws("s3", "mb", "s3://cli-bucket")
    aws("s3", "cp", str(src), "s3://cli-bucket/report.txt")
    assert "report.txt" in aws("s3", "ls", "s3://cli-bucket")
"""


def test_aws_cli_downstream(pytester: pytest.Pytester) -> None:
    result = run(pytester, AWS_CLI)
    result.assert_outcomes(passed=1)


AWSCLIENT = """
from awsclient import sigv4
from awsclient.credentials import credentials_from_environment, public_key
import os, urllib3

def test_awsclient_signs_for_the_fake(aws_env, aws_fake):
    credentials_from_environment()
    url = os.environ["AWS_ENDPOINT_URL"] + "/?Action=GetCallerIdentity&Version=2011-06-15"
    heads = sigv4.add_v4_auth_heads({}, method="GET", uri=url, sha256=sigv4.EMPTY_SHA256,
                                    region=os.environ["AWS_DEFAULT_REGION"], service="sts")
    answer = urllib3.request("GET", url, headers=heads)
    assert answer.status == 200, answer.data
    assert b"<Account>123456789012</Account>" in answer.data

def test_parameters_are_reset_between_tests(aws_env):
    assert public_key() == ""
"""


def test_awsclient_downstream(pytester: pytest.Pytester) -> None:
    result = run(pytester, AWSCLIENT)
    result.assert_outcomes(passed=2)


IMDS_AND_CLOCK = """
import boto3, pytest
from botocore.exceptions import ClientError

def test_botocore_takes_instance_role_credentials(aws_env, aws_imds):
    session = boto3.Session()
    creds = session.get_credentials()
    assert creds.method == "iam-role"
    assert session.client("sts").get_caller_identity()["Account"] == "123456789012"

@pytest.mark.aws(imds_tokens="required")
def test_marker_requires_tokens(aws_env, aws_imds):
    assert aws_imds.tokens == "required"
    assert boto3.Session().get_credentials() is not None  # botocore speaks IMDSv2

def test_clock_moves_client_and_server_together(aws_env, aws_clock):
    sts = boto3.client("sts")
    aws_clock.tick(3600)
    assert sts.get_caller_identity()["Account"] == "123456789012"
    aws_clock.move_to("2031-01-01T00:00:00Z")
    assert sts.get_caller_identity()["Account"] == "123456789012"

def test_request_twenty_minutes_old_is_refused(aws_env, aws_clock):
    import os, time, urllib3
    from awsclient import sigv4
    from awsclient.credentials import credentials_from_environment
    credentials_from_environment()
    url = os.environ["AWS_ENDPOINT_URL"] + "/?Action=GetCallerIdentity&Version=2011-06-15"
    stale = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 20 * 60))
    heads = sigv4.add_v4_auth_heads({"X-Amz-Date": stale}, method="GET", uri=url, sha256=sigv4.EMPTY_SHA256,
                                    region="us-east-1", service="sts")
    answer = urllib3.request("GET", url, headers=heads)
    assert answer.status == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in answer.data and b"Signature expired" in answer.data

@pytest.mark.aws(region="eu-west-1")
def test_marker_region(aws_env, aws_fake):
    import os
    assert os.environ["AWS_DEFAULT_REGION"] == "eu-west-1" == aws_fake.region
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="in-ireland", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["in-ireland"]
"""


def test_imds_clock_and_markers(pytester: pytest.Pytester) -> None:
    result = run(pytester, IMDS_AND_CLOCK)
    result.assert_outcomes(passed=5)


REGION_OPTION = """
import os

def test_region_from_the_command_line(aws_env, aws_fake):
    assert os.environ["AWS_DEFAULT_REGION"] == aws_fake.region == "ap-southeast-2"
"""


def test_region_option_and_ini(pytester: pytest.Pytester) -> None:
    run(pytester, REGION_OPTION, "--aws-region", "ap-southeast-2").assert_outcomes(passed=1)
    pytester.makeini("[pytest]\naws_region = ap-southeast-2\n")
    run(pytester, REGION_OPTION).assert_outcomes(passed=1)


XDIST = """
import boto3, os, pytest

@pytest.mark.parametrize("n", range(6))
def test_each_worker_has_its_own_fake(aws_env, aws_fake, n):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=f"bucket-{n}")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [f"bucket-{n}"]
    (open(os.environ["PORTS_FILE"], "a")).write(aws_fake.url + "\\n")
"""


def test_works_under_xdist(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    ports = pytester.path / "ports.txt"
    monkeypatch.setenv("PORTS_FILE", str(ports))
    result = run(pytester, XDIST, "-n", "2")
    result.assert_outcomes(passed=6)
    assert len(set(ports.read_text().split())) == 2


def test_loading_the_plugin_leaves_the_fake_unloaded() -> None:
    """Every pytest run of every project with awsfake installed loads the plugin; only users pay for the fake."""
    import subprocess
    import sys

    probe = (
        "import sys, awsfake.pytest_plugin;"
        "print(sorted(m for m in ('awsfake.endpoint', 'werkzeug', 'lxml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


HEAVY = (
    "awsfake.app",
    "awsfake.endpoint",
    "awsfake.isolation",
    "awsfake.guard",
    "werkzeug",
    "lxml",
    "botocore",
    "awsclient",
)
NOT_USING_THE_PLUGIN = f"""
import sys

def test_plain():
    assert 1 + 1 == 2

def test_nothing_heavy_was_loaded():
    assert [m for m in {HEAVY!r} if m in sys.modules] == []
"""


def test_a_suite_not_using_the_fixtures_loads_nothing_heavy(pytester: pytest.Pytester) -> None:
    """Through configuration, collection and the run: the plugin's hooks import nothing of the fake either."""
    run(pytester, NOT_USING_THE_PLUGIN).assert_outcomes(passed=2)


def test_without_credential_sources_leaves_botocore_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The README's isolation helper: with it, botocore finds no credentials at all (metadata switched off here)."""
    import botocore.session

    from awsfake.pytest_plugin import without_credential_sources

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDREAL")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    monkeypatch.setenv("AWS_PROFILE", "production")
    env = without_credential_sources(monkeypatch, tmp_path_factory.mktemp("home"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert set(env) == {"AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"}
    assert botocore.session.Session().get_credentials() is None
