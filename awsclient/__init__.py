"""awsclient: a small, real AWS client core — credentials, the SigV4 signer, AWS errors, a pooled transport.

The public names load on first use, so that a program needing only the signer (the fake's verifier, say) does not
pay for the transport and urllib3.
"""

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from awsclient import credentials, sigv4
    from awsclient.credentials import Credentials, CredentialsError
    from awsclient.errors import AwsError
    from awsclient.params import Parameter, parameterize
    from awsclient.transport import TransportError, current_pool_timeout, max_attempts, request

__all__ = [
    "AwsError",
    "Credentials",
    "CredentialsError",
    "Parameter",
    "TransportError",
    "credentials",
    "current_pool_timeout",
    "max_attempts",
    "parameterize",
    "request",
    "sigv4",
]

_HOMES = {
    "AwsError": "awsclient.errors",
    "Credentials": "awsclient.credentials",
    "CredentialsError": "awsclient.credentials",
    "Parameter": "awsclient.params",
    "TransportError": "awsclient.transport",
    "current_pool_timeout": "awsclient.transport",
    "max_attempts": "awsclient.transport",
    "parameterize": "awsclient.params",
    "request": "awsclient.transport",
}
_SUBMODULES = {"credentials", "sigv4"}


def __getattr__(name: str) -> _typing.Any:
    if name in _SUBMODULES:
        value = _importlib.import_module(f"awsclient.{name}")
    elif name in _HOMES:
        value = getattr(_importlib.import_module(_HOMES[name]), name)
    else:
        raise AttributeError(f"module 'awsclient' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
