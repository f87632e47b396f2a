"""The query protocol (SNS, STS, IAM, ...): a form-encoded POST of Action, Version and parameters; XML back."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, urlencode

from lxml import etree

from awsclient import _xml
from awsclient.transport import request

__all__ = ["call"]

FORM = "application/x-www-form-urlencoded; charset=utf-8"


def call(
    service: str, action: str, version: str, params: Iterable[tuple[str, str]] = (), *, region: str | None = None
) -> etree._Element:
    """POST the action and return the `<ActionResult>` element (an empty one when AWS sends none)."""
    form = urlencode([("Action", action), ("Version", version), *params], quote_via=quote, safe="~")
    response = request(
        "POST", "/", service=service, region=region, headers={"Content-Type": FORM}, body=form.encode("utf-8")
    )
    root = _xml.parse(response.body, f"{service} {action}")
    result = root.find(f"{{*}}{action}Result")
    return result if result is not None else etree.Element(f"{action}Result")
