"""Signature Version 4: canonical request, string to sign, signing key and signature, as pure functions.

The fake endpoint verifies with these very functions, so the client and the verifier cannot drift apart:
`canonical` holds the one canonicalisation (path, query, headers, the canonical request) and `dates` the one rule
for a request's signing date (`signing_date`); `sign` signs headers (`add_v4_auth_heads`) and `presign` URLs
(`presign_url`), both through them.
"""

from awsclient.sigv4.canonical import (
    UNSIGNED_HEADERS,
    HeaderValues,
    canonical_headers,
    canonical_path,
    canonical_query,
    canonical_request,
    named_header_values,
    parsed_canonical_request,
    signed_header_names,
    signed_header_values,
    split_query,
)
from awsclient.sigv4.dates import AMZ_DATE_FORMAT, amz_date, amz_date_now, parse_amz_date, signing_date
from awsclient.sigv4.presign import MAX_PRESIGN_EXPIRES, PRESIGN_PARAMETERS, presign_url
from awsclient.sigv4.sign import (
    ALGORITHM,
    EMPTY_SHA256,
    UNSIGNED_PAYLOAD,
    add_v4_auth_heads,
    credential_scope,
    host_header,
    scope_signature,
    signature,
    signing_key,
    string_to_sign,
)

__all__ = [
    "ALGORITHM",
    "AMZ_DATE_FORMAT",
    "EMPTY_SHA256",
    "MAX_PRESIGN_EXPIRES",
    "PRESIGN_PARAMETERS",
    "UNSIGNED_HEADERS",
    "UNSIGNED_PAYLOAD",
    "HeaderValues",
    "add_v4_auth_heads",
    "amz_date",
    "amz_date_now",
    "canonical_headers",
    "canonical_path",
    "canonical_query",
    "canonical_request",
    "credential_scope",
    "host_header",
    "named_header_values",
    "parse_amz_date",
    "parsed_canonical_request",
    "presign_url",
    "scope_signature",
    "signature",
    "signed_header_names",
    "signed_header_values",
    "signing_date",
    "signing_key",
    "split_query",
    "string_to_sign",
]
