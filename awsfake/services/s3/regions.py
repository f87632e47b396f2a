"""S3's regions as AWS has them: a bucket lives in the region it was created in, its name stays global, and a
request about it must be signed for that region.

The fake is one endpoint for every region (as if each client reached its own regional endpoint): what a request
was signed for is the region it was sent to. Signed for us-east-1 it is the global endpoint, which creates a
bucket in any region; signed for another region it creates buckets in that region only.
"""

from __future__ import annotations

from awsfake.errors import Fault
from awsfake.services import Call

__all__ = ["GLOBAL_REGION", "check_signed_for", "created_in", "location_of"]

GLOBAL_REGION = "us-east-1"
_LEGACY = {"EU": "eu-west-1"}  # the constraint older clients send for Ireland


def created_in(constraint: str, signed_region: str) -> str:
    """The region a CreateBucket with this LocationConstraint (empty: none) makes its bucket in, or AWS's refusal."""
    if constraint == GLOBAL_REGION:
        raise Fault(
            "InvalidLocationConstraint",
            "The specified location-constraint is not valid",
            extras={"LocationConstraint": constraint},
        )
    region = _LEGACY.get(constraint, constraint) or GLOBAL_REGION
    if signed_region != GLOBAL_REGION and region != signed_region:
        raise Fault(
            "IllegalLocationConstraintException",
            f"The {constraint or 'unspecified'} location constraint is incompatible for the region specific "
            "endpoint this request was sent to.",
        )
    return region


def location_of(region: str) -> str:
    """GetBucketLocation's answer: us-east-1 is reported as an empty constraint, as AWS does."""
    return "" if region == GLOBAL_REGION else region


def check_signed_for(call: Call, region: str) -> None:
    """A request about a bucket signed for another region is refused naming the bucket's region (in the body
    and in `x-amz-bucket-region`, which is all a HEAD answer shows), so SDKs re-sign and retry."""
    if not call.region or call.region == region:  # SigV2 names no region: any bucket answers it
        return
    presigned = "X-Amz-Credential" in call.query
    code, where = (
        ("AuthorizationQueryParametersError", "Error parsing the X-Amz-Credential parameter")
        if presigned
        else ("AuthorizationHeaderMalformed", "The authorization header is malformed")
    )
    raise Fault(
        code,
        f"{where}; the region '{call.region}' is wrong; expecting '{region}'",
        extras={"Region": region},
        headers={"x-amz-bucket-region": region},
    )
