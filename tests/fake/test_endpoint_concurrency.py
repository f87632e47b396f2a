"""Many clients at once: every request verified, answered and journaled; boto3 keeps its connection alive."""

from __future__ import annotations

import threading

import pytest
from endpoint_helpers import client, served

pytestmark = pytest.mark.timeout(120)


def test_concurrent_boto3_clients_are_all_verified_and_recorded() -> None:
    with served() as (fake, url):
        counter = {"n": 0}
        lock = threading.Lock()

        def handler(call: object) -> dict[str, object]:
            with lock:
                counter["n"] += 1
            return {"Topics": []}

        fake.stub("sns", "ListTopics", handler=handler)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                sns = client(url, "sns")
                for _ in range(25):
                    sns.list_topics()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert counter["n"] == 200 and len(fake.requests) == 200
        assert all(r.verified and r.status == 200 for r in fake.requests)
        assert len({r.connection_id for r in fake.requests}) == 8  # one keep-alive connection per client


def test_state_survives_concurrent_writes_through_the_real_service() -> None:
    with served() as (_, url):
        arns: list[str] = []

        def work(i: int) -> None:
            sns = client(url, "sns")
            for j in range(10):
                arns.append(sns.create_topic(Name=f"t-{i}-{j}")["TopicArn"])

        threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        listed = []
        sns = client(url, "sns")
        for page in sns.get_paginator("list_topics").paginate():
            listed += [t["TopicArn"] for t in page["Topics"]]
        assert sorted(listed) == sorted(arns) and len(arns) == 60


def test_a_counted_stub_answers_exactly_its_times_under_concurrency() -> None:
    with served() as (fake, url):
        stub = fake.stub("sns", "ListPlatformApplications", error=("Throttling", "Rate exceeded"), times=37)
        fake.stub("sns", "ListPlatformApplications", body={"PlatformApplications": []})
        outcomes: list[str] = []

        def work() -> None:
            sns = client(url, "sns")
            for _ in range(20):
                try:
                    sns.list_platform_applications()
                    outcomes.append("ok")
                except Exception as exc:  # ClientError from the stub
                    outcomes.append(type(exc).__name__)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert outcomes.count("ok") == 160 - 37 and len(stub.calls) == 37 and stub.remaining == 0
