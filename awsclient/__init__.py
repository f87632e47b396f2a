"""awsclient: a small, real AWS client core — credentials, the SigV4 signer, AWS errors, a pooled transport."""

from awsclient.params import Parameter, parameterize

__all__ = ["Parameter", "parameterize"]
