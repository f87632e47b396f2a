"""IMDSv2 session tokens: issued by `PUT /latest/api/token` for 1 s to 6 h, required or optional on reads.

Tokens live in a dict (constant-time lookup) beside a heap ordered by expiry, so expired tokens are dropped a few
at a time as new ones are issued: no table is rebuilt per PUT, however many tokens are alive.
"""

from __future__ import annotations

import base64
import heapq
import re
import secrets
import threading
from typing import Literal, cast

__all__ = [
    "MAX_TOKEN_TTL",
    "TOKEN_HEADER",
    "TOKEN_PATH",
    "TTL_ANSWER_HEADER",
    "TTL_HEADER",
    "TokenMode",
    "TokenTable",
    "token_mode",
    "token_ttl",
]

TOKEN_PATH = "/latest/api/token"
TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"
TTL_ANSWER_HEADER = "X-Aws-Ec2-Metadata-Token-Ttl-Seconds"  # the spelling IMDS answers with
MAX_TOKEN_TTL = 21600
TokenMode = Literal["optional", "required"]
_TTL = re.compile(r"[0-9]{1,6}")


class TokenTable:
    """The live tokens and their expiry (epoch seconds); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}
        self._by_expiry: list[tuple[float, str]] = []

    def issue(self, ttl: int, now: float) -> str:
        """A new token valid for `ttl` seconds from `now`."""
        token = "AQAEA" + base64.urlsafe_b64encode(secrets.token_bytes(36)).decode().rstrip("=")
        expires = now + ttl
        with self._lock:
            self._forget_expired(now)
            self._expiry[token] = expires
            heapq.heappush(self._by_expiry, (expires, token))
        return token

    def seconds_left(self, token: str, now: float) -> int | None:
        """Whole seconds left on `token` (at least 1), or None when it is unknown or expired."""
        with self._lock:
            expires = self._expiry.get(token)
        if expires is None or expires <= now:
            return None
        return max(1, int(expires - now))

    def clear(self) -> None:
        with self._lock:
            self._expiry.clear()
            self._by_expiry.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._expiry)

    def _forget_expired(self, now: float) -> None:
        """Drop tokens whose expiry has passed; the caller holds the lock. Amortised O(log n) per issued token.

        A clock moved back (freezegun) can leave a token in the heap that expires later than it says; it is still
        dropped once `now` passes its recorded expiry, which is what the dict says too.
        """
        while self._by_expiry and self._by_expiry[0][0] <= now:
            _, token = heapq.heappop(self._by_expiry)
            self._expiry.pop(token, None)


def token_mode(mode: str) -> TokenMode:
    if mode in ("optional", "required"):
        return cast(TokenMode, mode)
    raise ValueError(f"tokens must be 'optional' or 'required', not {mode!r}")


def token_ttl(raw: str | None) -> int | None:
    """The TTL a token PUT asked for, or None when missing or out of IMDS's range (1..21600 s)."""
    if raw is None or not _TTL.fullmatch(raw.strip()):
        return None
    ttl = int(raw.strip())
    return ttl if 1 <= ttl <= MAX_TOKEN_TTL else None
