"""The Authorization header's quick reading (`request.signed_prefix`, for headers as the SDKs write them) against
the general ones it stands in for: the request's `Credential=` pattern and the verifier's field loop."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from awsfake.auth.presented import _auth_fields
from awsfake.catalog import CATALOG
from awsfake.request import _header_credential, signed_prefix

_PIECES = st.sampled_from(
    [
        "AWS4-HMAC-SHA256 ",
        "Credential=",
        "AKID/20150830/us-east-1/sts/aws4_request",
        ", SignedHeaders=",
        ",SignedHeaders=",
        "host;x-amz-date",
        ", Signature=",
        ", ",
        ",",
        " ",
        "  ",
        "\t",
        "\xa0",
        "\x85",
        "\u3000",
        "=",
        "0123abcdef",
    ]
)
_HEADERS = st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=10).map("".join)
AUTHORIZATIONS = st.one_of(_HEADERS, _HEADERS.map(lambda rest: "AWS4-HMAC-SHA256 Credential=" + rest))
_PARTS = st.lists(
    st.one_of(st.sampled_from(["AKID", "/", "20150830", "us-east-1", "sts", "aws4_request", "host", ";"]), _PIECES),
    max_size=8,
).map("".join)
# Headers shaped as the SDKs write them, each of the three values drawn from pieces (commas and spaces included)
SDK_SHAPED = st.tuples(_PARTS, _PARTS, _PARTS).map(
    lambda values: "AWS4-HMAC-SHA256 Credential={}, SignedHeaders={}, Signature={}".format(*values)
)


@settings(max_examples=2000, deadline=None, database=None)
@given(authorization=st.one_of(AUTHORIZATIONS, SDK_SHAPED))
def test_a_signed_prefix_reads_as_the_general_readings(authorization: str) -> None:
    """The cached prefix stands for exactly what the general readings find: the credential, its scope (only when
    well-formed) and the signed names; the signature after it is the header's own."""
    prefix = signed_prefix(authorization)
    if prefix is None:
        return
    algorithm, _, rest = authorization.strip().partition(" ")
    assert algorithm == "AWS4-HMAC-SHA256"
    fields = _auth_fields(rest, authorization, CATALOG["sts"])
    assert prefix.credential == fields["Credential"] == _header_credential(authorization)
    assert ";".join(prefix.signed_headers) == fields["SignedHeaders"]
    assert authorization[prefix.length :].strip() == fields["Signature"]
    parts = fields["Credential"].split("/")
    well_formed = len(parts) == 5 and all(parts) and parts[4] == "aws4_request"
    assert prefix.scope == (tuple(parts[:4]) if well_formed else None)


def test_the_quick_readings_take_what_sdks_send() -> None:
    """Not vacuous: an SDK's header is read by the quick reading, as the general ones read it."""
    authorization = (
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/sts/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=0123abcdef"
    )
    assert _auth_fields(authorization.partition(" ")[2], authorization, CATALOG["sts"]) == {
        "Credential": "AKID/20150830/us-east-1/sts/aws4_request",
        "SignedHeaders": "host;x-amz-date",
        "Signature": "0123abcdef",
    }
    prefix = signed_prefix(authorization)
    assert prefix is not None and prefix.scope == ("AKID", "20150830", "us-east-1", "sts")
    assert prefix.credential == _header_credential(authorization) == "AKID/20150830/us-east-1/sts/aws4_request"
    assert prefix.signed_headers == ("host", "x-amz-date") and authorization[prefix.length :] == "0123abcdef"
    assert signed_prefix(authorization.replace("0123", "4567")) is prefix  # one object per prefix
