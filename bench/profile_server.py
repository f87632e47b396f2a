"""Where the awsfake server's CPU goes, per small verified request: cProfile of `awsfake serve` while it answers.

The server, the requests and the client are bench/endpoint.py's (unique requests signed before they are sent, one
raw keep-alive connection); the server is started by bench/peers.py with profiling switched on after the set-up and
warm-up, in the connection's thread, with that thread's CPU time as the clock (waiting on the socket costs
nothing). The figures include the profiler's own overhead, several times the code's: use them for where the time
goes, and bench/endpoint.py for how much there is.

Run: python bench/profile_server.py [--requests N] [--operation OP ...] [--sort tottime] [--limit 40]
"""

from __future__ import annotations

import argparse
import pstats
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers
from endpoint import OPERATIONS, new_round, s3_put, send_all, set_up, warm_up


def profile(count: int, operations: list[str], sort: str, limit: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "server.prof"
        with peers.start_awsfake_profiled(path) as server:
            target = set_up(server)
            warm_up(server, target)
            new_round(target, "profiled")
            if "S3 PutObject 1 KiB" not in operations:  # the objects GetObject reads
                send_all(server.port, [s3_put(target, i) for i in range(count)])
            prepared = {operation: [OPERATIONS[operation](target, i) for i in range(count)] for operation in operations}
            peers.start_profiling(server)
            for requests in prepared.values():
                send_all(server.port, requests)
        if not path.exists():
            raise RuntimeError("the server wrote no profile (did it start a thread for the connection?)")
        stats = pstats.Stats(str(path))
    total = count * len(operations)
    print(f"{total:,} requests ({', '.join(operations)}); profile clock: the server threads' CPU time")
    per_request = stats.total_tt / total * 1e6  # type: ignore[attr-defined]
    print(f"  {per_request:.1f} µs per request, the profiler's own overhead included")
    stats.sort_stats(sort).print_stats(limit)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="unique requests per operation (default 2000)")
    parser.add_argument("--operation", action="append", choices=list(OPERATIONS), help="default: all")
    parser.add_argument("--sort", default="tottime", help="a pstats sort key (default tottime)")
    parser.add_argument("--limit", type=int, default=40, help="rows printed (default 40)")
    args = parser.parse_args()
    chosen = args.operation or list(OPERATIONS)
    profile(args.requests, [name for name in OPERATIONS if name in chosen], args.sort, args.limit)


if __name__ == "__main__":
    main()
