"""`--verify [URL]`: replay each aws-c-auth layout case to a verifier, and mutated copies that it must refuse.

Each case is signed in each of its modes by awsclient's reference signing, at the current time (any verifier
refuses a 2015 date) and with `Host` set to the endpoint's authority, then sent on its own connection exactly
as written (the raw request target, UTF-8 allowed). The answer must not be a signature error (an operation error
such as an unknown action is fine: the signature was accepted). Then six copies, each changed in one place by
one byte, must each be refused with a signature error: a signed header's value, the path, the query, the date,
the credential scope's region, and the payload hash (the signed `X-Amz-Content-Sha256`, else the body).

The verifier must know each case's credentials (or those given on the command line); without a URL a FakeAWS
is started here on 127.0.0.1 for each region the cases sign for, and told each case's keys before it is replayed.
Cases of the aws-sig-v4-test-suite layout are replayed too, read by `sigv4_suite.as_crt_case`. Cases no AWS
service would take as written are skipped, with the reason: a request target with a space or control
character, an unsigned session token (`omit_session_token`, a service-specific convention), a body whose hash
is not the signed payload hash, or a path rule that is not the service's own (`normalize` off outside S3, on
for S3).
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from awsclient.conformance import crt_suite
from awsclient.conformance.overrides import Overrides, every_case
from awsclient.conformance.request_text import RawRequest, authorization_parts
from awsclient.conformance.tally import Tally
from awsclient.sigv4 import amz_date_now, canonical_path, split_query

__all__ = ["MUTATIONS", "SIGNATURE_ERRORS", "Answer", "Endpoint", "error_code", "mutate", "run", "send"]

TIMEOUT_SECONDS = 10
# The codes with which AWS refuses a request's authentication, across its wire formats.
SIGNATURE_ERRORS = frozenset(
    {
        "AccessDenied",
        "AuthFailure",
        "AuthorizationHeaderMalformed",
        "AuthorizationQueryParametersError",
        "ExpiredToken",
        "ExpiredTokenException",
        "IncompleteSignature",
        "IncompleteSignatureException",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "InvalidToken",
        "MissingAuthenticationToken",
        "MissingAuthenticationTokenException",
        "RequestExpired",
        "RequestTimeTooSkewed",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
    }
)
_XML_CODE = re.compile(rb"<Code>([^<]{1,200})</Code>")
_JSON_TYPE = re.compile(rb'"(?:__type|code)"\s*:\s*"(?:[^"#]{0,200}#)?([^"]{1,200})"')
_ALNUM = re.compile(r"[A-Za-z0-9]")


@dataclass(frozen=True)
class Endpoint:
    scheme: str
    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        split = urlsplit(url)
        if split.scheme not in ("http", "https") or not split.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        return cls(split.scheme, split.hostname, split.port or (443 if split.scheme == "https" else 80))

    @property
    def authority(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Answer:
    status: int
    code: str | None  # the AWS error code, when the answer is an error that names one

    @property
    def refused_signature(self) -> bool:
        return self.code in SIGNATURE_ERRORS

    def __str__(self) -> str:
        return f"{self.status} {self.code}" if self.code else str(self.status)


def error_code(headers: http.client.HTTPMessage, body: bytes) -> str | None:
    typed = headers.get("x-amzn-ErrorType")
    if typed:
        return typed.split(":")[0].strip()
    for pattern in (_XML_CODE, _JSON_TYPE):
        found = pattern.search(body)
        if found:
            return found.group(1).decode("utf-8", "replace")
    return None


def send(endpoint: Endpoint, request: RawRequest) -> Answer:
    """Send `request` as written on a new connection; its answer."""
    headers = [(name.strip(), value.strip()) for name, value in request.headers]
    if request.header("content-length") is None and (request.body or request.method in ("POST", "PUT")):
        headers.append(("Content-Length", str(len(request.body))))
    lines = [f"{request.method} {request.target} HTTP/1.1", *(f"{name}: {value}" for name, value in headers)]
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + request.body
    with socket.create_connection((endpoint.host, endpoint.port), timeout=TIMEOUT_SECONDS) as raw:
        sock = raw
        if endpoint.scheme == "https":
            sock = ssl.create_default_context().wrap_socket(raw, server_hostname=endpoint.host)
        sock.sendall(data)
        response = http.client.HTTPResponse(sock, method=request.method)
        response.begin()
        body = response.read()
    return Answer(response.status, error_code(response.headers, body) if response.status >= 300 else None)


# ---------------------------------------------------------------- mutations, one byte each


def _flip(text: str) -> str:
    """`text` with its last letter or digit outside a %XX escape changed (`x` appended when there is none)."""
    for at in range(len(text) - 1, -1, -1):
        if _ALNUM.match(text[at]) and "%" not in text[max(0, at - 2) : at]:
            char = text[at]
            new = {"z": "a", "Z": "A", "9": "0"}.get(char, chr(ord(char) + 1))
            return text[:at] + new + text[at + 1 :]
    return text + "x"


def _signed_names(request: RawRequest) -> list[str]:
    authorization = request.header("authorization")
    if authorization is not None:
        return authorization_parts(authorization).get("SignedHeaders", "").split(";")
    return dict(_decoded_pairs(request.query)).get("X-Amz-SignedHeaders", "").split(";")


def _decoded_pairs(query: str) -> list[tuple[str, str]]:
    return [(unquote(name), unquote(value)) for name, value in split_query(query)]


def _set_header(request: RawRequest, name: str, change: Callable[[str], str]) -> RawRequest:
    headers, done = [], False
    for key, value in request.headers:
        if not done and key.strip().lower() == name:
            value, done = change(value.strip()), True
        headers.append((key, value))
    return replace(request, headers=headers)


def _set_param(request: RawRequest, name: str, change: Callable[[str], str]) -> RawRequest:
    pairs = [
        (key, quote(change(unquote(value)), safe="~") if unquote(key) == name else value)
        for key, value in split_query(request.query)
    ]
    return replace(request, query="&".join(f"{key}={value}" for key, value in pairs))


def _header(request: RawRequest, context: crt_suite.Context) -> RawRequest:
    own = ("host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token")
    names = [name for name in _signed_names(request) if name not in own] or ["host"]
    return _set_header(request, names[0], _flip)


def _path(request: RawRequest, context: crt_suite.Context) -> RawRequest:
    """One byte changed, or one added when the change would canonicalise away (as in `/a/..`)."""
    before = crt_suite.canonical_request_path(request.path, context)
    for path in (_flip(request.path), request.path + "x"):
        if crt_suite.canonical_request_path(path, context) != before:
            break
    return replace(request, path=path)


def _query(request: RawRequest, context: crt_suite.Context) -> RawRequest:
    pairs = split_query(request.query)
    own = [at for at, (name, _) in enumerate(pairs) if not unquote(name).startswith("X-Amz-")]
    if own:
        name, value = pairs[own[0]]
        pairs[own[0]] = (name, _flip(value)) if value else (_flip(name), value)
    else:
        pairs.append(("x", ""))
    return replace(request, query="&".join(f"{name}={value}" for name, value in pairs))


def _next_second(date: str) -> str:
    return date[:14] + str((int(date[14]) + 1) % 10) + date[15:]


def _date(request: RawRequest, context: crt_suite.Context) -> RawRequest:
    if request.header("authorization") is not None:
        return _set_header(request, "x-amz-date", _next_second)
    return _set_param(request, "X-Amz-Date", _next_second)


def _other_region(credential: str) -> str:
    key, date, region, rest = credential.split("/", 3)
    return f"{key}/{date}/{_flip(region)}/{rest}"


def _scope(request: RawRequest, context: crt_suite.Context) -> RawRequest:
    if request.header("authorization") is None:
        return _set_param(request, "X-Amz-Credential", _other_region)

    def change(value: str) -> str:
        credential = authorization_parts(value)["Credential"]
        return value.replace(credential, _other_region(credential), 1)

    return _set_header(request, "authorization", change)


def _payload(request: RawRequest, context: crt_suite.Context) -> RawRequest:
    if request.header("x-amz-content-sha256") is not None:
        return _set_header(request, "x-amz-content-sha256", lambda h: ("1" if h[:1] == "0" else "0") + h[1:])
    if request.body:
        return replace(request, body=request.body[:-1] + bytes([request.body[-1] ^ 1]))
    grown = replace(request, body=b"x")
    return _set_header(grown, "content-length", lambda _: "1") if request.header("content-length") else grown


MUTATIONS: dict[str, Callable[[RawRequest, crt_suite.Context], RawRequest]] = {
    "header": _header,
    "path": _path,
    "query": _query,
    "date": _date,
    "scope": _scope,
    "payload": _payload,
}


def mutate(request: RawRequest, context: crt_suite.Context, what: str) -> RawRequest:
    return MUTATIONS[what](request, context)


# ---------------------------------------------------------------- the run


def skip_reason(case: crt_suite.Case) -> str | None:
    request, context = case.request, case.context
    if any(not char.isprintable() or char.isspace() for char in request.target):
        return "the request target holds a space or control character, which cannot be sent as written"
    if context.omit_session_token and context.session_token:
        return "an unsigned session token is a convention of a few services (IoT's WebSocket gateway), not AWS's rule"
    if request.body and not context.sign_body:
        return "the signed payload hash is the empty body's, but the request has a body"
    if crt_suite.canonical_request_path(request.path, context) != canonical_path(request.path, context.service):
        return f"normalize={context.normalize} is not the path rule of service {context.service!r}"
    return None


def _accepted(answer: Answer) -> str | None:
    return None if not answer.refused_signature and answer.status < 500 else f"refused: {answer}"


def _refused(answer: Answer) -> str | None:
    return None if answer.refused_signature else f"not refused with a signature error: {answer}"


def check_case(endpoint: Endpoint, case: crt_suite.Case, mode: str, tally: Tally) -> None:
    """Replay `case` signed in `mode`, then each mutation of it, recording one check each."""
    headers = [(name, endpoint.authority if name.strip().lower() == "host" else v) for name, v in case.request.headers]
    context = replace(case.context, timestamp=amz_date_now())
    signed = crt_suite.sign(replace(case.request, headers=headers), context, mode).request
    checks = [("as signed", signed, _accepted)]
    checks += [(f"{what} mutated", change(signed, context), _refused) for what, change in MUTATIONS.items()]
    for label, request, judge in checks:
        try:
            problem = judge(send(endpoint, request))
        except OSError as exc:
            problem = f"no answer: {exc}"
        tally.record(f"{case.name} {mode}, {label}", problem)


@contextmanager
def _fakes() -> Iterator[Callable[[crt_suite.Context], Endpoint]]:
    """FakeAWS endpoints on 127.0.0.1, one per region (S3 answers for its endpoint's region only), each told a
    case's keys before the case is replayed. awsfake is imported here: the rest of the runner does without it."""
    from awsfake import FakeAWS

    with ExitStack() as stack:
        fakes: dict[str, tuple[FakeAWS, Endpoint]] = {}

        def endpoint_for(context: crt_suite.Context) -> Endpoint:
            if context.region not in fakes:
                fake = FakeAWS(context.region)
                fakes[context.region] = fake, Endpoint.parse(stack.enter_context(fake.serve()).url)
            fake, endpoint = fakes[context.region]
            fake.add_credentials(context.access_key_id, context.secret_access_key, session_token=context.session_token)
            return endpoint

        yield endpoint_for


def run(root: Path, url: str | None, overrides: Overrides, tally: Tally) -> Tally:
    if url is not None:
        endpoint = Endpoint.parse(url)
        _replay_all(root, overrides, tally, lambda _: endpoint)
        return tally
    with _fakes() as endpoint_for:
        _replay_all(root, overrides, tally, endpoint_for)
    return tally


def _replay_all(
    root: Path, overrides: Overrides, tally: Tally, endpoint_for: Callable[[crt_suite.Context], Endpoint]
) -> None:
    for case in every_case(root, tally, overrides):
        reason = skip_reason(case)
        for mode in case.modes:
            if reason:
                tally.skip(f"{case.name} {mode}", reason)
                continue
            check_case(endpoint_for(case.context), case, mode, tally)
