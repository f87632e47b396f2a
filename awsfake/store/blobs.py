"""Where bodies above the spool threshold live: files in `tmp/` while in flight, in `blobs/` once kept.

Without a data directory the files are in a temporary directory of this process, removed when a body is dropped
and at exit. With one (`awsfake serve --data-dir`), a body the state refers to is made durable before that state
is committed: fsynced under its temporary name, renamed into `blobs/`, the directory fsynced. A kept file is
deleted only once no body refers to it and no committed record names it, so a crash at any point leaves either
the old state with its files or the new one with its files; files no committed state names are swept at the
next start.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

__all__ = ["BlobFile", "Blobs"]


@dataclass(eq=False)
class BlobFile:
    """One body's file; `kept` once it is under `blobs/` (named by committed state)."""

    path: str
    owner: Blobs
    kept: bool = False
    synced: bool = False  # fsynced when written (a data directory's bodies are)

    @property
    def name(self) -> str:
        return os.path.basename(self.path)


class Blobs:
    """The files of one endpoint's bodies; `root` None keeps them in a temporary directory until exit."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.durable = root is not None
        self._root: Path | None = Path(root) if root is not None else None
        self._lock = threading.Lock()
        self._released: list[str] = []
        if self._root is not None:
            (self._root / "tmp").mkdir(parents=True, exist_ok=True)
            (self._root / "blobs").mkdir(exist_ok=True)

    def _dir(self, name: str) -> Path:
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="awsfake-bodies-"))
                weakref.finalize(self, shutil.rmtree, self._root, ignore_errors=True)
                (self._root / "tmp").mkdir()
                (self._root / "blobs").mkdir()
            return self._root / name

    def new_file(self) -> tuple[BinaryIO, BlobFile]:
        """A new file under `tmp/`, open for writing."""
        fd, path = tempfile.mkstemp(dir=self._dir("tmp"), prefix="body-")
        return os.fdopen(fd, "wb"), BlobFile(path, self)

    def keep(self, file: BlobFile) -> str:
        """Make `file` durable under `blobs/` (data directory only) and return its name there."""
        if file.kept or not self.durable:
            return file.name
        if not file.synced:
            with open(file.path, "rb") as handle:
                os.fsync(handle.fileno())
        target = self._dir("blobs") / file.name
        os.replace(file.path, target)
        _fsync_dir(target.parent)
        file.path, file.kept = str(target), True
        return file.name

    def file_named(self, name: str) -> BlobFile:
        """The kept file `name` (as saved state names it)."""
        return BlobFile(str(self._dir("blobs") / os.path.basename(name)), self, kept=True)

    def release(self, file: BlobFile) -> None:
        """No body refers to `file` any more: delete it now, or (kept) after the next commit."""
        if file.kept:
            with self._lock:
                self._released.append(file.path)
        else:
            _unlink(file.path)

    def released(self) -> set[str]:
        """The names of kept files no body refers to any more, not deleted yet."""
        with self._lock:
            return {os.path.basename(path) for path in self._released}

    def delete_released(self, named: Callable[[str], bool]) -> None:
        """Delete the released kept files that committed state no longer names (`named(name)` says whether it
        does); the others wait for a later commit."""
        with self._lock:
            released, self._released = self._released, []
        for path in released:
            if named(os.path.basename(path)):
                with self._lock:
                    self._released.append(path)
            else:
                _unlink(path)

    def sweep(self, named: set[str]) -> int:
        """At start: delete what a crash left (every file under `tmp/`, kept files no state names)."""
        removed = 0
        for entry in self._dir("tmp").iterdir():
            _unlink(str(entry))
            removed += 1
        for entry in self._dir("blobs").iterdir():
            if entry.name not in named:
                _unlink(str(entry))
                removed += 1
        return removed


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
