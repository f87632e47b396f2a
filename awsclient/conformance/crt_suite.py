"""The aws-c-auth layout (AWS's C signer's `aws-signing-test-suite/v4`): one folder per case, two signing modes.

A case folder holds `context.json` and `request.txt`, and for each mode it covers (`header`: an Authorization
header; `query`: a presigned URL) the expected `MODE-canonical-request.txt`, `MODE-string-to-sign.txt`,
`MODE-signature.txt` and `MODE-signed-request.txt`; a mode is checked when any of its files is there.

`context.json`: `credentials` (`access_key_id`, `secret_access_key`, optional `token`), `region`, `service`,
`timestamp` (ISO 8601, `2015-08-30T12:36:00Z`; the basic form is taken too), and the options
- `normalize`: remove dot segments and repeated slashes from the path (AWS does for every service but S3); the
  path is percent-encoded again either way, except for S3, whose paths are signed as sent;
- `sign_body`: add a signed `X-Amz-Content-Sha256` header holding the body's SHA-256, which is then the payload
  hash; without it the payload hash is that of an empty body;
- `omit_session_token`: the token is left out of the signature and added after it (header or query parameter);
- `expiration_in_seconds`: `X-Amz-Expires` of a presigned URL (none when 0).
How a case is signed: the request's own `Authorization`, `X-Amz-Date`, `X-Amz-Security-Token` and
`X-Amz-Content-Sha256` headers are dropped (the signer makes its own); every other header is signed but those
botocore leaves unsigned (`awsclient.sigv4.UNSIGNED_HEADERS`). Header mode adds `X-Amz-Date` and (unless omitted)
`X-Amz-Security-Token` before signing; query mode adds `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`,
`X-Amz-SignedHeaders`, `X-Amz-Expires` and `X-Amz-Security-Token` to the query, then `X-Amz-Signature`.
"""

from __future__ import annotations

import calendar
import difflib
import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote, unquote

from awsclient.conformance.request_text import RawRequest, differences, parse_request
from awsclient.sigv4 import (
    ALGORITHM,
    AMZ_DATE_FORMAT,
    EMPTY_SHA256,
    canonical_headers,
    canonical_path,
    canonical_query,
    credential_scope,
    parse_amz_date,
    signature,
    signed_header_names,
    signing_key,
    string_to_sign,
)

__all__ = ["MODES", "Case", "Context", "Signing", "check", "find_cases", "load_case", "read_context", "sign"]

MODES = ("header", "query")
CONTEXT, REQUEST = "context.json", "request.txt"
ARTEFACTS = (
    ("canonical-request", "canonical request"),
    ("string-to-sign", "string to sign"),
    ("signature", "signature"),
)
_OTHER_SERVICE = "service"  # any name but s3: sigv4's normalising path rule
# Headers the signer writes itself; a request's own copies are dropped.
GENERATED = frozenset({"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"})


@dataclass(frozen=True)
class Context:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(repr=False)
    region: str
    service: str
    timestamp: str  # basic ISO 8601, as signed
    normalize: bool = True
    sign_body: bool = False
    omit_session_token: bool = False
    expiration_in_seconds: int = 0

    def options(self) -> dict[str, bool | int]:
        return {
            "normalize": self.normalize,
            "sign_body": self.sign_body,
            "omit_session_token": self.omit_session_token,
            "expiration_in_seconds": self.expiration_in_seconds,
        }


@dataclass(frozen=True)
class Case:
    name: str
    folder: Path
    request: RawRequest
    context: Context
    modes: tuple[str, ...] = ()  # the modes with at least one expected file

    def expected_request(self, mode: str) -> RawRequest | None:
        path = self.folder / f"{mode}-signed-request.txt"
        return parse_request(path.read_bytes()) if path.is_file() else None

    def expected(self, mode: str, artefact: str) -> str | None:
        path = self.folder / f"{mode}-{artefact}.txt"
        return path.read_text(encoding="utf-8").replace("\r\n", "\n").rstrip("\n") if path.is_file() else None


@dataclass(frozen=True)
class Signing:
    canonical_request: str
    string_to_sign: str
    signature: str
    request: RawRequest  # the signed request


def read_context(path: Path) -> Context:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("credentials"), dict):
        raise ValueError(f"{path.name}: expected an object with `credentials`")
    creds = data["credentials"]
    expiration = data.get("expiration_in_seconds", 0)
    if isinstance(expiration, bool) or not isinstance(expiration, int) or expiration < 0:
        raise ValueError(f"{path.name}: expiration_in_seconds must be a whole number of seconds")
    return Context(
        access_key_id=str(creds["access_key_id"]),
        secret_access_key=str(creds["secret_access_key"]),
        session_token=str(creds["token"]) if creds.get("token") else None,
        region=str(data["region"]),
        service=str(data["service"]),
        timestamp=amz_date(str(data["timestamp"])),
        normalize=bool(data.get("normalize", True)),
        sign_body=bool(data.get("sign_body", False)),
        omit_session_token=bool(data.get("omit_session_token", False)),
        expiration_in_seconds=expiration,
    )


def amz_date(timestamp: str) -> str:
    """`2015-08-30T12:36:00Z` (or already `20150830T123600Z`) as the basic ISO 8601 date that is signed."""
    try:
        parse_amz_date(timestamp)
        return timestamp
    except ValueError:
        seconds = calendar.timegm(time.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ"))
        return time.strftime(AMZ_DATE_FORMAT, time.gmtime(seconds))


def find_cases(root: Path) -> Iterator[Path]:
    """Each case's folder, in a stable order."""
    for context in sorted(root.rglob(CONTEXT)):
        if (context.parent / REQUEST).is_file():
            yield context.parent


def load_case(folder: Path, root: Path) -> Case:
    name = folder.relative_to(root).as_posix() if folder != root else folder.name
    modes = tuple(mode for mode in MODES if any(folder.glob(f"{mode}-*.txt")))
    return Case(name, folder, parse_request((folder / REQUEST).read_bytes()), read_context(folder / CONTEXT), modes)


def sign(request: RawRequest, context: Context, mode: str) -> Signing:
    """The reference signing of `request` in `mode` (see the module docstring)."""
    headers = [(name, value.strip()) for name, value in request.headers if name.strip().lower() not in GENERATED]
    payload = hashlib.sha256(request.body).hexdigest() if context.sign_body else EMPTY_SHA256
    if context.sign_body:
        headers.append(("X-Amz-Content-Sha256", payload))
    token, date = context.session_token, context.timestamp
    signed_token = token if token and not context.omit_session_token else None
    late_token = token if token and context.omit_session_token else None
    scope = credential_scope(date, context.region, context.service)
    if mode == "header":
        headers.append(("X-Amz-Date", date))
        if signed_token:
            headers.append(("X-Amz-Security-Token", signed_token))
    signed = signed_header_names(headers)
    query = request.query
    if mode == "query":
        params = [
            ("X-Amz-Algorithm", ALGORITHM),
            ("X-Amz-Credential", f"{context.access_key_id}/{scope}"),
            ("X-Amz-Date", date),
            ("X-Amz-SignedHeaders", ";".join(signed)),
        ]
        if context.expiration_in_seconds:
            params.append(("X-Amz-Expires", str(context.expiration_in_seconds)))
        if signed_token:
            params.append(("X-Amz-Security-Token", signed_token))
        query = _with_params(query, params)
    creq = "\n".join(
        (
            request.method.upper(),
            canonical_request_path(request.path, context),
            canonical_query(query),
            canonical_headers(headers, signed),
            ";".join(signed),
            payload,
        )
    )
    sts = string_to_sign(date, scope, creq)
    sig = signature(signing_key(context.secret_access_key, date, context.region, context.service), sts)
    if mode == "header":
        authz = f"{ALGORITHM} Credential={context.access_key_id}/{scope}, SignedHeaders={';'.join(signed)}, "
        headers.append(("Authorization", authz + f"Signature={sig}"))
        if late_token:
            headers.append(("X-Amz-Security-Token", late_token))
    else:
        after = [("X-Amz-Signature", sig)]
        if late_token:
            after.append(("X-Amz-Security-Token", late_token))
        query = _with_params(query, after)
    return Signing(creq, sts, sig, replace(request, query=query, headers=headers))


def _with_params(query: str, params: list[tuple[str, str]]) -> str:
    added = "&".join(f"{name}={quote(value, safe='~')}" for name, value in params)
    return f"{query}&{added}" if query else added


def canonical_request_path(path: str, context: Context) -> str:
    """Normalised or not as the context says; encoded again, except for S3 (whose rule sigv4 has)."""
    s3 = context.service == "s3"
    if context.normalize != s3:
        return canonical_path(path, context.service)  # the service's own rule
    if s3:  # normalised by the rule of other services (then decoded, as that rule encodes once), S3's encoding
        return canonical_path(unquote(canonical_path(path, _OTHER_SERVICE)), "s3")
    return quote(path, safe="/~") if path else "/"


def check(case: Case, mode: str) -> str | None:
    """None when our signer produces every expected file of `mode`, else the first difference."""
    signing = sign(case.request, case.context, mode)
    computed = {
        "canonical-request": signing.canonical_request,
        "string-to-sign": signing.string_to_sign,
        "signature": signing.signature,
    }
    for artefact, label in ARTEFACTS:
        expected = case.expected(mode, artefact)
        if expected is not None and expected != computed[artefact]:
            diff = difflib.unified_diff(
                expected.split("\n"),
                computed[artefact].split("\n"),
                f"expected {mode}-{artefact}.txt",
                "computed",
                lineterm="",
            )
            return f"{label} differs\n" + "\n".join(diff)
    expected_request = case.expected_request(mode)
    if expected_request is not None:
        found = differences(expected_request, signing.request)
        if found:
            return "signed request differs\n  " + "\n  ".join(found)
    return None
