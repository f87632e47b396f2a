"""What a request presents as its signature: an Authorization header, presigned-URL parameters, or (S3) a POST
form signed with a policy. Each source is read into one `Presented`, which the checks then treat alike.

The credential string (`AKID/DATE/REGION/SERVICE/aws4_request`) is parsed here, by `Credential.parse`, only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from awsclient import sigv4
from awsfake.catalog import CATALOG, ServiceInfo, info_for, info_for_target, native_info
from awsfake.errors import Fault
from awsfake.request import Request, SignedPrefix, query_params

if TYPE_CHECKING:
    from awsfake.accounts import Identity
    from awsfake.store.body import Body

__all__ = [
    "Credential",
    "Presented",
    "Verified",
    "credential_text",
    "from_header",
    "from_prefix",
    "from_query",
    "guess_info",
    "has_query_auth",
    "parse_amz_date",
    "query_params",
    "scope_parts",
]

_QUERY_AUTH = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders")
_EXPECTING = 'expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'

# A request's date string repeats for a whole second across requests: parse each once (strptime is slow).
parse_amz_date = lru_cache(maxsize=256)(sigv4.parse_amz_date)
# So do its date headers: the signing date they give is found once (theirs of at most `_DATES_MAX_LEN` characters:
# a stranger's longer ones are read each time, not kept).
_signing_date = lru_cache(maxsize=256)(sigv4.signing_date)
_DATES_MAX_LEN = 64


@lru_cache(maxsize=256)
def _amz_signing_date(amz_date: str) -> str | None:
    """`sigv4.signing_date(amz_date, None)`: a request with an X-Amz-Date and no Date header, as the SDKs sign (one
    string for the cache's key rather than a tuple of two)."""
    return sigv4.signing_date(amz_date, None)


@dataclass(frozen=True)
class Credential:
    """A credential string split on `/`; parts a malformed string lacks are empty."""

    parts: tuple[str, ...]

    @staticmethod
    def parse(text: str) -> Credential:
        """Cached: a credential string repeats over a day of requests, and a frozen dataclass is slow to make (one
        longer than any real credential is not kept)."""
        return _parse_credential(text) if len(text) <= 256 else _split(text)

    def part(self, index: int) -> str:
        return self.parts[index] if index < len(self.parts) else ""

    @property
    def access_key_id(self) -> str:
        return self.part(0)

    @property
    def region(self) -> str:
        return self.part(2)

    @property
    def service(self) -> str:
        return self.part(3)

    @property
    def well_formed(self) -> bool:
        return len(self.parts) == 5 and all(self.parts)

    def names_service(self) -> str:
        """The service this credential is scoped to, when it has the five parts a scope has ("" otherwise)."""
        return self.service if len(self.parts) == 5 else ""


def _split(text: str) -> Credential:
    return Credential(tuple(text.split("/")))


_parse_credential = lru_cache(maxsize=256)(_split)


class Verified:
    """A request whose signature checked out: who signed it, for which service and region, and its payload.

    A request signed by SigV4 is verified as its `Presented`, which already holds the service and the region and
    is given the identity and the payload once every check has passed (`awsfake.auth.verify`): one object a
    request, not two carrying the same facts."""

    __slots__ = ("body", "identity", "info", "region")

    identity: Identity
    info: ServiceInfo
    region: str
    body: Body

    def __init__(self, identity: Identity, info: ServiceInfo, region: str, body: Body) -> None:
        self.identity = identity
        self.info = info
        self.region = region
        self.body = body


@dataclass(slots=True)
class Presented(Verified):
    """The signature as the client presented it (its repr shows neither the signature nor the session token).
    Its `identity` and `body` (`Verified`'s) are set only when it has been verified."""

    info: ServiceInfo
    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: Sequence[str]
    signature: str = field(repr=False)
    amz_date: str
    presigned: bool
    expires: int = 0
    token: str | None = field(default=None, repr=False)
    string_to_sign: str | None = None  # a POST form signs its policy, not a canonical request
    signed_names: frozenset[str] | None = None  # `signed_headers` as a set, when a cached prefix holds one
    known_scope: str = ""  # `scope`, when a cached prefix holds it

    @property
    def scope(self) -> str:
        return self.known_scope or f"{self.date}/{self.region}/{self.service}/aws4_request"


def credential_text(request: Request) -> str | None:
    """The credential string a request names (Authorization header or X-Amz-Credential), as sent."""
    return request.credential


def guess_info(request: Request) -> ServiceInfo:
    """The service a request is for: named by its credential scope, else guessed from its shape.

    A native service named by the credential is decided by the head alone (`catalog.native_info`), so the answer
    is kept on the request (`Request.named_service`) for every later step; any other guess may read the body, and
    is worked out again when asked."""
    if isinstance(request.named_service, ServiceInfo):
        return request.named_service
    signed = request.signed_prefix
    if signed is not None and signed.scope is not None:  # an SDK's header, its scope read once per prefix
        name = signed.scope[3]
        native = request.named_service = native_info(name, request)
        return native or info_for(name, request)
    text = request.credential
    if text is not None:
        parts = Credential.parse(text).parts
        if len(parts) >= 5 and all(parts[:4]):
            native = request.named_service = native_info(parts[3], request)
            return native or info_for(parts[3], request)
    target = request.header("x-amz-target")
    if target:
        prefix = target.partition(".")[0]
        return info_for_target(prefix) or info_for("dynamodb")
    host = request.host.split(".", 1)[0].lower()
    if host in CATALOG:
        return CATALOG[host].spoken_as(request.header("content-type"), request.raw_query)
    if "Action=" in request.raw_query or (request.method == "POST" and b"Action=" in request.body.head(4096)):
        return info_for("sts")
    return CATALOG["s3"]


def has_query_auth(raw_query: str) -> bool:
    return "X-Amz-Credential=" in raw_query or "X-Amz-Algorithm=" in raw_query


# ---------------------------------------------------------------- the Authorization header


def from_header(request: Request, authorization: str, info: ServiceInfo) -> Presented:
    prefix = request.signed_prefix
    if prefix is not None and prefix.scope is not None:
        return from_prefix(request, prefix, prefix.scope, authorization)
    fields = _header_fields(authorization, info)
    credential = fields.get("Credential")
    parsed = Credential.parse(credential) if credential is not None else None
    if credential is not None and parsed is not None:
        info = _info_from_credential(parsed, credential, info, request)
    if credential is None or parsed is None or "SignedHeaders" not in fields or "Signature" not in fields:
        raise _incomplete(fields, authorization, info)
    return Presented(
        info,
        *_scope_parts(parsed, credential, info, presigned=False),
        fields["SignedHeaders"].split(";"),
        fields["Signature"],
        _header_date(request, info, authorization),
        False,  # presigned
        0,  # expires
        request.header("x-amz-security-token"),  # token (fields in order: keyword arguments cost more)
    )


def from_prefix(
    request: Request, prefix: SignedPrefix, scope: tuple[str, str, str, str], authorization: str
) -> Presented:
    """`from_header` of a header as the SDKs write it with a well-formed scope: what its prefix says is read once
    per prefix (`request.SignedPrefix`, which says what that may and may not stand for); the rest, per request."""
    named = request.named_service  # the native row `guess_info` kept for this very credential
    info = named if isinstance(named, ServiceInfo) else info_for(scope[3], request)
    access_key_id, date, region, service = scope
    headers = request.index
    amz_date = headers.get("x-amz-date")
    try:  # as the SDKs sign, an X-Amz-Date and no Date header: `_header_date`'s first way, without the call
        signed_on = (
            _amz_signing_date(amz_date)
            if amz_date is not None and len(amz_date) <= _DATES_MAX_LEN and "date" not in headers
            else None
        )
    except ValueError:
        signed_on = None
    return Presented(
        info,
        access_key_id,
        date,
        region,
        service,
        prefix.signed_headers,
        authorization[prefix.length :].strip(),  # the signature
        signed_on or _header_date(request, info, authorization),  # any other dates, or their denial
        False,  # presigned
        0,  # expires
        request.index.get("x-amz-security-token"),  # token (fields in order: keyword arguments cost more)
        None,  # string_to_sign
        prefix.signed_names,
        prefix.scope_text,
    )


def _incomplete(fields: dict[str, str], authorization: str, info: ServiceInfo) -> Fault:
    missing = [name for name in ("Credential", "Signature", "SignedHeaders") if name not in fields]
    detail = " ".join(f"Authorization header requires '{name}' parameter." for name in missing)
    return info.family.deny(
        info,
        "incomplete",
        detail=f"{detail} Authorization={authorization}",
        s3detail="The authorization header is malformed; the authorization header requires three components: "
        "Credential, SignedHeaders, and Signature.",
    )


def _header_fields(authorization: str, info: ServiceInfo) -> dict[str, str]:
    """The Authorization header's fields by name; the family's denial for another algorithm or a malformed field.
    (A header as the SDKs write it is read once per prefix instead: `request.SignedPrefix`.)"""
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != sigv4.ALGORITHM:
        raise info.family.unsupported_algorithm(info, algorithm)
    return _auth_fields(rest, authorization, info)


def _auth_fields(rest: str, authorization: str, info: ServiceInfo) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in rest.split(","):
        part = part.strip()
        if not part:
            continue
        name, equals, value = part.partition("=")
        if not equals:
            raise info.family.deny(
                info,
                "incomplete",
                detail=f"'{part}' not a valid key=value pair (missing equal-sign) in Authorization header: "
                f"'{authorization}'.",
                s3detail=f'The authorization header is malformed; the authorization component "{part}" is malformed.',
            )
        fields[name.strip()] = value.strip()
    return fields


def _info_from_credential(credential: Credential, text: str, info: ServiceInfo, request: Request) -> ServiceInfo:
    """The row of the service a five-part credential names, else `info`: the row `guess_info` kept, when the
    request was read with this very credential and it named a native service."""
    if text == request.credential and isinstance(request.named_service, ServiceInfo):
        return request.named_service
    service = credential.names_service()
    return info_for(service, request) if service else info


def scope_parts(credential: str, info: ServiceInfo, *, presigned: bool) -> tuple[str, str, str, str]:
    """(access key id, date, region, service) of a well-formed credential; the family's denial otherwise."""
    return _scope_parts(Credential.parse(credential), credential, info, presigned=presigned)


def _scope_parts(
    parsed: Credential, credential: str, info: ServiceInfo, *, presigned: bool
) -> tuple[str, str, str, str]:
    where = "Error parsing the X-Amz-Credential parameter" if presigned else "The authorization header is malformed"
    kind = "query_params" if presigned else "incomplete"
    if not parsed.well_formed:
        raise info.family.deny(
            info,
            kind,
            detail="Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term,"
            f" got '{credential}'",
            s3detail=f"{where}; the Credential is mal-formed; {_EXPECTING}",
        )
    access_key_id, date, region, service, terminator = parsed.parts
    if terminator != "aws4_request":
        raise info.family.deny(
            info,
            "query_params" if presigned else "scope",
            detail=f"Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'.",
            s3detail=f'{where}; incorrect terminal "{terminator}". This endpoint uses "aws4_request".',
        )
    return access_key_id, date, region, service


def _header_date(request: Request, info: ServiceInfo, authorization: str) -> str:
    """The signing date by the signer's own rule (`sigv4.signing_date`); no date, or one that isn't, is denied."""
    headers = request.index
    amz_date, http_date = headers.get("x-amz-date"), headers.get("date")
    try:
        if http_date is None and amz_date is not None and len(amz_date) <= _DATES_MAX_LEN:  # an SDK's: one key
            date = _amz_signing_date(amz_date)
        elif len(amz_date or "") + len(http_date or "") <= _DATES_MAX_LEN:
            date = _signing_date(amz_date, http_date)
        else:
            date = sigv4.signing_date(amz_date, http_date)
    except ValueError:
        date = None
    if date is not None:
        return date
    raise info.family.deny(
        info,
        "no_date",
        detail="Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"Authorization={authorization}",
    )


# ---------------------------------------------------------------- presigned URLs


def from_query(request: Request, info: ServiceInfo) -> Presented:
    params = query_params(request.raw_query)
    if "X-Amz-Credential" in params:
        text = params["X-Amz-Credential"]
        info = _info_from_credential(Credential.parse(text), text, info, request)
    _check_query_params(params, info)
    return Presented(
        info,
        *scope_parts(params["X-Amz-Credential"], info, presigned=True),
        params["X-Amz-SignedHeaders"].split(";"),
        params["X-Amz-Signature"],
        params["X-Amz-Date"],
        presigned=True,
        expires=int(params["X-Amz-Expires"].lstrip("0") or "0"),  # checked: a few significant digits
        token=params.get("X-Amz-Security-Token"),
    )


def _check_query_params(params: dict[str, str], info: ServiceInfo) -> None:
    required = (*_QUERY_AUTH, "X-Amz-Expires") if info.signing.presign_expires else _QUERY_AUTH
    missing = [name for name in required if not params.get(name)]
    if missing:
        raise info.family.deny(
            info,
            "query_params",
            detail=" ".join(f"AWS query-string parameters must include '{name}'." for name in missing)
            + " Re-examine the query-string parameters.",
            s3detail="Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
            "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
        )
    if params["X-Amz-Algorithm"] != sigv4.ALGORITHM:
        raise info.family.deny(
            info,
            "query_params",
            detail=f"Unsupported AWS 'algorithm': '{params['X-Amz-Algorithm']}'.",
            s3detail='X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
        )
    _check_expires(params.setdefault("X-Amz-Expires", str(sigv4.MAX_PRESIGN_EXPIRES)), info)
    try:
        parse_amz_date(params["X-Amz-Date"])
    except ValueError:
        raise info.family.deny(
            info,
            "query_params",
            detail=f"Invalid X-Amz-Date '{params['X-Amz-Date']}'.",
            s3detail="X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        ) from None


def _check_expires(expires: str, info: ServiceInfo) -> None:
    if not (expires.isascii() and expires.isdigit()):  # isdigit() alone takes "²", which int() refuses
        raise _expires_denial(info, "X-Amz-Expires must be a number.", "X-Amz-Expires should be a number")
    significant = expires.lstrip("0") or "0"  # int() refuses more than 4300 digits
    seconds = int(significant) if len(significant) <= 19 else sigv4.MAX_PRESIGN_EXPIRES + 1
    if seconds > sigv4.MAX_PRESIGN_EXPIRES:
        week = (
            "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less "
            "than 604800 seconds"
        )
        raise _expires_denial(info, week, week)
    if seconds < 1:
        raise _expires_denial(info, "X-Amz-Expires must be non-negative", "X-Amz-Expires must be non-negative")


def _expires_denial(info: ServiceInfo, detail: str, s3detail: str) -> Fault:
    return info.family.deny(info, "query_params", detail=detail, s3detail=s3detail)
