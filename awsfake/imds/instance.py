"""What the fake EC2 instance is, and the metadata tree it shows: pure values, no sockets, no clock.

`FakeIMDS` adds the parts that change at run time (role credentials, spot interruptions, rebalance notices) and
serves the tree. A tree maps names to a value (str), a sub-directory (dict) or a callable producing the value when
read, so credentials are minted only when someone asks for them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "InstanceValues",
    "Tree",
    "identity_document",
    "imds_json",
    "lookup",
    "metadata_tree",
    "stamp",
]

Tree = dict[str, Any]  # name -> str | Tree | Callable[[], str]
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_ABBREVIATIONS = (("north", "n"), ("south", "s"), ("east", "e"), ("west", "w"), ("central", "c"), ("gov", "g"))


@dataclass(frozen=True)
class InstanceValues:
    """What the instance is. Every metadata value the fake serves comes from here.

    Optional parts appear only when set, as on EC2: `public_ipv4` (public-ipv4, public-hostname), `tags` (the
    `tags/instance/` category, when instance tags are allowed in metadata) and `user_data` (`/latest/user-data`).
    """

    instance_id: str = "i-0a1b2c3d4e5f60718"
    ami_id: str = "ami-0c55b159cbfafe1f0"
    instance_type: str = "t3.micro"
    region: str = "us-east-1"
    availability_zone: str = ""  # defaults to the region's "a" zone
    availability_zone_id: str = ""  # defaults to the region's "az1" (use1-az1, euw1-az1, ...)
    local_ipv4: str = "172.31.16.20"
    public_ipv4: str | None = None
    mac: str = "0e:3f:8a:51:2c:7d"
    vpc_id: str = "vpc-0b1c2d3e4f5a60718"
    subnet_id: str = "subnet-0c1d2e3f4a5b60718"
    security_group_ids: tuple[str, ...] = ("sg-0d1e2f3a4b5c60718",)
    security_groups: tuple[str, ...] = ("default",)
    account_id: str = "123456789012"
    architecture: str = "x86_64"
    pending_time: str = "2026-01-01T00:00:00Z"
    instance_profile_id: str = "AIPAQXE3LNZ4EXAMPLE01"
    reservation_id: str = "r-0f1e2d3c4b5a69788"
    life_cycle: str = "on-demand"  # or "spot"
    tags: Mapping[str, str] | None = None
    user_data: str | None = None

    def __post_init__(self) -> None:
        self.launched  # noqa: B018 -- a pending_time that is not a time fails here, not in a request

    @property
    def launched(self) -> datetime:
        try:
            return datetime.strptime(self.pending_time, _TIME_FORMAT).replace(tzinfo=timezone.utc)
        except ValueError:
            raise ValueError(f"pending_time must look like 2026-01-01T00:00:00Z, not {self.pending_time!r}") from None

    @property
    def zone(self) -> str:
        return self.availability_zone or f"{self.region}a"

    @property
    def zone_id(self) -> str:
        if self.availability_zone_id:
            return self.availability_zone_id
        area, *middle, number = self.region.split("-")
        return f"{area}{''.join(_abbreviated(part) for part in middle)}{number}-az1"

    @property
    def hostname(self) -> str:
        """EC2's private DNS name: ec2.internal in us-east-1, REGION.compute.internal elsewhere."""
        host = "ip-" + self.local_ipv4.replace(".", "-")
        domain = "ec2.internal" if self.region == "us-east-1" else f"{self.region}.compute.internal"
        return f"{host}.{domain}"

    @property
    def public_hostname(self) -> str | None:
        if self.public_ipv4 is None:
            return None
        host = "ec2-" + self.public_ipv4.replace(".", "-")
        domain = "compute-1.amazonaws.com" if self.region == "us-east-1" else f"{self.region}.compute.amazonaws.com"
        return f"{host}.{domain}"


def _abbreviated(part: str) -> str:
    """A region name's middle as zone ids spell it: southeast -> se, central -> c, gov -> g."""
    for word, letter in _ABBREVIATIONS:
        part = part.replace(word, letter)
    return part


def metadata_tree(inst: InstanceValues) -> Tree:
    """The `meta-data/` tree's fixed part (FakeIMDS adds iam/, spot/ and events/)."""
    meta: Tree = {
        "ami-id": inst.ami_id,
        "ami-launch-index": "0",
        "hostname": inst.hostname,
        "instance-action": "none",
        "instance-id": inst.instance_id,
        "instance-life-cycle": inst.life_cycle,
        "instance-type": inst.instance_type,
        "local-hostname": inst.hostname,
        "local-ipv4": inst.local_ipv4,
        "mac": inst.mac,
        "network": {"interfaces": {"macs": {inst.mac: _interface(inst)}}},
        "placement": {
            "availability-zone": inst.zone,
            "availability-zone-id": inst.zone_id,
            "region": inst.region,
        },
        "profile": "default-hvm",
        "reservation-id": inst.reservation_id,
        "security-groups": "\n".join(inst.security_groups),
        "services": {"domain": "amazonaws.com", "partition": "aws"},
    }
    if inst.public_ipv4 is not None:
        meta["public-hostname"] = inst.public_hostname
        meta["public-ipv4"] = inst.public_ipv4
    if inst.tags is not None:
        meta["tags"] = {"instance": dict(sorted(inst.tags.items()))}
    return meta


def _interface(inst: InstanceValues) -> Tree:
    interface: Tree = {
        "device-number": "0",
        "interface-id": "eni-" + inst.instance_id.removeprefix("i-"),
        "local-hostname": inst.hostname,
        "local-ipv4s": inst.local_ipv4,
        "mac": inst.mac,
        "owner-id": inst.account_id,
        "security-group-ids": "\n".join(inst.security_group_ids),
        "security-groups": "\n".join(inst.security_groups),
        "subnet-id": inst.subnet_id,
        "vpc-id": inst.vpc_id,
    }
    if inst.public_ipv4 is not None:
        interface["public-hostname"] = inst.public_hostname
        interface["public-ipv4s"] = inst.public_ipv4
    return dict(sorted(interface.items()))


def identity_document(inst: InstanceValues) -> str:
    return imds_json(
        {
            "accountId": inst.account_id,
            "architecture": inst.architecture,
            "availabilityZone": inst.zone,
            "billingProducts": None,
            "devpayProductCodes": None,
            "marketplaceProductCodes": None,
            "imageId": inst.ami_id,
            "instanceId": inst.instance_id,
            "instanceType": inst.instance_type,
            "kernelId": None,
            "pendingTime": inst.pending_time,
            "privateIp": inst.local_ipv4,
            "ramdiskId": None,
            "region": inst.region,
            "version": "2017-09-30",
        }
    )


def lookup(tree: Tree, path: str) -> str | None:
    """The body for a GET of `path` below /latest/: a value, a listing (a directory, with or without `/`), or None.

    Listings hold one entry a line, sub-directories ending in `/`. A value asked for with a trailing `/` is not found.
    """
    node: Any = tree
    for part in path.strip("/").split("/") if path.strip("/") else []:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if isinstance(node, dict):
        return "\n".join(name + "/" if isinstance(child, dict) else name for name, child in node.items())
    if path.endswith("/"):
        return None
    return str(node()) if callable(node) else str(node)


def stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime(_TIME_FORMAT)


def imds_json(document: Mapping[str, Any]) -> str:
    """IMDS's own layout: two-space indent and `"Key" : value`."""
    return json.dumps(document, indent=2, separators=(",", " : "))
