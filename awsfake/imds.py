"""FakeIMDS: the EC2 instance-metadata service, with role credentials the fake endpoint accepts.

It answers as the real service does: IMDSv2 session tokens (`PUT /latest/api/token`), IMDSv1 reads unless tokens
are required, listings one entry a line with sub-directories ending in `/`, JSON documents served as `text/plain`,
`Server: EC2ws`, and HTML error pages for 400/401/403/404/405. Role credentials are minted on demand, registered
with the endpoint (which refuses them with ExpiredToken once expired) and rotated `rotation_lead` seconds before
they expire, as AWS does; older sets stay valid until their own expiry. All clocks are `time.time()`, so freezegun
moves them.

Faults read like intent and undo themselves as context managers::

    with imds.go_down(): ...                     # connection refused
    with imds.slow(2.0): ...                     # every answer waits 2 s
    with imds.fail(500, times=1): ...            # the next answer is a 500
    with imds.answer(path, "{not json"): ...     # a broken document
    with imds.require_tokens(): ...              # IMDSv1 reads get 401 (or set imds.tokens = "required")
    imds.interrupt_spot("terminate")             # EC2's notices: spot interruption, rebalance recommendation

Each returns a handle whose `undo()` (or the end of the `with` block) takes the fault back; `reset()` takes them
all back and forgets what was asked, so one server can serve a whole test module.
"""

from __future__ import annotations

import base64
import re
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal, Protocol

from werkzeug.http import http_date
from werkzeug.wrappers import Request, Response

from awsfake.instance import InstanceValues, Tree, identity_document, imds_json, lookup, metadata_tree, stamp
from awsfake.server import Answer, RunningServer, serve_app

__all__ = [
    "CredentialStore",
    "FakeIMDS",
    "IMDSRequest",
    "InstanceValues",
    "RoleCredentials",
    "RunningIMDS",
]

TOKEN_PATH = "/latest/api/token"
TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"
TTL_ANSWER_HEADER = "X-Aws-Ec2-Metadata-Token-Ttl-Seconds"  # the spelling IMDS answers with
MAX_TOKEN_TTL = 21600
MIN_ROTATION_LEAD = 300.0  # AWS makes new credentials available at least five minutes before the old ones expire
TokenMode = Literal["optional", "required"]


class CredentialStore(Protocol):
    """What FakeIMDS needs from the endpoint (`awsfake.FakeAWS`): a place to register the keys it hands out."""

    def add_credentials(
        self,
        access_key_id: str,
        secret_access_key: str,
        *,
        session_token: str | None = ...,
        expiration: float | None = ...,
        account_id: str = ...,
        arn: str | None = ...,
    ) -> Any: ...


@dataclass(frozen=True)
class RoleCredentials:
    """One set of role credentials the fake handed out. The repr hides the secret and the token."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    token: str = field(repr=False)
    issued: float
    expiration: float


@dataclass(frozen=True)
class IMDSRequest:
    """One request the fake answered, for tests to assert on. `token` says whether a token header came along."""

    method: str
    path: str
    status: int
    token: bool
    at: float


@dataclass
class RunningIMDS:
    """The address FakeIMDS listens on; it stays the same across `go_down()` / `come_up()`."""

    host: str
    port: int
    url: str
    servers: list[RunningServer] = field(default_factory=list)


@dataclass
class _Events:
    """Notices EC2 posts to a running instance: a spot interruption (action, when) and a rebalance recommendation."""

    spot_action: tuple[str, float] | None = None
    rebalance_notice: float | None = None


@dataclass
class _FailRule:
    status: int
    times: int | None
    path: str | None
    method: str | None

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (self.path is None or path.startswith(self.path))


class _Undo:
    """Returned by each fault: it is already in force, and `with` undoes it on leaving the block."""

    def __init__(self, undo: Callable[[], None]) -> None:
        self._undo = undo

    def __enter__(self) -> _Undo:
        return self

    def __exit__(self, *exc: object) -> None:
        self._undo()

    def undo(self) -> None:
        self._undo()


class FakeIMDS:
    """A WSGI app that serves instance metadata and role credentials for `role_name` (None: no role attached).

    `on_request` sees each answered request (method, path, status; never a token or a secret), e.g. to log it.
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
    ) -> None:
        if rotation_lead < MIN_ROTATION_LEAD:
            raise ValueError(f"rotation_lead must be at least {MIN_ROTATION_LEAD:.0f} seconds, as on AWS")
        if credential_lifetime <= rotation_lead:
            raise ValueError("credential_lifetime must be longer than rotation_lead")
        self.fake_aws = fake_aws
        self.role_name = role_name
        self._token_mode = self._initial_token_mode = _token_mode(tokens)
        self.instance = instance or InstanceValues()
        self.credential_lifetime = credential_lifetime
        self.rotation_lead = rotation_lead
        self.journal: list[IMDSRequest] = []
        self.issued: list[RoleCredentials] = []
        self.errors: list[BaseException] = []
        self._tokens: dict[str, float] = {}
        self._fail_rules: list[_FailRule] = []
        self._answers: dict[str, tuple[int, str]] = {}
        self._events = _Events()
        self._delay: tuple[float, str | None] = (0.0, None)
        self._released = threading.Event()
        self._lock = threading.RLock()
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
        self._start(host, port)
        try:
            yield self._running  # type: ignore[misc]
        finally:
            self._released.set()
            self._stop()
            self._running = None

    def _start(self, host: str, port: int) -> None:
        stack = ExitStack()
        server = stack.enter_context(
            serve_app(self, host, port, allow_remote=self._allow_remote, early_error=self.early_error)
        )
        self._listener = stack
        if self._running is None:
            self._running = RunningIMDS(server.host, server.port, server.url)
        self._running.servers.append(server)

    def early_error(self, status: int) -> Answer:
        """A request the server could not parse gets IMDS's own error page (the server's hook)."""
        response = _error(400)
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
        self._token_mode = _token_mode(mode)

    @property
    def url(self) -> str:
        if self._running is None:
            raise RuntimeError("FakeIMDS is not serving: use `with imds.serve() as running:`")
        return self._running.url

    # --- faults --------------------------------------------------------------------------------------------------

    def go_down(self) -> _Undo:
        """Close the listening socket (and open connections): clients get connection refused until `come_up()`."""
        if self._running is None:
            raise RuntimeError("FakeIMDS is not serving")
        self._released.set()
        self._stop()
        return _Undo(self.come_up)

    def come_up(self) -> None:
        """Listen again on the same address."""
        if self._running is None:
            raise RuntimeError("FakeIMDS is not serving")
        if self._listener is None:
            self._released.clear()
            self._start(self._running.host, self._running.port)

    def slow(self, seconds: float, *, path: str | None = None) -> _Undo:
        """Answers (to paths starting with `path`, or all) wait `seconds` first; undoing the fault ends the wait.

        `slow(5, path="/latest/api/token")` is a container behind a hop limit of 1: the token answer never arrives.
        """
        if seconds < 0:
            raise ValueError("a delay cannot be negative")
        self._released.clear()
        self._delay = (seconds, path)

        def undo() -> None:
            self._delay = (0.0, None)
            self._released.set()

        return _Undo(undo)

    def fail(
        self, status: int = 500, *, times: int | None = None, path: str | None = None, method: str | None = None
    ) -> _Undo:
        """Answer `status` (an IMDS-style error page) to matching requests, `times` times or until undone.

        `path` matches as a prefix: `fail(404, path="/latest/api/token")` makes an IMDSv1-only service.
        """
        if not 400 <= status <= 599:
            raise ValueError("fail() takes an error status, 400..599")
        rule = _FailRule(status, times, path, method.upper() if method else None)
        with self._lock:
            self._fail_rules.append(rule)

        def undo() -> None:
            with self._lock:
                if rule in self._fail_rules:
                    self._fail_rules.remove(rule)

        return _Undo(undo)

    def answer(self, path: str, body: str, status: int = 200) -> _Undo:
        """Serve `body` for GET `path` instead of the real value (e.g. a broken credentials document)."""
        with self._lock:
            self._answers[path] = (status, body)

        def undo() -> None:
            with self._lock:
                self._answers.pop(path, None)

        return _Undo(undo)

    def interrupt_spot(self, action: str = "terminate", *, in_seconds: float = 120.0) -> _Undo:
        """Post a spot interruption notice: `spot/instance-action` and `spot/termination-time` appear.

        EC2 gives two minutes' warning; `action` is "terminate", "stop" or "hibernate".
        """
        if action not in ("terminate", "stop", "hibernate"):
            raise ValueError("a spot interruption's action is 'terminate', 'stop' or 'hibernate'")
        self._events.spot_action = (action, time.time() + in_seconds)

        def undo() -> None:
            self._events.spot_action = None

        return _Undo(undo)

    def recommend_rebalance(self) -> _Undo:
        """Post a rebalance recommendation: `events/recommendations/rebalance` appears, noticed now."""
        self._events.rebalance_notice = time.time()

        def undo() -> None:
            self._events.rebalance_notice = None

        return _Undo(undo)

    def require_tokens(self) -> _Undo:
        """IMDSv2 only from now on: reads without a token get 401."""
        before, self.tokens = self.tokens, "required"

        def undo() -> None:
            self.tokens = before

        return _Undo(undo)

    def clear_faults(self) -> None:
        with self._lock:
            self._fail_rules.clear()
            self._answers.clear()
            self._events = _Events()
        self._delay = (0.0, None)
        self._released.set()

    def reset(self) -> None:
        """Forget requests, tokens, faults and issued credentials (the endpoint keeps accepting those until expiry).

        The token mode returns to the constructor's. Requests still being answered (say, held by `slow`) finish
        first, so none lands in the next test's journal.
        """
        self.clear_faults()
        self.wait_idle()
        with self._lock:
            self._token_mode = self._initial_token_mode
            self.journal.clear()
            self.issued.clear()
            self._tokens.clear()
            self.errors.clear()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no request is being answered; False if some still are after `timeout` seconds."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    # --- what tests read -----------------------------------------------------------------------------------------

    def requests_to(self, path: str, method: str = "GET", *, status: int | None = 200) -> list[IMDSRequest]:
        with self._lock:
            return [r for r in self.journal if r.path == path and r.method == method and status in (None, r.status)]

    @property
    def credential_fetches(self) -> int:
        """How many times the role's credentials were successfully read."""
        if self.role_name is None:
            return 0
        return len(self.requests_to(f"/latest/meta-data/iam/security-credentials/{self.role_name}"))

    def check(self) -> None:
        """Re-raise the first error the app hit on a server thread, so a bug in the fake never hides."""
        with self._lock:
            if self.errors:
                raise self.errors[0]

    def role_credentials(self) -> RoleCredentials:
        """The set served now (minting or rotating as a read would)."""
        with self._lock:
            now = time.time()
            latest = self.issued[-1] if self.issued else None
            # A set issued "later" than now means a test moved the clock back: it would look valid for too long.
            if latest is None or now < latest.issued or now >= latest.expiration - self.rotation_lead:
                latest = self._mint(now)
            return latest

    # --- the app -------------------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        with self._lock:
            self._in_flight += 1
        try:
            response = self._respond(request)
        except Exception as exc:  # a bug in the fake: answer like IMDS would, keep it for check()
            with self._lock:
                self.errors.append(exc)
            response = _error(500)
        record = IMDSRequest(
            request.method, request.path, response.status_code, TOKEN_HEADER in request.headers, time.time()
        )
        with self._lock:
            self._in_flight -= 1
            self._idle.notify_all()
            self.journal.append(record)
        if self.on_request is not None:
            self.on_request(record)
        return response(environ, start_response)

    def _respond(self, request: Request) -> Response:
        delay, prefix = self._delay
        if delay and (prefix is None or request.path.startswith(prefix)):
            self._released.wait(delay)
        failed = self._take_fail_rule(request.method, request.path)
        if failed is not None:
            return _error(failed)
        if request.path == TOKEN_PATH:
            return self._token_response(request) if request.method == "PUT" else _token_path_refusal(request.method)
        if request.method not in ("GET", "HEAD"):
            return _error(405, allow="GET, HEAD")
        remaining = self._token_check(request)
        if remaining is None:
            return _error(401)
        with self._lock:
            answer = self._answers.get(request.path)
        if answer is not None:
            response = _text(answer[1])
            response.status = _status_line(answer[0])
            return response
        body = self._lookup(request.path)
        if body is None:
            return _error(404)
        response = _text(body)
        if request.path == "/latest/user-data":
            response.content_type = "application/octet-stream"
            response.headers["Accept-Ranges"] = "bytes"
        response.headers["Last-Modified"] = http_date(self.instance.launched)
        if remaining > 0:
            response.headers[TTL_ANSWER_HEADER] = str(remaining)
        return response

    def _take_fail_rule(self, method: str, path: str) -> int | None:
        with self._lock:
            for rule in self._fail_rules:
                if rule.matches(method, path):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self._fail_rules.remove(rule)
                    return rule.status
        return None

    def _token_response(self, request: Request) -> Response:
        if "X-Forwarded-For" in request.headers:
            return _error(403)  # IMDS refuses token requests that came through a proxy
        ttl = _token_ttl(request.headers.get(TTL_HEADER))
        if ttl is None:
            return _error(400)
        token = "AQAEA" + base64.urlsafe_b64encode(secrets.token_bytes(36)).decode().rstrip("=")
        with self._lock:
            now = time.time()
            self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            self._tokens[token] = now + ttl
        response = _text(token)
        response.headers[TTL_HEADER] = str(ttl)  # the token answer spells it as the request does
        return response

    def _token_check(self, request: Request) -> int | None:
        """Seconds left on the request's token (0: an IMDSv1 read that is allowed), or None to refuse with 401."""
        token = request.headers.get(TOKEN_HEADER)
        if token is None:
            return 0 if self.tokens == "optional" else None
        with self._lock:
            expires = self._tokens.get(token)
        now = time.time()
        if expires is None or expires <= now:
            return None
        return max(1, int(expires - now))

    # --- the metadata tree ---------------------------------------------------------------------------------------

    def _lookup(self, path: str) -> str | None:
        if path in ("/", ""):
            return "latest"
        if path != "/latest" and not path.startswith("/latest/"):
            return None
        tree = self._tree()
        if path in ("/latest", "/latest/"):
            return "\n".join(tree)  # the top level lists its categories without trailing slashes, as IMDS does
        return lookup(tree, path.removeprefix("/latest"))

    def _tree(self) -> Tree:
        inst = self.instance
        meta = metadata_tree(inst)
        if self.role_name is not None:
            meta["iam"] = {
                "info": self._iam_info,
                "security-credentials": {self.role_name: self._credentials_document},
            }
        events = self._events
        if events.spot_action is not None:
            action, at = events.spot_action
            meta["spot"] = {
                "instance-action": imds_json({"action": action, "time": stamp(at)}),
                "termination-time": stamp(at),
            }
        if events.rebalance_notice is not None:
            meta["events"] = {
                "recommendations": {"rebalance": imds_json({"noticeTime": stamp(events.rebalance_notice)})}
            }
        tree: Tree = {"dynamic": {"instance-identity": {"document": identity_document(inst)}}}
        tree["meta-data"] = dict(sorted(meta.items()))
        if inst.user_data is not None:
            tree["user-data"] = inst.user_data
        return tree

    def _credentials_document(self) -> str:
        creds = self.role_credentials()
        return imds_json(
            {
                "Code": "Success",
                "LastUpdated": stamp(creds.issued),
                "Type": "AWS-HMAC",
                "AccessKeyId": creds.access_key_id,
                "SecretAccessKey": creds.secret_access_key,
                "Token": creds.token,
                "Expiration": stamp(creds.expiration),
            }
        )

    def _iam_info(self) -> str:
        inst = self.instance
        return imds_json(
            {
                "Code": "Success",
                "LastUpdated": stamp(self.role_credentials().issued),
                "InstanceProfileArn": f"arn:aws:iam::{inst.account_id}:instance-profile/{self.role_name}",
                "InstanceProfileId": inst.instance_profile_id,
            }
        )

    def _mint(self, now: float) -> RoleCredentials:
        """A new set, registered with the endpoint before anyone can see it. Caller holds the lock."""
        issued = float(int(now))  # IMDS times have whole seconds; keep the registered expiry identical
        creds = RoleCredentials(
            access_key_id="ASIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16)),
            secret_access_key=base64.b64encode(secrets.token_bytes(30)).decode(),
            token=base64.b64encode(secrets.token_bytes(240)).decode(),
            issued=issued,
            expiration=issued + int(self.credential_lifetime),
        )
        if self.fake_aws is not None:
            inst = self.instance
            self.fake_aws.add_credentials(
                creds.access_key_id,
                creds.secret_access_key,
                session_token=creds.token,
                expiration=creds.expiration,
                account_id=inst.account_id,
                arn=f"arn:aws:sts::{inst.account_id}:assumed-role/{self.role_name}/{inst.instance_id}",
            )
        self.issued.append(creds)
        return creds


_KEY_ALPHABET = string.ascii_uppercase + "234567"


def _token_mode(mode: str) -> TokenMode:
    if mode not in ("optional", "required"):
        raise ValueError(f"tokens must be 'optional' or 'required', not {mode!r}")
    return mode  # type: ignore[return-value]


def _token_ttl(raw: str | None) -> int | None:
    if raw is None or not re.fullmatch(r"[0-9]{1,6}", raw.strip()):
        return None
    ttl = int(raw.strip())
    return ttl if 1 <= ttl <= MAX_TOKEN_TTL else None


def _headers(response: Response) -> Response:
    """What every IMDS answer carries. IMDS closes each connection after one answer."""
    response.headers["Server"] = "EC2ws"
    response.headers["Accept-Ranges"] = "none"
    response.headers["Connection"] = "close"
    return response


def _token_path_refusal(method: str) -> Response:
    """Other methods on the token path: IMDS answers 405 "Not Allowed" with an empty body (OPTIONS is allowed)."""
    response = _headers(Response(b"", status="200 OK" if method == "OPTIONS" else "405 Not Allowed"))
    response.content_type = "text/plain"
    response.headers["Allow"] = "OPTIONS, PUT"
    return response


def _status_line(status: int) -> str:
    """ "404 Not Found", as IMDS spells it (werkzeug's own status lines are upper case)."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Error"


def _text(body: str) -> Response:
    """Every IMDS answer is text/plain, JSON documents included."""
    return _headers(Response(body, status=200, content_type="text/plain"))


def _error(status: int, *, allow: str | None = None) -> Response:
    """IMDS's error page: a small XHTML document titled with the status."""
    title = _status_line(status).replace(" ", " - ", 1)
    page = (
        '<?xml version="1.0" encoding="iso-8859-1"?>\n'
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n'
        '\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n'
        f" <head>\n  <title>{title}</title>\n </head>\n <body>\n  <h1>{title}</h1>\n </body>\n</html>\n"
    )
    response = _headers(Response(page, status=_status_line(status), content_type="text/html"))
    if allow is not None:
        response.headers["Allow"] = allow
    return response
