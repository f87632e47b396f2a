"""The README's quick-start and fake-endpoint examples, run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks(section: str) -> list[str]:
    text = README.read_text()
    start = text.index(f"<!-- section: {section} -->")
    end = text.find("<!-- section:", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start : end if end > 0 else None], re.S)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("section", ["quick start", "fake endpoint"])
def test_readme_examples_run(section: str) -> None:
    blocks = _python_blocks(section)
    assert blocks
    for block in blocks:
        exec(compile(block, f"README:{section}", "exec"), {"__name__": "readme_example"})
