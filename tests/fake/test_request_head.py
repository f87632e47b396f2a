"""What the app reads of a request's head: the header pairs and the target awsfake's own server hands over
(`awsfake.headers`, `awsfake.target`) when they are there, else what any WSGI server puts in the environ."""

from __future__ import annotations

import io
from typing import Any

import pytest
from endpoint_helpers import signed

from awsfake import FakeAWS

URL = "http://localhost:4566"
BODY = b"Action=GetCallerIdentity&Version=2011-06-15"
FORM = "application/x-www-form-urlencoded; charset=utf-8"


def _signed_sts() -> list[tuple[str, str]]:
    """A signed STS GetCallerIdentity's headers as the server hands them over: lower-case names, in order."""
    headers = signed(URL, "POST", "/", service="sts", body=BODY, headers={"Content-Type": FORM})
    return [(name.lower(), value) for name, value in headers.items()] + [("content-length", str(len(BODY)))]


def _status_and_path(environ: dict[str, Any]) -> tuple[str, str]:
    fake = FakeAWS()
    seen: list[str] = []
    b"".join(fake(environ, lambda status, headers, exc_info=None: seen.append(status)))
    return seen[0], fake.requests[-1].path


def _environ(headers: list[tuple[str, str]], target: str) -> dict[str, Any]:
    environ: dict[str, Any] = {"REQUEST_METHOD": "POST", "RAW_URI": target, "wsgi.input": io.BytesIO(BODY)}
    for name, value in headers:
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    return environ


def test_the_servers_keys_are_read_before_the_rest_of_the_environ() -> None:
    # the environ's own keys are stale (no Authorization, another target): only the server's keys verify
    environ = _environ([("host", "localhost:4566"), ("content-length", str(len(BODY)))], "/stale?x=1")
    environ["awsfake.headers"] = _signed_sts()
    environ["awsfake.target"] = "/"
    assert _status_and_path(environ) == ("200 OK", "/")


def test_without_the_servers_keys_the_environ_is_read() -> None:
    assert _status_and_path(_environ(_signed_sts(), "/")) == ("200 OK", "/")


@pytest.mark.parametrize("target", ["/caf\xc3\xa9?x=%20", "http://localhost:4566/caf\xc3\xa9?x=%20"])
def test_a_target_as_sent_is_read_as_the_environ_would_give_it(target: str) -> None:
    # UTF-8 bytes arrive as latin-1 text in `awsfake.target`; they are kept as the characters the client signed
    environ = _environ([("host", "localhost:4566")], "/stale")
    environ["awsfake.headers"] = [("host", "localhost:4566")]
    environ["awsfake.target"] = target
    assert _status_and_path(environ)[1] == "/café"
