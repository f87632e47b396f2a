"""Where the catalogue's index comes from: the copy shipped in the package, or one built for the installed botocore.

The shipped index records the botocore release it was built from. When the installed botocore is another release,
its models are what clients speak, so an index is built from them once (a few seconds) and kept in the user's
cache directory; if that directory cannot be written, the index is built in memory for this process.
"""

from __future__ import annotations

import io
import json
import os
import threading
import zipfile
from pathlib import Path
from typing import Any

from awsfake.catalogue import build

__all__ = ["SHIPPED", "Store", "cache_path", "open_store"]

SHIPPED = build.SHIPPED


class Store:
    """Random access to one index: the services' summary rows, and each service's operations on demand."""

    def __init__(self, source: Path | bytes) -> None:
        data = source if isinstance(source, bytes) else source.read_bytes()
        self._archive = zipfile.ZipFile(io.BytesIO(data))
        self._lock = threading.Lock()
        self.botocore_version = self._archive.read(build.VERSION_MEMBER).decode()

    def services(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self._read(build.SERVICES_MEMBER)
        return rows

    def operations(self, service: str) -> dict[str, Any]:
        ops: dict[str, Any] = self._read(f"{service}.json")
        return ops

    def _read(self, member: str) -> Any:
        with self._lock:  # a ZipFile over one buffer is not safe for concurrent reads
            return json.loads(self._archive.read(member))


def cache_path(version: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "awsfake" / f"catalogue-botocore-{version}.zip"


def open_store(installed: str | None = None, shipped: Path = SHIPPED) -> Store:
    """The index matching the installed botocore (`installed`: its version): shipped, cached, or built now."""
    installed = installed or build.botocore_version()
    for candidate in (shipped, cache_path(installed)):
        if candidate.is_file():
            store = Store(candidate)
            if store.botocore_version == installed:
                return store
    try:
        build.write_index(cache_path(installed))
        return Store(cache_path(installed))
    except OSError:
        return Store(_built_in_memory())


def _built_in_memory() -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "index.zip"
        build.write_index(path)
        return path.read_bytes()
