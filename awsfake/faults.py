"""`Fault`: an AWS error as plain values. Raised by auth and services; rendered only by `awsfake.protocols`."""

from __future__ import annotations

__all__ = ["Fault"]


class Fault(Exception):
    """AWS's code, message and status, plus the extra elements some errors carry (in order).

    `sender` is the query family's `<Type>`: True for Sender (the caller's fault), False for Receiver.
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        *,
        extras: dict[str, str] | None = None,
        sender: bool = True,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.extras = dict(extras or {})
        self.sender = sender
        self.headers = dict(headers or {})
