"""Every request the fake saw, verified or not, for tests to look at and assert on."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = ["Journal", "Record"]


@dataclass(frozen=True)
class Record:
    """One request. `error` is the AWS error code answered (None for success); no secret is ever recorded."""

    method: str
    path: str
    service: str
    region: str
    action: str
    access_key_id: str
    verified: bool
    status: int
    error: str | None
    connection_id: int | None
    request_id: str
    time: float
    params: Mapping[str, Any] = field(default_factory=dict)  # decoded parameters, as the service saw them
    headers: tuple[tuple[str, str], ...] = ()  # signature and session token redacted
    body: bytes = b""  # the first 64 KiB


class Journal:
    """Thread-safe, append-only (until `clear`) list of `Record`s with filters that read like the assertion.

    `limit` keeps only the newest records (a long-running `awsfake serve` must not grow without bound).
    """

    def __init__(self, limit: int | None = None) -> None:
        self._lock = threading.Lock()
        self._records: deque[Record] = deque(maxlen=limit)

    def append(self, record: Record) -> None:
        with self._lock:
            self._records.append(record)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def _snapshot(self) -> list[Record]:
        with self._lock:
            return list(self._records)

    def __iter__(self) -> Iterator[Record]:
        return iter(self._snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def __getitem__(self, index: int) -> Record:
        return self._snapshot()[index]

    def filter(self, **criteria: Any) -> list[Record]:
        """Records whose fields equal every criterion, e.g. `filter(service="sns", action="Publish")`."""
        _check_names(criteria)
        return [r for r in self._snapshot() if all(getattr(r, k) == v for k, v in criteria.items())]

    def assert_called(
        self, service: str, action: str | None = None, *, times: int | None = None, **criteria: Any
    ) -> list[Record]:
        """Assert `service` (`action`) was called (exactly `times` times); the failure lists what was seen."""
        wanted = {"service": service, **({"action": action} if action else {}), **criteria}
        found = self.filter(**wanted)
        if (times is None and not found) or (times is not None and len(found) != times):
            expected = "at least once" if times is None else f"{times} time(s)"
            seen = "\n".join(f"  {_describe(r)}" for r in self._snapshot()) or "  (no requests)"
            raise AssertionError(f"expected {wanted} {expected}, matched {len(found)}; requests seen:\n{seen}")
        return found

    def assert_not_called(self, service: str, action: str | None = None, **criteria: Any) -> None:
        self.assert_called(service, action, times=0, **criteria)


def _check_names(criteria: dict[str, Any]) -> None:
    known = {f.name for f in fields(Record)}
    unknown = set(criteria) - known
    if unknown:
        raise TypeError(f"unknown record field(s) {sorted(unknown)}; records have {sorted(known)}")


def _describe(record: Record) -> str:
    verdict = record.error or "OK"
    return f"{record.method} {record.service} {record.action or '-'} key={record.access_key_id or '-'} -> {verdict}"
