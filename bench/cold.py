"""What waiting between requests does to the app's cost: awsfake's app in this process, back to back and after a wait.

A served request always follows a wait: the server's thread blocks in `recv` until the client sends, and the CPU
meanwhile idles or runs the client. This runs bench/endpoint.py's "app only" (the WSGI app called with prepared
environs, this thread's CPU time) three ways, interleaved, best of `--rounds`:

- back to back: the app's own cost, every cache and predictor warm (endpoint.py's "app only" figure);
- after a system call pair: a byte sent and received over a socket pair before each request (kernel entries,
  no wait), their own cost measured alone and taken off;
- after a wait: a 50 µs sleep before each request (the thread blocks as a served one does), the sleep's own cost
  measured alone and taken off.

On the 2-vCPU VM of the README's table the app cost 1.5-1.7 times as much after a wait as back to back, and the
same after kernel entries without one: most of the served figure's excess over the app's own cost comes from
waiting (the CPU's state lost while it idles or runs another process), not from the work done per request.

Run: python bench/cold.py [--rounds 3] [--requests 3000] [--operation OP ...]
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from endpoint import OPERATIONS, InProcessApp

WAIT = 50e-6  # seconds slept before each request: a client's turn, about


def per_request(count: int, before: Callable[[], object], work: Callable[[int], object] | None = None) -> float:
    """This thread's CPU µs per iteration of `before()` then `work(i)` (or `before()` alone)."""
    start = time.thread_time()
    for i in range(count):
        before()
        if work is not None:
            work(i)
    return (time.thread_time() - start) / count * 1e6


def answer_nth(app: InProcessApp, environs: list[dict[str, Any]], i: int) -> bytes:
    return app.answer(environs[i])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--operation", nargs="+", choices=list(OPERATIONS), default=list(OPERATIONS))
    args = parser.parse_args()
    app = InProcessApp()
    app.warm_up()
    ours, theirs = socket.socketpair()

    def round_trip() -> None:
        ours.send(b"x")
        theirs.recv(1)

    def wait() -> None:
        time.sleep(WAIT)

    def nothing() -> None:
        pass

    ways = {"back to back": nothing, "after a syscall pair": round_trip, "after a wait": wait}
    best: dict[tuple[str, str], float] = {}
    serial = 0
    for _ in range(args.rounds):
        own = {name: per_request(args.requests, before) for name, before in ways.items()}
        for operation in args.operation:
            build = OPERATIONS[operation]
            for name, before in ways.items():
                app.new_round(f"cold{serial}")
                if operation.startswith("S3 Get"):  # GetObject reads what PutObject wrote
                    for i in range(args.requests):
                        app.call(OPERATIONS["S3 PutObject 1 KiB"](app.target, i))
                environs = [app.environ(build(app.target, i)) for i in range(args.requests)]
                serial += 1
                cost = per_request(args.requests, before, partial(answer_nth, app, environs)) - own[name]
                best[operation, name] = min(cost, best.get((operation, name), cost))
    print(f"app CPU per request, µs (best of {args.rounds} rounds of {args.requests}; the wait's own cost taken off)")
    print(f"  {'operation':26}" + "".join(f"{name:>22}" for name in ways) + f"{'after a wait / back to back':>30}")
    for operation in args.operation:
        figures = [best[operation, name] for name in ways]
        shown = "".join(f"{figure:>22.1f}" for figure in figures)
        print(f"  {operation:26}{shown}{figures[2] / figures[0]:>29.1f}x")


if __name__ == "__main__":
    main()
