"""Amazon SNS: topics and subscriptions (`service`), delivery and filter policies (`delivery`)."""

from __future__ import annotations

from awsfake.services.sns.service import SNS, flat_map, message_attributes

__all__ = ["SNS", "flat_map", "message_attributes"]
