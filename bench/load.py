"""Mixed load through boto3: threads of S3 put/get/list and SNS publish against one endpoint, nothing lost.

Every thread has its own boto3 clients and its own key prefix; it writes random bytes (overwriting its keys now
and then), reads keys back and compares them byte for byte, lists its prefix and publishes to a shared topic.
Afterwards every key is read back once more and each prefix listed: a key missing from a listing, or an object
that differs from its last write, is an error. Retries are off, so an error is not hidden by a second try.

Run: python bench/load.py [--threads 16] [--calls 1000] [--no-moto]. The fake (and moto's ThreadedMotoServer, for
comparison) each run in their own process, so the clients' work does not share a GIL with the server.
`tests/load/test_hardening_load.py` runs a small version of the same load in-process.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers

ROOT = Path(__file__).resolve().parents[1]
BUCKET = "load"
SIZES = (0, 1, 100, 1000, 8192, 65536)
KEYS_PER_THREAD = 40
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, max_pool_connections=4)


@dataclass
class LoadResult:
    threads: int
    calls: int = 0
    errors: int = 0
    objects_checked: int = 0
    seconds: float = 0.0
    samples: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0


@dataclass
class _Worker:
    index: int
    s3: Any
    sns: Any
    topic: str
    calls: int
    rng: random.Random
    written: dict[str, bytes] = field(default_factory=dict)
    done: int = 0
    errors: list[str] = field(default_factory=list)

    def run(self) -> None:
        for _ in range(self.calls):
            try:
                self.step()
            except Exception as exc:  # every failure is counted, and a few are shown
                self.errors.append(f"{type(exc).__name__}: {exc}")
            self.done += 1

    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.35 or not self.written:
            key = f"t{self.index}/k{self.rng.randrange(KEYS_PER_THREAD)}"
            body = self.rng.randbytes(self.rng.choice(SIZES))
            self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)
            self.written[key] = body
        elif roll < 0.70:
            key = self.rng.choice(list(self.written))
            got = self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
            if got != self.written[key]:
                self.errors.append(f"{key}: read {len(got)} bytes, wrote {len(self.written[key])}")
        elif roll < 0.85:
            self.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"t{self.index}/")
        else:
            self.sns.publish(TopicArn=self.topic, Message=f"thread {self.index} call {self.done}")

    def verify(self) -> int:
        """Read every key back and list the prefix; the number of objects checked."""
        listed = self.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"t{self.index}/").get("Contents", [])
        missing = set(self.written) - {item["Key"] for item in listed}
        self.errors.extend(f"{key}: missing from the listing" for key in sorted(missing))
        for key, body in self.written.items():
            got = self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
            if got != body:
                self.errors.append(f"{key}: final read {len(got)} bytes, last write {len(body)}")
        return len(self.written)


def _clients(url: str, key: str, secret: str, region: str) -> tuple[Any, Any]:
    session = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name=region)
    return (
        session.client("s3", endpoint_url=url, config=NO_RETRY),
        session.client("sns", endpoint_url=url, config=NO_RETRY),
    )


def run_load(
    url: str, *, threads: int, calls: int, key: str, secret: str, region: str = "us-east-1", seed: int = 0
) -> LoadResult:
    """`threads` x `calls` mixed calls against `url`, then the read-back; errors counted, never raised."""
    s3, sns = _clients(url, key, secret, region)
    s3.create_bucket(Bucket=BUCKET)
    topic = sns.create_topic(Name="load")["TopicArn"]
    workers = [
        _Worker(i, *_clients(url, key, secret, region), topic, calls, random.Random(seed * 1000 + i))
        for i in range(threads)
    ]
    started = time.perf_counter()
    running = [threading.Thread(target=w.run, name=f"load-{w.index}") for w in workers]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    seconds = time.perf_counter() - started
    result = LoadResult(threads, calls=sum(w.done for w in workers), seconds=seconds)
    for worker in workers:
        try:
            result.objects_checked += worker.verify()
        except Exception as exc:
            worker.errors.append(f"verify: {type(exc).__name__}: {exc}")
        result.errors += len(worker.errors)
        result.samples.extend(worker.errors[:3])
    return result


# ---------------------------------------------------------------- servers in their own processes


def _measure(name: str, threads: int, calls: int) -> LoadResult:
    with peers.start(name) as server:
        keys = server.env["AWS_ACCESS_KEY_ID"], server.env["AWS_SECRET_ACCESS_KEY"]
        return run_load(server.url, threads=threads, calls=calls, key=keys[0], secret=keys[1])


def _report(name: str, result: LoadResult) -> None:
    print(
        f"  {name:8} {result.calls:6d} calls in {result.seconds:6.1f} s = {result.per_second:7.0f} req/s   "
        f"errors {result.errors}   objects checked {result.objects_checked}"
    )
    for sample in result.samples[:5]:
        print(f"      {sample}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--calls", type=int, default=1000, help="calls per thread")
    parser.add_argument("--no-moto", action="store_true", help="skip the comparison with moto")
    args = parser.parse_args()
    print(f"{args.threads} threads x {args.calls} mixed S3 put/get/list + SNS publish calls through boto3")
    ours = _measure("awsfake", args.threads, args.calls)
    _report("awsfake", ours)
    if not args.no_moto:
        theirs = _measure("moto", args.threads, args.calls)
        _report("moto", theirs)
        print(f"  ratio    awsfake/moto requests per second: {ours.per_second / theirs.per_second:.2f}x")
    sys.exit(1 if ours.errors else 0)


if __name__ == "__main__":
    main()
