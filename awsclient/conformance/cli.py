"""`python -m awsclient.conformance DIR [--signer CMD | --verify [URL]]`: the command line and its tally."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from awsclient.conformance import crt_suite, external_signer, sigv4_suite, verify
from awsclient.conformance.overrides import Overrides, crt_cases
from awsclient.conformance.tally import Tally

__all__ = ["main", "run"]


def run(root: Path, base: sigv4_suite.Options, *, verbose: bool = False, out: TextIO | None = None) -> Tally:
    """awsclient's signer over every case of both layouts under `root`."""
    tally = Tally(out or sys.stdout, verbose)
    for req in sigv4_suite.find_cases(root):
        tally.record(sigv4_suite.case_name(req, root), sigv4_suite.check_case(req, root, base))
    for case in crt_cases(root, tally):
        for mode in case.modes:
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
        tally = external_signer.run(args.directory, args.signer, given, Tally(sys.stdout, args.verbose))
    elif args.verify is not None:
        tally = verify.run(args.directory, args.verify or None, given, Tally(sys.stdout, args.verbose))
    else:
        tally = run(args.directory, replace(sigv4_suite.Options(), **given.given()), verbose=args.verbose)
    if tally.passed + tally.failed + tally.skipped == 0:
        layouts = "CASE/CASE.req, or CASE/context.json with CASE/request.txt"
        print(f"no cases ({layouts}) under {args.directory}", file=sys.stderr)
    print(tally.summary())
    return 0 if tally.ok else 1
