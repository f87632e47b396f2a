"""The parts both fakes share (awsfake.doubles): bounded logs, journals, the error log, counted rules, minting.

The FakeIMDS tests here go through a served FakeIMDS over real sockets; the rest exercise the shared pieces on
their own, with real threads where thread safety is the point.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import urllib3

from awsfake import FakeAWS, FakeIMDS
from awsfake.doubles.credentials import mint_session_keys
from awsfake.doubles.error_log import ErrorLog
from awsfake.doubles.journal import Journal, Record
from awsfake.doubles.log import BoundedLog
from awsfake.doubles.rules import CountedRules
from awsfake.imds import IMDSRequest, RunningIMDS
from awsfake.imds.tokens import TokenTable
from awsfake.stubs import Stub

pytestmark = pytest.mark.timeout(60)
TOKEN_TTL = {"X-aws-ec2-metadata-token-ttl-seconds": "60"}


def _record(action: str, **params: object) -> Record:
    return Record("POST", "/", "sqs", "us-east-1", action, "AKID", True, 200, None, None, "rid", 0.0, params=params)


def test_journal_matches_fields_then_top_level_parameters() -> None:
    journal = Journal(Record)
    journal.append(_record("SendMessage", QueueUrl="q1", MessageBody="a", Delay=None))
    journal.append(_record("SendMessage", QueueUrl="q2", MessageBody="b", Attrs={"k": {"v": "1"}}))
    assert [r.params["MessageBody"] for r in journal.filter(action="SendMessage")] == ["a", "b"]
    assert len(journal.filter(QueueUrl="q2", Attrs={"k": {"v": "1"}})) == 1  # whole nested values compare equal
    assert len(journal.filter(Attrs=lambda a: a["k"]["v"] == "1")) == 1  # a predicate reaches inside
    assert len(journal.filter(Delay=None)) == 1  # a parameter sent as null is not a missing one
    assert journal.assert_called("sqs", None, times=2) == journal.filter(service="sqs")
    journal.assert_not_called("sqs", "DeleteQueue")
    journal.assert_not_called("sns")


def test_journal_failure_lists_every_request_seen() -> None:
    journal = Journal(Record)
    with pytest.raises(AssertionError, match=r"matched 0; requests seen:\n  \(no requests\)$"):
        journal.assert_called("sqs", "SendMessage")
    journal.append(_record("SendMessage", QueueUrl="q1", MessageBody="x" * 500))
    with pytest.raises(AssertionError) as raised:
        journal.assert_called("sqs", "SendMessage", times=2)
    assert "2 time(s), matched 1" in str(raised.value) and "QueueUrl='q1'" in str(raised.value)
    assert len(str(raised.value)) < 600  # long parameter values are cut short


def test_bounded_log_keeps_the_newest_and_counts_the_rest() -> None:
    log: BoundedLog[int] = BoundedLog(3)
    for n in range(10):
        log.append(n)
    assert list(log) == [7, 8, 9] and log[-1] == 9 and log[:2] == [7, 8] and log.dropped == 7
    log.clear()
    assert len(log) == 0 and log.dropped == 0
    with pytest.raises(ValueError):
        BoundedLog(0)


def test_bounded_log_under_concurrent_appends() -> None:
    log: BoundedLog[int] = BoundedLog(100)
    threads = [threading.Thread(target=lambda: [log.append(i) for i in range(1000)]) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(log) == 100 and log.dropped == 7900


def test_entries_appended_later_are_made_once_when_read_in_the_order_appended() -> None:
    made: list[int] = []

    def make(n: int) -> int:
        made.append(n)
        return n

    log: BoundedLog[int] = BoundedLog(4)
    log.append(0)
    log.append_later(make, 1)
    log.append_later(make, 2)
    assert made == [] and len(log) == 3  # counted, not made
    log.append(3)  # a made entry after later ones: they are made first, so the order holds
    assert made == [1, 2] and list(log) == [0, 1, 2, 3]
    for n in range(4, 8):
        log.append_later(make, n)
    assert made == [1, 2] and len(log) == 4 and log.dropped == 4  # the made ones went first
    log.append_later(make, 8)  # the oldest not yet made goes, never made
    assert log.dropped == 5 and list(log) == [5, 6, 7, 8] and made == [1, 2, 5, 6, 7, 8]
    assert log[0] == 5 and made == [1, 2, 5, 6, 7, 8]  # made once, kept made
    log.append_later(make, 9)
    log.clear()
    assert len(log) == 0 and list(log) == [] and made == [1, 2, 5, 6, 7, 8]


def test_an_entry_whose_making_fails_is_lost_once_not_on_every_read() -> None:
    log: BoundedLog[int] = BoundedLog()
    log.append_later(int, "1")
    log.append_later(int, "not a number")
    log.append_later(int, "3")
    with pytest.raises(ValueError):
        list(log)
    assert list(log) == [1, 3] and len(log) == 2  # the next read, and an append, go on
    log.append(4)
    assert list(log) == [1, 3, 4]


def test_entries_appended_later_by_many_threads_are_all_kept_or_counted() -> None:
    log: BoundedLog[int] = BoundedLog(100)
    seen: list[int] = []

    def append(offset: int) -> None:
        for i in range(1000):
            log.append_later(int, offset + i)
            if i % 97 == 0:
                seen.extend(log[-1:])  # reads while others append: made entries, never makings

    threads = [threading.Thread(target=append, args=(t * 1000,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(log) == 100 and log.dropped == 7900 and all(type(n) is int for n in [*log, *seen])


def test_counted_rules_give_each_use_to_exactly_one_thread() -> None:
    rules: CountedRules[Stub] = CountedRules()
    limited = rules.add(Stub("sns", "Publish", remaining=5))
    fallback = rules.add(Stub("sns", None))
    barrier = threading.Barrier(16)
    taken: list[Stub | None] = []

    def take() -> None:
        barrier.wait()
        taken.append(rules.take_first(lambda stub: stub.matches("sns", "Publish")))

    threads = [threading.Thread(target=take) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert taken.count(limited) == 5 and taken.count(fallback) == 11
    assert limited.remaining == 0 and limited in list(rules)  # used up, still there to inspect
    rules.remove(fallback)
    assert rules.take_first(lambda stub: True) is None
    with pytest.raises(ValueError):
        rules.add(Stub("sns", None, remaining=0))


def test_error_log_check_raises_once_then_is_clear() -> None:
    log = ErrorLog(limit=2)
    for n in range(3):
        log.record(ValueError(n))
    assert [str(e) for e in log.errors] == ["0", "1"] and log.dropped == 1
    with pytest.raises(ValueError, match="0"):
        log.check()
    log.check()  # nothing left
    assert log.errors == [] and log.dropped == 0


def test_minted_session_keys_look_like_aws_and_hide_their_secrets() -> None:
    keys = {mint_session_keys() for _ in range(50)}
    assert len({k.access_key_id for k in keys}) == 50
    for minted in keys:
        assert minted.access_key_id.startswith("ASIA") and len(minted.access_key_id) == 20
        assert len(minted.secret_access_key) == 40
        assert minted.secret_access_key not in repr(minted) and minted.session_token not in repr(minted)


def test_sts_sessions_and_instance_role_keys_come_from_the_same_minter() -> None:
    fake = FakeAWS()
    imds = FakeIMDS(fake)
    role = imds.role_credentials()
    session = fake.accounts.mint_session(account_id="1", arn="arn", user_id="u", duration_seconds=900)
    minted = [(role.access_key_id, role.secret_access_key, role.token)]
    minted.append((session.access_key_id, session.secret_access_key, session.session_token or ""))
    for key, secret, token in minted:
        assert key.startswith("ASIA") and len(key) == 20 and len(secret) == 40 and token.startswith("FwoGZXIvYXdzF")


def test_token_table_drops_expired_tokens_as_new_ones_are_issued() -> None:
    table = TokenTable()
    old = [table.issue(60, now=1000.0) for _ in range(10_000)]
    assert len(table) == 10_000 and table.seconds_left(old[0], now=1030.0) == 30
    fresh = table.issue(60, now=1061.0)  # every earlier token has expired by now: they go, without a rebuild
    assert len(table) == 1 and table.seconds_left(old[0], now=1061.0) is None
    assert table.seconds_left(fresh, now=1061.5) == 59 and table.seconds_left("AQAEAunknown", now=1061.0) is None


@pytest.fixture
def served_imds() -> Iterator[tuple[FakeIMDS, RunningIMDS, list[IMDSRequest]]]:
    seen: list[IMDSRequest] = []

    def hook(record: IMDSRequest) -> None:
        seen.append(record)
        if record.path == "/latest/meta-data/broken-hook":
            raise RuntimeError("the hook failed")

    imds = FakeIMDS(on_request=hook, journal_limit=3)
    with imds.serve() as running:
        yield imds, running, seen


def test_imds_check_reraises_once_like_fake_aws(served_imds: tuple[FakeIMDS, RunningIMDS, list[IMDSRequest]]) -> None:
    imds, running, _ = served_imds
    answer = urllib3.request("GET", running.url + "/latest/meta-data/broken-hook", retries=False)
    assert answer.status == 404  # the client still got its answer
    assert [str(e) for e in imds.errors] == ["the hook failed"]
    with pytest.raises(RuntimeError, match="the hook failed"):
        imds.check()
    imds.check()  # cleared: a second check (the plugin's, after the test) does not raise it again
    assert imds.errors == []


def test_imds_journal_is_the_shared_journal_with_a_limit(
    served_imds: tuple[FakeIMDS, RunningIMDS, list[IMDSRequest]],
) -> None:
    imds, running, seen = served_imds
    token = urllib3.request("PUT", running.url + "/latest/api/token", headers=TOKEN_TTL, retries=False).data
    for path in ("instance-id", "ami-id", "hostname"):
        headers = {"X-aws-ec2-metadata-token": token.decode()}
        assert urllib3.request("GET", running.url + "/latest/meta-data/" + path, headers=headers).status == 200
    assert len(seen) == 4 and len(imds.journal) == 3 and imds.journal.dropped == 1
    imds.journal.assert_called("GET", "/latest/meta-data/hostname", times=1, status=200, token=True)
    imds.journal.assert_not_called("PUT")  # dropped by the limit
    with pytest.raises(AssertionError, match=r"1 older request\(s\) not shown\n  GET /latest/meta-data/instance-id"):
        imds.journal.assert_called("PUT", "/latest/api/token")
    with pytest.raises(TypeError, match="no field 'QueueUrl'"):
        imds.journal.filter(QueueUrl="q")
