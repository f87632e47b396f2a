"""Amazon SNS: topics and subscriptions (`service`), delivery and filter policies (`delivery`)."""

from __future__ import annotations

from awsfake.services.sns.model import Published, Subscription, Topic
from awsfake.services.sns.params import message_attributes, string_map, structures
from awsfake.services.sns.service import SNS

__all__ = ["SNS", "Published", "Subscription", "Topic", "message_attributes", "string_map", "structures"]
