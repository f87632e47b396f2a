"""Instructions per verified request, counted by valgrind: the server's cost as a number that does not move with
the machine's load.

`bench/endpoint.py`'s CPU time is what users pay, but on a shared machine it moves 10-30 % from round to round; a
change worth 3 % cannot be seen in it. This counts instead the user-space instructions the server process runs
(valgrind's callgrind, all its threads) for the same unique requests over one keep-alive connection: the same
figure on every run to within ~1 %, whatever else the machine does. It leaves out the kernel's work (loopback TCP,
~25-30 µs of system time a request on the benchmark machine) and the cost of a cold cache: on the benchmark
machine a served request's user time was ~0.21 ns per instruction counted here (docs/performance.md).

Each server (bench/peers.py) starts under callgrind with instrumentation off, is set up and warmed up with
`WARM_UP` requests of the operation, and then `callgrind_control` turns instrumentation on, `--n` requests go,
and the counters are dumped. Peers in the same run: the constant app on awsfake's server ("bare") and the raw
socket loop ("raw"), the floors of bench/endpoint.py; moto's server with `--servers moto` (slow under valgrind:
about a minute an operation).

Run: python bench/instructions.py [--n 200] [--servers awsfake bare raw] [--operations "STS GetCallerIdentity"]
Needs valgrind (`apt install valgrind`).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import endpoint
import peers
from endpoint import OPERATIONS, Target

WARM_UP = 100
GET = "S3 GetObject 1 KiB"
PUT = "S3 PutObject 1 KiB"


def callgrind(out: Path) -> list[str]:
    """valgrind's command line: instrumentation off until `callgrind_control -i on`, one file per dump."""
    return ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}/callgrind.%p"]


def count(server: peers.Server, target: Target, operation: str, n: int, out: Path) -> float:
    """Instructions per request over `n` unique requests of `operation`, after a warm-up of the same."""
    build = OPERATIONS[operation]
    endpoint.new_round(target, f"i{time.time_ns()}")
    if operation == GET:  # GetObject reads what PutObject wrote
        endpoint.send_all(target.port, [OPERATIONS[PUT](target, i) for i in range(WARM_UP + n)])
    endpoint.send_all(target.port, [build(target, i) for i in range(WARM_UP)])
    requests = [build(target, WARM_UP + i) for i in range(n)]
    for old in out.glob("callgrind.*"):
        old.unlink()
    control = ["callgrind_control"]
    subprocess.run([*control, "-i", "on", str(server.pid)], capture_output=True, check=True)
    endpoint.send_all(target.port, requests)
    subprocess.run([*control, "-d", str(server.pid)], capture_output=True, check=True)
    subprocess.run([*control, "-i", "off", str(server.pid)], capture_output=True, check=True)
    return sum(_totals(path) for path in out.glob("callgrind.*")) / n


def _totals(path: Path) -> int:
    for line in path.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    return 0


def measure(names: list[str], operations: list[str], n: int) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    for name in names:
        out = Path(tempfile.mkdtemp(prefix=f"instructions-{name}-"))
        try:
            with peers.start(name, prefix=callgrind(out)) as server:
                target = endpoint.set_up(server)
                results[name] = {op: count(server, target, op, n, out) for op in operations}
        finally:
            shutil.rmtree(out, ignore_errors=True)
    return results


def print_results(results: dict[str, dict[str, float]], operations: list[str], n: int) -> None:
    names = list(results)
    print(f"user-space instructions per request (valgrind callgrind), {n} unique requests each, after a warm-up")
    print(f"  {'operation':26}" + "".join(f"{name:>14}" for name in names))
    for op in operations:
        print(f"  {op:26}" + "".join(f"{results[name][op]:>14,.0f}" for name in names))
    ours = results.get("awsfake")
    if ours is None:
        return
    for peer in (name for name in names if name != "awsfake"):
        theirs = results[peer]
        # always the larger over the smaller: moto's count over ours, ours over a floor's
        big, small, label = (theirs, ours, "moto/awsfake") if peer == "moto" else (ours, theirs, f"awsfake/{peer}")
        print(f"  {label}: " + ", ".join(f"{big[op] / small[op]:.1f}x" for op in operations))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200, help="requests counted per operation (default 200)")
    parser.add_argument("--servers", nargs="+", choices=peers.NAMES, default=["awsfake", "bare", "raw"])
    parser.add_argument("--operations", nargs="+", choices=list(OPERATIONS), default=list(OPERATIONS))
    args = parser.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        sys.exit("bench/instructions.py needs valgrind (callgrind and callgrind_control)")
    print_results(measure(args.servers, args.operations, args.n), args.operations, args.n)


if __name__ == "__main__":
    main()
