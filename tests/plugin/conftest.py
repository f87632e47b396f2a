"""pytester runs in subprocesses: every test here is marked `slow`."""

from __future__ import annotations

import pytest
from folder_marks import mark_folder


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_folder(items, __file__, pytest.mark.slow)
