"""The README's fidelity examples (SQS's query protocol, S3 regions, bucket configuration), run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks() -> list[str]:
    text = README.read_text()
    start = text.index("<!-- section: fidelity -->")
    end = text.index("<!-- section:", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start:end], re.S)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("index", range(len(_blocks())))
def test_fidelity_example_runs(index: int) -> None:
    exec(compile(_blocks()[index], f"README:fidelity[{index}]", "exec"), {"__name__": "readme_example"})
