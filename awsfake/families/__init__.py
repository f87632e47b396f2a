"""The protocol families, one object per wire format: the table the catalogue's rows point into.

Adding a family is a module with a `Family` subclass and one row here.
"""

from __future__ import annotations

from awsfake.families.base import Denial, Family, Response
from awsfake.families.ec2 import Ec2
from awsfake.families.json import Json
from awsfake.families.query import Query
from awsfake.families.rest_json import RestJson
from awsfake.families.rest_xml import RestXml
from awsfake.families.rpc_v2_cbor import RpcV2Cbor

__all__ = ["FAMILIES", "Denial", "Family", "Response"]

FAMILIES: dict[str, Family] = {
    family.name: family for family in (RestXml(), Query(), Ec2(), Json(), RestJson(), RpcV2Cbor())
}
