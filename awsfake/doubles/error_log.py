"""Exceptions a fake raised on its server threads, kept so the test thread can re-raise them with `check()`.

A fake answers a bug in itself the way the real service answers an internal failure (a 500 in its own format),
so the client sees what it would see; the exception itself would be lost on the server thread without this log.
"""

from __future__ import annotations

import threading

__all__ = ["ErrorLog"]


class ErrorLog:
    """Thread-safe; keeps the first `limit` exceptions since the last `check()` and counts the rest in `dropped`."""

    def __init__(self, limit: int = 100) -> None:
        self._lock = threading.Lock()
        self._errors: list[BaseException] = []
        self._limit = limit
        self.dropped = 0

    def record(self, error: BaseException) -> None:
        with self._lock:
            if len(self._errors) < self._limit:
                self._errors.append(error)
            else:
                self.dropped += 1

    @property
    def errors(self) -> list[BaseException]:
        """The exceptions kept, oldest first (a copy)."""
        with self._lock:
            return list(self._errors)

    def check(self) -> None:
        """Re-raise (in the calling thread) the first exception recorded since the last check, and forget them all."""
        with self._lock:
            errors, self._errors, self.dropped = self._errors, [], 0
        if errors:
            raise errors[0]

    def clear(self) -> None:
        with self._lock:
            self._errors.clear()
            self.dropped = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._errors)
