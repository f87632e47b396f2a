"""Start-up: what a fresh process pays before its first answered request, awsfake beside moto's server.

Each figure is the best of N fresh Python processes (bytecode caches warm: one untimed run of each first), in
milliseconds:

- **import awsfake**: the `import awsfake` statement alone, timed inside the process; **import FakeAWS**: the same
  for `from awsfake import FakeAWS` (the package loads its names on first use).
- **first answer**: `from awsfake import FakeAWS`, `FakeAWS().serve()` and a first answered request: an STS
  GetCallerIdentity sent from a raw `http.client` connection, signed beforehand by this script (with awsfake's
  default credentials, `Host: sts.us-east-1.amazonaws.com`), so the process pays for no client but http.client
  (counted: both servers import it anyway). The same for moto: `from moto.server import ThreadedMotoServer`,
  `start()` and the same request.

Three figures each: *in process*, the wall time from the import to the answer read, as timed inside the process; its
*CPU* time (every thread's; it moves less than wall time on a busy machine); and *process*, from this script
launching the interpreter to the child's report, so Python's own start-up and `site` are in it.

The processes take turns (awsfake, moto, awsfake, ...) so a machine busy with other work slows both alike. A user's
Python caches bytecode: when `PYTHONDONTWRITEBYTECODE` is set, the children run without it and keep their bytecode
under `PYTHONPYCACHEPREFIX` (a directory in the temporary directory unless it is set), so no run compiles.

Run: `python bench/startup.py [--runs 10]`.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # measure this checkout, not an installed copy

from awsclient import sigv4  # noqa: E402
from awsclient.credentials import Credentials  # noqa: E402
from awsfake.accounts import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY  # noqa: E402

BODY = b"Action=GetCallerIdentity&Version=2011-06-15"

# Each child prints the seconds from its import to the answer, and the answer's status; `{request}` is the signed
# request as literals, so the child needs no parsing to read it.
IMPORT = """
import time
start, cpu = time.perf_counter(), time.process_time()
{statement}
print(time.perf_counter() - start, time.process_time() - cpu, 200, flush=True)
"""
AWSFAKE = """
import time
start, cpu = time.perf_counter(), time.process_time()
import http.client
from awsfake import FakeAWS
with FakeAWS().serve() as running:
    connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=30)
    connection.request("POST", "/", body={body!r}, headers={headers!r})
    answer = connection.getresponse()
    answer.read()
    print(time.perf_counter() - start, time.process_time() - cpu, answer.status, flush=True)
"""
MOTO = """
import time
start, cpu = time.perf_counter(), time.process_time()
import http.client
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
connection = http.client.HTTPConnection("127.0.0.1", server.get_host_and_port()[1], timeout=30)
connection.request("POST", "/", body={body!r}, headers={headers!r})
answer = connection.getresponse()
answer.read()
print(time.perf_counter() - start, time.process_time() - cpu, answer.status, flush=True)
server.stop()
"""


def signed_headers() -> dict[str, str]:
    """A GetCallerIdentity's headers, signed now for awsfake's default credentials (moto takes any)."""
    return sigv4.add_v4_auth_heads(
        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        method="POST",
        uri="https://sts.us-east-1.amazonaws.com/",
        sha256=hashlib.sha256(BODY).hexdigest(),
        region="us-east-1",
        service="sts",
        credentials=Credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY),
    )


def child_environment() -> dict[str, str]:
    """This process's environment, with this checkout first on the path and bytecode cached."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if env.pop("PYTHONDONTWRITEBYTECODE", None) and "PYTHONPYCACHEPREFIX" not in env:
        env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "awsfake-bench-pycache")
    return env


def run_once(code: str, env: dict[str, str]) -> tuple[float, float, float]:
    """(in process, its CPU, process) seconds of one fresh interpreter running `code`, which reports when answered."""
    launched = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert child.stdout is not None
    line = child.stdout.readline().decode()
    reported = time.perf_counter()
    _, errors = child.communicate(timeout=60)
    fields = line.split()
    if len(fields) != 3 or fields[2] != "200":
        raise SystemExit(f"no answer: {line!r}\n{errors.decode()[-2000:]}")
    return float(fields[0]), float(fields[1]), reported - launched


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="fresh processes per figure (default 10)")
    args = parser.parse_args()
    request = {"body": BODY, "headers": signed_headers()}
    codes = {
        "import awsfake": IMPORT.format(statement="import awsfake"),
        "import FakeAWS": IMPORT.format(statement="from awsfake import FakeAWS"),
        "awsfake first answer": AWSFAKE.format(**request),
        "moto first answer": MOTO.format(**request),
    }
    env = child_environment()
    for code in codes.values():
        run_once(code, env)  # compiles and caches the bytecode; untimed
    best = {name: [float("inf")] * 3 for name in codes}
    for _ in range(args.runs):
        for name, code in codes.items():
            best[name] = [min(pair) for pair in zip(best[name], run_once(code, env), strict=True)]
    print(f"best of {args.runs} fresh processes, ms: in process (wall, CPU) and the whole process (wall)")
    for name, (inside, cpu, whole) in best.items():
        print(f"  {name:22s} {inside * 1e3:7.1f} {cpu * 1e3:7.1f} {whole * 1e3:7.1f}")
    pairs = zip(best["awsfake first answer"], best["moto first answer"], strict=True)
    print(f"  {'moto / awsfake':22s}" + "".join(f" {moto / fake:6.1f}x" for fake, moto in pairs))


if __name__ == "__main__":
    main()
