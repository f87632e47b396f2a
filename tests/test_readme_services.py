"""The README's built-in service examples (end of the fake-endpoint section), run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _service_blocks() -> list[str]:
    text = README.read_text()
    start = text.index("<!-- services examples (s3sqs) -->")
    end = text.index("<!-- section:", start)
    return re.findall(r"```python\n(.*?)```", text[start:end], re.S)


@pytest.mark.timeout(60)
def test_service_examples_run() -> None:
    blocks = _service_blocks()
    assert len(blocks) == 5
    for block in blocks:
        exec(compile(block, "README:services", "exec"), {"__name__": "readme_example"})
