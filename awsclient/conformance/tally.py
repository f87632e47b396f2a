"""The count of a conformance run: passes, failures (each printed) and skips."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO

__all__ = ["Tally"]


@dataclass
class Tally:
    """Counts checks and prints each failure (and, when verbose, each pass and skip)."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    verbose: bool = False
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    def record(self, name: str, problem: str | None) -> None:
        if problem is None:
            self.passed += 1
            if self.verbose:
                print(f"ok   {name}", file=self.out)
        else:
            self.failed += 1
            print(f"FAIL {name}: {problem}", file=self.out)

    def skip(self, name: str, reason: str) -> None:
        self.skipped += 1
        if self.verbose:
            print(f"skip {name}: {reason}", file=self.out)

    def summary(self) -> str:
        line = f"{self.passed} passed, {self.failed} failed"
        return line + (f", {self.skipped} skipped" if self.skipped else "")

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.passed > 0
