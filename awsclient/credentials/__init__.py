"""Credentials: the three parameters, one atomic snapshot of them for signing, and where they come from.

- `snapshot`: `public_key`, `private_key`, `security_token`, `set_credentials` and the `Credentials` snapshot;
- `environment`, `files`, `ec2`: the loaders (environment variables, the AWS CLI's files, EC2 instance metadata);
- `chain`: `current_credentials()`, which falls back on the default chain (those loaders, in botocore's order)
  when no keys are set;
- `deprecated`: older names, kept working.
"""

from awsclient.credentials.chain import (
    DEFAULT_CHAIN,
    credentials_from_default_chain,
    current_credentials,
    reset_credentials,
)
from awsclient.credentials.deprecated import ensure_have_keys, read_keys, read_keys_aws_cli, use_iam_ec2_credentials
from awsclient.credentials.ec2 import InstanceCredentials, credentials_from_ec2_instance
from awsclient.credentials.environment import credentials_from_environment
from awsclient.credentials.files import (
    aws_cli_config,
    aws_cli_credentials,
    aws_cli_profile,
    credentials_from_file,
    credentials_from_profile_files,
)
from awsclient.credentials.snapshot import (
    Credentials,
    Refresher,
    private_key,
    public_key,
    security_token,
    set_credentials,
)
from awsclient.errors import CredentialsError

__all__ = [
    "DEFAULT_CHAIN",
    "Credentials",
    "CredentialsError",
    "InstanceCredentials",
    "Refresher",
    "aws_cli_config",
    "aws_cli_credentials",
    "aws_cli_profile",
    "credentials_from_default_chain",
    "credentials_from_ec2_instance",
    "credentials_from_environment",
    "credentials_from_file",
    "credentials_from_profile_files",
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
