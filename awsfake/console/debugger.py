"""Why a request was refused, in plain words, from what the journal kept of it.

The fake knows the canonical request and string to sign it expected (on the record of a SignatureDoesNotMatch);
it cannot know the client's, which the signature only hashes. So the likely cause is reasoned from the error and
from the shape of the expected request; the dashboard then lets a person paste the client's canonical request
(botocore logs it at DEBUG) and highlights the lines that differ, each with its own cause.
"""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qs

from awsfake.doubles.journal import Record

__all__ = ["Diagnosis", "diagnose", "expected_signing", "named_operation", "split_canonical"]

SKEW_LIMIT = 15 * 60
_PROXIED = ("content-type", "content-length", "content-md5", "user-agent", "accept-encoding", "expect")
_KEY_ERRORS = {"InvalidAccessKeyId", "UnrecognizedClientException", "InvalidClientTokenId", "AuthFailure"}
_IN_MESSAGE = re.compile(
    r"Canonical String for this request should have been\n'(.*?)'\n\nThe String-to-Sign should have been\n'(.*?)'",
    re.S,
)
_TOKEN_ERRORS = {"InvalidToken", "ExpiredToken", "ExpiredTokenException", "RequestExpired"}


@dataclass(frozen=True)
class Diagnosis:
    """A headline (the likely cause) and the reasons behind it, each a sentence a person reads."""

    cause: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Canonical:
    """A canonical request cut into its parts: method, path, query, header lines, signed header names, payload hash."""

    method: str
    path: str
    query: str
    headers: tuple[str, ...]
    signed: str
    payload: str


def split_canonical(text: str) -> Canonical | None:
    lines = text.split("\n")
    if len(lines) < 6 or "" not in lines[3:]:
        return None
    blank = lines.index("", 3)
    rest = lines[blank + 1 :]
    if len(rest) < 2:
        return None
    return Canonical(lines[0], lines[1], lines[2], tuple(lines[3:blank]), rest[0], rest[1])


def named_operation(record: Record) -> str:
    """The operation a refused request asked for, read from what it sent (`X-Amz-Target`, `Action=`): the fake
    refused it before parsing, so the journal's `action` is empty. '' when the request does not say."""
    for name, value in record.headers:
        if name.lower() == "x-amz-target":
            return value.rpartition(".")[2]
    form = parse_qs(record.body[:4096].decode("utf-8", "replace")) if b"Action=" in record.body[:4096] else {}
    return form.get("Action", [""])[0]


def expected_signing(record: Record) -> tuple[str, str] | None:
    """The canonical request and string to sign the fake expected: S3 gives them as error elements, the other
    families inside the error message (as AWS words it)."""
    canonical = record.details.get("CanonicalRequest")
    if canonical:
        return canonical, record.details.get("StringToSign", "")
    found = _IN_MESSAGE.search(record.message)
    return (found.group(1), found.group(2)) if found else None


def diagnose(record: Record) -> Diagnosis:
    """The likely cause of `record`'s refusal."""
    error, details = record.error or "", record.details
    skew = _skew(details.get("X-Amz-Date", ""), record.time)
    if error == "RequestTimeTooSkewed" or ("expired" in record.message.lower() and error not in _TOKEN_ERRORS):
        return Diagnosis(
            "Clock skew", (_skew_sentence(skew), "AWS allows 15 minutes either way: fix the client's clock.")
        )
    if error in _KEY_ERRORS:
        return Diagnosis(
            "Unknown access key",
            (
                f"The fake holds no secret for the access key id {record.access_key_id or '(none)'}.",
                "Use the key `awsfake serve` printed, or start it with --access-key-id and --secret-access-key.",
            ),
        )
    if error in _TOKEN_ERRORS:
        return Diagnosis("Session token", (record.message or "The session token is missing, wrong or expired.",))
    if error == "AuthorizationHeaderMalformed" and "region" in record.message:
        return Diagnosis("Wrong region", (record.message, "Sign for the fake's region (awsfake serve --region)."))
    signing = expected_signing(record)
    if error == "SignatureDoesNotMatch" and signing is not None:
        return _mismatch(record, signing[0], skew)
    return Diagnosis(error or "Refused", (record.message or "See the error code.",))


def _mismatch(record: Record, expected: str, skew: float | None) -> Diagnosis:
    canonical = split_canonical(expected)
    reasons = [
        f"The fake computed the signature below with the secret it holds for {record.access_key_id} and got a "
        "different one. If the client signed this same canonical request, its secret key is not that one "
        "(check AWS_SECRET_ACCESS_KEY and the profile in use).",
        "Paste the client's canonical request beside it to see which line, if any, changed between signing and "
        "sending.",
    ]
    if canonical is not None:
        if "%" in canonical.path or "//" in canonical.path:
            reasons.append(
                f"The path {canonical.path!r} has percent-escapes or empty segments: S3 signs the path encoded "
                "once, other services encoded twice, and a proxy or client that re-encodes or normalises it "
                "breaks the signature (path encoding)."
            )
        names = canonical.signed.split(";")
        rewritten = [n for n in names if n in _PROXIED]
        if rewritten:
            reasons.append(
                f"Signed headers that proxies and HTTP libraries often change after signing: {', '.join(rewritten)} "
                "(a header changed after signing)."
            )
    if skew is not None and abs(skew) > 60:
        reasons.append(_skew_sentence(skew))
    return Diagnosis("Wrong secret key, or the request changed after signing", tuple(reasons))


def _skew(amz_date: str, at: float) -> float | None:
    if not re.fullmatch(r"\d{8}T\d{6}Z", amz_date):
        return None
    signed = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    return at - signed


def _skew_sentence(skew: float | None) -> str:
    if skew is None:
        return "The request's time is outside what AWS accepts."
    direction = "behind" if skew > 0 else "ahead of"
    return f"The client's clock (X-Amz-Date) is {abs(skew):.0f} s {direction} the fake's."
