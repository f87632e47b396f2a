"""Faults FakeIMDS can be told to have: slow answers, error statuses, broken documents, EC2's notices.

Each fault is in force as soon as it is asked for and returns an `Undo`, which takes it back on `undo()` or at the
end of a `with` block. Counted failures (`fail(times=2)`) are the same counted rules as FakeAWS's stubs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from awsfake.doubles.rules import CountedRules
from awsfake.imds.metadata import Events

__all__ = ["SPOT_ACTIONS", "FailRule", "Faults", "Undo"]

SPOT_ACTIONS = ("terminate", "stop", "hibernate")


class Undo:
    """Returned by each fault: it is already in force, and `with` undoes it on leaving the block."""

    def __init__(self, undo: Callable[[], None]) -> None:
        self._undo = undo

    def __enter__(self) -> Undo:
        return self

    def __exit__(self, *exc: object) -> None:
        self._undo()

    def undo(self) -> None:
        self._undo()


@dataclass(eq=False)
class FailRule:
    """Answer `status` to requests with this method (None: any) and path prefix (None: any), `remaining` times."""

    status: int
    remaining: int | None
    path: str | None
    method: str | None

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (self.path is None or path.startswith(self.path))


class Faults:
    """The faults in force; thread-safe. FakeIMDS asks it, for each request, how to misbehave."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: CountedRules[FailRule] = CountedRules()
        self._answers: dict[str, tuple[int, str]] = {}
        self.events = Events()
        self._delay: tuple[float, str | None] = (0.0, None)
        self._released = threading.Event()

    # --- asking for faults ---------------------------------------------------------------------------------------

    def slow(self, seconds: float, path: str | None) -> Undo:
        if seconds < 0:
            raise ValueError("a delay cannot be negative")
        self._released.clear()
        self._delay = (seconds, path)

        def undo() -> None:
            self._delay = (0.0, None)
            self._released.set()

        return Undo(undo)

    def fail(self, status: int, times: int | None, path: str | None, method: str | None) -> Undo:
        if not 400 <= status <= 599:
            raise ValueError("fail() takes an error status, 400..599")
        rule = self._rules.add(FailRule(status, times, path, method.upper() if method else None))
        return Undo(lambda: self._rules.remove(rule))

    def answer(self, path: str, body: str, status: int) -> Undo:
        with self._lock:
            self._answers[path] = (status, body)

        def undo() -> None:
            with self._lock:
                self._answers.pop(path, None)

        return Undo(undo)

    def interrupt_spot(self, action: str, in_seconds: float) -> Undo:
        if action not in SPOT_ACTIONS:
            raise ValueError("a spot interruption's action is 'terminate', 'stop' or 'hibernate'")
        self.events.spot_action = (action, time.time() + in_seconds)

        def undo() -> None:
            self.events.spot_action = None

        return Undo(undo)

    def recommend_rebalance(self) -> Undo:
        self.events.rebalance_notice = time.time()

        def undo() -> None:
            self.events.rebalance_notice = None

        return Undo(undo)

    def clear(self) -> None:
        self._rules.clear()
        with self._lock:
            self._answers.clear()
        self.events = Events()
        self._delay = (0.0, None)
        self._released.set()

    # --- what a request meets ------------------------------------------------------------------------------------

    def release(self) -> None:
        """End every wait now (the server is going away)."""
        self._released.set()

    def hold(self) -> None:
        """Let `slow` waits wait again (the server is back)."""
        self._released.clear()

    def wait(self, path: str) -> None:
        """Wait as `slow` asked, for a request to `path`; undoing the fault or `release()` ends the wait."""
        delay, prefix = self._delay
        if delay and (prefix is None or path.startswith(prefix)):
            self._released.wait(delay)

    def failure(self, method: str, path: str) -> int | None:
        """The status to fail this request with (one use of a counted rule), or None."""
        rule = self._rules.take_first(lambda r: r.matches(method, path))
        return rule.status if rule else None

    def answered(self, path: str) -> tuple[int, str] | None:
        """(status, body) set by `answer()` for `path`, or None."""
        with self._lock:
            return self._answers.get(path)
