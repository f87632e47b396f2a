"""Marking a whole test folder: a folder's conftest says what its tests cost, once, for every file in it."""

from __future__ import annotations

from pathlib import Path

import pytest


def mark_folder(items: list[pytest.Item], conftest: str, *marks: pytest.MarkDecorator) -> None:
    """Add `marks` to the items under the folder of `conftest` (the hook sees every item of the session)."""
    folder = Path(conftest).resolve().parent
    for item in items:
        if folder in item.path.resolve().parents:
            for mark in marks:
                item.add_marker(mark)
