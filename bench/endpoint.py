"""Server CPU per verified request: awsfake next to moto's server and two floors, interleaved in one run.

What is measured. Each server runs in its own process (bench/peers.py): awsfake (`awsfake serve`, every signature
verified), moto's ThreadedMotoServer (no signature check), "bare" (a constant WSGI app on awsfake's own server:
the HTTP layer's floor) and "raw" (a Python thread per connection doing recv, split, sendall, with no HTTP library
and no WSGI: what any Python server pays for TCP and a thread). A raw keep-alive client (http.client, one
connection) sends unique requests, each signed before the clock starts with awsclient.sigv4 and carrying the
headers boto3 sends (a User-Agent, `amz-sdk-request`, its own `amz-sdk-invocation-id`), and its own key, message or
body where the operation has one. The figure is the server process's CPU time over those requests as the kernel
accounts it (/proc/PID/stat: user and system time of all its threads, living and ended), divided by their number;
user and system are also shown apart.
Operations: STS GetCallerIdentity, SQS SendMessage (JSON protocol), SNS Publish (query protocol), S3 PutObject
and GetObject of 1 KiB (GetObject reads what PutObject wrote).

"app only" is awsfake's WSGI app called in this process with werkzeug-built environs, no HTTP and no server (this
thread's CPU time, getrusage): what the pipeline costs; the server figure less it is the HTTP layer's share.

Made to hold on a noisy shared machine:
- /proc counts in clock ticks of 10 ms, so each server gets enough requests a round for about `--cpu` seconds
  of its CPU (0.5 by default: the step is under 2 % of it), sized by calibration runs of STS on that server;
- the rounds are interleaved (for each operation awsfake, app only, moto, bare, raw in turn; then the next
  operation; then the next round), so a burst of other work falls on every server alike, not on one;
- the figure is the best (lowest) round, not the median: other work on the machine only ever adds CPU time to a
  process (caches evicted by other processes, the hypervisor's work), never takes it away, so the lowest round
  is the closest to what the code costs; with each round about 50 ticks long, rounding can flatter it by about
  2 % at most. It is split into user and system time in the proportion of all the rounds (the kernel tells
  them apart by sampling at each tick: a few system ticks a round are too few to split one round by);
- each round sends SendMessage to a queue of its own, so a queue growing over the run (moto slows with its
  queue's length) makes no round dearer than another.
Idle CPU (poll loops: a few ms a second, under 1 % of a round) is measured at the start and printed, not
subtracted: measured in 10 ms steps, subtracting it would add more error than it removes.

Run: python bench/endpoint.py [--rounds 5] [--cpu 0.5] [--servers awsfake moto bare raw] [--every-round]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import math
import os
import resource
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers
from peers import Server

from awsclient import sigv4
from awsclient.credentials import Credentials

FORM = "application/x-www-form-urlencoded; charset=utf-8"
FORM_HEAD = {"Content-Type": FORM}
SQS_JSON = "application/x-amz-json-1.0"
TOPIC = b"Action=CreateTopic&Version=2010-03-31&Name=bench-topic"
BOTO3_HEADS = {  # what boto3 adds to every request besides its own invocation id
    "User-Agent": "Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux lang/python#3.11.7 cfg/retry-mode#legacy",
    "amz-sdk-request": "attempt=1",
}
WARM_UP = 100  # requests of each operation before any measurement (lazy imports, first-use set-up)
CALIBRATION_CPU = 0.2  # seconds of server CPU (20 ticks) the calibration runs for
FEWEST = 200  # requests a round, whatever the calibration says
IDLE_SECONDS = 3.0  # how long the idle CPU is read for


# ---------------------------------------------------------------- unique signed requests


@dataclass(frozen=True)
class Prepared:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Target:
    """A running server as the requests need it: its port and keys, the queue and topic they name, and the round
    (part of every key and message, so that no two requests of a run are alike)."""

    port: int
    credentials: Credentials
    answers_anything: bool = False  # a floor: no queue, topic or bucket to set up
    queue_url: str = "http://127.0.0.1/000000000000/bench-q"
    topic_arn: str = "arn:aws:sns:us-east-1:000000000000:bench-topic"
    round: str = "warm-up"

    def sign(
        self, method: str, path: str, service: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Prepared:
        heads = {**(headers or {}), **BOTO3_HEADS, "amz-sdk-invocation-id": str(uuid.uuid4())}
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


def sqs_json(target: Target, action: str, params: dict[str, str]) -> Prepared:
    heads = {"Content-Type": SQS_JSON, "X-Amz-Target": f"AmazonSQS.{action}"}
    return target.sign("POST", "/", "sqs", json.dumps(params).encode(), heads)


def sts_call(target: Target, i: int) -> Prepared:
    return target.sign("POST", "/", "sts", b"Action=GetCallerIdentity&Version=2011-06-15", {"Content-Type": FORM})


def sqs_send(target: Target, i: int) -> Prepared:
    return sqs_json(target, "SendMessage", {"QueueUrl": target.queue_url, "MessageBody": f"{target.round} {i}"})


def sns_publish(target: Target, i: int) -> Prepared:
    """The form as boto3 writes it: every character but `-_.~` and alphanumerics %-escaped (the ARN's `:` too)."""
    message = f"{target.round} {i}"
    fields = {"Action": "Publish", "Version": "2010-03-31", "TopicArn": target.topic_arn, "Message": message}
    body = urlencode(fields, quote_via=quote, safe="-_.~")
    return target.sign("POST", "/", "sns", body.encode(), {"Content-Type": FORM})


def s3_put(target: Target, i: int) -> Prepared:
    body = f"{i:08d}".encode() * 128  # 1 KiB, its own content
    path = f"/bench-bucket/{target.round}/key-{i}"
    return target.sign("PUT", path, "s3", body, {"Content-Type": "application/octet-stream"})


def s3_get(target: Target, i: int) -> Prepared:
    return target.sign("GET", f"/bench-bucket/{target.round}/key-{i}", "s3")


# name -> how to build request i; GetObject reads what PutObject wrote, so PutObject comes first.
OPERATIONS: dict[str, Callable[[Target, int], Prepared]] = {
    "STS GetCallerIdentity": sts_call,
    "SQS SendMessage (JSON)": sqs_send,
    "SNS Publish": sns_publish,
    "S3 PutObject 1 KiB": s3_put,
    "S3 GetObject 1 KiB": s3_get,
}


def send(connection: http.client.HTTPConnection, request: Prepared) -> bytes:
    connection.request(request.method, request.path, body=request.body, headers=request.headers)
    response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"{request.method} {request.path}: {response.status} {data[:300]!r}")
    return data


def send_all(port: int, requests: Iterable[Prepared]) -> None:
    """Over one keep-alive connection; raises unless every answer is a 200."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        for request in requests:
            send(connection, request)
    finally:
        connection.close()


def call(port: int, request: Prepared) -> bytes:
    """One request on a connection of its own (for set-up: nothing is measured)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        return send(connection, request)
    finally:
        connection.close()


def set_up(server: Server) -> Target:
    """The bucket and topic the operations use (the floors answer anything, so they need none)."""
    keys = Credentials(server.env["AWS_ACCESS_KEY_ID"], server.env["AWS_SECRET_ACCESS_KEY"])
    target = Target(server.port, keys, answers_anything=server.name in peers.FLOORS)
    if target.answers_anything:
        return target
    call(target.port, target.sign("PUT", "/bench-bucket", "s3"))
    created = call(target.port, target.sign("POST", "/", "sns", TOPIC, FORM_HEAD))
    target.topic_arn = created.decode().split("<TopicArn>")[1].split("</TopicArn>")[0]
    new_round(target, "warm-up")
    return target


def new_round(target: Target, name: str) -> None:
    """Name the round and, on a real server, give it a queue of its own."""
    target.round = name
    if target.answers_anything:
        return
    created = call(target.port, sqs_json(target, "CreateQueue", {"QueueName": f"bench-{name}"}))
    target.queue_url = json.loads(created)["QueueUrl"]


# ---------------------------------------------------------------- CPU time, as the kernel accounts it


@dataclass(frozen=True)
class Cpu:
    """User and system CPU time, seconds (or, per request, whatever `per` divided them into)."""

    user: float
    system: float

    @property
    def total(self) -> float:
        return self.user + self.system

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(self.user - other.user, self.system - other.system)

    def per(self, count: int) -> Cpu:
        return Cpu(self.user / count, self.system / count)


def process_cpu(pid: int) -> Cpu:
    """A process's CPU time, all its threads living and ended (Linux's /proc/PID/stat: utime and stime, fields 14
    and 15, in clock ticks: 10 ms each)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return Cpu(int(fields[11]) / tick, int(fields[12]) / tick)


def thread_cpu() -> Cpu:
    """This thread's CPU time (getrusage: microseconds)."""
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return Cpu(usage.ru_utime, usage.ru_stime)


def server_cpu(server: Server, requests: list[Prepared]) -> Cpu:
    """The server's CPU per request over one keep-alive connection; the first request, which opens the connection
    (and the server's thread for it), is left out of the count."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        send(connection, requests[0])
        before = process_cpu(server.pid)
        for request in requests[1:]:
            send(connection, request)
        used = process_cpu(server.pid) - before
    finally:
        connection.close()
    return used.per(len(requests) - 1)


def warm_up(server: Server, target: Target) -> None:
    for build in OPERATIONS.values():
        send_all(server.port, [build(target, i) for i in range(WARM_UP)])


def calibrate(server: Server, target: Target, seconds: float) -> int:
    """How many requests make about `seconds` of this server's CPU in its best round: STS calls in batches until
    the reading has moved by `CALIBRATION_CPU` (20 ticks; `seconds` if that is less), three times, the cheapest
    time scaled (other work inflates a round, and the rounds kept are the least inflated)."""
    cheapest = min(sts_cost(server, target, min(CALIBRATION_CPU, seconds)) for _ in range(3))
    return max(FEWEST, math.ceil(seconds / cheapest))


def sts_cost(server: Server, target: Target, cpu: float) -> float:
    """Server CPU seconds per STS call, over batches of calls until its reading has moved by `cpu`."""
    pid, sent = server.pid, 0
    before = process_cpu(pid).total
    while (used := process_cpu(pid).total - before) < cpu:
        send_all(target.port, [sts_call(target, sent + i) for i in range(100)])
        sent += 100
    return used / sent


def idle_rates(servers: Iterable[Server], seconds: float = IDLE_SECONDS) -> dict[str, float]:
    """CPU seconds a second each server uses while nobody calls it, all measured over the same `seconds`."""
    before = {server.name: process_cpu(server.pid).total for server in servers}
    time.sleep(seconds)
    return {server.name: (process_cpu(server.pid).total - before[server.name]) / seconds for server in servers}


# ---------------------------------------------------------------- the app alone, in this process


class InProcessApp:
    """awsfake's WSGI app called directly, with environs werkzeug builds: no socket, no HTTP parsing."""

    def __init__(self) -> None:
        from awsfake import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FakeAWS

        self.fake = FakeAWS()
        self.target = Target(1, Credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY))
        self.call(self.target.sign("PUT", "/bench-bucket", "s3"))
        created = self.call(self.target.sign("POST", "/", "sns", TOPIC, FORM_HEAD))
        self.target.topic_arn = created.decode().split("<TopicArn>")[1].split("</TopicArn>")[0]
        self.new_round("warm-up")

    def new_round(self, name: str) -> None:
        self.target.round = name
        created = self.call(sqs_json(self.target, "CreateQueue", {"QueueName": f"bench-{name}"}))
        self.target.queue_url = json.loads(created)["QueueUrl"]

    @staticmethod
    def environ(request: Prepared) -> dict[str, Any]:
        from werkzeug.test import EnvironBuilder

        built = EnvironBuilder(
            request.path, method=request.method, headers=list(request.headers.items()), data=request.body
        )
        return built.get_environ()

    def answer(self, environ: dict[str, Any]) -> bytes:
        statuses: list[str] = []
        body = b"".join(self.fake(environ, lambda status, headers, exc_info=None: statuses.append(status)))
        if not statuses[0].startswith("200"):
            raise RuntimeError(f"{statuses[0]}: {body[:300]!r}")
        return body

    def call(self, request: Prepared) -> bytes:
        return self.answer(self.environ(request))

    def warm_up(self) -> None:
        for build in OPERATIONS.values():
            for i in range(WARM_UP):
                self.call(build(self.target, i))

    def cpu(self, requests: list[Prepared]) -> Cpu:
        """This thread's CPU per request; the environs are built before the clock starts."""
        environs = [self.environ(request) for request in requests]
        before = thread_cpu()
        for environ in environs:
            self.answer(environ)
        return (thread_cpu() - before).per(len(environs))


# ---------------------------------------------------------------- the run


APP = "app only"


@dataclass
class Results:
    counts: dict[str, int]  # requests a round, per server
    idle: dict[str, float]  # CPU seconds a second, per server
    rounds: dict[str, dict[str, list[Cpu]]] = field(default_factory=dict)  # server -> operation -> per request

    def add(self, server: str, operation: str, cpu: Cpu) -> None:
        self.rounds.setdefault(server, {}).setdefault(operation, []).append(cpu)

    def best(self, server: str, operation: str) -> Cpu:
        """The lowest round's total, split into user and system time in the proportion of all the rounds: the
        kernel tells them apart by sampling at each tick, too few in one round for the split (a tenth of ~50
        ticks for awsfake's system time) but not in five."""
        measured = self.rounds[server][operation]
        total = min(cpu.total for cpu in measured)
        user, system = sum(cpu.user for cpu in measured), sum(cpu.system for cpu in measured)
        return Cpu(total * user / (user + system), total * system / (user + system)) if total else Cpu(0, 0)


def run(names: list[str], rounds: int, seconds: float) -> Results:
    """Start the servers, calibrate and warm each up, then measure every operation on every server, round after
    round, interleaved."""
    with ExitStack() as stack:
        servers = {name: stack.enter_context(peers.start(name)) for name in names}
        targets = {name: set_up(server) for name, server in servers.items()}
        results = Results({}, idle_rates(servers.values()))
        for name, server in servers.items():
            results.counts[name] = calibrate(server, targets[name], seconds)
            warm_up(server, targets[name])
        app = InProcessApp() if "awsfake" in servers else None
        if app is not None:
            results.counts[APP] = results.counts["awsfake"]
            app.warm_up()
        for number in range(rounds):
            for target in targets.values():
                new_round(target, f"round-{number}")
            if app is not None:
                app.new_round(f"round-{number}")
            for operation, build in OPERATIONS.items():
                for name, server in servers.items():
                    requests = [build(targets[name], i) for i in range(results.counts[name] + 1)]
                    results.add(name, operation, server_cpu(server, requests))
                    if name == "awsfake" and app is not None:
                        requests = [build(app.target, i) for i in range(results.counts[APP])]
                        results.add(APP, operation, app.cpu(requests))
        return results


# ---------------------------------------------------------------- the report


RATIOS = (("moto", "awsfake"), ("awsfake", "bare"), ("awsfake", "raw"))


def ratio(a: Cpu, b: Cpu) -> str:
    """The first over the second, or "-" if the second read zero (less than a clock tick: a very short run)."""
    return f"{a.total / b.total:.1f}x" if b.total else "-"


def print_results(results: Results, rounds: int, every_round: bool) -> None:
    columns = list(results.rounds)
    counts = ", ".join(f"{name} {count:,}" for name, count in results.counts.items())
    idle = ", ".join(f"{name} {rate * 1e3:.1f}" for name, rate in results.idle.items())
    print(f"server CPU per request, µs: best of {rounds} interleaved rounds, total = user + system")
    print(f"  requests a round per operation: {counts}")
    step = 10 / IDLE_SECONDS
    print(f"  idle CPU over {IDLE_SECONDS:.0f} s, ms a second (one tick is {step:.1f}; not subtracted): {idle}")
    print(f"  {'operation':<24}" + "".join(f"{name:>17}" for name in columns))
    for operation in OPERATIONS:
        cells = []
        for name in columns:
            best = results.best(name, operation)
            cells.append(f"{best.total * 1e6:.0f} = {best.user * 1e6:.0f}+{best.system * 1e6:.0f}")
        print(f"  {operation:<24}" + "".join(f"{cell:>17}" for cell in cells))
    ratios = [(a, b) for a, b in RATIOS if a in results.rounds and b in results.rounds]
    if ratios:
        print(f"  {'ratio of totals':<24}" + "".join(f"{f'{a}/{b}':>15}" for a, b in ratios))
        for operation in OPERATIONS:
            cells = [ratio(results.best(a, operation), results.best(b, operation)) for a, b in ratios]
            print(f"  {operation:<24}" + "".join(f"{cell:>15}" for cell in cells))
    if every_round:
        print("  every round's total, µs")
        for name in columns:
            for operation in OPERATIONS:
                totals = " ".join(f"{cpu.total * 1e6:.0f}" for cpu in results.rounds[name][operation])
                print(f"    {name:<9}{operation:<24}{totals}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; the best is shown (default 5)")
    parser.add_argument("--cpu", type=float, default=0.5, help="seconds of each server's CPU a round (default 0.5)")
    parser.add_argument("--servers", nargs="+", choices=peers.NAMES, default=list(peers.NAMES))
    parser.add_argument("--every-round", action="store_true", help="also print every round's figure")
    args = parser.parse_args()
    results = run(args.servers, args.rounds, args.cpu)
    print_results(results, args.rounds, args.every_round)


if __name__ == "__main__":
    main()
