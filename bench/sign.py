"""Microseconds per SigV4 signature: awsclient's `add_v4_auth_heads` against botocore's `SigV4Auth.add_auth`.

Both sign the same requests in the same run (each side hashes the body itself, as a caller would). The floor is
the bare hashlib/hmac work one signature needs when nothing is cached: the four-HMAC key derivation, the SHA-256
of the canonical request and the final HMAC. Run: `python bench/sign.py [--seconds 0.5]`.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import sys
import time
from collections.abc import Callable
from pathlib import Path

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this checkout, not an installed copy

from awsclient.credentials import Credentials
from awsclient.sigv4 import add_v4_auth_heads, canonical_request, signed_header_names

KEY, SECRET, TOKEN = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "FQoGZXIvYXdzEXAMPLETOKEN"

# (name, service, method, url, headers, body)
REQUESTS: list[tuple[str, str, str, str, dict[str, str], bytes]] = [
    (
        "sqs json",
        "sqs",
        "POST",
        "https://sqs.us-east-1.amazonaws.com/",
        {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.SendMessage"},
        b'{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q","MessageBody":"hello"}',
    ),
    (
        "sts query",
        "sts",
        "POST",
        "https://sts.amazonaws.com/",
        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        b"Action=GetCallerIdentity&Version=2011-06-15",
    ),
    (
        "s3 get",
        "s3",
        "GET",
        "https://bucket.s3.us-east-1.amazonaws.com/photos/2024/a%20b%2Bc.jpg?versionId=3%2FL4kqtJl",
        {"Range": "bytes=0-99"},
        b"",
    ),
]


def ours(service: str, method: str, url: str, headers: dict[str, str], body: bytes) -> Callable[[], object]:
    creds = Credentials(KEY, SECRET, TOKEN)

    def sign() -> object:
        return add_v4_auth_heads(
            headers,
            method=method,
            uri=url,
            sha256=hashlib.sha256(body).hexdigest(),
            region="us-east-1",
            service=service,
            credentials=creds,
        )

    return sign


def botocore(service: str, method: str, url: str, headers: dict[str, str], body: bytes) -> Callable[[], object]:
    signer = (S3SigV4Auth if service == "s3" else SigV4Auth)(BotoCredentials(KEY, SECRET, TOKEN), service, "us-east-1")
    request = AWSRequest(method=method, url=url, headers=headers, data=body)

    def sign() -> object:
        signer.add_auth(request)
        return request

    return sign


def floor(service: str, method: str, url: str, headers: dict[str, str], body: bytes) -> Callable[[], object]:
    heads = add_v4_auth_heads(
        headers,
        method=method,
        uri=url,
        sha256=hashlib.sha256(body).hexdigest(),
        region="us-east-1",
        service=service,
        credentials=Credentials(KEY, SECRET, TOKEN),
    )
    heads.pop("Authorization")
    signed = signed_header_names(heads)
    path, _, query = url.split("/", 3)[3].partition("?")
    canonical = canonical_request(
        method, "/" + path, query, heads, signed, hashlib.sha256(body).hexdigest(), service=service
    )
    date = heads["X-Amz-Date"]

    def sign() -> object:
        key = hmac.digest(("AWS4" + SECRET).encode(), date[:8].encode(), "sha256")
        for part in ("us-east-1", service, "aws4_request"):
            key = hmac.digest(key, part.encode(), "sha256")
        sts = f"AWS4-HMAC-SHA256\n{date}\n{date[:8]}/us-east-1/{service}/aws4_request\n"
        sts += hashlib.sha256(canonical.encode()).hexdigest()
        return hmac.digest(key, sts.encode(), "sha256").hex()

    return sign


def per_call_us(fn: Callable[[], object], seconds: float) -> float:
    """Best of five rounds, each about `seconds / 5` long, in microseconds per call."""
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        took = time.perf_counter() - start
        if took > seconds / 20:
            break
        n *= 2
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        rounds.append((time.perf_counter() - start) / n)
    return min(rounds) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time spent per measurement (default 1)")
    args = parser.parse_args()
    print(f"{'request':<12}{'awsclient us':>14}{'botocore us':>14}{'speed-up':>10}{'floor us':>10}{'ours/floor':>12}")
    totals = [0.0, 0.0, 0.0]
    for name, *request in REQUESTS:
        figures = [per_call_us(make(*request), args.seconds) for make in (ours, botocore, floor)]  # type: ignore[arg-type]
        totals = [t + f for t, f in zip(totals, figures, strict=True)]
        o, b, f = figures
        print(f"{name:<12}{o:>14.2f}{b:>14.2f}{b / o:>9.1f}x{f:>10.2f}{o / f:>12.2f}")
    o, b, f = (t / len(REQUESTS) for t in totals)
    print(f"{'mean':<12}{o:>14.2f}{b:>14.2f}{b / o:>9.1f}x{f:>10.2f}{o / f:>12.2f}")


if __name__ == "__main__":
    main()
