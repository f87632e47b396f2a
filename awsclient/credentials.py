"""Credentials: the three parameters, one atomic snapshot of them for signing, and the loaders that fill them.

`public_key`, `private_key` and `security_token` share one lock: `set_credentials` writes all three under it and
`current_credentials` reads all three under it, so a signer never pairs a key id from one set with a secret from
another, however many threads update them.

A *refresher* (installed by `credentials_from_ec2_instance`) is asked to make the credentials fresh before each
snapshot; any other way of setting credentials removes it.

Loaders (`credentials_from_file`, `credentials_from_environment`) read everything and check it before setting
anything, so a failed load leaves the credentials as they were. Their errors name the file, profile, key or
variable at fault, never a secret: configparser's own messages quote the offending line, so they are not passed on.
"""

from __future__ import annotations

import configparser
import logging
import os
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from awsclient.params import Parameter, _overrides, optional_str_param, str_param

__all__ = [
    "Credentials",
    "CredentialsError",
    "aws_cli_credentials",
    "aws_cli_profile",
    "credentials_from_ec2_instance",
    "credentials_from_environment",
    "credentials_from_file",
    "current_credentials",
    "ensure_have_keys",
    "private_key",
    "public_key",
    "read_keys",
    "read_keys_aws_cli",
    "reset_credentials",
    "security_token",
    "set_credentials",
    "use_iam_ec2_credentials",
]

log = logging.getLogger(__name__)

_lock = threading.RLock()

public_key: Parameter[str] = Parameter("public_key", "", validate=str_param, lock=_lock)
private_key: Parameter[str] = Parameter("private_key", "", validate=str_param, secret=True, lock=_lock)
security_token: Parameter[str | None] = Parameter(
    "security_token", None, validate=optional_str_param, secret=True, lock=_lock
)


class CredentialsError(ValueError):
    """Credentials could not be loaded or used. The message names the source, never a secret."""


@dataclass(frozen=True)
class Credentials:
    """One consistent set of credentials. The repr hides the secret and the token."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)


class Refresher(Protocol):
    def ensure_fresh(self) -> None:
        """Make the credential parameters fresh, or raise CredentialsError if they are unusable."""


_refresher: Refresher | None = None


def set_credentials(
    access_key_id: str,
    secret_access_key: str,
    session_token: str | None = None,
    *,
    refresher: Refresher | None = None,
) -> None:
    """Set the three parameters together (validated first, so a bad value changes nothing)."""
    global _refresher
    checked = (
        public_key.validated(access_key_id),
        private_key.validated(secret_access_key),
        security_token.validated(session_token),
    )
    with _lock:
        public_key.set(checked[0])
        private_key.set(checked[1])
        security_token.set(checked[2])
        _refresher = refresher


def current_credentials() -> Credentials:
    """The snapshot a signer uses. Refreshes first when a refresher is installed and not overridden here."""
    refresher = _refresher
    if refresher is not None and not _credentials_overridden():
        refresher.ensure_fresh()
    with _lock:
        return Credentials(public_key(), private_key(), security_token())


def _credentials_overridden() -> bool:
    overrides = _overrides.get()
    return any(param in overrides for param in (public_key, private_key, security_token))


def reset_credentials() -> None:
    """No credentials and no refresher: the state of a fresh process."""
    global _refresher
    with _lock:
        for param in (public_key, private_key, security_token):
            param.reset()
        _refresher = None


def credentials_from_ec2_instance(role_name: str | None = None) -> Refresher:
    """Load the EC2 instance role's credentials from IMDS and keep them fresh (see `awsclient.imds`)."""
    from awsclient.imds import credentials_from_ec2_instance as load  # lazy: awsclient.imds imports this module

    return load(role_name)


def _default_credentials_file() -> str:
    return os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"


def _default_profile() -> str:
    """`AWS_PROFILE` wins over `AWS_DEFAULT_PROFILE`, as in botocore and the AWS CLI."""
    return os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE") or "default"


aws_cli_credentials: Parameter[str] = Parameter(
    "aws_cli_credentials", default_factory=_default_credentials_file, validate=str_param
)
aws_cli_profile: Parameter[str] = Parameter("aws_cli_profile", default_factory=_default_profile, validate=str_param)

_ACCESS_KEY, _SECRET_KEY, _TOKEN = "aws_access_key_id", "aws_secret_access_key", "aws_session_token"


def credentials_from_file(path: str | os.PathLike[str] | None = None, profile: str | None = None) -> Credentials:
    """Load the key pair (and session token, if any) of one profile of an AWS CLI credentials file.

    `path` and `profile` default to the `aws_cli_credentials` and `aws_cli_profile` parameters. A profile
    without `aws_session_token` clears any token set before. Returns the credentials now in force.
    """
    where = Path(os.fspath(path if path is not None else aws_cli_credentials())).expanduser()
    name = profile if profile is not None else aws_cli_profile()
    section = _read_profile(where, name)
    key, secret = (_required(section, option, name, where) for option in (_ACCESS_KEY, _SECRET_KEY))
    token = section.get(_TOKEN, "").strip() or None
    set_credentials(key, secret, token)
    log.debug("AWS credentials for %s loaded from profile %r of %s", key, name, where)
    return Credentials(key, secret, token)


def _read_profile(where: Path, name: str) -> configparser.SectionProxy:
    parser = configparser.RawConfigParser(default_section="\0no-defaults")
    try:
        with where.open(encoding="utf-8-sig") as f:  # a BOM (Windows editors) is not part of the text
            parser.read_file(f)
    except FileNotFoundError:
        raise CredentialsError(f"no AWS credentials file at {where}") from None
    except OSError as exc:
        raise CredentialsError(f"cannot read AWS credentials file {where}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CredentialsError(f"AWS credentials file {where} is not UTF-8 text") from None
    except configparser.Error as exc:
        raise CredentialsError(f"AWS credentials file {where} is malformed: {_describe(exc)}") from None
    if not parser.has_section(name):
        present = ", ".join(repr(p) for p in parser.sections()) or "none"
        raise CredentialsError(f"no profile {name!r} in AWS credentials file {where} (profiles present: {present})")
    return parser[name]


def _describe(exc: configparser.Error) -> str:
    """Where a configparser error is, without the line's text (which may hold a secret)."""
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"line {exc.lineno} comes before any [profile] header"
    if isinstance(exc, configparser.ParsingError):
        return "cannot parse line " + ", ".join(str(lineno) for lineno, _ in exc.errors)
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"profile {exc.section!r} appears twice (line {exc.lineno})"
    if isinstance(exc, configparser.DuplicateOptionError):
        return f"{exc.option!r} appears twice in profile {exc.section!r} (line {exc.lineno})"
    return type(exc).__name__


def _required(section: configparser.SectionProxy, option: str, profile: str, where: Path) -> str:
    value = section.get(option, "").strip()
    if not value:
        state = "is empty" if option in section else "is missing"
        raise CredentialsError(f"{option} {state} in profile {profile!r} of AWS credentials file {where}")
    return value


def credentials_from_environment() -> Credentials:
    """Load AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (both or nothing) and AWS_SESSION_TOKEN if set.

    Empty variables count as unset; without a session token any token set before is cleared. Like botocore,
    the legacy AWS_SECURITY_TOKEN is read when AWS_SESSION_TOKEN is not set. Returns the credentials now in force.
    """
    key = os.environ.get("AWS_ACCESS_KEY_ID", "")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
    missing = [name for name, value in (("AWS_ACCESS_KEY_ID", key), ("AWS_SECRET_ACCESS_KEY", secret)) if not value]
    if missing:
        raise CredentialsError(f"environment variable {' and '.join(missing)} not set (or empty)")
    token = os.environ.get("AWS_SESSION_TOKEN") or os.environ.get("AWS_SECURITY_TOKEN") or None
    set_credentials(key, secret, token)
    log.debug("AWS credentials for %s loaded from the environment", key)
    return Credentials(key, secret, token)


def _deprecated(name: str, replacement: str) -> None:
    warnings.warn(f"{name} is deprecated; use {replacement} instead", DeprecationWarning, stacklevel=3)


def read_keys(path: str | os.PathLike[str] = "~/.aws-keys") -> None:
    """Deprecated: load `AWSAccessKeyId=...` and `AWSSecretKey=...` lines (the old keys file format)."""
    _deprecated("read_keys", "awsclient.credentials.credentials_from_file")
    _read_keys(path)


def _read_keys(path: str | os.PathLike[str]) -> None:
    where = Path(os.fspath(path)).expanduser()
    try:
        lines = where.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise CredentialsError(f"no AWS keys file at {where}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"cannot read AWS keys file {where}: {type(exc).__name__}") from None
    found = dict(line.strip().partition("=")[::2] for line in lines if "=" in line)
    values = {name: found.get(name, "").strip() for name in ("AWSAccessKeyId", "AWSSecretKey")}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise CredentialsError(f"{' and '.join(missing)} missing from AWS keys file {where}")
    set_credentials(values["AWSAccessKeyId"], values["AWSSecretKey"], None)


def ensure_have_keys() -> None:
    """Deprecated: when either key is blank, load them from ~/.aws-keys, else from the AWS CLI credentials file."""
    _deprecated("ensure_have_keys", "awsclient.credentials.credentials_from_file or credentials_from_environment")
    if public_key() and private_key():
        return
    reasons = []
    for load in (lambda: _read_keys("~/.aws-keys"), credentials_from_file):
        try:
            load()
            return
        except CredentialsError as exc:
            reasons.append(str(exc))
    raise CredentialsError("no AWS keys set and none could be loaded: " + "; ".join(reasons))


def read_keys_aws_cli() -> Credentials:
    """Deprecated alias of `credentials_from_file()`."""
    _deprecated("read_keys_aws_cli", "awsclient.credentials.credentials_from_file")
    return credentials_from_file()


def use_iam_ec2_credentials(role: str | None = None) -> Refresher:
    """Deprecated alias of `credentials_from_ec2_instance(role)`."""
    _deprecated("use_iam_ec2_credentials", "awsclient.credentials.credentials_from_ec2_instance")
    return credentials_from_ec2_instance(role)
