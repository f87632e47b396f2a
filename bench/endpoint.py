"""Requests per second for a verified SNS ListTopics: awsfake next to moto's ThreadedMotoServer, same run.

Each server runs in its own process (so the client's work does not share a GIL with it); the client sends one
pre-signed raw request (valid for 15 minutes) over urllib3 keep-alive connections: one connection, then eight
concurrent ones. Run: python bench/endpoint.py [seconds-per-measurement]
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from pathlib import Path

import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import port_of, start_awsfake, start_moto

from awsclient import sigv4
from awsclient.credentials import Credentials

ROOT = Path(__file__).resolve().parents[1]
BODY = b"Action=ListTopics&Version=2010-03-31"
KEY, SECRET = "AKIDFAKEFAKEFAKE1234", "awsfake/secret/key/for/tests/only/000000"  # moto takes any keys


def signed_headers(port: int) -> dict[str, str]:
    return sigv4.add_v4_auth_heads(
        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        method="POST",
        uri=f"http://127.0.0.1:{port}/",
        sha256=hashlib.sha256(BODY).hexdigest(),
        region="us-east-1",
        service="sns",
        credentials=Credentials(KEY, SECRET),
    )


def worker(port: int, headers: dict[str, str], stop: float, counts: list[int], index: int) -> None:
    pool = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=1, retries=False)
    done = 0
    while time.monotonic() < stop:
        response = pool.urlopen("POST", "/", body=BODY, headers=headers)
        if response.status != 200:
            raise RuntimeError(f"unexpected {response.status}: {response.data[:300]!r}")
        done += 1
    counts[index] = done
    pool.close()


def measure(port: int, connections: int, seconds: float) -> float:
    headers = signed_headers(port)
    worker(port, headers, time.monotonic() + 0.3, [0], 0)  # warm up (and check the answer is a 200)
    counts = [0] * connections
    stop = time.monotonic() + seconds
    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(port, headers, stop, counts, i)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - started)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    results: dict[str, dict[int, float]] = {}
    for name, start in (("awsfake", start_awsfake), ("moto", start_moto)):
        process, env = start()
        port = port_of(env)
        try:
            results[name] = {n: measure(port, n, seconds) for n in (1, 8)}
        finally:
            process.terminate()
            process.wait(timeout=10)
    print("verified SNS ListTopics, requests/second (server in its own process, urllib3 keep-alive client)")
    for n in (1, 8):
        ours, theirs = results["awsfake"][n], results["moto"][n]
        print(f"  {n} connection(s): awsfake {ours:8.0f}   moto {theirs:8.0f}   ratio {ours / theirs:5.2f}x")


if __name__ == "__main__":
    main()
