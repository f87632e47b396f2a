"""Credentials: the three parameters, one atomic snapshot of them for signing, and where they come from.

- `snapshot`: `public_key`, `private_key`, `security_token`, `set_credentials` and the `Credentials` snapshot;
- `environment`, `files`, `ec2`: the loaders (environment variables, the AWS CLI's files, EC2 instance metadata);
- `chain`: `current_credentials()`, which falls back on the default chain (those loaders, in botocore's order)
  when no keys are set;
- `deprecated`: older names, kept working.

The names load on first use, each with the module that defines it: the fake's verifier needs `Credentials` (a value
type), not the loaders, and the EC2 loader brings the transport and urllib3.
"""

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
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

_HOMES = {
    "Credentials": "snapshot",
    "Refresher": "snapshot",
    "private_key": "snapshot",
    "public_key": "snapshot",
    "security_token": "snapshot",
    "set_credentials": "snapshot",
    "DEFAULT_CHAIN": "chain",
    "credentials_from_default_chain": "chain",
    "current_credentials": "chain",
    "reset_credentials": "chain",
    "ensure_have_keys": "deprecated",
    "read_keys": "deprecated",
    "read_keys_aws_cli": "deprecated",
    "use_iam_ec2_credentials": "deprecated",
    "InstanceCredentials": "ec2",
    "credentials_from_ec2_instance": "ec2",
    "credentials_from_environment": "environment",
    "aws_cli_config": "files",
    "aws_cli_credentials": "files",
    "aws_cli_profile": "files",
    "credentials_from_file": "files",
    "credentials_from_profile_files": "files",
}
_SUBMODULES = {"chain", "deprecated", "ec2", "environment", "files", "snapshot"}


def __getattr__(name: str) -> _typing.Any:
    if name in _SUBMODULES:
        value = _importlib.import_module(f"awsclient.credentials.{name}")
    elif name == "CredentialsError":
        value = _importlib.import_module("awsclient.errors").CredentialsError
    elif name in _HOMES:
        value = getattr(_importlib.import_module(f"awsclient.credentials.{_HOMES[name]}"), name)
    else:
        raise AttributeError(f"module 'awsclient.credentials' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
