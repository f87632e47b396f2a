"""The default credential chain, and the credentials a signer uses: the parameters, else what the chain finds.

When neither key is set, `current_credentials()` looks for credentials once, where botocore looks, in its order:

1. the environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`);
2. the AWS CLI's files: the profile `aws_cli_profile` (`AWS_PROFILE`, else `default`) in the credentials file
   (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`), else in the config file (`AWS_CONFIG_FILE`, else
   `~/.aws/config`);
3. EC2 instance metadata: the instance role's credentials, kept fresh from then on (unless
   `AWS_EC2_METADATA_DISABLED=true`).

The first source that has keys sets them, as its loader would. A source that is there but broken (one key variable
without the other, a malformed file, a named profile in neither file) stops the search with its error. When no
source has keys, the reasons are remembered: later snapshots raise them again without searching, until
`reset_credentials()` (or keys are set).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from awsclient.credentials.ec2 import credentials_from_ec2_instance
from awsclient.credentials.environment import KEY_VARIABLES, credentials_from_environment
from awsclient.credentials.files import (
    aws_cli_config,
    aws_cli_credentials,
    aws_cli_profile,
    credentials_from_profile_files,
)
from awsclient.credentials.snapshot import Credentials, clear_credentials, read_credentials
from awsclient.errors import CredentialsError
from awsclient.imds import disabled as metadata_disabled

__all__ = ["DEFAULT_CHAIN", "credentials_from_default_chain", "current_credentials", "reset_credentials"]


class _NotHere(Exception):
    """The source holds no credentials (the reason is the message)."""


def _environment() -> Credentials:
    if not any(os.environ.get(name) for name in KEY_VARIABLES):
        raise _NotHere(f"{' and '.join(KEY_VARIABLES)} not set")
    return credentials_from_environment()


def _profile_files() -> Credentials:
    found = credentials_from_profile_files()
    if found is None:
        raise _NotHere(f"no keys for profile {aws_cli_profile()!r} in {aws_cli_credentials()} or {aws_cli_config()}")
    return found


def _instance_metadata() -> Credentials:
    if metadata_disabled():
        raise _NotHere("disabled (AWS_EC2_METADATA_DISABLED=true)")
    try:
        credentials_from_ec2_instance()
    except CredentialsError as exc:
        raise _NotHere(str(exc)) from None
    return read_credentials()


DEFAULT_CHAIN: tuple[tuple[str, Callable[[], Credentials]], ...] = (
    ("environment", _environment),
    ("AWS CLI files", _profile_files),
    ("instance metadata", _instance_metadata),
)
"""The sources `current_credentials()` tries when no keys are set, in order."""


def credentials_from_default_chain() -> Credentials:
    """Load the credentials of the first source in `DEFAULT_CHAIN` that has them (CredentialsError if none has)."""
    reasons = []
    for name, load in DEFAULT_CHAIN:
        try:
            return load()
        except _NotHere as exc:
            reasons.append(f"{name}: {exc}")
    raise CredentialsError(
        "no AWS credentials: set public_key and private_key, or load them; none found by the default chain ("
        + "; ".join(reasons)
        + ")"
    )


_chain_lock = threading.Lock()
_chain_failure: str | None = None


def current_credentials() -> Credentials:
    """The snapshot a signer uses: the credential parameters, or when neither key is set, the default chain's."""
    creds = read_credentials()
    if creds.access_key_id or creds.secret_access_key:
        return creds
    return _from_chain_once()


def _from_chain_once() -> Credentials:
    global _chain_failure
    with _chain_lock:
        creds = read_credentials()
        if creds.access_key_id or creds.secret_access_key:
            return creds  # another thread's search found them meanwhile
        if _chain_failure is not None:
            raise CredentialsError(_chain_failure)
        try:
            return credentials_from_default_chain()
        except CredentialsError as exc:
            _chain_failure = str(exc)
            raise


def reset_credentials() -> None:
    """No credentials, no refresher, and the default chain not searched yet: the state of a fresh process."""
    global _chain_failure
    with _chain_lock:
        clear_credentials()
        _chain_failure = None
