"""`python -m awsclient.conformance DIR [--signer CMD | --verify [URL]]`: the command line and its tally."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from awsclient.conformance import crt_suite, sigv4_suite

__all__ = ["Overrides", "Tally", "main", "run"]


@dataclass(frozen=True)
class Overrides:
    """What the command line sets; None leaves the case's own (or the suite's default) value."""

    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    region: str | None = None
    service: str | None = None
    date: str | None = None

    def given(self) -> dict[str, str]:
        return {name: value for name, value in vars(self).items() if value is not None}


@dataclass
class Tally:
    """Counts checks and prints each failure (and, when verbose, each pass and skip)."""

    out: TextIO
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


def crt_cases(root: Path, tally: Tally, overrides: Overrides | None = None) -> Iterator[crt_suite.Case]:
    """Each aws-c-auth layout case under `root` (with command-line overrides); unreadable ones are failures."""
    for folder in crt_suite.find_cases(root):
        try:
            case = crt_suite.load_case(folder, root)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            tally.record(folder.relative_to(root).as_posix() or folder.name, f"cannot read the case: {exc}")
            continue
        yield replace(case, context=_overridden(case.context, overrides)) if overrides else case


def _overridden(context: crt_suite.Context, given: Overrides) -> crt_suite.Context:
    return replace(
        context,
        access_key_id=given.access_key_id or context.access_key_id,
        secret_access_key=given.secret_access_key or context.secret_access_key,
        session_token=given.session_token or context.session_token,
        region=given.region or context.region,
        service=given.service or context.service,
        timestamp=crt_suite.amz_date(given.date) if given.date else context.timestamp,
    )


def run(root: Path, base: sigv4_suite.Options, *, verbose: bool = False, out: TextIO | None = None) -> Tally:
    """awsclient's signer over every case of both layouts under `root`."""
    tally = Tally(out or sys.stdout, verbose)
    for req in sigv4_suite.find_cases(root):
        tally.record(sigv4_suite.case_name(req, root), sigv4_suite.check_case(req, root, base))
    for case in crt_cases(root, tally):
        for mode in case.modes():
            try:
                problem = crt_suite.check(case, mode)
            except (OSError, ValueError) as exc:
                problem = f"cannot sign: {exc}"
            tally.record(f"{case.name} {mode}", problem)
    return tally


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m awsclient.conformance", description=__doc__)
    parser.add_argument("directory", type=Path, help="the test-suite directory (cases may nest in groups)")
    for name in ("access-key-id", "secret-access-key", "session-token", "region", "service"):
        parser.add_argument(f"--{name}", default=None)
    parser.add_argument("--date", default=None, help="signing date when a request has none (basic ISO)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list passing and skipped checks too")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--signer", metavar="CMD", help="check this command's signing (see docs/conformance.md)")
    mode.add_argument(
        "--verify",
        metavar="URL",
        nargs="?",
        const="",
        help="replay each case, and mutated copies, to a verifier (default: a FakeAWS started here)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.directory.is_dir():
        parser.error(f"not a directory: {args.directory}")
    given = Overrides(
        args.access_key_id, args.secret_access_key, args.session_token, args.region, args.service, args.date
    )
    if args.signer is not None:
        from awsclient.conformance import external_signer

        tally = external_signer.run(args.directory, args.signer, given, Tally(sys.stdout, args.verbose))
    elif args.verify is not None:
        from awsclient.conformance import verify

        tally = verify.run(args.directory, args.verify or None, given, Tally(sys.stdout, args.verbose))
    else:
        tally = run(args.directory, replace(sigv4_suite.Options(), **given.given()), verbose=args.verbose)
    if tally.passed + tally.failed + tally.skipped == 0:
        layouts = "CASE/CASE.req, or CASE/context.json with CASE/request.txt"
        print(f"no cases ({layouts}) under {args.directory}", file=sys.stderr)
    print(tally.summary())
    return 0 if tally.ok else 1
