"""The tree FakeIMDS serves at a moment: the instance's fixed values plus what changes at run time.

The role's credentials document is a callable in the tree, so credentials are minted only when someone reads them;
EC2's notices (a spot interruption, a rebalance recommendation) appear while they are posted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from awsfake.imds.instance import InstanceValues, Tree, identity_document, imds_json, lookup, metadata_tree, stamp
from awsfake.imds.role import RoleCredentials

__all__ = ["Events", "read"]


@dataclass
class Events:
    """Notices EC2 posts to a running instance: a spot interruption (action, when) and a rebalance recommendation."""

    spot_action: tuple[str, float] | None = None
    rebalance_notice: float | None = None


def read(
    path: str,
    instance: InstanceValues,
    role_name: str | None,
    credentials: Callable[[], RoleCredentials],
    events: Events,
) -> str | None:
    """The body for a GET of `path` (a value or a listing), or None when there is nothing there."""
    if path in ("/", ""):
        return "latest"
    if path != "/latest" and not path.startswith("/latest/"):
        return None
    tree = _tree(instance, role_name, credentials, events)
    if path in ("/latest", "/latest/"):
        return "\n".join(tree)  # the top level lists its categories without trailing slashes, as IMDS does
    return lookup(tree, path.removeprefix("/latest"))


def _tree(
    inst: InstanceValues, role_name: str | None, credentials: Callable[[], RoleCredentials], events: Events
) -> Tree:
    meta = metadata_tree(inst)
    if role_name is not None:
        meta["iam"] = {
            "info": lambda: _iam_info(inst, role_name, credentials()),
            "security-credentials": {role_name: lambda: _credentials_document(credentials())},
        }
    if events.spot_action is not None:
        action, at = events.spot_action
        meta["spot"] = {
            "instance-action": imds_json({"action": action, "time": stamp(at)}),
            "termination-time": stamp(at),
        }
    if events.rebalance_notice is not None:
        meta["events"] = {"recommendations": {"rebalance": imds_json({"noticeTime": stamp(events.rebalance_notice)})}}
    tree: Tree = {"dynamic": {"instance-identity": {"document": identity_document(inst)}}}
    tree["meta-data"] = dict(sorted(meta.items()))
    if inst.user_data is not None:
        tree["user-data"] = inst.user_data
    return tree


def _credentials_document(creds: RoleCredentials) -> str:
    return imds_json(
        {
            "Code": "Success",
            "LastUpdated": stamp(creds.issued),
            "Type": "AWS-HMAC",
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "Token": creds.token,
            "Expiration": stamp(creds.expiration),
        }
    )


def _iam_info(inst: InstanceValues, role_name: str, creds: RoleCredentials) -> str:
    return imds_json(
        {
            "Code": "Success",
            "LastUpdated": stamp(creds.issued),
            "InstanceProfileArn": f"arn:aws:iam::{inst.account_id}:instance-profile/{role_name}",
            "InstanceProfileId": inst.instance_profile_id,
        }
    )
