import threading
import time

import pytest
import urllib3

from awsfake.server import serve_app


def hello(environ, start_response):  # type: ignore[no-untyped-def]
    body = str(environ["awsfake.connection_id"]).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def test_keep_alive_reuses_one_connection_and_shutdown_closes_it() -> None:
    before = threading.active_count()
    with serve_app(hello) as server:
        assert server.url.startswith("http://127.0.0.1:") and server.port > 0
        pool = urllib3.HTTPConnectionPool("127.0.0.1", server.port, maxsize=1)
        ids = {pool.request("GET", "/").data for _ in range(3)}
        assert len(ids) == 1
        assert len(server.connections) == 1 and server.connections[0].requests == 3
        assert server.open_connections()
    deadline = time.monotonic() + 5
    while server.open_connections() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not server.open_connections()
    pool.close()
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() <= before


def test_refuses_non_loopback_without_explicit_flag() -> None:
    with pytest.raises(ValueError, match="must not face a network"), serve_app(hello, host="0.0.0.0"):
        pass
