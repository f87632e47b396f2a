"""The README's `--data-dir` walkthrough, run as written: two real `awsfake serve` processes on one directory."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.timeout(120)
def test_data_dir_walkthrough_runs() -> None:
    text = README.read_text()
    start = text.index("<!-- data-dir walkthrough -->")
    (block,) = re.findall(r"```python\n(.*?)```", text[start : text.index("```\n\n", start) + 4], re.S)
    exec(compile(block, "README:data-dir", "exec"), {"__name__": "readme_example"})
