"""Server-side cost of an IMDSv2 token PUT and a token-authenticated GET with many tokens alive.

A long-running `awsfake serve --imds-port` sees a token PUT before nearly every credential fetch, and tokens live
up to six hours, so the table holds thousands. Each figure drives the FakeIMDS WSGI app in-process (no sockets:
what is measured is the app's own work), after `--live` tokens have been issued and are still valid.
Run: `python bench/imds_tokens.py [--live 10000] [--rounds 2000]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from werkzeug.test import Client

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this checkout, not an installed copy

from awsfake import FakeIMDS

TTL = {"X-aws-ec2-metadata-token-ttl-seconds": "21600"}


def per_call_ms(fn: Callable[[], object], rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        fn()
    return (time.perf_counter() - started) / rounds * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--live", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    imds = FakeIMDS(journal_limit=1000)
    client = Client(imds)

    def put() -> str:
        return client.put("/latest/api/token", headers=TTL).get_data(as_text=True)

    empty = per_call_ms(put, args.rounds)
    imds.reset()
    for _ in range(args.live):
        put()
    token = put()
    full = per_call_ms(put, args.rounds)
    read = per_call_ms(
        lambda: client.get("/latest/meta-data/instance-id", headers={"X-aws-ec2-metadata-token": token}), args.rounds
    )
    print(f"token PUT, up to {args.rounds} live tokens: {empty:.3f} ms")
    print(f"token PUT, {args.live} live tokens:   {full:.3f} ms")
    print(f"GET with a token, {args.live} live: {read:.3f} ms")


if __name__ == "__main__":
    main()
