"""Instance metadata: reading IMDS as botocore does, and the instance role's credentials.

`awsclient.credentials.credentials_from_ec2_instance()` builds on `fetch_role_credentials` to keep the credentials
fresh; its settings `refresh_window` and `retry_interval` are here with the others.

The conversation follows botocore's: `PUT /latest/api/token` (TTL 21600), falling back to IMDSv1 when that answers
403, 404 or 405 or times out (a container behind a hop limit of 1 never sees the token answer); 400 ends the attempt.
Unlike botocore, a refused connection ends the attempt at once rather than falling back to a v1 read of the same
unreachable host. Each request has `timeout` seconds and `attempts` tries (a 404 is final: the metadata is not
there); a request on a pooled connection the server had closed is re-sent once on a new one, which costs no timeout
(IMDS itself closes every connection); proxies are never used (IMDS is link-local). Settings read the environment
variables botocore reads (not its config file).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, ProtocolError, ReadTimeoutError

from awsclient.errors import CredentialsError
from awsclient.params import Parameter, non_negative_number, positive_int, str_param

__all__ = [
    "RoleCredentials",
    "attempts",
    "disabled",
    "endpoint",
    "fetch_role_credentials",
    "instance_identity",
    "parse_role_credentials",
    "read_metadata",
    "refresh_window",
    "retry_interval",
    "timeout",
    "v1_disabled",
]

logger = logging.getLogger("awsclient.imds")

DEFAULT_ENDPOINT = "http://169.254.169.254"
DEFAULT_ENDPOINT_IPV6 = "http://[fd00:ec2::254]"
TOKEN_TTL = "21600"
CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/"
T = TypeVar("T")


# --- parameters (defaults follow the environment variables botocore reads) --------------------------------------


def _env_flag(name: str) -> Callable[[], bool]:
    return lambda: os.environ.get(name, "false").strip().lower() == "true"


def _env_number(name: str, default: T, kind: Callable[[str], T]) -> Callable[[], T]:
    def read() -> T:
        raw = os.environ.get(name)
        if raw is None or not raw.strip():
            return default
        try:
            return kind(raw.strip())
        except ValueError:
            raise CredentialsError(f"{name} must be a number, not {raw!r}") from None

    return read


def _default_endpoint() -> str:
    custom = os.environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT", "").strip()
    if custom:
        return custom
    mode = os.environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "").strip().lower()
    return DEFAULT_ENDPOINT_IPV6 if mode == "ipv6" else DEFAULT_ENDPOINT


def _positive_number(value: Any) -> float:
    number = non_negative_number(value)
    if number <= 0:
        raise ValueError("must be more than zero")
    return number


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected True or False, got {type(value).__name__}")
    return value


endpoint: Parameter[str] = Parameter("imds_endpoint", default_factory=_default_endpoint, validate=str_param)
timeout: Parameter[float] = Parameter(
    "imds_timeout", default_factory=_env_number("AWS_METADATA_SERVICE_TIMEOUT", 1.0, float), validate=_positive_number
)
attempts: Parameter[int] = Parameter(
    "imds_attempts", default_factory=_env_number("AWS_METADATA_SERVICE_NUM_ATTEMPTS", 1, int), validate=positive_int
)
disabled: Parameter[bool] = Parameter(
    "imds_disabled", default_factory=_env_flag("AWS_EC2_METADATA_DISABLED"), validate=_bool
)
v1_disabled: Parameter[bool] = Parameter(
    "imds_v1_disabled", default_factory=_env_flag("AWS_EC2_METADATA_V1_DISABLED"), validate=_bool
)
refresh_window: Parameter[float] = Parameter("imds_refresh_window", 300.0, validate=non_negative_number)
retry_interval: Parameter[float] = Parameter("imds_refresh_retry_interval", 10.0, validate=non_negative_number)


# --- reading metadata ---------------------------------------------------------------------------------------------


_POOL = urllib3.PoolManager(num_pools=4, maxsize=4)


class _NotFound(CredentialsError):
    """IMDS answered 404: there is no such metadata (retrying cannot help)."""


class _Reader:
    """One conversation with IMDS: a session token (or IMDSv1, when allowed), then reads. Settings are read once."""

    def __init__(self) -> None:
        if disabled():
            raise CredentialsError("instance metadata is disabled (AWS_EC2_METADATA_DISABLED=true)")
        self.base = _checked_endpoint(endpoint())
        self._timeout = timeout()
        self._attempts = attempts()
        self.token = self._fetch_token()
        if self.token is None and v1_disabled():
            raise CredentialsError(
                f"IMDS at {self.base} gave no session token and IMDSv1 is disabled (AWS_EC2_METADATA_V1_DISABLED)"
            )

    def _send(self, method: str, path: str, headers: dict[str, str]) -> urllib3.BaseHTTPResponse:
        def send() -> urllib3.BaseHTTPResponse:
            return _POOL.request(
                method,
                self.base + path,
                headers=headers,
                timeout=urllib3.Timeout(connect=self._timeout, read=self._timeout),
                retries=False,
                redirect=False,
            )

        try:
            return send()
        except ProtocolError:  # the server closed a pooled connection: no answer was lost, send once more
            return send()

    def _fetch_token(self) -> str | None:
        """The session token, or None to go on with IMDSv1."""
        problem = ""
        for _ in range(self._attempts):
            try:
                response = self._send("PUT", "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": TOKEN_TTL})
            except ReadTimeoutError:
                return None
            except HTTPError as exc:
                problem = _network_problem(exc, self._timeout)
                continue
            if response.status == 200 and response.data.strip():
                return response.data.decode("utf-8", "replace").strip()
            if response.status in (403, 404, 405):
                return None
            if response.status == 400:
                raise CredentialsError(f"IMDS at {self.base} refused the token request: 400 Bad Request")
            problem = f"answered {response.status}"
        if problem.startswith("answered"):
            return None  # as botocore: a server error on the token request leaves IMDSv1 to try
        raise CredentialsError(f"could not reach IMDS at {self.base}: {problem}")

    def get(self, path: str) -> str:
        """The body of a GET of `path` (a path from the root, e.g. /latest/meta-data/instance-id)."""
        headers = {"X-aws-ec2-metadata-token": self.token} if self.token else {}
        problem = ""
        for _ in range(self._attempts):
            try:
                response = self._send("GET", path, headers)
            except HTTPError as exc:
                problem = _network_problem(exc, self._timeout)
                continue
            if response.status == 200 and response.data:
                return response.data.decode("utf-8", "replace")
            problem = _status_problem(response.status, bool(self.token))
            if response.status == 404:
                raise _NotFound(f"IMDS at {self.base}: GET {path} failed: {problem}")
        raise CredentialsError(f"IMDS at {self.base}: GET {path} failed: {problem}")


def _checked_endpoint(url: str) -> str:
    problem = f"the IMDS endpoint {url!r} is not an http(s) URL (AWS_EC2_METADATA_SERVICE_ENDPOINT)"
    try:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CredentialsError(problem)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        raise CredentialsError(problem) from None
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _network_problem(exc: HTTPError, seconds: float) -> str:
    if isinstance(exc, NewConnectionError):
        return "connection refused or unreachable"
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return f"no answer within {seconds:g} s"
    return f"{type(exc).__name__}: {exc}"


def _status_problem(status: int, with_token: bool) -> str:
    if status == 200:
        return "empty answer"
    if status == 401 and not with_token:
        return "401 Unauthorized (the instance requires IMDSv2 tokens)"
    if status == 401:
        return "401 Unauthorized (the session token was refused)"
    if status == 404:
        return "404 Not Found"
    return f"answered {status}"


def read_metadata(path: str) -> str:
    """One metadata value or listing, e.g. `read_metadata("meta-data/placement/region")` (relative to /latest/)."""
    return _Reader().get(_latest(path))


def instance_identity() -> dict[str, Any]:
    """The instance identity document (account, region, instance id, ...)."""
    text = read_metadata("dynamic/instance-identity/document")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise CredentialsError("IMDS answered an instance identity document that is not JSON") from None
    if not isinstance(document, dict):
        raise CredentialsError("IMDS answered an instance identity document that is not a JSON object")
    return document


def _latest(path: str) -> str:
    return path if path.startswith("/") else "/latest/" + path


# --- role credentials ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleCredentials:
    """One set of role credentials from IMDS. The repr hides the secret and the token."""

    role_name: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    token: str = field(repr=False)
    expiration: float  # epoch seconds


def parse_role_credentials(text: str, *, role_name: str, source: str) -> RoleCredentials:
    """Check IMDS's credentials document; errors name `source` and the problem, never a value."""
    where = f"IMDS at {source} (role {role_name})"
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise CredentialsError(f"{where} answered something that is not JSON ({len(text)} characters)") from None
    if not isinstance(document, dict):
        raise CredentialsError(f"{where} answered JSON that is not an object")
    code = document.get("Code")
    if code != "Success":
        detail = document.get("Message")
        shown = f": {detail}" if isinstance(detail, str) else ""
        raise CredentialsError(f"{where} answered Code {code!r} instead of 'Success'{shown}")
    fields = ("AccessKeyId", "SecretAccessKey", "Token", "Expiration")
    missing = [name for name in fields if not isinstance(document.get(name), str) or not document[name]]
    if missing:
        raise CredentialsError(f"{where} answered credentials without {', '.join(missing)}")
    return RoleCredentials(
        role_name,
        document["AccessKeyId"],
        document["SecretAccessKey"],
        document["Token"],
        _parse_time(document["Expiration"], where),
    )


def _parse_time(text: str, where: str) -> float:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CredentialsError(f"{where} answered an Expiration that is not a time: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def fetch_role_credentials(role_name: str | None = None) -> RoleCredentials:
    """The role's current credentials (the role attached to the instance when `role_name` is None)."""
    reader = _Reader()
    try:
        listing = reader.get(CREDENTIALS_PATH).strip().splitlines() if role_name is None else [role_name]
        if not listing or not listing[0].strip():
            raise _NotFound("empty role listing")
    except _NotFound:
        raise CredentialsError(
            f"IMDS at {reader.base} lists no IAM role: no instance profile is attached to this instance"
        ) from None
    role_name = listing[0].strip()
    try:
        text = reader.get(CREDENTIALS_PATH + role_name)
    except _NotFound:
        raise CredentialsError(f"IMDS at {reader.base} has no credentials for role {role_name!r}") from None
    creds = parse_role_credentials(text, role_name=role_name, source=reader.base)
    if creds.expiration <= time.time():
        raise CredentialsError(
            f"IMDS at {reader.base} handed out credentials for role {role_name} (access key {creds.access_key_id}) "
            f"that expired at {_stamp(creds.expiration)}"
        )
    return creds


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
