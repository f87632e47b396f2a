"""Matching a REST request (method, path, query) against a service's request URI templates.

A template is a path with labels, `{Name}` for one segment and `{Name+}` for the rest of the path, optionally
followed by literal query parts (`?uploads`, `?x-id=GetObject`). When several templates match, the most specific
wins: one for the request's own method, one whose query parts the request carries, then the most literal path
characters, then the most query literals, the precedence AWS's routers apply (a literal beats a label). A
template whose query parts are missing still matches when nothing else does: botocore drops some (CloudSearch
Domain's Search moves them to the body).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

from awsfake.catalogue.model import Operation

__all__ = ["Match", "Route", "Router"]

_LABEL = re.compile(r"\{([^}]+?)(\+?)\}")

# botocore sends some modeled GETs as POSTs with the query in the body (CloudSearch Domain's Search, whose queries
# outgrow a URL): a POST no route takes is tried against the GET routes.
_METHOD_FALLBACKS = {"POST": "GET"}


@dataclass(frozen=True)
class Match:
    """A matched operation, its URI labels' values (percent-decoded), and the protocol the request spoke."""

    operation: Operation
    labels: Mapping[str, str]
    score: tuple[int, ...]
    protocol: str = ""


@dataclass(frozen=True)
class Route:
    operation: Operation
    pattern: re.Pattern[str]
    label_names: tuple[str, ...]
    query: tuple[tuple[str, str | None], ...]
    score: tuple[int, int, int]
    protocol: str

    @classmethod
    def compile(cls, operation: Operation, protocol: str) -> Route:
        path, _, query = operation.uri.partition("?")
        parts: list[str] = []
        names: list[str] = []
        literal = 0
        greedy = 0
        position = 0
        for label in _LABEL.finditer(path):
            text = path[position : label.start()]
            parts.append(re.escape(text))
            literal += len(text)
            names.append(label.group(1))
            greedy += bool(label.group(2))
            parts.append(f"(?P<g{len(names) - 1}>{'.+' if label.group(2) else '[^/]+'})")
            position = label.end()
        parts.append(re.escape(path[position:]))
        literal += len(path) - position
        literals = tuple((key, value if sep else None) for key, sep, value in _query_parts(query))
        pattern = re.compile("".join(parts))
        return cls(operation, pattern, tuple(names), literals, (literal, len(literals), -greedy), protocol)

    def match(self, path: str, query: Mapping[str, str], exact_method: bool = True) -> Match | None:
        found = self.pattern.fullmatch(path)
        if found is None:
            return None
        carried = all(key in query and value in (None, query[key]) for key, value in self.query)
        labels = {name: unquote(found.group(f"g{i}")) for i, name in enumerate(self.label_names)}
        return Match(self.operation, labels, (int(exact_method), int(carried), *self.score), self.protocol)


def _query_parts(query: str) -> Iterable[tuple[str, str, str]]:
    for part in query.split("&"):
        if part:
            yield part.partition("=")


class Router:
    """All of one service's routes, grouped by HTTP method."""

    def __init__(self, operations: Iterable[Operation], protocol: str) -> None:
        self._by_method: dict[str, list[Route]] = {}
        for operation in operations:
            self._by_method.setdefault(operation.method, []).append(Route.compile(operation, protocol))

    def match(self, method: str, path: str, raw_query: str = "") -> Match | None:
        """The most specific operation for this request, or None. `path` is the raw (percent-encoded) path."""
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        found = best(route.match(path, query) for route in self._by_method.get(method.upper(), ()))
        fallback = _METHOD_FALLBACKS.get(method.upper())
        if found is None and fallback:
            found = best(route.match(path, query, exact_method=False) for route in self._by_method.get(fallback, ()))
        return found


def best(matches: Iterable[Match | None]) -> Match | None:
    found: Sequence[Match] = [m for m in matches if m is not None]
    return max(found, key=lambda m: m.score, default=None)
