"""No import cycles in either package, counting every import a type checker or a call can follow: module level,
inside functions, and under `TYPE_CHECKING`. The client package never imports the fake.

The graph is read from the source with `ast`, not from `sys.modules`, so an import that only runs in a branch
still counts. `from pkg import name` imports the submodule `pkg.name` when there is one, else `pkg` itself. And the
signer, which the fake imports, loads without the credential chain and the transport (checked in a fresh process).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("awsclient", "awsfake")

Graph = Mapping[str, frozenset[str]]


def modules_under(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Module name → file, for every .py file of the packages (a package is named for its `__init__.py`)."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imported_by(name: str, path: Path, known: Mapping[str, Path]) -> frozenset[str]:
    """The known modules this module imports anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = absolute(package, node.level, node.module)
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                targets.add(submodule if submodule in known else source)
    return frozenset(t for t in targets if t in known and t != name)


def absolute(package: str, level: int, module: str | None) -> str:
    """The absolute name a (possibly relative) `from ... import` reads from."""
    if not level:
        return module or ""
    parts = package.split(".")
    base = parts[: len(parts) - level + 1]
    return ".".join([*base, module] if module else base)


def import_graph(root: Path, packages: Iterable[str]) -> dict[str, frozenset[str]]:
    known = modules_under(root, packages)
    return {name: imported_by(name, path, known) for name, path in known.items()}


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            step = next((e for e in edges if e not in index or e in on_stack), None)
            if step is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif step in index:
                low[node] = min(low[node], index[step])
            else:
                index[step] = low[step] = len(index)
                stack.append(step)
                on_stack.add(step)
                work.append((step, iter(sorted(graph[step]))))
    return found


def test_no_import_cycles_in_either_package() -> None:
    graph = import_graph(ROOT, PACKAGES)
    assert len(graph) > 50 and "awsfake.pipeline" in graph["awsfake.endpoint"]  # the walk saw the real tree
    found = [c for c in cycles(graph) if c not in KNOWN_CYCLES]
    detail = [{m: sorted(graph[m] & set(c)) for m in c} for c in found]
    assert not found, f"import cycles: {detail}"


# Cycles tolerated for now: none (handler and server share `awsfake.connection` instead of naming each other).
KNOWN_CYCLES: list[list[str]] = []


# The conformance kit's `--verify` replays each case against a FakeAWS, importing it inside the function that
# does so; no other client module may reach the fake.
VERIFIES_AGAINST_THE_FAKE = {"awsclient.conformance.verify"}


def test_the_client_never_imports_the_fake() -> None:
    graph = import_graph(ROOT, PACKAGES)
    offenders = {m: sorted(t for t in targets if t.split(".")[0] == "awsfake") for m, targets in graph.items()}
    found = {m: t for m, t in offenders.items() if m.startswith("awsclient") and t}
    assert set(found) <= VERIFIES_AGAINST_THE_FAKE, found


def test_the_checker_sees_type_checking_function_level_and_submodule_imports(tmp_path: Path) -> None:
    """A cycle made only of the imports a run-time check would miss is still found."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import A\n")
    (pkg / "a.py").write_text("def f():\n    from .sub import b\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("from pkg import c\n")
    (pkg / "c.py").write_text("import pkg.a\n")
    (pkg / "d.py").write_text("from pkg import A\n")
    graph = import_graph(tmp_path, ["pkg"])
    assert graph["pkg.a"] == {"pkg.sub.b"} and graph["pkg.sub.b"] == {"pkg.c"} and graph["pkg.d"] == {"pkg"}
    assert cycles(graph) == [["pkg.a", "pkg.c", "pkg.sub.b"]]
    assert cycles({**graph, "pkg.a": frozenset({"pkg"})}) == [["pkg", "pkg.a"]]


def test_the_signer_loads_without_the_credential_chain_or_the_transport() -> None:
    """The fake's verifier imports the signer and `Credentials`: neither may bring the loaders, IMDS or urllib3,
    which cost tens of milliseconds at start-up; the package's other names still load when first used."""
    code = (
        "import sys\n"
        "import awsclient.sigv4\n"
        "from awsclient.credentials import Credentials\n"
        "heavy = ['urllib3', 'awsclient.transport', 'awsclient.imds', 'awsclient.credentials.chain', 'http.client']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "import awsclient.credentials as c\n"
        "print(c.current_credentials.__module__, c.files.__name__, c.CredentialsError.__module__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.splitlines() == [
        "[]",
        "awsclient.credentials.chain awsclient.credentials.files awsclient.errors",
    ], done.stderr
