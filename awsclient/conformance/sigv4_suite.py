"""The aws-sig-v4-test-suite layout: awsclient's signer over `CASE.req` files and their expected artefacts.

`python -m awsclient.conformance DIR` finds every case (a folder holding `CASE.req` next to the expected
`CASE.creq`, `CASE.sts` and `CASE.authz`; groups may nest), signs the raw request with `awsclient.sigv4` and
compares the canonical request, string to sign and Authorization value. Each failing case is printed with a diff
of the first artefact that differs; the last line is `N passed, N failed`; the exit status is 0 only when every
case passed.

How a case is signed (the suite's conventions):
- the request line's target is taken as the path and query as they stand (the suite's paths are not
  pre-encoded, so `/example space/` canonicalises to `/example%20space/`);
- every header in the `.req` is signed (obs-fold continuation lines join their header's value);
- the payload hash is the request's `X-Amz-Content-SHA256` if it has one, else the SHA-256 of the body;
- the date is the request's `X-Amz-Date`, else its `Date`, else `--date`;
- options (`--access-key-id`, `--secret-access-key`, `--session-token`, `--region`, `--service`, `--date`) set
  what the suite leaves implicit; a `sigv4.conf` file (`name = value` lines, the same names without dashes)
  in a case's folder or any folder above it, up to DIR, sets them for those cases, the nearest file winning,
  over the command line;
- a session token, when one is set, is added as a signed `X-Amz-Security-Token` header unless the request has
  one. Without one, a token is taken from the `.sreq` when it carries an `X-Amz-Security-Token` the `.req` lacks
  and the expected Authorization signs it: that is how AWS's `get-vanilla-with-session-token` gives its token.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from awsclient.conformance import crt_suite
from awsclient.conformance.request_text import RawRequest, parse_request
from awsclient.sigv4 import (
    ALGORITHM,
    canonical_request,
    credential_scope,
    signature,
    signing_date,
    signing_key,
    string_to_sign,
)

__all__ = [
    "ARTEFACTS",
    "CONF_NAME",
    "Options",
    "RawRequest",
    "Signed",
    "as_crt_case",
    "check_case",
    "find_cases",
    "options_for",
    "parse_request",
    "sign_case",
]

CONF_NAME = "sigv4.conf"
ARTEFACTS = (("creq", "canonical request"), ("sts", "string to sign"), ("authz", "authorization"))


@dataclass(frozen=True)
class Options:
    """What a case is signed with; defaults are the AWS suite's."""

    access_key_id: str = "AKIDEXAMPLE"
    secret_access_key: str = field(default="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", repr=False)
    session_token: str | None = field(default=None, repr=False)
    region: str = "us-east-1"
    service: str = "service"
    date: str = "20150830T123600Z"


@dataclass(frozen=True)
class Signed:
    creq: str
    sts: str
    authz: str
    headers: list[tuple[str, str]]  # as signed (with any header the signer added)


def sign_case(request: RawRequest, options: Options) -> Signed:
    headers = list(request.headers)
    if options.session_token and request.header("x-amz-security-token") is None:
        headers.append(("X-Amz-Security-Token", options.session_token))
    date = _signing_date(request, options)
    signed = sorted({name.lower() for name, _ in headers})
    creq = canonical_request(
        request.method,
        request.path,
        request.query,
        headers,
        signed,
        _payload_hash(request),
        service=options.service,
    )
    scope = credential_scope(date, options.region, options.service)
    sts = string_to_sign(date, scope, creq)
    sig = signature(signing_key(options.secret_access_key, date, options.region, options.service), sts)
    authz = f"{ALGORITHM} Credential={options.access_key_id}/{scope}, SignedHeaders={';'.join(signed)}, Signature={sig}"
    return Signed(creq, sts, authz, headers)


def _payload_hash(request: RawRequest) -> str:
    """`X-Amz-Content-SHA256` when the request has one (S3's rule, and botocore's), else the body's SHA-256."""
    declared = request.header("x-amz-content-sha256")
    return declared.strip() if declared is not None else hashlib.sha256(request.body).hexdigest()


def _signing_date(request: RawRequest, options: Options) -> str:
    """The request's signing date by the signer's rule (`sigv4.signing_date`), else the one the options give."""
    return signing_date(request.header("x-amz-date"), request.header("date")) or options.date


def find_cases(root: Path) -> Iterator[Path]:
    """Each case's `.req` file, in a stable order."""
    yield from sorted(root.rglob("*.req"))


def case_name(req: Path, root: Path) -> str:
    folder = req.parent.relative_to(root).as_posix()
    if req.stem == req.parent.name:
        return folder
    return f"{folder}/{req.stem}" if folder != "." else req.stem


def options_for(req: Path, root: Path, base: Options) -> Options:
    folders = [req.parent, *req.parent.parents]
    chain = folders[: folders.index(root) + 1] if root in folders else [req.parent]
    options = base
    for folder in reversed(chain):  # outermost first, so the nearest file wins
        conf = folder / CONF_NAME
        if conf.is_file():
            options = replace(options, **_read_conf(conf))
    return options


def _read_conf(conf: Path) -> dict[str, str]:
    known = {f.replace("_", "-"): f for f in Options.__dataclass_fields__}
    values: dict[str, str] = {}
    for n, line in enumerate(conf.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, eq, value = line.partition("=")
        key = name.strip().replace("_", "-")
        if not eq or key not in known:
            raise ValueError(f"{conf}:{n}: expected `name = value` with name one of {', '.join(sorted(known))}")
        values[known[key]] = value.strip()
    return values


def _token_from_sreq(req: Path, request: RawRequest) -> str | None:
    """The session token AWS's suite gives only in its signed request (see the module docstring)."""
    sreq, authz = req.with_suffix(".sreq"), req.with_suffix(".authz")
    if request.header("x-amz-security-token") is not None or not sreq.is_file() or not authz.is_file():
        return None
    signed = authz.read_text(encoding="utf-8").partition("SignedHeaders=")[2].partition(",")[0].split(";")
    if "x-amz-security-token" not in signed:
        return None
    try:
        return parse_request(sreq.read_bytes()).header("x-amz-security-token")
    except ValueError:
        return None


def check_case(req: Path, root: Path, base: Options) -> str | None:
    """None when the case passes, else the report of its first differing artefact."""
    try:
        options = options_for(req, root, base)
        request = parse_request(req.read_bytes())
        if not options.session_token:
            options = replace(options, session_token=_token_from_sreq(req, request))
        signed = sign_case(request, options)
    except (OSError, ValueError, TypeError) as exc:
        return f"cannot sign: {exc}"
    for suffix, label in ARTEFACTS:
        expected_file = req.with_suffix("." + suffix)
        if not expected_file.is_file():
            return f"missing {expected_file.name}"
        expected = expected_file.read_text(encoding="utf-8").replace("\r\n", "\n").rstrip("\n")
        actual = getattr(signed, suffix)
        if actual != expected:
            diff = difflib.unified_diff(
                expected.split("\n"), actual.split("\n"), f"expected {expected_file.name}", "computed", lineterm=""
            )
            return f"{label} differs\n" + "\n".join(diff)
    return None


def as_crt_case(req: Path, root: Path, base: Options) -> crt_suite.Case:
    """The case in the aws-c-auth layout's terms, for `--verify`: the path rule is the service's, the body (when
    there is one) signed with an `X-Amz-Content-Sha256` header, the token the request or its `.sreq` carries."""
    options = options_for(req, root, base)
    request = parse_request(req.read_bytes())
    token = options.session_token or request.header("x-amz-security-token") or _token_from_sreq(req, request)
    context = crt_suite.Context(
        access_key_id=options.access_key_id,
        secret_access_key=options.secret_access_key,
        session_token=token.strip() if token else None,
        region=options.region,
        service=options.service,
        timestamp=_signing_date(request, options),
        normalize=options.service != "s3",
        sign_body=bool(request.body) or options.service == "s3",
        expiration_in_seconds=3600,
    )
    return crt_suite.Case(case_name(req, root), req.parent, request, context, modes=crt_suite.MODES)
