"""What a fake was asked, for tests to look at and assert on: one journal for both fakes.

A journal holds frozen records of one kind (`Record` for FakeAWS, `IMDSRequest` for FakeIMDS). Criteria are
record fields, and for a `Record` also the request's decoded parameters: a name that is not a field is looked up
among the top-level parameters (`QueueUrl=url`). A criterion's value is compared with `==` (so `unittest.mock.ANY`
matches anything), or, if callable, called with the recorded value (`MessageAttributes=lambda a: "k" in a`), which
is how nested parameters are matched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from awsfake.doubles.log import BoundedLog
from awsfake.doubles.redact import BODY_LIMIT

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["BODY_LIMIT", "MISSING", "Entry", "Journal", "Record", "field_value"]


class _Missing:
    """No such field or parameter: matches no criterion (not even None)."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()
_SHOWN = 50  # records listed in a failure message (the newest)


class Entry(Protocol):
    """What a journal needs from its records: the fields `assert_called` takes positionally, and lookups."""

    KEY_FIELDS: ClassVar[tuple[str, ...]]

    def lookup(self, name: str) -> Any:
        """The recorded value for a criterion named `name`, or MISSING."""
        ...

    def describe(self) -> str:
        """One line for a failure message."""
        ...


_R = TypeVar("_R", bound=Entry)


@dataclass(frozen=True)
class Record:
    """One request to FakeAWS. `error` is the AWS error code answered (None for success).

    `params` are the decoded parameters as the service saw them, `headers` the request's headers with the session
    token and signature redacted, `body` its first 64 KiB (secrets redacted). No secret is ever recorded.
    """

    KEY_FIELDS: ClassVar[tuple[str, ...]] = ("service", "action")

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
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = field(default=b"", repr=False)
    message: str = ""  # the error message answered (AWS's text, never a secret)
    # What a refusal revealed, for the console's signature debugger: the expected CanonicalRequest (session token
    # redacted) and StringToSign of a SignatureDoesNotMatch, the X-Amz-Date presented. Never a signature or secret.
    details: Mapping[str, str] = field(default_factory=dict, hash=False)

    @classmethod
    def of(cls, values: dict[str, Any]) -> Record:
        """The record `Record(**values)` makes, `values` naming every field. A frozen dataclass's `__init__` sets
        each field through `object.__setattr__`: ~25,000 instructions for the 17, a twentieth of a small request;
        filling the new record's `__dict__` in one update costs a sixth of that."""
        record = object.__new__(cls)
        record.__dict__.update(values)
        return record

    def lookup(self, name: str) -> Any:
        value = field_value(self, name)
        return self.params.get(name, MISSING) if value is MISSING else value

    def describe(self) -> str:
        verdict = self.error or "OK"
        line = f"{self.method} {self.service} {self.action or '-'} key={self.access_key_id or '-'} -> {verdict}"
        shown = ", ".join(f"{k}={_short(v)}" for k, v in self.params.items() if k not in ("Action", "Version"))
        return f"{line} {{{shown[:300]}}}" if shown else line


class Journal(BoundedLog[_R]):
    """Thread-safe list of records (newest kept when `limit` is set), with filters that read like the assertion."""

    def __init__(self, kind: type[_R], limit: int | None = None) -> None:
        super().__init__(limit)
        self.kind = kind

    def filter(self, **criteria: Any) -> list[_R]:
        """Records matching every criterion, e.g. `filter(service="sns", action="Publish", TopicArn=arn)`."""
        return [r for r in self.snapshot() if _matches(r, criteria)]

    def assert_called(self, *key: str | None, times: int | None = None, **criteria: Any) -> list[_R]:
        """Assert a matching request was seen (exactly `times` times); the failure lists what was seen.

        `key` fills the record kind's key fields in order: (service, operation) for FakeAWS, (method, path) for
        FakeIMDS; None leaves one open. Returns the matching records.
        """
        wanted = {**self._keyed(key), **criteria}
        found = [r for r in self.snapshot() if _matches(r, wanted)]
        if (times is None and not found) or (times is not None and len(found) != times):
            raise AssertionError(self._failure(wanted, times, len(found)))
        return found

    def assert_not_called(self, *key: str | None, **criteria: Any) -> None:
        """Assert no request matched; the failure lists what was seen."""
        self.assert_called(*key, times=0, **criteria)

    def _keyed(self, key: tuple[str | None, ...]) -> dict[str, Any]:
        names = self.kind.KEY_FIELDS
        if len(key) > len(names):
            raise TypeError(f"{self.kind.__name__} journals take at most {len(names)} positional criteria {names}")
        return {name: value for name, value in zip(names, key, strict=False) if value is not None}

    def _failure(self, wanted: dict[str, Any], times: int | None, matched: int) -> str:
        expected = "at least once" if times is None else f"{times} time(s)"
        asked = ", ".join(f"{k}={_short(v)}" for k, v in wanted.items())
        records = self.snapshot()
        hidden = max(0, len(records) - _SHOWN) + self.dropped
        lines = [f"  {r.describe()}" for r in records[-_SHOWN:]] or ["  (no requests)"]
        if hidden > 0:
            lines.insert(0, f"  ... {hidden} older request(s) not shown")
        return f"expected {asked} {expected}, matched {matched}; requests seen:\n" + "\n".join(lines)


def field_value(record: DataclassInstance, name: str) -> Any:
    """The dataclass field `name` of `record`, or MISSING when it has no such field."""
    return getattr(record, name) if name in _field_names(type(record)) else MISSING


@lru_cache(maxsize=64)
def _field_names(kind: type[DataclassInstance]) -> frozenset[str]:
    return frozenset(f.name for f in fields(kind))


def _matches(record: Entry, criteria: dict[str, Any]) -> bool:
    for name, expected in criteria.items():
        value = record.lookup(name)
        if value is MISSING:
            return False
        if callable(expected) and not isinstance(expected, type):
            if not expected(value):
                return False
        elif value != expected:
            return False
    return True


def _short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."
