"""What the command line sets over a case's own context, and the aws-c-auth layout cases with it applied."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from awsclient.conformance import crt_suite, sigv4_suite
from awsclient.conformance.tally import Tally

__all__ = ["Overrides", "crt_cases", "every_case"]


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


def crt_cases(root: Path, tally: Tally, overrides: Overrides | None = None) -> Iterator[crt_suite.Case]:
    """Each aws-c-auth layout case under `root` (with command-line overrides); unreadable ones are failures."""
    for folder in crt_suite.find_cases(root):
        try:
            case = crt_suite.load_case(folder, root)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            tally.record(folder.relative_to(root).as_posix() or folder.name, f"cannot read the case: {exc}")
            continue
        yield _overridden(case, overrides) if overrides else case


def every_case(root: Path, tally: Tally, overrides: Overrides) -> Iterator[crt_suite.Case]:
    """The cases of both layouts under `root`, those of the aws-sig-v4-test-suite layout as `as_crt_case` reads
    them (in both modes), then those of the aws-c-auth layout."""
    base = replace(sigv4_suite.Options(), **overrides.given())
    for req in sigv4_suite.find_cases(root):
        try:
            yield _overridden(sigv4_suite.as_crt_case(req, root, base), overrides)
        except (OSError, ValueError) as exc:
            tally.record(sigv4_suite.case_name(req, root), f"cannot read the case: {exc}")
    yield from crt_cases(root, tally, overrides)


def _overridden(case: crt_suite.Case, given: Overrides) -> crt_suite.Case:
    context = case.context
    return replace(
        case,
        context=replace(
            context,
            access_key_id=given.access_key_id or context.access_key_id,
            secret_access_key=given.secret_access_key or context.secret_access_key,
            # keys come as a set: a case's token does not go with keys from the command line
            session_token=given.session_token if given.access_key_id else given.session_token or context.session_token,
            region=given.region or context.region,
            service=given.service or context.service,
            timestamp=crt_suite.amz_date(given.date) if given.date else context.timestamp,
        ),
    )
