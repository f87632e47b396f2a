"""Sequential small requests to the fake endpoint: awsclient without a pool, with a pool, and boto3, in one run.

Each side makes `--requests` STS GetCallerIdentity calls, one after another, against one in-process `FakeAWS`
(which verifies every signature). Pool 0 opens and closes a TCP connection per request; pool 30 keeps one alive;
boto3 keeps its own urllib3 pool alive. The server's connection count is printed too, to show what was reused.
Run: `python bench/pool.py [--requests 1000]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this checkout, not an installed copy

from awsclient import current_pool_timeout, parameterize, sts
from awsclient.credentials import private_key, public_key
from awsclient.transport import close_pools
from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS
from awsfake.server import RunningServer


def timed(server: RunningServer, calls: int, call: Callable[[], object]) -> tuple[float, int]:
    """(seconds for `calls` calls, TCP connections the server accepted, the untimed warm-up call's included)."""
    close_pools()
    before = len(server.connections)
    call()  # warm up (imports, lazily built clients), not timed
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return time.perf_counter() - started, len(server.connections) - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    calls = parser.parse_args().requests
    fake = FakeAWS()
    with fake.serve() as server:
        os.environ["AWS_ENDPOINT_URL_STS"] = server.url
        creds = {public_key: DEFAULT_ACCESS_KEY_ID, private_key: DEFAULT_SECRET_ACCESS_KEY}
        client = boto3.client(
            "sts",
            region_name="us-east-1",
            endpoint_url=server.url,
            aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
            aws_secret_access_key=DEFAULT_SECRET_ACCESS_KEY,
        )
        results: dict[str, tuple[float, int]] = {}
        with parameterize(creds):
            for label, timeout in (("awsclient, pool 0", 0.0), ("awsclient, pool 30", 30.0)):
                with parameterize({current_pool_timeout: timeout}):
                    results[label] = timed(server, calls, lambda: sts.get_caller_identity(region="us-east-1"))
            close_pools()
        results["boto3 client"] = timed(server, calls, client.get_caller_identity)
        client.close()
    fake.check()
    boto = results["boto3 client"][0]
    print(f"{calls} sequential STS GetCallerIdentity calls to awsfake (signature verified on every one)")
    for label, (seconds, connections) in results.items():
        print(
            f"  {label:<20} {seconds:7.3f} s  {seconds / calls * 1e6:8.0f} µs/call  {connections:5d} connections"
            f"  {boto / seconds:5.2f}x boto3's speed"
        )
    pooled, unpooled = results["awsclient, pool 30"][0], results["awsclient, pool 0"][0]
    print(f"  pooling speeds awsclient up {unpooled / pooled:.2f}x")


if __name__ == "__main__":
    main()
