"""The console's URL table: one rule per page or JSON document, each naming its view (`api` and `pages`)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from awsfake.console import api, pages

if TYPE_CHECKING:
    from awsfake.endpoint import FakeAWS

__all__ = ["ConsoleApp"]

View = Callable[..., Response]

_RULES: list[tuple[str, View, tuple[str, ...]]] = [
    ("/_awsfake/", pages.dashboard, ("GET",)),
    ("/_awsfake/health", api.health, ("GET",)),
    ("/_awsfake/reset", api.reset, ("POST",)),
    ("/_awsfake/state", api.state, ("GET",)),
    ("/_awsfake/requests", api.requests, ("GET",)),
    ("/_awsfake/requests/<request_id>", pages.request_detail, ("GET",)),
    ("/_awsfake/browse", pages.browse, ("GET",)),
    ("/_awsfake/objects/<bucket>/<path:key>", pages.download, ("GET",)),
    ("/_awsfake/static/<name>", pages.static, ("GET",)),
]


class ConsoleApp:
    """Dispatches a console request to its view; refuses clients that are not on this machine."""

    def __init__(self, fake: FakeAWS) -> None:
        self.fake = fake
        self._views = {view.__name__: view for _, view, _ in _RULES}
        self._map = Map([Rule(path, endpoint=view.__name__, methods=methods) for path, view, methods in _RULES])
        self._map.strict_slashes = True

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self._respond(request)
        return response(environ, start_response)

    def _respond(self, request: Request) -> Response:
        if not _loopback(request.remote_addr):
            return api.json_response({"error": "the console answers only clients on this machine"}, status=403)
        adapter = self._map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except MethodNotAllowed as exc:
            return api.json_response({"error": f"use {', '.join(exc.valid_methods or [])}"}, status=405)
        except NotFound:
            return api.json_response({"error": f"no console page at {request.path}"}, status=404)
        except HTTPException as exc:  # a redirect for a missing slash, say
            return exc.get_response(request.environ)
        return self._views[str(endpoint)](self.fake, request, **args)


def _loopback(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)
