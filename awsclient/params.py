"""Parameters: process-wide settings with context-local overrides.

A `Parameter` is read by calling it with no argument and set by calling it with one. Setting changes the
process-wide value that every thread sees, unless the caller is inside `parameterize`, where it changes only that
context's override (so code run under an override cannot leak a change out of it).

`parameterize` uses `contextvars`: an override is seen by the code in the `with` block, by coroutines it awaits and
by tasks it creates, but not by threads it starts, which begin with an empty context and so see the process-wide
values (run the thread's target under `contextvars.copy_context().run` to hand the overrides on).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any, Generic, TypeVar, cast, overload

T = TypeVar("T")

__all__ = ["Parameter", "parameterize", "reset_all_parameters"]


class _Unset:
    def __repr__(self) -> str:
        return "<unset>"


_UNSET: Any = _Unset()


class _Cell:
    """One override's value; mutable so that setting inside `parameterize` stays inside it."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


_NO_OVERRIDES: Mapping[Parameter[Any], _Cell] = MappingProxyType({})
_all_parameters: weakref.WeakSet[Parameter[Any]] = weakref.WeakSet()
_overrides: ContextVar[Mapping[Parameter[Any], _Cell]] = ContextVar("awsclient_overrides", default=_NO_OVERRIDES)


class Parameter(Generic[T]):
    """A named setting. `p()` reads, `p(value)` sets (validated first).

    `default_factory` is called at every read while nothing was set, so defaults that come from the environment
    follow the environment. `secret` parameters never show their value in a repr or an error message.
    """

    def __init__(
        self,
        name: str,
        default: T = _UNSET,
        *,
        default_factory: Callable[[], T] | None = None,
        validate: Callable[[Any], T] | None = None,
        secret: bool = False,
        lock: threading.RLock | None = None,
    ) -> None:
        if (default is _UNSET) == (default_factory is None):
            raise TypeError("give a Parameter exactly one of default and default_factory")
        self.name = name
        self.secret = secret
        self._default = default
        self._default_factory = default_factory
        self._validate = validate
        self._value: object = _UNSET
        self.lock = lock or threading.RLock()
        _all_parameters.add(self)

    @overload
    def __call__(self) -> T: ...
    @overload
    def __call__(self, value: T) -> None: ...

    def __call__(self, value: Any = _UNSET) -> T | None:
        if value is _UNSET:
            return self.get()
        self.set(value)
        return None

    def get(self) -> T:
        cell = _overrides.get().get(self)
        value = cell.value if cell is not None else self._value
        if value is _UNSET:
            return self._default if self._default_factory is None else self._default_factory()
        return cast(T, value)

    def set(self, value: Any) -> None:
        checked = self.validated(value)
        cell = _overrides.get().get(self)
        with self.lock:
            if cell is not None:
                cell.value = checked
            else:
                self._value = checked

    def reset(self) -> None:
        """Forget the process-wide value, so the default applies again (overrides are untouched)."""
        with self.lock:
            self._value = _UNSET

    def validated(self, value: Any) -> T:
        if self._validate is None:
            return cast(T, value)
        try:
            return self._validate(value)
        except (TypeError, ValueError) as exc:
            shown = "<hidden>" if self.secret else repr(value)
            raise type(exc)(f"invalid value for parameter {self.name}: {shown}: {exc}") from None

    def __repr__(self) -> str:
        shown = "<hidden>" if self.secret else repr(self.get())
        return f"<Parameter {self.name}={shown}>"


def reset_all_parameters() -> None:
    """Every parameter back to its default (test isolation; the pytest plugin calls it around each test)."""
    for param in list(_all_parameters):
        param.reset()


@contextmanager
def parameterize(values: Mapping[Parameter[Any], Any]) -> Iterator[None]:
    """Override parameters for the current context only; every value is validated before any applies."""
    cells = {param: _Cell(param.validated(value)) for param, value in values.items()}
    token = _overrides.set({**_overrides.get(), **cells})
    try:
        yield
    finally:
        _overrides.reset(token)


def str_param(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def optional_str_param(value: Any) -> str | None:
    return None if value is None else str_param(value)


def non_negative_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    if value < 0:
        raise ValueError("must be zero or more")
    return value


def positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    if value < 1:
        raise ValueError("must be 1 or more")
    return value
