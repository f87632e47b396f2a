"""The README's "Use it in your tests" examples, run as a downstream project would: each subsection's files are
written out as named by their first line and run with pytest, `python -m unittest` or `python`. Modules that are
not tests (the code under test) stay for the subsections after the one that introduces them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from readme import section

pytest_plugins = ["pytester"]

pytestmark = pytest.mark.timeout(300)

SECTION = "use it in your tests"


def subsections() -> list[tuple[str, dict[str, str]]]:
    """(heading, {file name: content}) for each subsection holding named code blocks."""
    found = []
    for part in re.split(r"^### ", section(SECTION), flags=re.M):
        files = {}
        for block in re.findall(r"```(?:python|ini)\n(.*?)```", part, re.S):
            first, _, _ = block.partition("\n")
            files[first.lstrip("# ").split()[0]] = block
        if files:
            found.append((part.partition("\n")[0], files))
    return found


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=240)


def test_readme_examples_pass(pytester: pytest.Pytester) -> None:
    library: dict[str, str] = {}
    ran = []
    for heading, files in subsections():
        project = pytester.mkdir(f"project{len(ran)}")
        for name, content in {**library, **files}.items():
            (project / name).write_text(content)
        library.update((n, c) for n, c in files.items() if not re.match(r"test_|conftest|script|.*\.ini$", n))
        tests = [n for n in files if n.startswith("test_") and not n.endswith("_unittest.py")]
        if tests:
            expected = sum(len(re.findall(r"^def test_", files[n], re.M)) for n in tests)
            done = run(["-m", "pytest", "-p", "no:cacheprovider", "-q", *tests], project)
            assert f"{expected} passed" in done.stdout and "failed" not in done.stdout, (heading, done.stdout)
        for name in files:
            if name.endswith("_unittest.py"):
                done = run(["-m", "unittest", name.removesuffix(".py")], project)
                expected = len(re.findall(r"^    def test_", files[name], re.M))
                assert done.returncode == 0 and f"Ran {expected} tests" in done.stderr, (heading, done.stderr)
            if name == "script.py":
                assert run([name], project).returncode == 0, heading
        ran.append(heading)
    assert len(ran) == 5, ran
