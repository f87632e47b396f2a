"""`fake_aws` without pytest's fixtures: the context manager, the function decorator and the class decorators."""

from __future__ import annotations

import io
import os
import unittest
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from awsfake import DEFAULT_ACCESS_KEY_ID, fake_aws
from awsfake.guard import RealAWSBlocked

NO_RETRIES = Config(retries={"max_attempts": 1})


@pytest.fixture
def developer_shell(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    (tmp_path / "credentials").write_text(
        "[dev]\naws_access_key_id = AKIAREALDEVELOPERKEY\naws_secret_access_key = x\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_PROFILE", "dev")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALDEVELOPERKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "developer-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    yield


def test_the_block_is_isolated_and_undone(developer_shell: None) -> None:
    before = dict(os.environ)
    outside = boto3.client("sts")  # made from the developer's shell
    with fake_aws() as fake:
        assert "AWS_PROFILE" not in os.environ
        assert os.environ["AWS_ACCESS_KEY_ID"] == DEFAULT_ACCESS_KEY_ID
        assert os.environ["AWS_ENDPOINT_URL"] == fake.url
        assert boto3.client("sts").get_caller_identity()["Account"] == "123456789012"
        with pytest.raises(RealAWSBlocked):
            outside.get_caller_identity()
    assert dict(os.environ) == before
    assert boto3.DEFAULT_SESSION is None  # nothing the block resolved outlives it


def test_each_block_starts_clean_on_one_fake() -> None:
    with fake_aws() as first:
        boto3.client("sqs").create_queue(QueueName="jobs")
    with fake_aws() as second:
        assert boto3.client("sqs").list_queues().get("QueueUrls", []) == []
    assert first is second


def test_function_decorator_with_a_region(developer_shell: None) -> None:
    @fake_aws(region="eu-west-1")
    def where() -> tuple[str, str]:
        return os.environ["AWS_DEFAULT_REGION"], boto3.client("s3").meta.region_name

    assert where() == ("eu-west-1", "eu-west-1")
    assert os.environ["AWS_DEFAULT_REGION"] == "us-west-2"


def test_a_handler_error_is_raised_when_the_block_ends() -> None:
    with pytest.raises(ZeroDivisionError), fake_aws() as fake:
        fake.stub("sqs", "ListQueues", handler=lambda call: 1 / 0)
        with pytest.raises(ClientError):
            boto3.client("sqs", config=NO_RETRIES).list_queues()


def test_testcase_decorator_isolates_set_up_and_reports_handler_errors(developer_shell: None) -> None:
    aws = fake_aws()

    @aws
    class Orders(unittest.TestCase):
        def setUp(self) -> None:
            self.sqs = boto3.client("sqs", config=NO_RETRIES)
            self.url = self.sqs.create_queue(QueueName="orders")["QueueUrl"]

        def test_clean_and_isolated(self) -> None:
            self.assertEqual(self.sqs.list_queues()["QueueUrls"], [self.url])
            self.assertNotIn("AWS_PROFILE", os.environ)

        def test_handler_error(self) -> None:
            aws.fake.stub("sqs", "SendMessage", handler=lambda call: 1 / 0)
            with self.assertRaises(ClientError):
                self.sqs.send_message(QueueUrl=self.url, MessageBody="x")

    result = unittest.TextTestRunner(stream=io.StringIO()).run(unittest.defaultTestLoader.loadTestsFromTestCase(Orders))
    assert result.testsRun == 2
    assert not result.failures
    assert [case.id().rsplit(".", 1)[1] for case, _ in result.errors] == ["test_handler_error"]
    assert "ZeroDivisionError" in result.errors[0][1]
    assert os.environ["AWS_PROFILE"] == "dev"


def test_testcase_with_set_up_class_shares_its_state() -> None:
    @fake_aws
    class Shared(unittest.TestCase):
        @classmethod
        def setUpClass(cls) -> None:
            cls.url = boto3.client("sqs").create_queue(QueueName="shared")["QueueUrl"]

        def test_made_once(self) -> None:
            self.assertEqual(boto3.client("sqs").list_queues()["QueueUrls"], [self.url])

        def test_still_there(self) -> None:
            self.assertEqual(boto3.client("sqs").get_queue_url(QueueName="shared")["QueueUrl"], self.url)

    @fake_aws
    class Clean(unittest.TestCase):
        def test_clean(self) -> None:
            self.assertNotIn("QueueUrls", boto3.client("sqs").list_queues())

    suite = unittest.TestSuite(unittest.defaultTestLoader.loadTestsFromTestCase(c) for c in (Shared, Clean))
    result = unittest.TextTestRunner(stream=io.StringIO()).run(suite)
    assert (result.testsRun, result.errors, result.failures) == (3, [], [])
    assert "AWS_ENDPOINT_URL" not in os.environ or not os.environ["AWS_ENDPOINT_URL"].startswith("http://127.")
