"""Reading AWS's success bodies: the safe parser, and text lookups that ignore namespaces (AWS's vary by API)."""

from __future__ import annotations

from lxml import etree

from awsclient.errors import parse_xml

__all__ = ["find_all_text", "find_text", "parse"]


def parse(body: bytes, what: str) -> etree._Element:
    """The body's root element; ValueError naming `what` when the body is not XML."""
    try:
        return parse_xml(body)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"{what}: the response body is not XML ({exc}): {body[:200]!r}") from None


def _path(path: str) -> str:
    return "/".join(f"{{*}}{step}" for step in path.split("/"))


def find_text(root: etree._Element, path: str) -> str | None:
    """Text at `path` (slash-separated local names below `root`), or None when absent."""
    found = root.find(_path(path))
    return None if found is None else (found.text or "")


def find_all_text(root: etree._Element, path: str) -> list[str]:
    return [el.text or "" for el in root.iterfind(_path(path))]
