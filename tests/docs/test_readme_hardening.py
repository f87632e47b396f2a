"""The README's "What the fake checks" example, run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "what the fake checks"


def _python_blocks() -> list[str]:
    text = README.read_text()
    start = text.index(f"<!-- section: {SECTION} -->")
    end = text.index("<!-- section:", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start:end], re.S)


@pytest.mark.timeout(60)
def test_readme_example_runs() -> None:
    blocks = _python_blocks()
    assert blocks
    for block in blocks:
        exec(compile(block, f"README:{SECTION}", "exec"), {"__name__": "readme_example"})
