"""Credentials from the environment variables botocore and the AWS CLI read."""

from __future__ import annotations

import logging
import os

from awsclient.credentials.snapshot import Credentials, set_credentials
from awsclient.errors import CredentialsError

__all__ = ["KEY_VARIABLES", "credentials_from_environment"]

log = logging.getLogger("awsclient.credentials")

KEY_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")


def credentials_from_environment() -> Credentials:
    """Load AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (both or nothing) and AWS_SESSION_TOKEN if set.

    Empty variables count as unset; without a session token any token set before is cleared. Like botocore,
    the legacy AWS_SECURITY_TOKEN is read when AWS_SESSION_TOKEN is not set. Returns the credentials now in force.
    """
    key, secret = (os.environ.get(name, "") for name in KEY_VARIABLES)
    missing = [name for name in KEY_VARIABLES if not os.environ.get(name)]
    if missing:
        raise CredentialsError(f"environment variable {' and '.join(missing)} not set (or empty)")
    token = os.environ.get("AWS_SESSION_TOKEN") or os.environ.get("AWS_SECURITY_TOKEN") or None
    set_credentials(key, secret, token)
    log.debug("AWS credentials for %s loaded from the environment", key)
    return Credentials(key, secret, token)
