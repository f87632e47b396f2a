"""awsclient: a small, real AWS client core — credentials, the SigV4 signer, AWS errors, a pooled transport."""

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
