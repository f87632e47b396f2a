"""Rules tried in the order they were added, each used a counted number of times or for good.

FakeAWS's stubs and FakeIMDS's `fail(times=)` are both such rules: the first rule that applies and still has
uses left answers, and one use is counted under the same lock, so two server threads never share the last use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Generic, Protocol, TypeVar

__all__ = ["Counted", "CountedRules"]


class Counted(Protocol):
    """A rule with `remaining` uses (None: unlimited; 0: used up, kept so a test can still inspect it)."""

    remaining: int | None


_C = TypeVar("_C", bound=Counted)


class CountedRules(Generic[_C]):
    """The ordered rule list, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rules: list[_C] = []
        """The rules in order: read it to tell whether there are any (without the lock); change it by the methods."""

    def add(self, rule: _C) -> _C:
        if rule.remaining is not None and rule.remaining < 1:
            raise ValueError("a counted rule needs a positive number of uses, or None for always")
        with self._lock:
            self.rules.append(rule)
        return rule

    def remove(self, rule: _C) -> None:
        """Take `rule` back (nothing happens if it is gone already)."""
        with self._lock:
            self.rules = [r for r in self.rules if r is not rule]

    def take_first(self, applies: Callable[[_C], bool]) -> _C | None:
        """The first rule with uses left for which `applies(rule)`, with one use counted; None when none does."""
        if not self.rules:  # none at all, the usual case: nothing to lock (a rule being added applies next time)
            return None
        with self._lock:
            for rule in self.rules:
                if rule.remaining != 0 and applies(rule):
                    if rule.remaining is not None:
                        rule.remaining -= 1
                    return rule
        return None

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def __iter__(self) -> Iterator[_C]:
        with self._lock:
            return iter(list(self.rules))

    def __len__(self) -> int:
        with self._lock:
            return len(self.rules)
