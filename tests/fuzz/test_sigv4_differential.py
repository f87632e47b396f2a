"""awsclient's signer against botocore's on thousands of generated requests, with time frozen.

Requests are built the way botocore's serializers build them: every path segment and query component
percent-encoded with only the RFC 3986 unreserved characters left alone, plus dot segments and empty segments
the normaliser must remove. Headers come with odd whitespace, mixed-case names and repeats. The example count
comes from the `sigv4-differential` hypothesis profile (2000 per test; `SIGV4_EXAMPLES` overrides it).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import datetime, timezone
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory, StepTickTimeFactory, TickingDateTimeFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awsclient.credentials import Credentials
from awsclient.sigv4 import add_v4_auth_heads, presign_url

settings.register_profile(
    "sigv4-differential",
    max_examples=int(os.environ.get("SIGV4_EXAMPLES", "2000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PROFILE = settings.get_profile("sigv4-differential")

SERVICES = ["s3", "sqs", "sts", "dynamodb", "execute-api", "sns"]
# Names the signer manages itself, and Content-MD5 (which changes botocore's S3 payload choice).
MANAGED = {"host", "authorization", "x-amz-date", "date", "x-amz-security-token", "x-amz-content-sha256", "content-md5"}

text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
segment = st.one_of(text, st.sampled_from([".", "..", "", "a.b", "~x", "%", "+"]))
header_name = st.text(
    st.characters(codec="ascii", categories=["L", "N"], include_characters="-_!#$%&'*+.^`|~"), min_size=1, max_size=10
).filter(lambda n: n.lower() not in MANAGED)
header_value = st.text(st.characters(exclude_categories=["Cs", "Cc"], include_characters="\t"), max_size=20).map(
    lambda v: v.replace("\x85", " ")
)
bools = st.booleans()
padding = st.sampled_from(["", " ", "  ", "\t", " \t "])


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    service = draw(st.sampled_from(SERVICES))
    safe = draw(st.sampled_from(["~", "/~"]))
    path = "/" + "/".join(quote(s, safe=safe) for s in draw(st.lists(segment, max_size=5)))
    pairs: list[tuple[str, str]] = draw(st.lists(st.tuples(text, text), max_size=5))
    repeat: bool = draw(bools)
    if pairs and repeat:
        pairs.append(pairs[0])  # a repeated name and value
    parts = [quote(k, safe="~") + ("" if v == "" and draw(bools) else "=" + quote(v, safe="~")) for k, v in pairs]
    scheme = draw(st.sampled_from(["https", "http"]))
    port = draw(st.sampled_from(["", ":443", ":80", ":8443"]))
    host = draw(st.sampled_from(["example.amazonaws.com", "Bucket.S3.Amazonaws.com", "127.0.0.1"]))
    headers: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, value in draw(st.lists(st.tuples(header_name, header_value), max_size=6)):
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        headers.append((name, draw(padding) + value + draw(padding)))
        if draw(st.integers(0, 4)) == 0:
            headers.append((name.swapcase(), draw(padding) + draw(header_value)))  # repeated, other case
    if draw(st.booleans()):
        headers.append(("User-Agent", "test/1.0"))
    return {
        "service": service,
        "region": draw(st.sampled_from(["us-east-1", "eu-central-1", "cn-north-1"])),
        "method": draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "get"])),
        "url": f"{scheme}://{host}{port}{path}" + ("?" + "&".join(parts) if parts else ""),
        "headers": headers,
        "body": draw(st.binary(max_size=64)),
        "token": draw(st.one_of(st.none(), st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1))),
        "date_header": draw(st.sampled_from([None, "X-Amz-Date", "Date"])),
        "when": draw(st.datetimes(datetime(2010, 1, 1), datetime(2035, 1, 1))),
    }


Freezer = FrozenDateTimeFactory | StepTickTimeFactory | TickingDateTimeFactory


@pytest.fixture(scope="module")
def frozen() -> Iterator[Freezer]:
    # Started once (freezegun's start is slow); each example moves the clock. pytest's own timer keeps real time,
    # or --durations would report the frozen clock's jumps.
    with freeze_time("2015-08-30 12:36:00", ignore=["_pytest.timing"]) as freezer:
        yield freezer


def botocore_request(req: dict[str, Any]) -> AWSRequest:
    request = AWSRequest(method=req["method"], url=req["url"], data=req["body"])
    for name, value in req["headers"]:
        request.headers[name] = value  # HTTPHeaders appends, so repeats stay repeats
    return request


def with_date(req: dict[str, Any], when: datetime) -> list[tuple[str, str]]:
    headers = list(req["headers"])
    if req["date_header"] == "X-Amz-Date":
        headers.append(("X-Amz-Date", when.strftime("%Y%m%dT%H%M%SZ")))
    elif req["date_header"] == "Date":
        headers.append(("Date", formatdate(when.replace(tzinfo=timezone.utc).timestamp())))
    return headers


@PROFILE
@given(req=requests())
def test_authorization_header_matches_botocore(frozen: Freezer, req: dict[str, Any]) -> None:
    frozen.move_to(req["when"])
    request = botocore_request(req)
    if req["date_header"] == "Date":
        request.headers["Date"] = "placeholder"  # botocore re-dates it to now and signs Date alone
    signer = S3SigV4Auth if req["service"] == "s3" else SigV4Auth
    signer(BotoCredentials("AKIDEXAMPLE", "secret/key+EXAMPLE", req["token"]), req["service"], req["region"]).add_auth(
        request
    )
    ours = add_v4_auth_heads(
        with_date(req, req["when"]),
        method=req["method"],
        uri=req["url"],
        sha256=hashlib.sha256(req["body"]).hexdigest(),
        region=req["region"],
        service=req["service"],
        credentials=Credentials("AKIDEXAMPLE", "secret/key+EXAMPLE", req["token"]),
    )
    assert ours["Authorization"] == request.headers["Authorization"]


@PROFILE
@given(req=requests(), expires=st.integers(1, 604800))
def test_presigned_url_matches_botocore(frozen: Freezer, req: dict[str, Any], expires: int) -> None:
    frozen.move_to(req["when"])
    # botocore re-serialises the URL's own query through a dict: give it unique names, each with "=".
    split = urlsplit(req["url"])
    unique = dict(parse_qsl(split.query, keep_blank_values=True))
    url = split._replace(query="&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in unique.items()))
    request = AWSRequest(method=req["method"], url=url.geturl())
    signer = S3SigV4QueryAuth if req["service"] == "s3" else SigV4QueryAuth
    boto = BotoCredentials("AKIDEXAMPLE", "secret/key+EXAMPLE", req["token"])
    signer(boto, req["service"], req["region"], expires=expires).add_auth(request)
    ours = presign_url(
        req["method"],
        url.geturl(),
        region=req["region"],
        service=req["service"],
        expires=expires,
        credentials=Credentials("AKIDEXAMPLE", "secret/key+EXAMPLE", req["token"]),
    )
    assert sorted(parse_qsl(urlsplit(ours).query, keep_blank_values=True)) == sorted(
        parse_qsl(urlsplit(request.url).query, keep_blank_values=True)
    )


def test_generated_requests_cover_the_hard_cases() -> None:
    """The generator does produce what the differential test claims to cover (so it cannot pass vacuously)."""
    seen: set[str] = set()

    @settings(max_examples=400, deadline=None, database=None)
    @given(req=requests())
    def collect(req: dict[str, Any]) -> None:
        url = req["url"]
        seen.update(
            flag
            for flag, present in {
                "dot segment": "/./" in url or "/../" in url or url.endswith("/."),
                "double slash": "//" in urlsplit(url).path,
                "encoded utf-8": "%C" in url or "%E" in url,
                "empty value": "=&" in url or url.endswith("="),
                "key without =": any("=" not in p for p in urlsplit(url).query.split("&") if urlsplit(url).query),
                "repeated header": len({n.lower() for n, _ in req["headers"]}) < len(req["headers"]),
                "whitespace": any(v != v.strip() for _, v in req["headers"]),
                "s3": req["service"] == "s3",
                "token": req["token"] is not None,
                "http-date": req["date_header"] == "Date",
            }.items()
            if present
        )

    collect()
    assert len(seen) == 10, seen
