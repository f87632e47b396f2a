"""awsclient: a small, real AWS client core — credentials, the SigV4 signer, AWS errors, a pooled transport."""

from awsclient import credentials, sigv4
from awsclient.credentials import Credentials, CredentialsError
from awsclient.params import Parameter, parameterize

__all__ = ["Credentials", "CredentialsError", "Parameter", "credentials", "parameterize", "sigv4"]
