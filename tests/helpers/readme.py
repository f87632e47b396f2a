"""The README's sections and their Python examples: the one extractor every README test uses."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def section(marker: str) -> str:
    """The README from `<!-- section: marker -->` (or `<!-- marker -->`) to the next section marker."""
    text = README.read_text(encoding="utf-8")
    opening = f"<!-- section: {marker} -->"
    start = text.find(opening)
    if start < 0:
        start = text.index(f"<!-- {marker} -->")
    end = text.find("<!-- section:", start + 1)
    return text[start : end if end >= 0 else None]


def python_blocks(marker: str) -> list[str]:
    """Each ```python block of the section, as written."""
    return re.findall(r"```python\n(.*?)```", section(marker), re.S)
