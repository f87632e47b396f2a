"""Microseconds per SigV4 signature on unique requests: awsclient, botocore, and the bare hashing floor.

Every request is different, as real traffic is: its own path, query, body and X-Amz-Date (seconds apart, over two
days), across eight request shapes of six services in two regions, signed with temporary credentials (as most signers
hold: roles, SSO, Lambda, ECS) whose session token is as long as a real one, ~900 characters. There are more requests
(20,000 by default) than any cache of the signer holds, and each round signs them in the same order, so a cached
path, query or target is never found again: the only things reused are the signing key, which AWS derives once per
day, region and service, the credentials, and what a kind of request repeats whatever its contents: its host and the
names of its headers.

Three figures, each the best of five rounds over all the requests:

- **awsclient**: `add_v4_auth_heads` given the request as a caller has it (headers with its `X-Amz-Date`, the URL,
  the body, whose SHA-256 it computes as a caller must).
- **botocore**: `SigV4Auth.add_auth` (`S3SigV4Auth` for S3) on an `AWSRequest` of the same request, built before
  each round (untimed), as botocore's callers hand it one: fresh, never signed, without `X-Amz-Date` (botocore
  dates a request from its own clock; given the header, it would delete it first, and given a request signed in an
  earlier round, its `Authorization` and token too: ~3 % of its instructions, work it does not do for real
  requests). Before timing, a sample is signed by both with the clock frozen at the request's date and the two
  `Authorization` headers must be equal, so both sides sign the same requests.
- **floor**: the hashing one signature needs when nothing is cached and every string is already written: the
  SHA-256 of the body and of the canonical request (both computed beforehand by awsclient, untimed), the four
  HMAC-SHA256 steps deriving the signing key (a fresh key for each request's date) and the final HMAC over the
  string to sign, each with `hashlib`/`hmac.digest`. A signer can only get under it by not deriving the key again.

Run: `python bench/sign.py [--requests 20000]`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeAlias
from urllib.parse import quote

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials
from freezegun import freeze_time

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this checkout, not an installed copy

from awsclient.credentials import Credentials
from awsclient.sigv4 import add_v4_auth_heads, canonical_request, signed_header_names

KEY, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
# Temporary credentials, as most signers hold (roles, SSO, Lambda, ECS): a session token is base64 of ~650 bytes.
TOKEN = "IQoJb3JpZ2luX2VjE" + base64.b64encode(random.Random(15).randbytes(650)).decode()
CREDS = Credentials(KEY, SECRET, TOKEN)
START = datetime(2026, 11, 26, 20, 0, tzinfo=timezone.utc).timestamp()
WORDS = ["report", "café", "a b", "x+y", "q=1", "über", "photo", "data", "ß", "log", "日本", "~tilde", "50%"]


@dataclass(frozen=True)
class Request:
    service: str
    region: str
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


def _word(rng: random.Random) -> str:
    return rng.choice(WORDS) + str(rng.randrange(10**6))


def _q(text: str) -> str:
    """Percent-encoded as botocore's serialisers do: only RFC 3986 unreserved characters left alone."""
    return quote(text, safe="~")


def _s3_get(i: int, rng: random.Random) -> tuple[str, str, str, dict[str, str], bytes]:
    key = f"photos/{2000 + i % 25}/{_word(rng)}/{_word(rng)}.jpg"
    query = f"?versionId={_q(_word(rng))}" if i % 3 == 0 else ""
    return "s3", "GET", f"/{quote(key, safe='/~')}{query}", {"Range": f"bytes=0-{i}"}, b""


def _s3_put(i: int, rng: random.Random) -> tuple[str, str, str, dict[str, str], bytes]:
    key = f"uploads/{_word(rng)}/part-{i}.bin"
    heads = {"Content-Type": "application/octet-stream", "x-amz-meta-owner": _word(rng)}
    return "s3", "PUT", f"/{quote(key, safe='/~')}", heads, rng.randbytes(rng.randrange(64, 2048))


def _s3_list(i: int, rng: random.Random) -> tuple[str, str, str, dict[str, str], bytes]:
    query = f"list-type=2&prefix={_q(f'logs/{i}/')}&start-after={_q(_word(rng))}&max-keys={i % 1000 + 1}"
    return "s3", "GET", f"/?{query}", {}, b""


def _sqs_json(i: int, rng: random.Random) -> tuple[str, str, str, dict[str, str], bytes]:
    body = f'{{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q{i}","MessageBody":"{_word(rng)}"}}'
    heads = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.SendMessage"}
    return "sqs", "POST", "/", heads, body.encode()


def _sts_query(i: int, rng: random.Random) -> tuple[str, str, str, dict[str, str], bytes]:
    body = f"Action=AssumeRole&RoleArn={_q(f'arn:aws:iam::123456789012:role/r{i}')}&RoleSessionName=s{i}"
    heads = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    return "sts", "POST", "/", heads, (body + "&Version=2011-06-15").encode()


def _dynamodb(i: int, rng: random.Random) -> tuple[str, str, str, dict[str, str], bytes]:
    body = f'{{"TableName":"t","Item":{{"pk":{{"S":"{_word(rng)}"}},"n":{{"N":"{i}"}}}}}}'
    heads = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.PutItem"}
    return "dynamodb", "POST", "/", heads, body.encode()


def _api_gateway(i: int, rng: random.Random) -> tuple[str, str, str, dict[str, str], bytes]:
    path = f"/prod/items/{_q(_word(rng))}/v{i}"
    query = f"filter={_q(f'name eq {_word(rng)}')}&page={i}&tag={_q(_word(rng))}&tag={_q(_word(rng))}"
    return "execute-api", "GET", f"{path}?{query}", {"Accept": "application/json"}, b""


def _sns_query(i: int, rng: random.Random) -> tuple[str, str, str, dict[str, str], bytes]:
    topic = _q(f"arn:aws:sns:us-east-1:123456789012:t{i % 97}")
    body = f"Action=Publish&TopicArn={topic}&Message={_q(_word(rng) + ' ' + _word(rng))}&Version=2010-03-31"
    return "sns", "POST", "/", {"Content-Type": "application/x-www-form-urlencoded"}, body.encode()


SHAPES = [_s3_get, _s3_put, _s3_list, _sqs_json, _sts_query, _dynamodb, _api_gateway, _sns_query]
HOSTS = {"s3": "bucket-{n}.s3.{region}.amazonaws.com", "execute-api": "abc{n}.execute-api.{region}.amazonaws.com"}


def unique_requests(count: int, seed: int = 15) -> list[Request]:
    rng = random.Random(seed)
    out: list[Request] = []
    for i in range(count):
        service, method, target, headers, body = SHAPES[i % len(SHAPES)](i, rng)
        region = "us-east-1" if i % 5 else "eu-west-1"
        host = HOSTS.get(service, "{service}.{region}.amazonaws.com").format(n=i % 7, region=region, service=service)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(START + i * 9))  # ~2 days over 20,000 requests
        out.append(Request(service, region, method, f"https://{host}{target}", {**headers, "X-Amz-Date": stamp}, body))
    return out


Round: TypeAlias = Callable[[], object]


def ours(requests: Sequence[Request]) -> Callable[[], Round]:
    def run() -> object:
        for r in requests:
            add_v4_auth_heads(
                r.headers,
                method=r.method,
                uri=r.url,
                sha256=hashlib.sha256(r.body).hexdigest(),
                region=r.region,
                service=r.service,
                credentials=CREDS,
            )
        return None

    return lambda: run


def _boto_signer(r: Request) -> SigV4Auth:
    return (S3SigV4Auth if r.service == "s3" else SigV4Auth)(BotoCredentials(KEY, SECRET, TOKEN), r.service, r.region)


def botocore(requests: Sequence[Request]) -> Callable[[], Round]:
    signers = {(r.service, r.region): _boto_signer(r) for r in requests}

    def prepare() -> Round:
        prepared = [(signers[r.service, r.region], _boto_request(r)) for r in requests]

        def run() -> object:
            for signer, request in prepared:
                signer.add_auth(request)
            return None

        return run

    return prepare


def _boto_request(r: Request) -> AWSRequest:
    """The request as botocore's callers hand it to the signer: no `X-Amz-Date`, which botocore sets from its clock."""
    headers = {name: value for name, value in r.headers.items() if name != "X-Amz-Date"}
    return AWSRequest(method=r.method, url=r.url, headers=headers, data=r.body)


def floor(requests: Sequence[Request]) -> Callable[[], Round]:
    work = []
    for r in requests:
        date = r.headers["X-Amz-Date"]
        heads = add_v4_auth_heads(
            r.headers,
            method=r.method,
            uri=r.url,
            sha256=hashlib.sha256(r.body).hexdigest(),
            region=r.region,
            service=r.service,
            credentials=CREDS,
        )
        heads.pop("Authorization")
        path, _, query = r.url.split("/", 3)[3].partition("?")
        payload = hashlib.sha256(r.body).hexdigest()
        canonical = canonical_request(
            r.method, "/" + path, query, heads, signed_header_names(heads), payload, service=r.service
        ).encode()
        scope = f"{date[:8]}/{r.region}/{r.service}/aws4_request"
        to_sign = f"AWS4-HMAC-SHA256\n{date}\n{scope}\n{hashlib.sha256(canonical).hexdigest()}".encode()
        steps = (date[:8].encode(), r.region.encode(), r.service.encode(), b"aws4_request")
        work.append((r.body, canonical, steps, to_sign))
    secret = ("AWS4" + SECRET).encode()

    def run() -> object:
        for body, canonical, steps, to_sign in work:
            hashlib.sha256(body).hexdigest()
            hashlib.sha256(canonical).hexdigest()
            key = secret
            for step in steps:
                key = hmac.digest(key, step, "sha256")
            hmac.digest(key, to_sign, "sha256").hex()
        return None

    return lambda: run


def check_same_signatures(requests: Sequence[Request], sample: int = 400) -> None:
    """botocore and awsclient agree on a sample of the requests (botocore's clock frozen at each one's date)."""
    with freeze_time("2026-11-26") as frozen:
        for r in requests[:: max(1, len(requests) // sample)]:
            frozen.move_to(datetime.strptime(r.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ"))
            request = _boto_request(r)
            _boto_signer(r).add_auth(request)
            mine = add_v4_auth_heads(
                r.headers,
                method=r.method,
                uri=r.url,
                sha256=hashlib.sha256(r.body).hexdigest(),
                region=r.region,
                service=r.service,
                credentials=CREDS,
            )
            if mine["Authorization"] != request.headers["Authorization"]:
                raise SystemExit(f"awsclient and botocore disagree on {r.method} {r.url}")


def per_request_us(rounds_of: dict[str, Callable[[], Round]], count: int, rounds: int = 5) -> dict[str, float]:
    """Best of `rounds` passes over all the requests, in microseconds of this process's CPU time per request; each
    side's round is prepared (untimed) just before it runs.

    CPU time, not wall time, and the sides take turns in each round: a machine busy with other work then slows
    each side little and alike."""
    best = dict.fromkeys(rounds_of, float("inf"))
    for _ in range(rounds):
        for name, prepare in rounds_of.items():
            run = prepare()
            start = time.process_time()
            run()
            best[name] = min(best[name], time.process_time() - start)
    return {name: took / count * 1e6 for name, took in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000, help="unique requests per round (default 20000)")
    args = parser.parse_args()
    requests = unique_requests(args.requests)
    check_same_signatures(requests)
    figures = per_request_us({name: make(requests) for name, make in MAKERS.items()}, len(requests))
    mine, boto, bare = figures["awsclient"], figures["botocore"], figures["floor"]
    services = len({r.service for r in requests})
    print(f"{len(requests)} unique requests ({len(SHAPES)} shapes, {services} services), best of 5 rounds, µs each:")
    print(f"  awsclient {mine:7.2f}")
    print(f"  botocore  {boto:7.2f}   awsclient is {boto / mine:.1f}x faster")
    print(f"  floor     {bare:7.2f}   awsclient / floor = {mine / bare:.2f}")


MAKERS: dict[str, Callable[[Sequence[Request]], Callable[[], Round]]] = {
    "awsclient": ours,
    "botocore": botocore,
    "floor": floor,
}

if __name__ == "__main__":
    main()
