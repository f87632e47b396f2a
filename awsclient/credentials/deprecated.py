"""Older names for loading credentials, kept working; each warns with its replacement."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from awsclient.credentials.ec2 import InstanceCredentials, credentials_from_ec2_instance
from awsclient.credentials.files import credentials_from_file
from awsclient.credentials.snapshot import Credentials, private_key, public_key, set_credentials
from awsclient.errors import CredentialsError

__all__ = ["ensure_have_keys", "read_keys", "read_keys_aws_cli", "use_iam_ec2_credentials"]


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


def use_iam_ec2_credentials(role: str | None = None) -> InstanceCredentials:
    """Deprecated alias of `credentials_from_ec2_instance(role)`."""
    _deprecated("use_iam_ec2_credentials", "awsclient.credentials.credentials_from_ec2_instance")
    return credentials_from_ec2_instance(role)
