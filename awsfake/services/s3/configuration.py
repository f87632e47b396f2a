"""A bucket's stored configurations (policy, CORS, lifecycle, default encryption, ownership controls, public access
block, website, tags): one table row each, one way to put, get and delete them.

Each is kept as the document the client sent, re-written in S3's namespace, and returned as AWS returns it; a
configuration never set is AWS's `NoSuch...` error, or AWS's default for buckets created since 2023 (SSE-S3
encryption, `BucketOwnerEnforced`, every public access block on). Deleting the encryption restores SSE-S3, as on
AWS; deleting the other defaults leaves nothing, so `Get` answers the `NoSuch...` error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from awsfake.errors import Fault, malformed_xml
from awsfake.services.s3.bodies import parse_tagging, parse_xml_body

__all__ = [
    "ACTIONS",
    "NAMESPACE",
    "SETTINGS",
    "Setting",
    "canonical",
    "is_public_policy",
    "missing",
    "ownership_document",
]

NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"


@dataclass(frozen=True)
class Setting:
    """One configuration: its subresource, operation stem, XML root (None: a JSON document), AWS's error when
    absent, the default a new bucket has, and whether deleting restores that default."""

    subresource: str
    operation: str  # GetBucketCors: "BucketCors"
    root: str | None
    missing_code: str
    missing_message: str
    default: bytes | None = None
    delete_restores_default: bool = False
    put_status: int = 200


def _doc(root: str, inner: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NAMESPACE}">{inner}</{root}>'.encode()


_SSE_S3 = _doc(
    "ServerSideEncryptionConfiguration",
    "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
    "<BucketKeyEnabled>false</BucketKeyEnabled></Rule>",
)


def ownership_document(ownership: str) -> bytes:
    return _doc("OwnershipControls", f"<Rule><ObjectOwnership>{ownership}</ObjectOwnership></Rule>")


_ALL_BLOCKED = _doc(
    "PublicAccessBlockConfiguration",
    "".join(
        f"<{name}>true</{name}>"
        for name in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    ),
)

SETTINGS = {
    setting.subresource: setting
    for setting in (
        Setting(
            "policy", "BucketPolicy", None, "NoSuchBucketPolicy", "The bucket policy does not exist", put_status=204
        ),
        Setting(
            "cors",
            "BucketCors",
            "CORSConfiguration",
            "NoSuchCORSConfiguration",
            "The CORS configuration does not exist",
        ),
        Setting(
            "lifecycle",
            "BucketLifecycleConfiguration",
            "LifecycleConfiguration",
            "NoSuchLifecycleConfiguration",
            "The lifecycle configuration does not exist",
        ),
        Setting(
            "encryption",
            "BucketEncryption",
            "ServerSideEncryptionConfiguration",
            "ServerSideEncryptionConfigurationNotFoundError",
            "The server side encryption configuration was not found",
            default=_SSE_S3,
            delete_restores_default=True,
        ),
        Setting(
            "ownershipControls",
            "BucketOwnershipControls",
            "OwnershipControls",
            "OwnershipControlsNotFoundError",
            "The bucket ownership controls were not found",
            default=ownership_document("BucketOwnerEnforced"),
        ),
        Setting(
            "publicAccessBlock",
            "PublicAccessBlock",
            "PublicAccessBlockConfiguration",
            "NoSuchPublicAccessBlockConfiguration",
            "The public access block configuration was not found",
            default=_ALL_BLOCKED,
        ),
        Setting(
            "website",
            "BucketWebsite",
            "WebsiteConfiguration",
            "NoSuchWebsiteConfiguration",
            "The specified bucket does not have a website configuration",
        ),
        Setting("tagging", "BucketTagging", "Tagging", "NoSuchTagSet", "The TagSet does not exist", put_status=204),
    )
}

# action -> (setting, verb): GetBucketCors -> (cors, "Get"); the older PutBucketLifecycle names the same thing
ACTIONS: Mapping[str, tuple[Setting, str]] = {
    f"{verb}{setting.operation}": (setting, verb) for setting in SETTINGS.values() for verb in ("Get", "Put", "Delete")
}


def missing(setting: Setting, bucket: str) -> Fault:
    return Fault(setting.missing_code, setting.missing_message, 404, extras={"BucketName": bucket})


def canonical(setting: Setting, body: bytes) -> bytes:
    """The document to keep for a Put: checked as AWS checks it, XML re-written in S3's namespace."""
    if setting.root is None:
        return _policy(body)
    if setting.subresource == "tagging":
        parse_tagging(body)  # duplicate keys are InvalidTag
    root = parse_xml_body(body) if body.strip() else None
    if root is None or etree.QName(root).localname != setting.root:
        raise malformed_xml()
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = f"{{{NAMESPACE}}}{etree.QName(element).localname}"
    etree.cleanup_namespaces(root, top_nsmap={None: NAMESPACE})  # type: ignore[dict-item]
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + bytes(etree.tostring(root, encoding="utf-8"))


def _policy(body: bytes) -> bytes:
    """A bucket policy is a JSON object; AWS refuses anything else as MalformedPolicy."""
    try:
        policy = json.loads(body)
    except (ValueError, RecursionError):
        policy = None
    if not isinstance(policy, dict):
        raise Fault("MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'")
    if not isinstance(policy.get("Statement"), (list, dict)):
        raise Fault("MalformedPolicy", "Missing required field Statement")
    return body


# Condition keys that narrow a policy's principals or sources to known ones (AWS's "The meaning of public": a
# statement so conditioned is not public); lower case, as IAM compares them.
_NARROWING_KEYS = frozenset(
    {
        *("aws:sourceip", "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceaccount"),
        *("aws:sourceowner", "aws:principalorgid", "aws:principalaccount", "aws:principalarn", "aws:userid"),
        *("aws:principalorgpaths", "aws:principalserviceowner", "s3:dataaccesspointarn", "s3:dataaccesspointaccount"),
    }
)


def is_public_policy(document: bytes) -> bool:
    """Whether a bucket policy (already checked by `_policy`) is public: a statement that allows everyone
    (Principal "*" or {"AWS": "*"}) with no condition narrowing it to known principals, accounts, networks or ARNs.
    (A wildcard inside a narrowing condition's value is not looked into.)"""
    statements = json.loads(document)["Statement"]
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        if _everyone(statement.get("Principal")) and not _narrowed(statement.get("Condition")):
            return True
    return False


def _everyone(principal: object) -> bool:
    if isinstance(principal, dict):
        principal = principal.get("AWS")
    return principal == "*" or (isinstance(principal, list) and "*" in principal)


def _narrowed(condition: object) -> bool:
    if not isinstance(condition, dict):
        return False
    keys = (key for operator in condition.values() if isinstance(operator, dict) for key in operator)
    return any(isinstance(key, str) and key.lower() in _NARROWING_KEYS for key in keys)
