"""Amazon SNS: topics and subscriptions (`service`), delivery and filter policies (`delivery`)."""

from __future__ import annotations

from awsfake.services.sns.service import SNS, message_attributes, string_map, structures

__all__ = ["SNS", "message_attributes", "string_map", "structures"]
