"""Coverage-guided fuzzing of the fake endpoint and the fake IMDS with atheris, for runs longer than CI's.

    pip install atheris
    python fuzz/endpoint_atheris.py -max_total_time=600          # libFuzzer options pass through
    python fuzz/endpoint_atheris.py crash-1234                   # replay one input

Each input becomes one request to a real server on 127.0.0.1: raw bytes as they are, or (chosen by the input's
first byte) a request signed with the fake's default keys whose method, path, extra headers and body come from
the rest of the input, so the fuzzer gets past signature checks into the services' parsers. The checks are the
hypothesis tests' (`tests/helpers/fuzz_helpers.py`): no 5xx, nothing raised in the app, error bodies botocore can read,
and every 200 inputs a normal signed request must still succeed. Without atheris installed, the same target runs
on random inputs (`--random N`), which is how the test suite keeps it working.
"""

from __future__ import annotations

import random
import sys
from contextlib import ExitStack, nullcontext
from pathlib import Path
from typing import Any

sys.path[:0] = [
    str(Path(__file__).resolve().parents[1]),
    str(Path(__file__).resolve().parents[1] / "tests" / "helpers"),
]

try:
    import atheris  # type: ignore[import-not-found, unused-ignore]
except ImportError:
    atheris = None
    _instrumented: Any = nullcontext()
else:  # coverage guidance needs the code under test imported inside this block
    _instrumented = atheris.instrument_imports()

with _instrumented:
    from fuzz_helpers import (
        assert_endpoint_answer,
        assert_still_serving,
        exchange,
        parse_answers,
        raw_request,
        signed_raw,
    )

    from awsfake import FakeAWS, FakeIMDS

SERVICES = ["s3", "sns", "sqs", "sts", "ec2", "dynamodb"]
METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD"]
JSON_TARGETS = {"sqs": "AmazonSQS.", "dynamodb": "DynamoDB_20120810."}


class Target:
    """The servers, started once, and the per-input check."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self.fake = FakeAWS(max_body_size=1 << 20)
        self.port = self._stack.enter_context(self.fake.serve()).port
        self.imds = FakeIMDS(self.fake)
        self.imds_port = self._stack.enter_context(self.imds.serve()).port
        self.count = 0

    def close(self) -> None:
        self._stack.close()

    def one_input(self, data: bytes) -> None:
        if not data:
            return
        mode, rest = data[0] % 4, data[1:]
        if mode == 0:
            self._endpoint(rest, "GET")
        elif mode == 1:
            self._imds(rest)
        else:
            self._signed(rest)
        self.count += 1
        if self.count % 200 == 0:
            assert_still_serving(self.fake, self.port)
            self.fake.requests.clear()

    def _endpoint(self, request: bytes, method: str) -> None:
        before = len(list(self.fake.requests))
        assert_endpoint_answer(self.fake, before, exchange(self.port, request), method)

    def _imds(self, request: bytes) -> None:
        raw = exchange(self.imds_port, request)
        self.imds.check()
        if raw:
            assert raw.startswith(b"HTTP/"), raw[:200]
            assert all(a.status < 500 for a in parse_answers(raw))

    def _signed(self, data: bytes) -> None:
        """A signed request built from the input: service, method, path, headers and body all fuzzed."""
        pick = _Picker(data)
        service, method = pick.choice(SERVICES), pick.choice(METHODS)
        path = "/" + pick.text(60)
        headers = {pick.text(20) or "x-fuzz": pick.text(60) for _ in range(pick.byte() % 4)}
        if service in JSON_TARGETS:
            headers["X-Amz-Target"] = JSON_TARGETS[service] + pick.text(30)
            headers["Content-Type"] = "application/x-amz-json-1.0"
        elif service != "s3":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = pick.rest()
        try:
            signed = signed_raw(self.port, method, path, service=service, body=body, headers=headers)
        except ValueError:
            return  # the signer refuses the header (say, a non-ASCII name): nothing to send
        self._endpoint(raw_request(method, path.encode("utf-8", "surrogateescape"), _encode(signed), body), method)


def _encode(pairs: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(n.encode("utf-8", "surrogateescape"), v.encode("utf-8", "surrogateescape")) for n, v in pairs]


class _Picker:
    """Consumes the input front to back (atheris's FuzzedDataProvider, minus the dependency)."""

    def __init__(self, data: bytes) -> None:
        self._data, self._at = data, 0

    def byte(self) -> int:
        if self._at >= len(self._data):
            return 0
        self._at += 1
        return self._data[self._at - 1]

    def choice(self, items: list[str]) -> str:
        return items[self.byte() % len(items)]

    def text(self, limit: int) -> str:
        size = self.byte() % (limit + 1)
        chunk = self._data[self._at : self._at + size]
        self._at += len(chunk)
        return "".join(chr(b) for b in chunk if b not in (10, 13))

    def rest(self) -> bytes:
        rest = self._data[self._at :]
        self._at = len(self._data)
        return rest


def run_random(target: Target, count: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    for _ in range(count):
        target.one_input(rng.randbytes(rng.randrange(1, 400)))


def main(argv: list[str]) -> None:
    target = Target()
    try:
        if len(argv) > 2 and argv[1] == "--random":
            run_random(target, int(argv[2]))
            print(f"{target.count} random inputs, no failure")
            return
        if atheris is None:
            sys.exit("atheris is not installed (pip install atheris); or run with --random N")
        atheris.Setup(argv, target.one_input)
        atheris.Fuzz()
    finally:
        target.close()


if __name__ == "__main__":
    main(sys.argv)
