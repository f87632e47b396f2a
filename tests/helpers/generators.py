"""Re-running a committed fixture generator in a scratch copy, to show the committed files are what it writes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def regenerate(folder: Path, into: Path, generated: Callable[[Path], bool]) -> tuple[str, list[Path]]:
    """Copy `folder` to `into`, delete the files `generated` says its `generate.py` writes, run the script there;
    its stdout (stripped) and the paths it had to write again. A failing run fails the test with its output."""
    shutil.copytree(folder, into)
    written = [path for path in into.rglob("*") if generated(path)]
    for path in written:
        path.unlink()
    result = subprocess.run(
        [sys.executable, str(into / "generate.py")],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip(), written
