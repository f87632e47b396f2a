"""Verifying SigV4 as AWS does: what was presented (`presented`, `post_policy`), the checks in AWS's order
(`checks`), and the payload (`payload`, `chunked`). Each failure is the service's family's own denial.

Canonicalisation is `awsclient.sigv4`'s, the signer's own: one source of truth.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from awsfake.accounts import Accounts, Identity
from awsfake.auth import checks, payload, post_policy, sigv2
from awsfake.auth.checks import MAX_SKEW_SECONDS
from awsfake.auth.presented import (
    Credential,
    Presented,
    Verified,
    credential_text,
    from_header,
    from_prefix,
    from_query,
    guess_info,
    has_query_auth,
)
from awsfake.catalog import ServiceInfo
from awsfake.request import Request

if TYPE_CHECKING:
    from awsfake.store.blobs import Blobs

__all__ = ["ANONYMOUS", "MAX_SKEW_SECONDS", "Verified", "guess_info", "presented_scope", "verify"]


# Who an unsigned request that a service takes unsigned (S3's CORS preflight) comes from: no one.
ANONYMOUS = Identity("", "", account_id="", arn="anonymous")


def verify(request: Request, accounts: Accounts, blobs: Blobs | None = None, sigv2_allowed: bool = False) -> Verified:
    """Check the request's signature; raise the family's `Fault` (naming its service) on any failure. SigV2 is
    verified for a service that takes it (S3) when the endpoint allows it, else refused as AWS refuses it.

    An aws-chunked payload is decoded into a new body (spooled to `blobs` above the threshold).
    """
    named = request.named_service  # the guess `body_limit` made and kept, else made now
    info = named if isinstance(named, ServiceInfo) else guess_info(request)
    if sigv2_allowed and info.signing.sigv2 and sigv2.presented(request):
        return Verified(sigv2.verify(request, accounts), info, "", request.body)  # SigV2 names no region
    authorization = request.index.get("authorization")
    if authorization is not None:
        prefix = request.signed_prefix  # an SDK's header: read as `from_header` reads it first, one call less
        if prefix is not None and prefix.scope is not None:
            presented = from_prefix(request, prefix, prefix.scope, authorization)
        else:
            presented = from_header(request, authorization, info)
    elif presented_query := _query_source(request, info):
        presented = presented_query
    elif request.method in info.signing.unsigned_methods:
        return Verified(ANONYMOUS, info, "", request.body)  # a browser's CORS preflight carries no signature
    else:
        return _verify_form(request, accounts)
    identity = checks.check_presented(request, presented, accounts)
    verified: Verified = presented  # a `Presented` becomes the `Verified` (see there) once its checks pass
    if presented.info.signing.payload_header:  # S3: the payload hash is a header's, and the body checked against it
        declared = payload.payload_hash(request, presented)
        checks.check_signature(request, presented, identity, declared)
        verified.body = payload.payload(request, presented, identity, declared, blobs)
    else:  # the payload signed is the body as read (a client may still declare its hash)
        declared = request.index.get("x-amz-content-sha256") or request.body.sha256
        checks.check_signature(request, presented, identity, declared)
        verified.body = request.body
    verified.identity = identity
    return verified


def _query_source(request: Request, info: ServiceInfo) -> Presented | None:
    if has_query_auth(request.raw_query):
        return from_query(request, info)
    if "AWSAccessKeyId=" in request.raw_query and "Signature=" in request.raw_query:
        raise info.family.unsupported_algorithm(info, "AWS")  # a Signature Version 2 presigned URL
    return None


def _verify_form(request: Request, accounts: Accounts) -> Verified:
    """A browser POST upload to a service that takes one (S3): the signed policy in the form authenticates it."""
    info = guess_info(request)
    if not (info.signing.post_form and post_policy.is_form_request(request)):
        raise info.family.deny(info, "missing")
    bucket = post_policy.post_bucket(request.host, request.path())
    upload = post_policy.parse_upload(bucket, request.header("content-type") or "", request.body.read())
    presented = post_policy.presented(upload, info)
    identity = checks.check_identity(presented, accounts)
    checks.check_signature(request, presented, identity, "")
    post_policy.check_policy(upload)
    return Verified(identity, info, presented.region, request.body)


def presented_scope(request: Request, endpoint_region: str) -> tuple[str, str]:
    """The access key id and region a refused request named (key ids are not secret), for the journal."""
    if sigv2.presented(request):
        return sigv2.key_id(request), ""
    text = credential_text(request)
    if text is not None:
        credential = Credential.parse(text)
        return (credential.access_key_id, credential.region) if len(credential.parts) > 1 else ("", "")
    if post_policy.is_form_request(request):
        try:
            upload = post_policy.parse_upload("", request.header("content-type") or "", request.body.read())
        except Exception:  # an unreadable form names no key
            return "", endpoint_region
        return Credential.parse(upload.fields.get("x-amz-credential", "")).access_key_id, endpoint_region
    return "", ""
