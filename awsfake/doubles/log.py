"""A thread-safe, append-only list that may keep only its newest entries.

Everything a fake remembers per request (journals, SNS's published messages, errors) goes through one of these, so
a long-running `awsfake serve` is bounded by setting a limit, while a test (no limit) sees everything.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from typing import Generic, TypeVar, overload

__all__ = ["BoundedLog"]

_T = TypeVar("_T")


class BoundedLog(Generic[_T]):
    """Entries in the order appended; with `limit`, the oldest are dropped (and counted in `dropped`).

    Reads take a snapshot under the lock, so iterating while server threads append is safe.
    """

    def __init__(self, limit: int | None = None) -> None:
        if limit is not None and limit < 1:
            raise ValueError("a limit is a positive number of entries, or None for all")
        self._lock = threading.Lock()
        self._entries: deque[_T] = deque(maxlen=limit)
        self.dropped = 0

    @property
    def limit(self) -> int | None:
        return self._entries.maxlen

    def append(self, entry: _T) -> None:
        with self._lock:
            if len(self._entries) == self._entries.maxlen:
                self.dropped += 1
            self._entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.dropped = 0

    def snapshot(self) -> list[_T]:
        with self._lock:
            return list(self._entries)

    def __iter__(self) -> Iterator[_T]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> _T: ...

    @overload
    def __getitem__(self, index: slice) -> list[_T]: ...

    def __getitem__(self, index: int | slice) -> _T | list[_T]:
        return self.snapshot()[index]

    def __repr__(self) -> str:
        bound = "" if self.limit is None else f", limit={self.limit}, dropped={self.dropped}"
        return f"{type(self).__name__}({self.snapshot()!r}{bound})"
