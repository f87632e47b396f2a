"""Browser CORS preflight (`OPTIONS`, unsigned) answered from a bucket's CORS rules, as S3 answers it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from awsfake.errors import Fault
from awsfake.services.s3.bodies import parse_xml_body

__all__ = ["Rule", "preflight", "rules_of"]

_NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method "
    "/ Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."
)


@dataclass(frozen=True)
class Rule:
    origins: tuple[str, ...]
    methods: tuple[str, ...]
    headers: tuple[str, ...]
    expose: tuple[str, ...]
    max_age: str | None


def rules_of(document: bytes) -> list[Rule]:
    """The CORSRule elements of a stored CORSConfiguration, in order (the first match wins)."""
    root = parse_xml_body(document)
    return [_rule(element) for element in root if _local(element) == "CORSRule"]


def _rule(element: etree._Element) -> Rule:
    def texts(name: str) -> tuple[str, ...]:
        return tuple((c.text or "").strip() for c in element if _local(c) == name)

    max_age = texts("MaxAgeSeconds")
    return Rule(
        texts("AllowedOrigin"),
        texts("AllowedMethod"),
        texts("AllowedHeader"),
        texts("ExposeHeader"),
        max_age[0] if max_age else None,
    )


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def preflight(rules: list[Rule] | None, headers: Mapping[str, str]) -> dict[str, str]:
    """The answer's headers for a preflight that a rule allows; AWS's refusal otherwise."""
    origin = headers.get("Origin")
    method = headers.get("Access-Control-Request-Method")
    if not origin:
        raise Fault("BadRequest", "Insufficient information. Origin request header needed.")
    if not method:
        raise Fault("BadRequest", "Invalid Access-Control-Request-Method: null")
    if rules is None:
        raise Fault("AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", 403)
    requested = [h.strip().lower() for h in (headers.get("Access-Control-Request-Headers") or "").split(",")]
    requested = [h for h in requested if h]
    for rule in rules:
        if _allows(rule, origin, method, requested):
            return _answer(rule, origin, requested)
    raise Fault("AccessForbidden", _NOT_ALLOWED, 403)


def _allows(rule: Rule, origin: str, method: str, requested: list[str]) -> bool:
    return (
        any(_matches(pattern, origin) for pattern in rule.origins)
        and method in rule.methods
        and all(any(_matches(p.lower(), h) for p in rule.headers) for h in requested)
    )


def _matches(pattern: str, value: str) -> bool:
    """An AllowedOrigin / AllowedHeader: one `*` may stand for any run of characters."""
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), value) is not None


def _answer(rule: Rule, origin: str, requested: list[str]) -> dict[str, str]:
    wildcard = "*" in rule.origins
    out = {
        "Access-Control-Allow-Origin": "*" if wildcard else origin,
        "Access-Control-Allow-Methods": ", ".join(rule.methods),
        "Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    }
    if not wildcard:
        out["Access-Control-Allow-Credentials"] = "true"
    if requested:
        out["Access-Control-Allow-Headers"] = ", ".join(requested)
    if rule.expose:
        out["Access-Control-Expose-Headers"] = ", ".join(rule.expose)
    if rule.max_age is not None:
        out["Access-Control-Max-Age"] = rule.max_age
    return out
