"""The transport: sign, send through the connection pools (`awsclient.pools`), retry what AWS says to retry.

Retries follow botocore's standard mode: statuses 500, 502, 503 and 504, throttling and transient error codes,
and connection failures are retried up to `max_attempts` attempts in all, after a capped exponential backoff with
full jitter; every attempt is signed afresh. Separately, a kept-alive connection that the server closed just as it
was reused (the request went out, nothing came back) is replaced and the request re-sent once at once, without
counting as an attempt: the server never saw that request, which is what makes the re-send safe.
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
import random
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.client import IncompleteRead, RemoteDisconnected
from typing import Any, TypeAlias
from urllib.parse import quote, urlsplit

import urllib3
from urllib3._version import __version__ as urllib3_version
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.response import HTTPResponse

import awsclient.pools
from awsclient.credentials import current_credentials
from awsclient.errors import AwsError, check_response
from awsclient.params import Parameter, non_negative_number, positive_int
from awsclient.pools import close_pools, connection_reused, current_pool_timeout
from awsclient.sigv4 import add_v4_auth_heads

__all__ = [
    "MAX_DRAIN",
    "RETRYABLE_STATUSES",
    "THROTTLING_CODES",
    "TRANSIENT_CODES",
    "USER_AGENT",
    "Query",
    "Response",
    "TransportError",
    "close_pools",
    "connect_timeout",
    "current_pool_timeout",
    "describe",
    "endpoint_for",
    "is_retryable",
    "max_attempts",
    "read_timeout",
    "region_for",
    "request",
    "retry_base_delay",
    "retry_max_delay",
]

_log = logging.getLogger(__name__)

# urllib3 2's name-lookup failure (a NewConnectionError); looked up so the 1.26-era type stubs don't object.


def _positive_number(value: Any) -> float:
    number = non_negative_number(value)
    if number <= 0:
        raise ValueError("must be more than zero")
    return number


def _attempts_from_environment() -> int:
    """`AWS_MAX_ATTEMPTS`, as botocore reads it, else 3 (botocore's standard mode)."""
    raw = os.environ.get("AWS_MAX_ATTEMPTS", "").strip()
    if not raw:
        return 3
    try:
        return positive_int(int(raw))
    except ValueError:
        raise ValueError(f"AWS_MAX_ATTEMPTS must be a whole number of 1 or more, got {raw!r}") from None


max_attempts: Parameter[int] = Parameter(
    "max_attempts", default_factory=_attempts_from_environment, validate=positive_int
)
connect_timeout: Parameter[float] = Parameter("connect_timeout", 10.0, validate=_positive_number)
read_timeout: Parameter[float] = Parameter("read_timeout", 60.0, validate=_positive_number)
retry_base_delay: Parameter[float] = Parameter("retry_base_delay", 0.1, validate=non_negative_number)
retry_max_delay: Parameter[float] = Parameter("retry_max_delay", 20.0, validate=non_negative_number)

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
THROTTLING_CODES = frozenset(
    {
        "BandwidthLimitExceeded",
        "EC2ThrottledException",
        "LimitExceededException",
        "PriorRequestNotComplete",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "TransactionInProgressException",
    }
)
"""botocore's standard retry mode's throttling codes."""
TRANSIENT_CODES = frozenset({"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"})

MAX_DRAIN = 64 * 1024
"""An unread rest of a body up to this size is read and dropped so the connection can be reused; more, it's closed."""

USER_AGENT = f"awsclient/0.1.0 python/{platform.python_version()} urllib3/{urllib3_version}"

Query: TypeAlias = "Mapping[str, str] | Iterable[tuple[str, str]]"


@dataclass(frozen=True)
class Response:
    """A successful (2xx, or 301/302/307) answer, its body read in full. `headers` match names case-insensitively."""

    status: int
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)

    @property
    def request_id(self) -> str | None:
        return self.headers.get("x-amzn-RequestId") or self.headers.get("x-amz-request-id")


class TransportError(ConnectionError):
    """The endpoint could not be reached, or dropped the connection, on every attempt."""


class _ConnectionFailed(Exception):
    """One attempt's connection-level failure (internal: becomes a TransportError once attempts run out)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


# ---------------------------------------------------------------------------------------------------- endpoints


def region_for(region: str | None = None) -> str:
    """The argument, else `AWS_REGION`, else `AWS_DEFAULT_REGION`."""
    found = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not found:
        raise ValueError("no AWS region: pass region=, or set AWS_REGION or AWS_DEFAULT_REGION")
    return found


def endpoint_for(service: str, region: str) -> str:
    """`AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL` (as botocore reads them), else AWS's own endpoint."""
    if os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() != "true":
        for name in (f"AWS_ENDPOINT_URL_{service.upper().replace('-', '_').replace(' ', '_')}", "AWS_ENDPOINT_URL"):
            if os.environ.get(name):
                return os.environ[name]
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{service}.{region}.{suffix}"


def _url(path_or_url: str, service: str, region: str, endpoint: str | None, query: Query | None) -> str:
    """The URL to send: the path percent-encoded exactly once (`/` and `~` kept), the query appended encoded.

    A relative `path_or_url` is all path (an S3 key may hold `?` or `#`); an absolute URL keeps its own query.
    """
    split = urlsplit(path_or_url)
    if split.scheme:
        base, path, raw_query = f"{split.scheme}://{split.netloc}", split.path, split.query
    else:
        base, path, raw_query = (endpoint or endpoint_for(service, region)).rstrip("/"), path_or_url, ""
    base_split = urlsplit(base)
    if base_split.scheme not in ("http", "https") or not base_split.netloc:
        raise ValueError(f"endpoint must be an http or https URL, got {base!r}")
    wire_path = quote(path if path.startswith("/") else "/" + path, safe="/~")
    pairs = query.items() if isinstance(query, Mapping) else (query or ())
    extra = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in pairs)
    full_query = "&".join(filter(None, (raw_query, extra)))
    return f"{base}{wire_path}" + (f"?{full_query}" if full_query else "")


# ---------------------------------------------------------------------------------------------------- requests


def request(
    method: str,
    path_or_url: str,
    *,
    service: str,
    region: str | None = None,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    endpoint: str | None = None,
    query: Query | None = None,
) -> Response:
    """Send one signed AWS request and return its answer; raise `AwsError` for an error answer.

    `path_or_url` is a path (joined to `endpoint`, else the configured or public endpoint of `service`) or an
    absolute URL. A path is plain text, all of it (`?` included), percent-encoded here once: an S3 key `a b?%`
    goes as `a%20b%3F%25`. Query parameters go in `query`, encoded and appended; an absolute URL's own query goes
    as written. Raises `TransportError` when the endpoint can't be reached on any attempt.
    """
    method = method.upper()
    region = region_for(region)
    url = _url(path_or_url, service, region, endpoint, query)
    sha256 = hashlib.sha256(body).hexdigest()
    attempts = max_attempts()
    for attempt in range(1, attempts + 1):
        try:
            return _attempt(method, url, headers or {}, body, sha256, region, service)
        except AwsError as err:
            if attempt == attempts or not is_retryable(err):
                raise
            _log.debug("%s %s: %s; retrying (attempt %d of %d)", method, url, err, attempt, attempts)
        except _ConnectionFailed as failed:
            if attempt == attempts:
                tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
                raise TransportError(
                    f"{method} {_without_query(url)} failed after {tries}: {describe(failed.cause)}"
                ) from failed.cause
            _log.debug("%s %s: %s; retrying (attempt %d of %d)", method, url, failed.cause, attempt, attempts)
        time.sleep(_backoff(attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def is_retryable(err: AwsError) -> bool:
    return err.http_code in RETRYABLE_STATUSES or err.aws_code in THROTTLING_CODES or err.aws_code in TRANSIENT_CODES


def _backoff(attempt: int) -> float:
    """Full jitter: anywhere from 0 to the capped exponential delay, so many clients don't retry in step."""
    return random.uniform(0, min(retry_max_delay(), retry_base_delay() * 2 ** (attempt - 1)))


def describe(exc: BaseException) -> str:
    """A network failure in plain words (urllib3's own text names pool objects and nests tuples)."""
    cause = exc.args[1] if isinstance(exc, ProtocolError) and len(exc.args) > 1 else exc
    if isinstance(cause, IncompleteRead):
        # urllib3's IncompleteRead counts the bytes received; http.client's carries them.
        got = cause.partial if isinstance(cause.partial, int) else len(cause.partial)
        expected = got + (cause.expected or 0)
        return f"the connection closed mid-response ({got} of {expected} body bytes received)"
    if isinstance(cause, RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(cause, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
        return f"the connection was reset ({cause})"
    if isinstance(cause, ReadTimeoutError):
        return f"no answer within the read timeout ({read_timeout()} s)"
    if isinstance(cause, NameResolutionError):  # before NewConnectionError, its base
        return f"could not resolve the host name ({cause.__cause__ or cause})"
    if isinstance(cause, NewConnectionError):  # before ConnectTimeoutError, its base
        return f"could not connect ({cause.__cause__ or cause})"
    if isinstance(cause, ConnectTimeoutError):
        return f"could not connect within the connect timeout ({connect_timeout()} s)"
    if isinstance(cause, SSLError):
        return f"TLS failed ({cause.__cause__ or cause})"
    return str(cause)


def _without_query(url: str) -> str:
    return url.partition("?")[0]


def _attempt(
    method: str, url: str, headers: Mapping[str, str], body: bytes, sha256: str, region: str, service: str
) -> Response:
    split = urlsplit(url)
    port = split.port or (443 if split.scheme == "https" else 80)
    pool = awsclient.pools.pool_for(split.scheme, split.hostname or "", port)
    target = split.path + (f"?{split.query}" if split.query else "")
    timeout = urllib3.Timeout(connect=connect_timeout(), read=read_timeout())
    credentials = current_credentials()
    for resend in (True, False):
        base = {"User-Agent": USER_AGENT, **headers}
        signed = add_v4_auth_heads(
            base, method=method, uri=url, sha256=sha256, region=region, service=service, credentials=credentials
        )
        connection_reused.set(False)
        try:
            response = pool.urlopen(
                method,
                target,
                body=body or None,
                headers=signed,
                retries=False,
                redirect=False,
                timeout=timeout,
                preload_content=False,
                decode_content=False,
                assert_same_host=False,
            )
            break
        except (HTTPError, OSError) as exc:
            if resend and connection_reused.get() and _server_closed_idle(exc):
                _log.debug("%s %s: kept-alive connection closed by the server; re-sending", method, url)
                continue
            raise _ConnectionFailed(exc) from exc
    return _read(response, (credentials.session_token, credentials.secret_access_key))


def _server_closed_idle(exc: BaseException) -> bool:
    """The request went out on a reused connection and the server closed it without a byte of answer."""
    reason = exc.args[1] if isinstance(exc, ProtocolError) and len(exc.args) > 1 else exc
    return isinstance(reason, (RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError))


def _read(response: HTTPResponse, secrets: tuple[str | None, ...]) -> Response:
    try:
        check_response(response, response.headers, status=response.status)
        return Response(response.status, response.headers, response.read())
    except AwsError as err:
        raise err.redacted(*secrets) from None
    except (HTTPError, OSError) as exc:
        raise _ConnectionFailed(exc) from exc
    finally:
        _settle(response)


def _settle(response: HTTPResponse) -> None:
    """Give the connection back when its response is read (or nearly); close it when the rest is unknown or big."""
    conn = response.connection
    if conn is None:
        return
    remaining = response.length_remaining
    if remaining is not None and remaining <= MAX_DRAIN:
        response.drain_conn()
    else:
        conn.close()
    response.release_conn()
