"""The public surface of the client-core modules: every exported name exists (the package's `__all__` sorted)."""

from __future__ import annotations

import importlib

import pytest

import awsclient


@pytest.mark.parametrize("name", ["awsclient", "awsclient.credentials", "awsclient.sigv4", "awsclient.conformance"])
def test_exports(name: str) -> None:
    module = importlib.import_module(name)
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == []


def test_package_exports_are_sorted() -> None:
    assert awsclient.__all__ == sorted(awsclient.__all__)


def test_package_reaches_the_modules() -> None:
    assert awsclient.sigv4.add_v4_auth_heads is importlib.import_module("awsclient.sigv4").add_v4_auth_heads
    assert awsclient.credentials.credentials_from_file is not None
    assert issubclass(awsclient.CredentialsError, ValueError)
