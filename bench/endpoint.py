"""The endpoint's own cost and its throughput: awsfake next to moto's server and a bare app, same run.

Server CPU per request: each server runs in its own process; a raw keep-alive client (http.client, one
connection) sends N unique requests, each signed beforehand with awsclient.sigv4 (its own
`amz-sdk-invocation-id`, as boto3 sends, and its own key or message where the operation has one), and the figure
is the server process's user + system CPU time over the run (the kernel's accounting in /proc/PID/stat, all
threads, the idle rate subtracted) divided by N. Operations: STS GetCallerIdentity, SQS GetQueueUrl and
SendMessage (JSON protocol), S3 PutObject and GetObject of 1 KiB. Peers: moto's ThreadedMotoServer (no
signature check) and a bare app answering a constant on awsfake's own werkzeug server (the HTTP layer's floor).
"app only" is awsfake's WSGI app called in this process without HTTP (CPU time of this process): what the
pipeline costs, the rest of the server figure being the HTTP layer's.

Throughput: requests per second for one pre-signed SNS ListTopics over urllib3 keep-alive connections, one
connection then eight, awsfake next to moto.

Run: python bench/endpoint.py [seconds-per-throughput-measurement] [--requests N] [--only cpu|throughput]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import Started, port_of, start_awsfake, start_bare, start_moto

from awsclient import sigv4
from awsclient.credentials import Credentials

ROOT = Path(__file__).resolve().parents[1]
BODY = b"Action=ListTopics&Version=2010-03-31"
KEY, SECRET = "AKIDFAKEFAKEFAKE1234", "awsfake/secret/key/for/tests/only/000000"  # moto takes any keys
WARM_UP = 50  # requests of each operation before measuring (lazy imports, first-use set-up)
FORM = "application/x-www-form-urlencoded; charset=utf-8"
SQS_JSON = "application/x-amz-json-1.0"


@dataclass(frozen=True)
class Prepared:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Target:
    """A running server, as a signer needs it."""

    port: int
    credentials: Credentials
    queue_url: str = ""

    def sign(
        self, method: str, path: str, service: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Prepared:
        heads = {**(headers or {}), "amz-sdk-invocation-id": str(uuid.uuid4())}
        signed = sigv4.add_v4_auth_heads(
            heads,
            method=method,
            uri=f"http://127.0.0.1:{self.port}{path}",
            sha256=hashlib.sha256(body).hexdigest(),
            region="us-east-1",
            service=service,
            credentials=self.credentials,
        )
        return Prepared(method, path, signed, body)


def sts_call(target: Target, i: int) -> Prepared:
    return target.sign("POST", "/", "sts", b"Action=GetCallerIdentity&Version=2011-06-15", {"Content-Type": FORM})


def sqs_json(target: Target, action: str, params: dict[str, str]) -> Prepared:
    heads = {"Content-Type": SQS_JSON, "X-Amz-Target": f"AmazonSQS.{action}"}
    return target.sign("POST", "/", "sqs", json.dumps(params).encode(), heads)


def sqs_get_queue_url(target: Target, i: int) -> Prepared:
    return sqs_json(target, "GetQueueUrl", {"QueueName": "bench-q"})


def sqs_send(target: Target, i: int) -> Prepared:
    return sqs_json(target, "SendMessage", {"QueueUrl": target.queue_url, "MessageBody": f"message {i}"})


def s3_put(target: Target, i: int) -> Prepared:
    body = f"{i:08d}".encode() * 128  # 1 KiB, its own content
    return target.sign("PUT", f"/bench-bucket/key-{i}", "s3", body, {"Content-Type": "application/octet-stream"})


def s3_get(target: Target, i: int) -> Prepared:
    return target.sign("GET", f"/bench-bucket/key-{i}", "s3")


# name -> how to build request i; GET reads what PUT wrote, so PUT comes first.
OPERATIONS: dict[str, Callable[[Target, int], Prepared]] = {
    "STS GetCallerIdentity": sts_call,
    "SQS GetQueueUrl (JSON)": sqs_get_queue_url,
    "SQS SendMessage (JSON)": sqs_send,
    "S3 PutObject 1 KiB": s3_put,
    "S3 GetObject 1 KiB": s3_get,
}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its threads, living and ended (Linux's /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime and stime, fields 14 and 15


def send_all(port: int, requests: list[Prepared]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for request in requests:
            connection.request(request.method, request.path, body=request.body, headers=request.headers)
            response = connection.getresponse()
            data = response.read()
            if response.status != 200:
                raise RuntimeError(f"{request.method} {request.path}: {response.status} {data[:300]!r}")
    finally:
        connection.close()


def set_up(started: Started, name: str) -> Target:
    """The queue and bucket the operations use (the bare app answers anything, so it needs none)."""
    env = started[1]
    target = Target(port_of(env), Credentials(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]))
    if name == "bare":
        return Target(target.port, target.credentials, "http://127.0.0.1/000000000000/bench-q")
    connection = http.client.HTTPConnection("127.0.0.1", target.port, timeout=30)
    created = sqs_json(target, "CreateQueue", {"QueueName": "bench-q"})
    connection.request("POST", "/", body=created.body, headers=created.headers)
    queue_url = json.loads(connection.getresponse().read())["QueueUrl"]
    bucket = target.sign("PUT", "/bench-bucket", "s3")
    connection.request("PUT", bucket.path, body=b"", headers=bucket.headers)
    connection.getresponse().read()
    connection.close()
    return Target(target.port, target.credentials, queue_url)


def idle_rate(pid: int, seconds: float = 0.5) -> float:
    before = cpu_seconds(pid)
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / seconds


def server_cpu(start: Callable[[], Started], name: str, count: int) -> dict[str, float]:
    """µs of server CPU per request, per operation."""
    started = start()
    process = started[0]
    try:
        target = set_up(started, name)
        figures: dict[str, float] = {}
        for operation, build in OPERATIONS.items():
            send_all(target.port, [build(target, count + i) for i in range(WARM_UP)])
            requests = [build(target, i) for i in range(count)]  # signed before the clock starts
            idle = idle_rate(process.pid)
            before, started_at = cpu_seconds(process.pid), time.monotonic()
            send_all(target.port, requests)
            used = cpu_seconds(process.pid) - before - idle * (time.monotonic() - started_at)
            figures[operation] = max(used, 0.0) / count * 1e6
        return figures
    finally:
        process.terminate()
        process.wait(timeout=10)


def app_cpu(count: int) -> dict[str, float]:
    """µs of CPU per request spent in awsfake's WSGI app alone (called in this process, no HTTP), per operation:
    the server figure less this one is the HTTP layer's share."""
    from werkzeug.test import EnvironBuilder

    from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS

    fake = FakeAWS()

    def call(request: Prepared) -> bytes:
        environ = EnvironBuilder(request.path, method=request.method, headers=request.headers, data=request.body)
        return answer(environ.get_environ())

    def answer(environ: dict[str, object]) -> bytes:
        statuses: list[str] = []
        body = b"".join(fake(environ, lambda status, headers, exc_info=None: statuses.append(status)))
        if not statuses[0].startswith("200"):
            raise RuntimeError(f"{statuses[0]}: {body[:300]!r}")
        return body

    target = Target(1, Credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY))
    queue_url = json.loads(call(sqs_json(target, "CreateQueue", {"QueueName": "bench-q"})))["QueueUrl"]
    call(target.sign("PUT", "/bench-bucket", "s3"))
    target = Target(1, target.credentials, queue_url)
    figures: dict[str, float] = {}
    for operation, build in OPERATIONS.items():
        for i in range(WARM_UP):
            call(build(target, count + i))
        environs = [
            EnvironBuilder(r.path, method=r.method, headers=r.headers, data=r.body).get_environ()
            for r in (build(target, i) for i in range(count))
        ]
        before = time.process_time()
        for environ in environs:
            answer(environ)
        figures[operation] = (time.process_time() - before) / count * 1e6
    return figures


def print_cpu(count: int) -> None:
    peers = (("awsfake", start_awsfake), ("moto", start_moto), ("bare", start_bare))
    figures = {name: server_cpu(start, name, count) for name, start in peers}
    figures["app"] = app_cpu(count)
    print(f"server CPU per request, µs ({count} unique pre-signed requests each, 1 keep-alive connection)")
    heads = f"{'awsfake':>9}{'app only':>10}{'moto':>9}{'bare':>8}{'moto/awsfake':>14}{'awsfake/bare':>14}"
    print(f"  {'operation':<24}{heads}")
    for operation in OPERATIONS:
        ours, app, moto, bare = (figures[name][operation] for name in ("awsfake", "app", "moto", "bare"))
        print(
            f"  {operation:<24}{ours:>9.0f}{app:>10.0f}{moto:>9.0f}{bare:>8.0f}"
            f"{moto / ours if ours else 0:>13.1f}x{ours / bare if bare else 0:>13.1f}x"
        )


# ---------------------------------------------------------------- throughput (requests per second)


def signed_headers(port: int) -> dict[str, str]:
    return sigv4.add_v4_auth_heads(
        {"Content-Type": FORM},
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


def print_throughput(seconds: float) -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("seconds", nargs="?", type=float, default=3.0, help="per throughput measurement")
    parser.add_argument("--requests", type=int, default=2000, help="unique requests per operation for server CPU")
    parser.add_argument("--only", choices=("cpu", "throughput"))
    args = parser.parse_args()
    if args.only != "throughput":
        print_cpu(args.requests)
    if args.only != "cpu":
        print_throughput(args.seconds)


if __name__ == "__main__":
    main()
