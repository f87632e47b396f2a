"""FakeIMDS: the EC2 instance-metadata service as a WSGI app, with its test-facing controls.

A request meets, in order: the faults in force (`imds.faults`), the token rules (`imds.tokens`), the answers a
test set, then the metadata tree (`imds.metadata`). Every request is recorded in `journal` (a shared
`awsfake.doubles` journal: `imds.journal.assert_called("PUT", "/latest/api/token")`), and a bug in the fake
answers 500, as IMDS would, and is kept for `check()`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

from werkzeug.http import http_date
from werkzeug.wrappers import Request, Response

from awsfake.doubles.error_log import ErrorLog
from awsfake.doubles.journal import MISSING, Journal, field_value
from awsfake.imds.answers import error, text, token_path_refusal
from awsfake.imds.faults import Faults, Undo
from awsfake.imds.instance import InstanceValues
from awsfake.imds.metadata import read
from awsfake.imds.role import CredentialStore, RoleCredentials, RoleKeys
from awsfake.imds.tokens import (
    TOKEN_HEADER,
    TOKEN_PATH,
    TTL_ANSWER_HEADER,
    TTL_HEADER,
    TokenMode,
    TokenTable,
    token_mode,
    token_ttl,
)
from awsfake.server import Answer, RunningServer, serve_app

__all__ = ["FakeIMDS", "IMDSRequest", "RunningIMDS"]


@dataclass(frozen=True)
class IMDSRequest:
    """One request the fake answered, for tests to assert on. `token` says whether a token header came along."""

    KEY_FIELDS: ClassVar[tuple[str, ...]] = ("method", "path")

    method: str
    path: str
    status: int
    token: bool
    at: float

    def lookup(self, name: str) -> Any:
        value = field_value(self, name)
        if value is MISSING:
            raise TypeError(f"IMDS requests have no field {name!r}; they have method, path, status, token, at")
        return value

    def describe(self) -> str:
        return f"{self.method} {self.path} -> {self.status}{' (token)' if self.token else ''}"


@dataclass
class RunningIMDS:
    """The address FakeIMDS listens on; it stays the same across `go_down()` / `come_up()`."""

    host: str
    port: int
    url: str
    servers: list[RunningServer] = field(default_factory=list)


class FakeIMDS:
    """A WSGI app that serves instance metadata and role credentials for `role_name` (None: no role attached).

    `on_request` sees each answered request (method, path, status; never a token or a secret), e.g. to log it;
    `journal_limit` keeps only that many newest requests in `journal` (and sets in `issued`); None keeps all.
    """

    def __init__(
        self,
        fake_aws: CredentialStore | None = None,
        *,
        role_name: str | None = "awsfake-instance-role",
        tokens: TokenMode = "optional",
        instance: InstanceValues | None = None,
        credential_lifetime: float = 6 * 3600.0,
        rotation_lead: float = 15 * 60.0,
        on_request: Callable[[IMDSRequest], None] | None = None,
        journal_limit: int | None = None,
    ) -> None:
        self._role = RoleKeys(fake_aws, credential_lifetime, rotation_lead, journal_limit)
        self.role_name = role_name
        self._token_mode = self._initial_token_mode = token_mode(tokens)
        self.instance = instance or InstanceValues()
        self.journal = Journal(IMDSRequest, journal_limit)
        self.issued = self._role.issued
        self.faults = Faults()
        self._errors = ErrorLog()
        self._tokens = TokenTable()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        self._running: RunningIMDS | None = None
        self._listener: ExitStack | None = None
        self._allow_remote = False
        self.on_request = on_request

    # --- serving -------------------------------------------------------------------------------------------------

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0, *, allow_remote: bool = False) -> Iterator[RunningIMDS]:
        """Serve until the block ends; port 0 picks a free port (read it back from `.port` or `.url`)."""
        if self._running is not None:
            raise RuntimeError("this FakeIMDS is already serving")
        self._allow_remote = allow_remote
        running = self._start(host, port)
        try:
            yield running
        finally:
            self.faults.release()
            self._stop()
            self._running = None

    def _start(self, host: str, port: int) -> RunningIMDS:
        stack = ExitStack()
        server = stack.enter_context(
            serve_app(self, host, port, allow_remote=self._allow_remote, early_error=self.early_error)
        )
        self._listener = stack
        if self._running is None:
            self._running = RunningIMDS(server.host, server.port, server.url)
        self._running.servers.append(server)
        return self._running

    def early_error(self, status: int) -> Answer:
        """A request the server could not parse gets IMDS's own error page (the server's hook)."""
        response = error(400)
        return Answer(400, list(response.headers.items()), response.get_data())

    def _stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()

    @property
    def tokens(self) -> TokenMode:
        """ "optional" (IMDSv1 reads allowed) or "required" (IMDSv2 only: reads without a token get 401)."""
        return self._token_mode

    @tokens.setter
    def tokens(self, mode: TokenMode) -> None:
        self._token_mode = token_mode(mode)

    @property
    def url(self) -> str:
        if self._running is None:
            raise RuntimeError("FakeIMDS is not serving: use `with imds.serve() as running:`")
        return self._running.url

    @property
    def fake_aws(self) -> CredentialStore | None:
        """The endpoint the role's credentials are registered with."""
        return self._role.store

    # --- faults (see awsfake.imds.faults) ------------------------------------------------------------------------

    def go_down(self) -> Undo:
        """Close the listening socket (and open connections): clients get connection refused until `come_up()`."""
        if self._running is None:
            raise RuntimeError("FakeIMDS is not serving")
        self.faults.release()
        self._stop()
        return Undo(self.come_up)

    def come_up(self) -> None:
        """Listen again on the same address."""
        if self._running is None:
            raise RuntimeError("FakeIMDS is not serving")
        if self._listener is None:
            self.faults.hold()
            self._start(self._running.host, self._running.port)

    def slow(self, seconds: float, *, path: str | None = None) -> Undo:
        """Answers (to paths starting with `path`, or all) wait `seconds` first; undoing the fault ends the wait.

        `slow(5, path="/latest/api/token")` is a container behind a hop limit of 1: the token answer never arrives.
        """
        return self.faults.slow(seconds, path)

    def fail(
        self, status: int = 500, *, times: int | None = None, path: str | None = None, method: str | None = None
    ) -> Undo:
        """Answer `status` (an IMDS-style error page) to matching requests, `times` times or until undone.

        `path` matches as a prefix: `fail(404, path="/latest/api/token")` makes an IMDSv1-only service.
        """
        return self.faults.fail(status, times, path, method)

    def answer(self, path: str, body: str, status: int = 200) -> Undo:
        """Serve `body` for GET `path` instead of the real value (e.g. a broken credentials document)."""
        return self.faults.answer(path, body, status)

    def interrupt_spot(self, action: str = "terminate", *, in_seconds: float = 120.0) -> Undo:
        """Post a spot interruption notice: `spot/instance-action` and `spot/termination-time` appear.

        EC2 gives two minutes' warning; `action` is "terminate", "stop" or "hibernate".
        """
        return self.faults.interrupt_spot(action, in_seconds)

    def recommend_rebalance(self) -> Undo:
        """Post a rebalance recommendation: `events/recommendations/rebalance` appears, noticed now."""
        return self.faults.recommend_rebalance()

    def require_tokens(self) -> Undo:
        """IMDSv2 only from now on: reads without a token get 401."""
        before, self.tokens = self.tokens, "required"

        def undo() -> None:
            self.tokens = before

        return Undo(undo)

    def clear_faults(self) -> None:
        self.faults.clear()

    def reset(self) -> None:
        """Forget requests, tokens, faults, errors and issued credentials (the endpoint accepts those until expiry).

        The token mode returns to the constructor's. Requests still being answered (say, held by `slow`) finish
        first, so none lands in the next test's journal.
        """
        self.clear_faults()
        self.wait_idle()
        self._token_mode = self._initial_token_mode
        self.journal.clear()
        self.issued.clear()
        self._tokens.clear()
        self._errors.clear()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no request is being answered; False if some still are after `timeout` seconds."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    # --- what tests read -----------------------------------------------------------------------------------------

    def requests_to(self, path: str, method: str = "GET", *, status: int | None = 200) -> list[IMDSRequest]:
        if status is None:
            return self.journal.filter(path=path, method=method)
        return self.journal.filter(path=path, method=method, status=status)

    @property
    def credential_fetches(self) -> int:
        """How many times the role's credentials were successfully read."""
        if self.role_name is None:
            return 0
        return len(self.requests_to(f"/latest/meta-data/iam/security-credentials/{self.role_name}"))

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions the app raised on server threads (answered as 500), oldest first."""
        return self._errors.errors

    def check(self) -> None:
        """Re-raise (in the calling thread) the first exception the app raised since the last check, as FakeAWS does."""
        self._errors.check()

    def role_credentials(self) -> RoleCredentials:
        """The set served now (minting or rotating as a read would)."""
        if self.role_name is None:
            raise RuntimeError("this FakeIMDS has no role attached (role_name=None)")
        return self._role.current(self.role_name, self.instance)

    # --- the app -------------------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        with self._lock:
            self._in_flight += 1
        try:
            response = self._respond(request)
        except Exception as exc:  # a bug in the fake: answer like IMDS would, keep it for check()
            self._errors.record(exc)
            response = error(500)
        record = IMDSRequest(
            request.method, request.path, response.status_code, TOKEN_HEADER in request.headers, time.time()
        )
        self.journal.append(record)
        with self._lock:
            self._in_flight -= 1
            self._idle.notify_all()
        if self.on_request is not None:
            try:
                self.on_request(record)
            except Exception as exc:  # a failing hook must not cost the client its answer, as in FakeAWS
                self._errors.record(exc)
        return response(environ, start_response)

    def _respond(self, request: Request) -> Response:
        self.faults.wait(request.path)
        failed = self.faults.failure(request.method, request.path)
        if failed is not None:
            return error(failed)
        if request.path == TOKEN_PATH:
            return self._token_response(request) if request.method == "PUT" else token_path_refusal(request.method)
        if request.method not in ("GET", "HEAD"):
            return error(405, allow="GET, HEAD")
        remaining = self._token_check(request)
        if remaining is None:
            return error(401)
        answered = self.faults.answered(request.path)
        if answered is not None:
            return text(answered[1], answered[0])
        body = read(request.path, self.instance, self.role_name, self.role_credentials, self.faults.events)
        if body is None:
            return error(404)
        response = text(body)
        if request.path == "/latest/user-data":
            response.content_type = "application/octet-stream"
            response.headers["Accept-Ranges"] = "bytes"
        response.headers["Last-Modified"] = http_date(self.instance.launched)
        if remaining > 0:
            response.headers[TTL_ANSWER_HEADER] = str(remaining)
        return response

    def _token_response(self, request: Request) -> Response:
        if "X-Forwarded-For" in request.headers:
            return error(403)  # IMDS refuses token requests that came through a proxy
        ttl = token_ttl(request.headers.get(TTL_HEADER))
        if ttl is None:
            return error(400)
        response = text(self._tokens.issue(ttl, time.time()))
        response.headers[TTL_HEADER] = str(ttl)  # the token answer spells it as the request does
        return response

    def _token_check(self, request: Request) -> int | None:
        """Seconds left on the request's token (0: an IMDSv1 read that is allowed), or None to refuse with 401."""
        token = request.headers.get(TOKEN_HEADER)
        if token is None:
            return 0 if self.tokens == "optional" else None
        return self._tokens.seconds_left(token, time.time())
