"""The services' quick paths for the usual request against the general readings they stand in for.

Each quick path skips work whose result is known for the common case (an S3 request carrying only an SDK's usual
headers, a Publish naming one TopicArn, or nothing but a TopicArn and a message, a standard queue's or topic's
message naming no FIFO ids, an address asked for again); generated requests shaped like the real ones check that
skipping it gives what doing it gives.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from awsfake.accounts import Accounts
from awsfake.errors import Fault
from awsfake.request import HeaderMap
from awsfake.services import Call, Caller, Result
from awsfake.services.s3.acl import GRANT_HEADERS as ACL_GRANT_HEADERS
from awsfake.services.s3.addressing import _located, locate
from awsfake.services.s3.configuration import ownership_document
from awsfake.services.s3.headers import (
    check_conditions,
    check_content_md5,
    check_write_conditions,
    header_tags,
    object_checksum,
    object_fields,
    parse_range,
    plain_request,
)
from awsfake.services.s3.model import DEFAULT_CONTENT_TYPE, Bucket, S3Object
from awsfake.services.s3.object_acl import object_grants
from awsfake.services.sns import SNS
from awsfake.services.sns.model import Topic
from awsfake.services.sns.params import (
    MAX_MESSAGE_BYTES,
    TOPIC_ARN,
    fifo_ids,
    fifo_rules,
    named_target,
    publish_fields,
    publish_target,
    read_publish_fields,
    topic_arn,
)
from awsfake.services.sqs import SQS
from awsfake.services.sqs.attributes import SMALLEST_MESSAGE_LIMIT
from awsfake.services.sqs.messages import check_body, sent
from awsfake.services.sqs.params import check_strings
from awsfake.services.sqs.params import fifo_ids as sqs_fifo_ids
from awsfake.services.sqs.queue import Queue
from awsfake.store.body import Body

SETTINGS = settings(max_examples=300, deadline=None, database=None)

# What an SDK sends with an object request, and the optional headers S3 reads (each in its sent spelling).
USUAL = ["Host", "Content-Type", "Content-Length", "User-Agent", "amz-sdk-request", "amz-sdk-invocation-id"]
USUAL += ["X-Amz-Date", "X-Amz-Content-SHA256", "Authorization", "X-Amz-Security-Token", "Expect"]
OPTIONAL = ["Content-MD5", "x-amz-meta-colour", "Cache-Control", "Content-Encoding", "Expires", "x-amz-tagging"]
OPTIONAL += ["x-amz-checksum-crc32", "x-amz-sdk-checksum-algorithm", "x-amz-trailer", "If-Match", "If-None-Match"]
OPTIONAL += ["If-Modified-Since", "If-Unmodified-Since", "Range", "x-amz-checksum-mode", "x-amz-acl", "x-amz-other"]
OPTIONAL += ["x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp", "x-amz-grant-write-acp"]
OPTIONAL += ["x-amz-grant-full-control"]
OTHER_ID = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"  # another account's canonical id
GRANTEE = f'id="{OTHER_ID}"'
VALUES = st.sampled_from(
    ["", "*", "1", "bytes=0-1", "CRC32", "public-read", "a=b", '"etag"', "ENABLED", "x, y", GRANTEE]
)


OPEN_BUCKET = Bucket(  # ACLs enabled: a grant to another account is taken
    "b",
    "123456789012",
    "us-east-1",
    datetime(2026, 1, 1, tzinfo=timezone.utc),
    settings={"ownershipControls": ownership_document("ObjectWriter")},
)


@st.composite
def object_headers(draw: st.DrawFn) -> HeaderMap:
    names = draw(st.lists(st.sampled_from(USUAL), max_size=len(USUAL), unique=True))
    names += draw(st.lists(st.sampled_from(OPTIONAL), max_size=2, unique=True))
    return HeaderMap([(name, draw(VALUES)) for name in names])


def _outcome(read: Any, *args: Any) -> Any:
    try:
        return ("value", read(*args))
    except Fault as fault:
        return ("fault", fault.code, fault.message)


@SETTINGS
@given(headers=object_headers())
def test_a_plain_object_request_reads_as_the_general_readings_do(headers: HeaderMap) -> None:
    """PutObject and GetObject skip their optional readings when `plain_request` says so: every one of them then
    finds nothing (the defaults S3 keeps, no fault, no condition, no range)."""
    if not plain_request(headers):
        assert any(name.lower() not in {u.lower() for u in USUAL} for name in headers)
        return
    body = Body(b"0123456789")
    bucket = Bucket("b", "123456789012", "us-east-1", datetime(2026, 1, 1, tzinfo=timezone.utc))
    stored = S3Object("k", body, body.etag(), bucket.created)
    check_content_md5(headers, body)
    assert object_fields(headers) == (headers.get("Content-Type") or DEFAULT_CONTENT_TYPE, {}, {})
    assert header_tags(headers) == {}
    assert object_checksum(headers, body) is None
    check_write_conditions(headers, stored, "k")
    check_write_conditions(headers, None, "k")
    assert object_grants(bucket, headers) == ()
    assert check_conditions(headers, stored) is False
    assert parse_range(headers.get("Range"), 10) is None
    assert headers.get("x-amz-checksum-mode") is None


def test_an_sdks_usual_object_request_is_plain() -> None:
    """Not vacuous: the headers an SDK sends with PutObject and GetObject take the quick path."""
    assert plain_request(HeaderMap([(name, "v") for name in USUAL]))
    assert not plain_request(HeaderMap([(name, "v") for name in [*USUAL, "Range"]]))
    assert not plain_request({"Host": "h"})  # not lower case: the general readings, which are case-blind


def test_a_grant_header_takes_the_general_path() -> None:
    """An ACL asked for by an `x-amz-grant-*` header alone is read: such a request is never plain."""
    for name in ACL_GRANT_HEADERS:
        headers = HeaderMap([(usual, "v") for usual in USUAL] + [(name, GRANTEE)])
        assert not plain_request(headers)
        assert object_grants(OPEN_BUCKET, headers) == (("CanonicalUser", OTHER_ID, ACL_GRANT_HEADERS[name]),)


HOSTS = st.sampled_from(["localhost:4566", "127.0.0.1:80", "b.localhost:4566", "b.s3.amazonaws.com", "", "x:1"])
PATHS = st.sampled_from(["/", "/b", "/b/", "/b/k", "/b/a//c", "/k/x", "", "b/k"])


@SETTINGS
@given(addresses=st.lists(st.tuples(HOSTS, PATHS), min_size=1, max_size=8))
def test_locate_remembers_only_what_it_would_work_out_again(addresses: list[tuple[str, str]]) -> None:
    for host, path in addresses + addresses[::-1]:
        assert locate(host, path) == _located(host, path)


ARNS = st.sampled_from(
    [
        "arn:aws:sns:us-east-1:123456789012:t",
        "arn:aws:sns:eu-west-1:123456789012:t.fifo",
        "arn:aws:sns:us-east-1:12345:t",
        "arn:aws:sqs:us-east-1:123456789012:t",
        "arn:aws:sns:us-east-1:123456789012:",
        "",
    ]
)
TARGET_VALUES = st.one_of(st.none(), ARNS, st.just("+15550100"), st.just({"x": "1"}))


@SETTINGS
@given(topic=TARGET_VALUES, target=TARGET_VALUES, phone=TARGET_VALUES, twice=st.booleans())
def test_publish_target_reads_as_the_general_reading_does(topic: Any, target: Any, phone: Any, twice: bool) -> None:
    params = {k: v for k, v in (("TopicArn", topic), ("TargetArn", target), ("PhoneNumber", phone)) if v is not None}
    for _ in range(2 if twice else 1):  # the second time, a well-formed ARN is a remembered one
        assert _outcome(publish_target, params) == _outcome(named_target, params)


ARN = "arn:aws:sns:us-east-1:123456789012:t"
MESSAGES = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", "\U0001f600" * (MAX_MESSAGE_BYTES // 4), "\U0001f600" * (MAX_MESSAGE_BYTES // 4 + 1)]),
    st.just({"x": "1"}),
)
PUBLISH_EXTRAS = st.dictionaries(
    st.sampled_from(["Subject", "MessageStructure", "MessageGroupId", "TargetArn", "PhoneNumber", "Other"]),
    st.sampled_from(["", "s", "json", "g1"]),
    max_size=2,
)


@SETTINGS
@given(topic=st.just(ARN) | ARNS | st.just({"x": "1"}), message=MESSAGES, extras=st.just({}) | PUBLISH_EXTRAS)
def test_publish_fields_read_as_the_general_reading_does(topic: Any, message: Any, extras: Any) -> None:
    """A Publish of a remembered TopicArn and a short message alone is taken as it is; any other is read."""
    params = {"Action": "Publish", "Version": "2010-03-31", "TopicArn": topic, "Message": message, **extras}
    for _ in range(2):  # the second time, a well-formed ARN is a remembered one
        assert _outcome(publish_fields, params) == _outcome(read_publish_fields, params)


@SETTINGS
@given(arn=ARNS | st.text(max_size=60))
def test_topic_arn_refuses_what_the_pattern_refuses_remembered_or_not(arn: str) -> None:
    for _ in range(2):
        outcome = _outcome(topic_arn, {"TopicArn": arn}, "TopicArn")
        assert outcome == (
            ("value", arn) if arn and TOPIC_ARN.match(arn) else ("fault", "InvalidParameter", outcome[2])
        )


IDS = st.one_of(st.none(), st.just(""), st.just("g1"), st.just({"x": "1"}))


def _ids(group: Any, dedup: Any) -> dict[str, Any]:
    present = (("MessageGroupId", group), ("MessageDeduplicationId", dedup))
    return {"Message": "m", **{k: v for k, v in present if v is not None}}


@SETTINGS
@given(fifo=st.booleans(), content_based=st.booleans(), group=IDS, dedup=IDS)
def test_sns_fifo_ids_are_the_fifo_rules(fifo: bool, content_based: bool, group: Any, dedup: Any) -> None:
    attributes = {"FifoTopic": "true"} if fifo else {}
    if content_based:
        attributes["ContentBasedDeduplication"] = "true"
    topic = Topic("arn:aws:sns:us-east-1:123456789012:t", "123456789012", attributes)
    params = _ids(group, dedup)
    assert _outcome(fifo_ids, topic, params, "m") == _outcome(fifo_rules, topic, params, "m")


@SETTINGS
@given(group=IDS, dedup=IDS, delay=st.sampled_from(["0", "5"]))
def test_a_standard_queues_message_naming_no_ids_skips_the_fifo_rules(group: Any, dedup: Any, delay: str) -> None:
    """SendMessage takes (None, None) without asking the rules when the queue is standard and neither id is sent;
    the rules give the same, and the message is sent as any other."""
    queue = Queue("q", "123456789012", "us-east-1", {"DelaySeconds": delay, "MaximumMessageSize": "1024"}, 0.0, 0.0)
    params = _ids(group, dedup)
    if "MessageGroupId" not in params and "MessageDeduplicationId" not in params:
        assert sqs_fifo_ids(queue, params, "m") == (None, None)
    sqs = SQS(Accounts())
    sent = _outcome(sqs._enqueue, queue, {**params, "MessageBody": "m"}, "123456789012")
    if sent[0] == "value":
        message = sent[1]
        assert (message.group_id, message.dedup_id) == _outcome(sqs_fifo_ids, queue, params, "m")[1]
        assert message.visible_at - message.sent_at == int(delay)


OWNER = Caller("AKIDEXAMPLE", "123456789012", "arn:aws:iam::123456789012:user/u", "AIDAEXAMPLEEXAMPLE1")
STRANGER = Caller("AKIDOTHER", "210987654321", "arn:aws:iam::210987654321:user/o", "AIDAOTHEROTHEROTHE1")
TOPICS = st.sampled_from(["t", "t.fifo", "missing"])
PUBLISH_IDS = st.dictionaries(
    st.sampled_from(["MessageGroupId", "MessageDeduplicationId", "Subject"]), st.sampled_from(["", "g1", "d1"])
)


def _published_by(general: bool, topic: str, message: Any, ids: dict[str, Any], caller: Caller, times: int) -> Any:
    """What `times` Publishes of one request do to a fresh SNS with a standard and a FIFO topic: the answers (the
    message id's presence), the records (but their ids and times) and the topics' FIFO state."""
    sns = SNS(Accounts())
    for name, attributes in (("t", {}), ("t.fifo", {"Attributes": {"FifoTopic": "true"}})):
        sns.create_topic(_publish_call(OWNER, "CreateTopic", {"Name": name, **attributes}))
    arn = f"arn:aws:sns:us-east-1:123456789012:{topic}"
    params = {"Action": "Publish", "Version": "2010-03-31", "TopicArn": arn, "Message": message, **ids}
    answers = []
    for _ in range(times):
        call = _publish_call(caller, "Publish", params)
        if general:  # the reading and the locked path every Publish took before the quick one
            answers.append(_outcome(lambda c: sns._publish(c, *read_publish_fields(c.params)), call))
        else:
            answers.append(_outcome(sns.publish, call))
    shown = [(a[0], sorted(a[1].body)) if a[0] == "value" else a for a in answers]
    records = [(*vars(r).values(),)[1:-1] for r in sns.published]
    state = [(t.sequence, sorted(t.dedup)) for t in sns.topics.values()]
    return shown, records, state


def _publish_call(caller: Caller, action: str, params: dict[str, Any]) -> Call:
    return Call("sns", action, "us-east-1", caller, "POST", "localhost", "/", {}, {}, Body(), params)


@SETTINGS
@given(topic=TOPICS, message=MESSAGES, ids=PUBLISH_IDS, stranger=st.booleans(), times=st.integers(1, 2))
def test_a_publish_to_a_standard_topic_unlocked_is_the_locked_publish(
    topic: str, message: Any, ids: dict[str, Any], stranger: bool, times: int
) -> None:
    """SNS.publish takes a Publish to a standard topic of the caller's, naming no FIFO ids, while SNS has no
    subscriptions, without the lock: it only logs the message. Any Publish gives what the locked path gives."""
    caller = STRANGER if stranger else OWNER
    assert _published_by(False, topic, message, ids, caller, times) == _published_by(
        True, topic, message, ids, caller, times
    )


VALID_CHARACTERS = st.characters(min_codepoint=0x20, blacklist_categories=["Cs"]).filter(lambda c: c < "\ufffe")


@SETTINGS
@given(body=st.text(VALID_CHARACTERS, max_size=SMALLEST_MESSAGE_LIMIT // 4))
def test_a_body_check_skips_the_size_only_where_it_fits_every_queue(body: str) -> None:
    """`check_body` does not work out the UTF-8 size of a body of at most a quarter of the least limit: such a
    body fits the smallest queue; one character more can be too large for it, and is measured."""
    assert len(body.encode()) <= SMALLEST_MESSAGE_LIMIT
    queue = Queue("q", "123456789012", "us-east-1", {"MaximumMessageSize": str(SMALLEST_MESSAGE_LIMIT)}, 0.0, 0.0)
    check_body(body, queue)
    too_large = "\U0001f600" * (SMALLEST_MESSAGE_LIMIT // 4 + 1)
    assert _outcome(check_body, too_large, queue)[:2] == ("fault", "InvalidParameterValue")


_ACCOUNT = "123456789012"
_CALLER = Caller("AKIDEXAMPLE", _ACCOUNT, f"arn:aws:iam::{_ACCOUNT}:user/tester", "AIDAEXAMPLEEXAMPLE1")
_HOST = "localhost:4566"
_QUEUES = {  # name -> attributes
    "q": {},
    "delayed": {"DelaySeconds": "5", "MaximumMessageSize": "1024"},
    "q.fifo": {"FifoQueue": "true", "ContentBasedDeduplication": "true"},
}
_QUEUE_URLS = st.one_of(
    st.sampled_from([f"http://{_HOST}/{_ACCOUNT}/{name}" for name in [*_QUEUES, "missing"]]),
    st.sampled_from([f"http://{_HOST}/210987654321/q", f"https://sqs.x/{_ACCOUNT}/q/", "http://x/", "", None, 5]),
)
_MESSAGE_BODIES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "bad \x01 char", "x" * 300, "\u00e9" * 300, "\U0001f600" * 257]),
    st.none(),
    st.integers(),
    st.just({"a": "b"}),
)
_SEND_EXTRAS = st.dictionaries(
    st.sampled_from(["DelaySeconds", "MessageGroupId", "MessageDeduplicationId", "MessageAttributes", "Id"]),
    st.sampled_from(["0", "2", "g", 3, None, {"a": {"DataType": "String", "StringValue": "v"}}]),
    max_size=2,
)


def _sqs_call(action: str, params: dict[str, Any]) -> Call:
    return Call("sqs", action, "us-east-1", _CALLER, "POST", _HOST, "/", {}, {}, Body(b""), params)


def _sqs_with_queues() -> SQS:
    sqs = SQS(Accounts())
    for name, attributes in _QUEUES.items():
        sqs.create_queue(_sqs_call("CreateQueue", {"QueueName": name, "Attributes": attributes}))
    return sqs


def _sent_generally(sqs: SQS, call: Call) -> Result:
    """SendMessage as every operation reads its parameters: the string check, then the message's readings."""
    check_strings(call.params)
    with sqs.lock:
        queue = sqs._queue(call)
        message = sqs._enqueue(queue, call.params, call.caller.account_id)
    return Result(sent(message))


def _send_outcome(send: Any, params: dict[str, Any]) -> Any:
    """The answer less its message id (each send has its own), and the message the queue then holds last."""
    sqs = _sqs_with_queues()
    outcome = _outcome(send, sqs, _sqs_call("SendMessage", dict(params)))
    if outcome[0] == "fault":
        return outcome
    answer = {**outcome[1].body, "MessageId": None}
    last = {name: queue.messages[-1] for name, queue in sqs.queues.items() if queue.messages}
    kept = {
        name: (vars(m) | {"message_id": None, "sent_at": None, "visible_at": m.visible_at - m.sent_at})
        for name, m in last.items()
    }
    return answer, kept


@SETTINGS
@given(url=_QUEUE_URLS, body=_MESSAGE_BODIES, extras=st.one_of(st.just({}), _SEND_EXTRAS))
def test_a_plain_send_is_what_the_general_reading_makes_of_it(url: Any, body: Any, extras: dict[str, Any]) -> None:
    """SendMessage of a QueueUrl and a MessageBody alone, both text, to a standard queue skips the string check and
    the optional parameters' readings: the answer, the message kept and every fault are the general reading's."""
    params = {**({} if url is None else {"QueueUrl": url}), **({} if body is None else {"MessageBody": body}), **extras}
    quick = _send_outcome(lambda sqs, call: sqs.send_message(call), params)
    assert quick == _send_outcome(_sent_generally, params)
