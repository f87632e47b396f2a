"""The control plane and dashboard under `/_awsfake/`: a WSGI layer in front of `FakeAWS`.

`Console(fake)` answers unsigned requests under the reserved prefix and hands everything else to the fake. No real
AWS request can land there by mistake: path-style S3 requests name a bucket first and bucket names cannot start
with `_`; query and JSON services post to `/`; and a *signed* request always goes to the fake, so a virtual-hosted
object key that happens to start with `_awsfake/` still reaches S3. Only clients on the loopback interface are
answered (the server already listens on loopback unless told otherwise).

`awsfake serve` serves the fake through a `Console`; `FakeAWS.serve()` (tests) does not, so a test's endpoint stays
exactly AWS's shape. Serve `Console(fake)` with `awsfake.server.serve_app` to have both in a test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from awsfake.server import Answer

if TYPE_CHECKING:
    from awsfake.endpoint import FakeAWS

__all__ = ["PREFIX", "Console"]

PREFIX = "/_awsfake"


class Console:
    """WSGI: `/_awsfake/...` (unsigned, from loopback) to the console's pages, the rest to `fake`."""

    def __init__(self, fake: FakeAWS) -> None:
        from awsfake.console.routes import ConsoleApp

        self.fake = fake
        self._app = ConsoleApp(fake)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if _is_console(environ):
            return self._app(environ, start_response)
        return self.fake(environ, start_response)

    def before_body(self, environ: dict[str, Any]) -> Answer | None:
        """The server's `Expect: 100-continue` hook: the fake's check, except for the console's own requests."""
        return None if _is_console(environ) else self.fake.before_body(environ)


def _is_console(environ: dict[str, Any]) -> bool:
    path = environ.get("PATH_INFO", "")
    if path != PREFIX and not path.startswith(PREFIX + "/"):
        return False
    signed = "HTTP_AUTHORIZATION" in environ or "X-Amz-Credential" in environ.get("QUERY_STRING", "")
    return not signed
