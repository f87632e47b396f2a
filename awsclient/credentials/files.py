"""Credentials from the AWS CLI's files: the credentials file and the config file, one profile of each.

Loaders read everything and check it before setting anything, so a failed load leaves the credentials as they were.
Errors name the file, profile or key at fault, never a secret: configparser's own messages quote the offending line,
so they are not passed on.
"""

from __future__ import annotations

import configparser
import logging
import os
from pathlib import Path

from awsclient.credentials.snapshot import Credentials, set_credentials
from awsclient.errors import CredentialsError
from awsclient.params import Parameter, str_param

__all__ = [
    "aws_cli_config",
    "aws_cli_credentials",
    "aws_cli_profile",
    "credentials_from_file",
    "credentials_from_profile_files",
]

log = logging.getLogger("awsclient.credentials")


def _default_credentials_file() -> str:
    return os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"


def _default_config_file() -> str:
    return os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"


def _default_profile() -> str:
    """`AWS_PROFILE` wins over `AWS_DEFAULT_PROFILE`, as in botocore and the AWS CLI."""
    return os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE") or "default"


aws_cli_credentials: Parameter[str] = Parameter(
    "aws_cli_credentials", default_factory=_default_credentials_file, validate=str_param
)
aws_cli_config: Parameter[str] = Parameter("aws_cli_config", default_factory=_default_config_file, validate=str_param)
aws_cli_profile: Parameter[str] = Parameter("aws_cli_profile", default_factory=_default_profile, validate=str_param)

_ACCESS_KEY, _SECRET_KEY, _TOKEN = "aws_access_key_id", "aws_secret_access_key", "aws_session_token"
_CREDENTIALS_FILE, _CONFIG_FILE = "AWS credentials file", "AWS config file"


def credentials_from_file(path: str | os.PathLike[str] | None = None, profile: str | None = None) -> Credentials:
    """Load the key pair (and session token, if any) of one profile of an AWS CLI credentials file.

    `path` and `profile` default to the `aws_cli_credentials` and `aws_cli_profile` parameters. A profile
    without `aws_session_token` clears any token set before. Returns the credentials now in force.
    """
    where = _path(path if path is not None else aws_cli_credentials())
    name = profile if profile is not None else aws_cli_profile()
    parser = _parse(where, _CREDENTIALS_FILE)
    if not parser.has_section(name):
        present = ", ".join(repr(p) for p in parser.sections()) or "none"
        raise CredentialsError(f"no profile {name!r} in AWS credentials file {where} (profiles present: {present})")
    creds = _keys(parser[name], name, where, _CREDENTIALS_FILE)
    return _install(creds, f"profile {name!r} of {where}")


def credentials_from_profile_files(profile: str | None = None) -> Credentials | None:
    """The profile's keys from the credentials file, else from the config file (`[profile NAME]`, `[default]`), as
    botocore looks for them; installed and returned, or None when neither file has keys for it.

    A file that is not there, or whose profile has no `aws_access_key_id`, is passed over. A file that cannot be
    read or parsed, a profile with a key id but no secret, or a profile other than `default` that neither file
    names (botocore's ProfileNotFound) raises CredentialsError.
    """
    name = profile if profile is not None else aws_cli_profile()
    files = [
        (_path(aws_cli_credentials()), _CREDENTIALS_FILE, name),
        (_path(aws_cli_config()), _CONFIG_FILE, name if name == "default" else f"profile {name}"),
    ]
    named = False
    for where, kind, section in files:
        parser = _parse(where, kind) if where.is_file() else None
        if parser is None or not parser.has_section(section):
            continue
        named = True
        if parser[section].get(_ACCESS_KEY, "").strip():
            return _install(_keys(parser[section], name, where, kind), f"profile {name!r} of {where}")
    if not named and name != "default":
        raise CredentialsError(f"profile {name!r} is in neither {files[0][0]} nor {files[1][0]}")
    return None


def _path(value: str | os.PathLike[str]) -> Path:
    return Path(os.fspath(value)).expanduser()


def _install(creds: Credentials, source: str) -> Credentials:
    set_credentials(creds.access_key_id, creds.secret_access_key, creds.session_token)
    log.debug("AWS credentials for %s loaded from %s", creds.access_key_id, source)
    return creds


def _parse(where: Path, kind: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(default_section="\0no-defaults")
    try:
        with where.open(encoding="utf-8-sig") as f:  # a BOM (Windows editors) is not part of the text
            parser.read_file(f)
    except FileNotFoundError:
        raise CredentialsError(f"no {kind} at {where}") from None
    except OSError as exc:
        raise CredentialsError(f"cannot read {kind} {where}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CredentialsError(f"{kind} {where} is not UTF-8 text") from None
    except configparser.Error as exc:
        raise CredentialsError(f"{kind} {where} is malformed: {_describe(exc)}") from None
    return parser


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


def _keys(section: configparser.SectionProxy, profile: str, where: Path, kind: str) -> Credentials:
    key, secret = (_required(section, option, profile, where, kind) for option in (_ACCESS_KEY, _SECRET_KEY))
    return Credentials(key, secret, section.get(_TOKEN, "").strip() or None)


def _required(section: configparser.SectionProxy, option: str, profile: str, where: Path, kind: str) -> str:
    value = section.get(option, "").strip()
    if not value:
        state = "is empty" if option in section else "is missing"
        raise CredentialsError(f"{option} {state} in profile {profile!r} of {kind} {where}")
    return value
