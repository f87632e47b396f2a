"""Connection pools: kept-alive connections per origin, each closed when its idle time is up.

Pooling is one parameter, `current_pool_timeout` (seconds). At 0 (the default) a connection serves one request and
is closed. Above 0, connections are kept per (scheme, host, port) and reused while they have been idle for less
than the timeout; a daemon "reaper" thread closes each one when its idle time is up, even if the process sends
nothing more, so the server sees the close. The reaper sleeps on a condition until the next expiry (no polling)
and ends when nothing is pooled.

urllib3 does the HTTP. Its pools keep idle connections in a queue with `None` for empty slots; the pools here note
each connection's expiry when it is put back, and the reaper swaps expired ones for `None` under the queue's own
mutex, which is exactly how urllib3 itself records a slot whose connection was dropped.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from contextvars import ContextVar
from typing import Any

from urllib3.connection import HTTPConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from awsclient.params import Parameter, non_negative_number

__all__ = ["POOL_SIZE", "close_pools", "connection_reused", "current_pool_timeout", "pool_for"]

POOL_SIZE = 10
"""Idle connections kept per host (botocore's default); more threads at once still work, the extras not kept."""

current_pool_timeout: Parameter[float] = Parameter("current_pool_timeout", 0.0, validate=non_negative_number)

connection_reused: ContextVar[bool] = ContextVar("awsclient_conn_reused", default=False)
"""Whether the connection the current request got from its pool had been used before (set by the pool)."""
# When each idle connection's time is up, kept beside the connections rather than written onto urllib3's objects.
_expiries: weakref.WeakKeyDictionary[HTTPConnection, float] = weakref.WeakKeyDictionary()


class _IdlePool:
    """What the two urllib3 pool classes gain: expiry stamps on put, the timeout on get, the reaper's watch."""

    pool: Any

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        expires = _expiries.pop(conn, None) if conn is not None else None
        if expires is not None and time.monotonic() >= expires:
            conn.close()  # idle for the whole timeout: the reaper would have closed it a moment from now
        connection_reused.set(getattr(conn, "sock", None) is not None)
        return conn

    def _put_conn(self, conn: Any) -> None:
        idle = current_pool_timeout()
        if conn is not None and (idle <= 0 or getattr(conn, "sock", None) is None):
            conn.close()
            conn = None
        if conn is not None:
            expires = time.monotonic() + idle
            _expiries[conn] = expires
            super()._put_conn(conn)  # type: ignore[misc]
            _reaper.watch(self, expires)
        else:
            super()._put_conn(None)  # type: ignore[misc]

    def close_expired(self, now: float) -> float | None:
        """Close the idle connections whose time is up; the earliest expiry left, if any."""
        queue = self.pool
        if queue is None:
            return None
        expired: list[HTTPConnection] = []
        earliest: float | None = None
        with queue.mutex:
            for index, conn in enumerate(queue.queue):
                expires = _expiries.get(conn) if conn is not None else None
                if expires is None:
                    continue
                if expires <= now:
                    queue.queue[index] = None
                    del _expiries[conn]
                    expired.append(conn)
                else:
                    earliest = expires if earliest is None else min(earliest, expires)
        for conn in expired:
            conn.close()
        return earliest


class _Pool(_IdlePool, HTTPConnectionPool):
    pass


class _TlsPool(_IdlePool, HTTPSConnectionPool):
    pass


class _Reaper:
    """One daemon thread, alive only while something is pooled, closing connections as their idle time ends."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pools: set[_IdlePool] = set()
        self._next: float | None = None
        self._thread: threading.Thread | None = None

    def watch(self, pool: _IdlePool, expires: float) -> None:
        with self._cond:
            self._pools.add(pool)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="awsclient-pool-reaper", daemon=True)
                self._thread.start()
            elif self._next is None or expires < self._next:
                self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                self._next = self._sweep(now)
                if self._next is None:
                    self._thread = None
                    return
                self._cond.wait(self._next - now)

    def _sweep(self, now: float) -> float | None:
        earliest: float | None = None
        for pool in list(self._pools):
            left = pool.close_expired(now)
            if left is None:
                self._pools.discard(pool)
            else:
                earliest = left if earliest is None else min(earliest, left)
        return earliest

    def alive(self) -> bool:
        with self._cond:
            return self._thread is not None


_reaper = _Reaper()
_pools: dict[tuple[str, str, int, str | None], _IdlePool] = {}
_pools_lock = threading.Lock()


def pool_for(scheme: str, host: str, port: int) -> Any:
    """The pool for one origin. TLS trusts the system's CAs, or those in `AWS_CA_BUNDLE` (as botocore does)."""
    ca_bundle = (os.environ.get("AWS_CA_BUNDLE") or None) if scheme == "https" else None
    key = (scheme, host, port, ca_bundle)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            options: dict[str, Any] = {"maxsize": POOL_SIZE, "block": False, "retries": False}
            if scheme == "https":
                pool = _pools[key] = _TlsPool(host, port, ca_certs=ca_bundle, **options)
            else:
                pool = _pools[key] = _Pool(host, port, **options)
        return pool


def close_pools() -> None:
    """Close every pooled connection now (tests, and programs that want a clean exit)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()  # type: ignore[attr-defined]
