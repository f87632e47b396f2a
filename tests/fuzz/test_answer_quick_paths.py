"""The answer side's quick paths against the general paths they stand in for.

S3 reads an object of a bucket never versioned without asking the versions (no version header to report), skips
the region check for a request signed for the bucket's region and the versions' record for a write to a bucket
never versioned; a family sends an object held in memory in one write. Generated buckets, histories and requests
shaped like the real ones check that the quick path gives what the general one gives.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from service_calls import CALLER, OTHER, call, new

from awsfake.catalog import CATALOG
from awsfake.errors import Fault
from awsfake.services import Call, Result
from awsfake.services.s3 import S3
from awsfake.services.s3.regions import check_signed_for
from awsfake.services.s3.version_headers import chosen
from awsfake.store.body import Body, Stream

SETTINGS = settings(max_examples=200, deadline=None, database=None)
KEYS = st.sampled_from(["k", "a/b", "k2"])
# One bucket's history: writes, deletes and versioning changes, in any order.
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("put"), KEYS),
        st.tuples(st.just("delete"), KEYS),
        st.tuples(st.just("versioning"), st.sampled_from(["Enabled", "Suspended"])),
    ),
    max_size=6,
)
VERSIONING = "<VersioningConfiguration><Status>{}</Status></VersioningConfiguration>"


def _outcome(read: Any, *args: Any) -> Any:
    try:
        return ("value", read(*args))
    except Fault as fault:
        return ("fault", fault.code, fault.message, fault.status, fault.extras, fault.headers)


def _bucket_with(steps: list[tuple[str, str]]) -> tuple[S3, list[str]]:
    """A bucket made by `steps`, and the version ids its writes reported."""
    s3 = new(S3)
    call(s3, method="PUT", path="/bucket")
    reported = []
    for step, value in steps:
        if step == "put":
            result = call(s3, method="PUT", path=f"/bucket/{value}", body=value.encode())
            reported.append(result.headers.get("x-amz-version-id", ""))
        elif step == "delete":
            call(s3, method="DELETE", path=f"/bucket/{value}")
        else:
            call(s3, method="PUT", path="/bucket", query={"versioning": [""]}, body=VERSIONING.format(value).encode())
    return s3, reported


def _read(key: str, query: dict[str, list[str]], region: str = "us-east-1") -> Call:
    return Call("s3", "GetObject", region, CALLER, "GET", "localhost:4566", f"/bucket/{key}", query, {}, Body())  # type: ignore[arg-type]


@SETTINGS
@given(steps=STEPS, key=KEYS, by_version=st.booleans())
def test_an_object_is_read_as_its_versions_say(steps: list[tuple[str, str]], key: str, by_version: bool) -> None:
    """`_version` without a versionId, in a bucket never versioned, is the object alone; else what `chosen` says."""
    s3, reported = _bucket_with(steps)
    version_id = next((v for v in reversed(reported) if v), "null")
    query = {"versionId": [version_id]} if by_version else {}
    bucket = s3.buckets["bucket"]
    general = _outcome(chosen, s3.versions_of(bucket), key, version_id if by_version else None, bucket.objects)
    assert _outcome(s3._version, _read(key, query)) == general


def test_reads_take_both_paths() -> None:
    """Not vacuous: a bucket never versioned gives the object without a header, a versioned one its version."""
    s3, _ = _bucket_with([("put", "k")])
    assert s3._version(_read("k", {}))[1] == {}
    s3, reported = _bucket_with([("versioning", "Enabled"), ("put", "k")])
    assert s3._version(_read("k", {}))[1] == {"x-amz-version-id": reported[-1]}


@SETTINGS
@given(
    region=st.sampled_from(["", "us-east-1", "eu-west-1"]),
    bucket_region=st.sampled_from(["us-east-1", "eu-west-1"]),
    presigned=st.booleans(),
    owner=st.booleans(),
)
def test_a_bucket_is_addressed_as_the_region_check_says(
    region: str, bucket_region: str, presigned: bool, owner: bool
) -> None:
    """`_addressed` skips `check_signed_for` for a request signed for the bucket's region: it would pass."""
    s3 = new(S3)
    body = b"" if bucket_region == "us-east-1" else b"<C><LocationConstraint>eu-west-1</LocationConstraint></C>"
    call(s3, method="PUT", path="/bucket", body=body, region=bucket_region)
    query = {"X-Amz-Credential": ["x"]} if presigned else {}
    made = _read("k", query, region)
    if not owner:
        made.caller = OTHER
    bucket = s3.buckets["bucket"]

    def general() -> Any:
        check_signed_for(made, bucket.region)
        if bucket.owner != made.caller.account_id:
            raise Fault("AccessDenied", "Access Denied", 403)
        return bucket

    assert _outcome(s3._addressed, "bucket", made) == _outcome(general)


@SETTINGS
@given(steps=STEPS, key=KEYS)
def test_a_write_reports_the_version_its_bucket_records(steps: list[tuple[str, str]], key: str) -> None:
    """PutObject records a version only in a bucket with a versioning status, and reports it."""
    s3, _ = _bucket_with(steps)
    versions = s3.versions_of(s3.buckets["bucket"])
    before = {k: list(v) for k, v in versions.history.items()}
    reported = call(s3, method="PUT", path=f"/bucket/{key}", body=b"x").headers.get("x-amz-version-id")
    if not versions.status:
        assert reported is None
        assert versions.history == before
    else:
        assert reported == versions.latest(key).version_id  # type: ignore[union-attr]


RESULT_HEADERS = st.dictionaries(
    st.sampled_from(["ETag", "Content-Type", "Content-Length", "x-amz-version-id"]), st.text("0123abc", max_size=4)
)


@SETTINGS
@given(data=st.binary(max_size=64), headers=RESULT_HEADERS, status=st.sampled_from([200, 206]))
def test_an_object_in_memory_is_answered_as_its_bytes_are(data: bytes, headers: dict[str, str], status: int) -> None:
    """A stream, or a body, held in memory is sent in one write: the answer its bytes would get."""
    family = CATALOG["s3"].family
    info = CATALOG["s3"]
    expected = family.render_result(info, "GetObject", Result(data, None, status, dict(headers)), "R")
    for held in (Body(data).stream(), Body(data), Stream([data], len(data))):
        answered = family.render_result(info, "GetObject", Result(held, None, status, dict(headers)), "R")
        assert answered == expected
    assert expected.body == data and expected.stream is None
    assert expected.headers == [*headers.items(), *family.id_headers("R")]


LONG_KEYS = st.one_of(
    st.text(max_size=40),
    st.builds(lambda c, n: c * n, st.sampled_from(["a", "é", "€", "😀"]), st.integers(250, 1030)),
)


@SETTINGS
@given(key=LONG_KEYS)
def test_a_keys_length_is_checked_as_its_bytes_say(key: str) -> None:
    """A key of at most 256 characters is at most 1,024 bytes of UTF-8: only longer ones are encoded to count."""
    s3 = new(S3)
    made = _read("", {})
    made.path = "/bucket/" + key
    general = ("fault", "KeyTooLongError") if len(key.encode()) > 1024 else ("value", ("bucket", key))
    outcome = _outcome(s3._object_address, made)
    assert outcome[:2] == general
