"""A thread-safe, append-only list that may keep only its newest entries.

Everything a fake remembers per request (journals, SNS's published messages, errors) goes through one of these, so
a long-running `awsfake serve` is bounded by setting a limit, while a test (no limit) sees everything.

An entry may also be appended as the call that makes it (`append_later`): it is made when the log is next read.
A journal record costs a tenth of a small request to make, and most are never read (a server's, a test's that
asserts on its answers), so the endpoint keeps the makings and makes the record only when someone looks.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar, overload

__all__ = ["BoundedLog"]

_T = TypeVar("_T")
_SLACK = 64  # the makings a bounded log may hold beyond its limit until it drops the oldest (`append_later`)


class BoundedLog(Generic[_T]):
    """Entries in the order appended; with `limit`, the oldest are dropped (and counted in `dropped`).

    Reads take a snapshot under the lock, so iterating while server threads append is safe.
    """

    def __init__(self, limit: int | None = None) -> None:
        if limit is not None and limit < 1:
            raise ValueError("a limit is a positive number of entries, or None for all")
        self._lock = threading.Lock()
        self._entries: deque[_T] = deque(maxlen=limit)
        self._later: deque[tuple[Callable[..., _T], tuple[Any, ...]]] = deque()
        """The makings of the entries appended by `append_later` since the last read: all newer than `_entries`'.
        Appended to without the lock; the oldest beyond `limit` (made or not) are dropped by `_trim`, under it."""
        self._trim_at = None if limit is None else limit + _SLACK
        self._dropped = 0

    @property
    def limit(self) -> int | None:
        return self._entries.maxlen

    @property
    def dropped(self) -> int:
        """How many entries were dropped, oldest first, to keep the newest `limit`."""
        with self._lock:
            self._trim()
            return self._dropped

    def append(self, entry: _T) -> None:
        with self._lock:
            if self._later:  # they came first
                self._make_later()
            if len(self._entries) == self._entries.maxlen:
                self._dropped += 1
            self._entries.append(entry)

    def append_later(self, make: Callable[..., _T], *args: Any) -> None:
        """Append the entry `make(*args)` returns, made when the log is next read (once, under the log's lock, in
        the reading thread): `args` must not change until then. An exception `make` raises reaches that reader,
        and the entry is lost.

        Without the lock (a `deque`'s append is atomic; the lock costs as much as the rest of a request's journal
        entry): a bounded log drops its oldest entries a few dozen at a time (`_SLACK`), and whenever it is read,
        so what a reader sees (entries, their number, `dropped`) is what dropping each one at once would give."""
        later = self._later
        later.append((make, args))
        trim_at = self._trim_at
        if trim_at is not None and len(later) + len(self._entries) > trim_at:
            with self._lock:
                self._trim()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._later.clear()
            self._dropped = 0

    def snapshot(self) -> list[_T]:
        with self._lock:
            if self._later:
                self._make_later()
            return list(self._entries)

    def _trim(self) -> None:
        """Drop the oldest entries (made, then makings) beyond `limit`. Called under the lock."""
        limit = self._entries.maxlen
        if limit is None:
            return
        entries, later = self._entries, self._later
        over = len(entries) + len(later) - limit
        while over > 0 and entries:
            entries.popleft()
            self._dropped += 1
            over -= 1
        while over > 0 and later:
            later.popleft()
            self._dropped += 1
            over -= 1

    def _make_later(self) -> None:
        """Make the entries appended later, oldest first (the oldest beyond `limit` dropped first). Called under
        the lock. A making is taken off before it is made: one that raises is lost, once, not raised again on
        every read."""
        self._trim()
        later, entries = self._later, self._entries
        while later:
            make, args = later.popleft()
            entry = make(*args)
            if len(entries) == entries.maxlen:  # appended meanwhile, past the trim
                self._dropped += 1
            entries.append(entry)

    def __iter__(self) -> Iterator[_T]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            self._trim()
            return len(self._entries) + len(self._later)

    @overload
    def __getitem__(self, index: int) -> _T: ...

    @overload
    def __getitem__(self, index: slice) -> list[_T]: ...

    def __getitem__(self, index: int | slice) -> _T | list[_T]:
        return self.snapshot()[index]

    def __repr__(self) -> str:
        shown = self.snapshot()
        bound = "" if self.limit is None else f", limit={self.limit}, dropped={self.dropped}"
        return f"{type(self).__name__}({shown!r}{bound})"
