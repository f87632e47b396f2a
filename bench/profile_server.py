"""Where the endpoint's server CPU goes, per small verified request: measure it, and profile it.

Each server runs in its own process; a raw keep-alive client (http.client, one connection) sends unique requests,
each signed beforehand with awsclient.sigv4 and carrying the headers boto3 sends (its own
`amz-sdk-invocation-id`, a User-Agent, `amz-sdk-request`). Request kinds: STS GetCallerIdentity, SQS SendMessage
(JSON protocol), SNS Publish (query protocol), S3 GetObject of 1 KiB.

    python bench/profile_server.py cpu [--requests N]
        µs of server CPU per request (the kernel's user + system time of the server process, idle rate
        subtracted) for awsfake, moto's ThreadedMotoServer and a bare WSGI app answering a constant on awsfake's
        own server (the HTTP layer's floor), same run.
    python bench/profile_server.py profile [--requests N] [--kind K] [--sort tottime] [--limit 40]
        cProfile of the awsfake server process while it answers (thread CPU time as the clock, so waiting on
        the socket does not count), printed by `--sort`.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from awsclient import sigv4  # noqa: E402
from awsclient.credentials import Credentials  # noqa: E402

KEY, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
WARM_UP = 100

# The servers, as code run with `python -c`: each prints its URL, serves until stdin has a line, then (awsfake
# with PROFILE set) writes its profile to that path and exits.
AWSFAKE = """
import cProfile, os, sys, time
import awsfake.server as server
from awsfake import FakeAWS
from awsfake.accounts import DEFAULT_ACCOUNT_ID
path = os.environ.get("PROFILE")
profiler = cProfile.Profile(time.thread_time) if path else None
if profiler is not None:
    handle = server._Handler.handle
    seen = []
    def profiled(self):
        seen.append(1)
        if len(seen) == 1:  # the first connection sets up and warms up
            return handle(self)
        return profiler.runcall(handle, self)
    server._Handler.handle = profiled
fake = FakeAWS()
fake.add_credentials(sys.argv[1], sys.argv[2], account_id=DEFAULT_ACCOUNT_ID)
with fake.serve() as running:
    print(running.url, flush=True)
    sys.stdin.readline()
    if profiler is not None:
        profiler.dump_stats(path)
"""
MOTO = """
import socket, sys
from moto.server import ThreadedMotoServer
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
print(f"http://127.0.0.1:{port}", flush=True)
sys.stdin.readline()
"""
BARE = """
import sys
from awsfake.server import serve_app
def app(environ, start_response):
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", "2")])
    return [b"ok"]
with serve_app(app) as running:
    print(running.url, flush=True)
    sys.stdin.readline()
"""
SERVERS = {"awsfake": AWSFAKE, "moto": MOTO, "bare": BARE}


@dataclass(frozen=True)
class Prepared:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    queue_url: str = ""
    topic_arn: str = ""

    def sign(self, method: str, path: str, service: str, body: bytes = b"", **headers: str) -> Prepared:
        heads = {
            **{name.replace("_", "-"): value for name, value in headers.items()},
            "User-Agent": "Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux lang/python#3.11.7 cfg/retry-mode#legacy",
            "amz-sdk-invocation-id": str(uuid.uuid4()),
            "amz-sdk-request": "attempt=1",
        }
        signed = sigv4.add_v4_auth_heads(
            heads,
            method=method,
            uri=f"http://127.0.0.1:{self.port}{path}",
            sha256=hashlib.sha256(body).hexdigest(),
            region="us-east-1",
            service=service,
            credentials=Credentials(KEY, SECRET),
        )
        return Prepared(method, path, signed, body)

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"stop\n")
        self.process.stdin.flush()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start(name: str, profile: str | None = None) -> Server:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if profile:
        env["PROFILE"] = profile
    cmd = [sys.executable, "-c", SERVERS[name], KEY, SECRET]
    process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert process.stdout is not None
    url = process.stdout.readline().decode().strip()
    if not url.startswith("http://"):
        process.kill()
        raise RuntimeError(f"{name} did not start")
    return Server(name, process, int(url.rsplit(":", 1)[1]))


def sts(server: Server, i: int) -> Prepared:
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    return server.sign("POST", "/", "sts", body, Content_Type=FORM)


def sqs_send(server: Server, i: int) -> Prepared:
    body = json.dumps({"QueueUrl": server.queue_url, "MessageBody": f"message {i}"}).encode()
    return server.sign(
        "POST", "/", "sqs", body, Content_Type="application/x-amz-json-1.0", X_Amz_Target="AmazonSQS.SendMessage"
    )


def sns_publish(server: Server, i: int) -> Prepared:
    body = f"Action=Publish&Version=2010-03-31&TopicArn={server.topic_arn}&Message=message+{i}".encode()
    return server.sign("POST", "/", "sns", body, Content_Type=FORM)


def s3_get(server: Server, i: int) -> Prepared:
    return server.sign("GET", f"/bench-bucket/key-{i}", "s3")


KINDS: dict[str, Callable[[Server, int], Prepared]] = {
    "STS GetCallerIdentity": sts,
    "SQS SendMessage (JSON)": sqs_send,
    "SNS Publish": sns_publish,
    "S3 GetObject 1 KiB": s3_get,
}


def send(connection: http.client.HTTPConnection, request: Prepared) -> bytes:
    connection.request(request.method, request.path, body=request.body, headers=request.headers)
    response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"{request.method} {request.path}: {response.status} {data[:300]!r}")
    return data


def set_up(server: Server, count: int) -> None:
    """The queue, topic and objects the requests use, and a warm-up of each kind, on one connection."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    if server.name != "bare":
        body = json.dumps({"QueueName": "bench-q"}).encode()
        created = server.sign(
            "POST", "/", "sqs", body, Content_Type="application/x-amz-json-1.0", X_Amz_Target="AmazonSQS.CreateQueue"
        )
        server.queue_url = json.loads(send(connection, created))["QueueUrl"]
        topic = server.sign(
            "POST", "/", "sns", b"Action=CreateTopic&Version=2010-03-31&Name=bench-topic", Content_Type=FORM
        )
        text = send(connection, topic).decode()
        server.topic_arn = text.split("<TopicArn>")[1].split("</TopicArn>")[0]
        send(connection, server.sign("PUT", "/bench-bucket", "s3"))
        for i in range(count + WARM_UP):
            body = f"{i:08d}".encode() * 128  # 1 KiB each
            send(connection, server.sign("PUT", f"/bench-bucket/key-{i}", "s3", body))
    else:
        server.queue_url, server.topic_arn = "http://127.0.0.1/000000000000/bench-q", "arn:aws:sns:bench"
    for build in KINDS.values():
        for i in range(WARM_UP):
            send(connection, build(server, count + i))
    connection.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its threads (Linux's /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(server: Server, requests: list[Prepared]) -> float:
    """µs of server CPU per request over one keep-alive connection, the idle rate subtracted."""
    pid = server.process.pid
    before_idle = cpu_seconds(pid)
    time.sleep(0.5)
    idle = (cpu_seconds(pid) - before_idle) / 0.5
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    before, started = cpu_seconds(pid), time.monotonic()
    for request in requests:
        send(connection, request)
    used = cpu_seconds(pid) - before - idle * (time.monotonic() - started)
    connection.close()
    return max(used, 0.0) / len(requests) * 1e6


def cpu(count: int, names: list[str]) -> None:
    figures: dict[str, dict[str, float]] = {}
    for name in names:
        server = start(name)
        try:
            set_up(server, count)
            figures[name] = {
                kind: measure(server, [build(server, i) for i in range(count)]) for kind, build in KINDS.items()
            }
        finally:
            server.stop()
    print(f"server CPU per request, µs ({count} unique signed requests per kind, one keep-alive connection)")
    print(
        f"  {'request':<24}" + "".join(f"{name:>9}" for name in names) + ("  moto/awsfake" if len(names) == 3 else "")
    )
    for kind in KINDS:
        row = [figures[name][kind] for name in names]
        ratio = f"{row[1] / row[0]:>13.1f}x" if len(names) == 3 and row[0] else ""
        print(f"  {kind:<24}" + "".join(f"{value:>9.0f}" for value in row) + ratio)


def profile(count: int, kinds: list[str], sort: str, limit: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "server.prof")
        server = start("awsfake", profile=path)
        try:
            set_up(server, count)
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            total = 0
            for kind in kinds:
                requests = [KINDS[kind](server, i) for i in range(count)]
                for request in requests:
                    send(connection, request)
                total += len(requests)
            connection.close()
        finally:
            server.stop()
        stats = pstats.Stats(path)
        print(f"{total} requests ({', '.join(kinds)}); profile clock: server thread CPU time")
        print(f"  total {stats.total_tt / total * 1e6:.1f} µs per request (with the profiler's own overhead)")  # type: ignore[attr-defined]
        stats.sort_stats(sort).print_stats(limit)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("cpu", "profile"))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--kind", action="append", choices=list(KINDS), help="profile: these kinds (default: all)")
    parser.add_argument("--servers", nargs="+", choices=list(SERVERS), default=list(SERVERS), help="cpu: which")
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--limit", type=int, default=40)
    args = parser.parse_args()
    if args.what == "cpu":
        cpu(args.requests, args.servers)
    else:
        profile(args.requests, args.kind or list(KINDS), args.sort, args.limit)


if __name__ == "__main__":
    main()
