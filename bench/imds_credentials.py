"""Milliseconds per instance-credentials fetch: awsclient.imds against botocore's InstanceMetadataFetcher.

Both fetch from the same FakeIMDS on 127.0.0.1 in the same run, each doing the whole IMDSv2 conversation (token,
role listing, credentials). A second figure measures the cost a signature pays for freshness once credentials are
loaded: `current_credentials()` with the refresher installed, against a bare snapshot.
Run: `python bench/imds_credentials.py [--rounds 200]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from botocore.utils import InstanceMetadataFetcher

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this checkout, not an installed copy

from awsclient.credentials import credentials_from_ec2_instance, current_credentials, set_credentials
from awsclient.imds import fetch_role_credentials
from awsfake import FakeIMDS


def per_call(fn: Callable[[], object], rounds: int) -> float:
    fn()  # warm up
    started = time.perf_counter()
    for _ in range(rounds):
        fn()
    return (time.perf_counter() - started) / rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    imds = FakeIMDS()
    with imds.serve() as running:
        os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = running.url
        botocore_fetcher = InstanceMetadataFetcher(timeout=1, num_attempts=1, base_url=running.url)
        ours = per_call(fetch_role_credentials, rounds)
        theirs = per_call(botocore_fetcher.retrieve_iam_role_credentials, rounds)
        print(f"fetch   awsclient {ours * 1e3:7.3f} ms   botocore {theirs * 1e3:7.3f} ms   ratio {theirs / ours:5.2f}x")
        credentials_from_ec2_instance()
        fresh = per_call(current_credentials, rounds * 100)
        set_credentials("AKIDEXAMPLE", "secret")
        bare = per_call(current_credentials, rounds * 100)
        print(f"snapshot with refresher {fresh * 1e6:6.2f} us   without {bare * 1e6:6.2f} us")


if __name__ == "__main__":
    main()
