"""The public surface of both packages (httpx's manner): every public module lists its exports once in `__all__`,
every listed name exists, and every public name the module defines (a def, class or assignment at its top level) is
listed; the client package's own public names are all listed, sorted."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from types import ModuleType

import pytest

import awsclient

MODULES = [
    "awsclient",
    "awsclient.conformance",
    "awsclient.credentials",
    "awsclient.errors",
    "awsclient.s3",
    "awsclient.sigv4",
    "awsclient.sns",
    "awsclient.sts",
    "awsclient.transport",
    "awsfake",
    "awsfake.accounts",
    "awsfake.auth",
    "awsfake.auth.checks",
    "awsfake.auth.chunked",
    "awsfake.auth.payload",
    "awsfake.auth.post_policy",
    "awsfake.auth.presented",
    "awsfake.catalog",
    "awsfake.cli",
    "awsfake.doubles.credentials",
    "awsfake.doubles.error_log",
    "awsfake.doubles.journal",
    "awsfake.doubles.log",
    "awsfake.doubles.redact",
    "awsfake.doubles.rules",
    "awsfake.endpoint",
    "awsfake.errors",
    "awsfake.families",
    "awsfake.families.base",
    "awsfake.families.ec2",
    "awsfake.families.json",
    "awsfake.families.query",
    "awsfake.families.rest_xml",
    "awsfake.families.xml",
    "awsfake.imds",
    "awsfake.imds.answers",
    "awsfake.imds.app",
    "awsfake.imds.faults",
    "awsfake.imds.instance",
    "awsfake.imds.metadata",
    "awsfake.imds.role",
    "awsfake.imds.tokens",
    "awsfake.pipeline",
    "awsfake.request",
    "awsfake.services.native",
    "awsfake.stubs",
]


@pytest.mark.parametrize("name", MODULES)
def test_module_exports_exist(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(set(exported)) == len(exported)
    for item in exported:
        assert hasattr(module, item), f"{name}.{item}"
    assert defined_names(Path(str(module.__file__))) - set(exported) == set(), f"{name} defines public names not listed"


def defined_names(path: Path) -> set[str]:
    """The public names a module binds itself at top level (also inside top-level `if`/`try`); imports excluded."""
    names: set[str] = set()
    pending: list[ast.stmt] = list(ast.parse(path.read_text(encoding="utf-8")).body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(n.id for target in node.targets for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.If, ast.Try)):
            pending.extend([*node.body, *node.orelse])
    return {n for n in names if not n.startswith("_")}


def test_defined_names_sees_defs_classes_and_assignments(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("import os\nfrom x import y\nA = 1\nb: int = 2\n_c = 3\ndef f(): pass\nclass K: pass\n")
    assert defined_names(source) == {"A", "b", "f", "K"}


def test_client_package_exports_are_sorted_and_complete() -> None:
    assert awsclient.__all__ == sorted(awsclient.__all__)
    public = {n for n, v in vars(awsclient).items() if not n.startswith("_") and not isinstance(v, ModuleType)}
    assert public <= set(awsclient.__all__)
    for name in ("AwsError", "TransportError", "current_pool_timeout", "max_attempts", "request"):
        assert name in awsclient.__all__ and hasattr(awsclient, name)


def test_client_package_reaches_the_modules() -> None:
    assert awsclient.sigv4.add_v4_auth_heads is importlib.import_module("awsclient.sigv4").add_v4_auth_heads
    assert awsclient.credentials.credentials_from_file is not None
    assert issubclass(awsclient.CredentialsError, ValueError)


def test_the_package_exports_the_endpoint_and_its_default_credentials() -> None:
    import awsfake

    assert {"FakeAWS", "DEFAULT_ACCESS_KEY_ID", "DEFAULT_SECRET_ACCESS_KEY", "DEFAULT_ACCOUNT_ID"} <= set(
        awsfake.__all__
    )
    assert len(awsfake.DEFAULT_ACCESS_KEY_ID) == 20 and len(awsfake.DEFAULT_SECRET_ACCESS_KEY) == 40


def test_identity_repr_hides_secret_and_token() -> None:
    from awsfake.accounts import Accounts

    identity = Accounts().add("AKIDREPRREPRREPR0001", "top-secret-value", session_token="token-value")
    assert "top-secret-value" not in repr(identity) and "token-value" not in repr(identity)
    assert "AKIDREPRREPRREPR0001" in repr(identity)
