"""Canned answers and errors that take precedence over the built-in services, used in the order they were added.

A stub with `times=2` answers twice and then steps aside for the next matching stub (or the service), so
"throttle twice, then succeed" is one line: `fake.stub("sns", "Publish", error="Throttling", times=2)`.
Stubs answer only verified requests: the signature is checked first, as AWS would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from awsfake.doubles.rules import CountedRules
from awsfake.errors import Fault
from awsfake.services import Call, Result

__all__ = ["Handler", "Stub", "Stubs", "make_fault"]

Handler = Callable[[Call], Any]


@dataclass
class Stub:
    """One canned answer; `calls` lists the requests it answered, `remaining` how many uses are left (None: all)."""

    service: str
    action: str | None
    status: int = 200
    body: Any = None
    error: Fault | None = None
    handler: Handler | None = None
    headers: dict[str, str] = field(default_factory=dict)
    remaining: int | None = None
    calls: list[Call] = field(default_factory=list)
    drop: bool = False  # cut the connection mid-answer

    def matches(self, service: str, action: str) -> bool:
        return self.service == service and self.action in (None, action)

    def answer(self, call: Call) -> Result:
        """The stub's result for `call`, or its fault raised."""
        if self.error is not None:
            raise Fault(
                self.error.code,
                self.error.message,
                self.error.status,
                extras=self.error.extras,
                sender=self.error.sender,
                headers=self.error.headers,
            )
        if self.handler is not None:
            produced = self.handler(call)
            return produced if isinstance(produced, Result) else Result(produced, status=self.status)
        return Result(self.body, status=self.status, headers=dict(self.headers))

    def __repr__(self) -> str:
        what = f"error {self.error.code}" if self.error else ("handler" if self.handler else f"status {self.status}")
        what += ", dropped mid-answer" if self.drop else ""
        left = "always" if self.remaining is None else f"{self.remaining} left"
        return f"<Stub {self.service} {self.action or '*'}: {what}, {left}, used {len(self.calls)}x>"


class Stubs(CountedRules[Stub]):
    """The ordered stub list, thread-safe: taking a stub and counting its use happen under one lock."""

    def take(self, service: str, action: str) -> Stub | None:
        """The first stub still in use for (service, action), with one use counted; None when none applies."""
        if not self.rules:  # no stub at all, the usual case (`take_first` would say so too, after a new lambda)
            return None
        return self.take_first(lambda stub: stub.matches(service, action))


def make_fault(error: Any) -> Fault:
    """A `Fault` from a stub's `error=`: a Fault, a code, (code, message) or (code, message, status)."""
    if isinstance(error, Fault):
        return error
    if isinstance(error, str):
        return Fault(error, error, _default_status(error))
    if isinstance(error, tuple) and len(error) in (2, 3) and all(isinstance(x, (str, int)) for x in error):
        code, message, *status = error
        return Fault(str(code), str(message), int(status[0]) if status else _default_status(str(code)))
    raise TypeError("error= takes a Fault, a code, (code, message) or (code, message, status)")


def _default_status(code: str) -> int:
    return 503 if code in ("ServiceUnavailable", "SlowDown") else 500 if code.startswith("Internal") else 400
