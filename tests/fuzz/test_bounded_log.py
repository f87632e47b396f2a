"""`BoundedLog` against a model that drops each entry the moment the limit is passed: what every read sees (the
entries, their number, `dropped`) and which lazily made entries are made (once, and only those still kept when
the log is read) are the same, however many makings the log holds unread beyond its limit before dropping them."""

from __future__ import annotations

import itertools
import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from awsfake.doubles.log import _SLACK, BoundedLog

_STEPS = st.lists(
    st.sampled_from(["append", "later", "later", "later", "read", "len", "dropped", "clear"]), max_size=3 * _SLACK
)


@settings(max_examples=300, deadline=None, database=None)
@given(limit=st.sampled_from([None, 1, 2, 5, _SLACK, 2 * _SLACK]), steps=_STEPS, runs=st.integers(1, 4))
def test_a_bounded_log_reads_as_one_that_drops_at_once(limit: int | None, steps: list[str], runs: int) -> None:
    log: BoundedLog[int] = BoundedLog(limit)
    numbers = itertools.count()
    kept: list[int] = []  # the model: the newest `limit` entries, dropped one by one
    dropped = 0
    made: list[int] = []
    seen: set[int] = set()  # every entry kept when the log was read (or made one appended)

    def make(number: int) -> int:
        made.append(number)
        return number

    for step in steps * runs:  # (repeated: long runs of appends pass the slack)
        if step in ("append", "later"):
            number = next(numbers)
            if step == "append":
                seen.update(kept)  # (an entry appended made makes the makings before it first)
                log.append(number)
            else:
                log.append_later(make, number)
            kept.append(number)
            if limit is not None and len(kept) > limit:
                kept.pop(0)
                dropped += 1
        elif step == "read":
            assert log.snapshot() == kept
            seen.update(kept)
        elif step == "len":
            assert len(log) == len(kept)
        elif step == "dropped":
            assert log.dropped == dropped
        else:
            log.clear()
            kept, dropped = [], 0
    assert list(log) == kept and log.dropped == dropped
    seen.update(kept)
    assert len(made) == len(set(made)) and set(made) <= seen  # made once, and only if kept until read


def test_a_long_run_of_lazy_appends_is_dropped_as_it_goes() -> None:
    """Not vacuous: unread makings beyond the limit are dropped without a read (memory stays bounded)."""
    log: BoundedLog[int] = BoundedLog(10)
    for number in range(10 * _SLACK):
        log.append_later(lambda n=number: n)
    assert len(log._later) <= 10 + _SLACK
    assert list(log) == list(range(10 * _SLACK - 10, 10 * _SLACK)) and log.dropped == 10 * _SLACK - 10


def test_lazy_appends_from_many_threads_keep_the_newest_and_count_the_rest() -> None:
    log: BoundedLog[tuple[int, int]] = BoundedLog(100)

    def appends(thread: int) -> None:
        for number in range(2000):
            log.append_later(lambda n=number: (thread, n))
            if number % 500 == 0:
                log.snapshot()  # reads meanwhile make what is kept

    threads = [threading.Thread(target=appends, args=(thread,)) for thread in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = list(log)
    assert len(entries) == len(log) == 100 and log.dropped == 8 * 2000 - 100
    for thread in range(8):  # each thread's entries in the order it appended them
        numbers = [n for t, n in entries if t == thread]
        assert numbers == sorted(numbers)
