"""The services' saved state: in memory only (`Store`), or in a data directory (`DiskStore`, SQLite + files).

Services keep their working state in their own dicts and dataclasses; the store keeps a copy of it on disk, one
record per thing (a bucket, an object, a queue, a topic...). After changing something a service `touch`es it
(kind and key); when the request ends, the store asks the service for the current value of each touched thing
(`Service.state_of`) and writes all of them in one SQLite transaction (None deletes the record). Writing the
current value rather than the value at touch time means concurrent requests on one thing cannot commit an older
state over a newer one. At start, a service gets every record back (`Service.restore`).

Values are pickled: the state is the server's own, in a directory its user chose, and pickle keeps the
dataclasses readable (no schema beside them). A body in a file is saved as a reference to that file, made
durable first (`Blobs.keep`); small bodies are saved inline.
"""

from __future__ import annotations

import io
import itertools
import os
import pickle
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from awsfake.store.blobs import Blobs
from awsfake.store.body import Body

__all__ = ["DATABASE_NAME", "DiskStore", "Saved", "Service", "Store"]


class Service(Protocol):
    """What the store reads of a service (`awsfake.services.Service`)."""

    @property
    def name(self) -> str: ...

    @property
    def lock(self) -> threading.RLock: ...

    def state_of(self, kind: str, key: str) -> Any: ...

    def restore(self, kind: str, key: str, value: Any) -> None: ...


DATABASE_NAME = "state.sqlite3"
_Touched = tuple[Service, str, str]
_NOTHING = nullcontext()  # reusable: entering it does nothing
_A = TypeVar("_A")
_R = TypeVar("_R")


@dataclass(frozen=True)
class _Row:
    id: tuple[str, str, str]  # service, kind, key
    stamp: int
    value: bytes | None  # None: the thing is gone
    blobs: str  # the kept files it names, space-separated

    @property
    def record(self) -> tuple[str, str, str, bytes | None, str]:
        return (*self.id, self.value, self.blobs)


class Saved:
    """One service's handle on the store: `touch(kind, key)` after changing that thing. `keeps` is False for a
    store in memory, where a touch does nothing: a hot operation may skip building the thing's key."""

    keeps = True

    def __init__(self, store: Store, service: Service) -> None:
        self._store = store
        self._service = service

    def touch(self, kind: str, key: str) -> None:
        self._store.touched(self._service, kind, key)


class _Unsaved(Saved):
    """The handle of a store in memory: a touch does nothing, here rather than one call further."""

    keeps = False

    def touch(self, kind: str, key: str) -> None:
        """Nothing to keep."""


class Store:
    """State in memory only (tests, `awsfake serve` without `--data-dir`): touching is free, nothing is written.
    `keeps` is False: `run` is then just the call, which a caller on every request may make itself."""

    keeps = False

    def __init__(self, blobs: Blobs | None = None) -> None:
        self.blobs = blobs or Blobs()

    def saved(self, service: Service) -> Saved:
        return _Unsaved(self, service)

    def touched(self, service: Service, kind: str, key: str) -> None:
        """Nothing to keep."""

    def request(self) -> AbstractContextManager[None]:
        """One request's changes, committed together when it ends (in memory there is nothing to commit)."""
        return _NOTHING

    def run(self, operation: Callable[[_A], _R], argument: _A) -> _R:
        """`operation(argument)` as one request (`request()`): what it changed is saved in one transaction. In
        memory it is just the call (entering and leaving even an empty context costs two calls)."""
        return operation(argument)

    def tidy(self) -> None:
        """Delete the kept files released since the last commit (none in memory)."""

    def restore(self, service: Service) -> None:
        """Give `service` its saved records (none in memory)."""

    def clear(self) -> None:
        """Forget all saved state (`FakeAWS.reset`)."""

    def close(self) -> None:
        """Release the database."""


class DiskStore(Store):
    """State in `directory`: SQLite (WAL, one writer) for records, `blobs/` for bodies above the threshold."""

    keeps = True

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        super().__init__(Blobs(directory))
        self._db = sqlite3.connect(
            os.path.join(directory, DATABASE_NAME), check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS records (service TEXT, kind TEXT, key TEXT, value BLOB, blobs TEXT, "
            "PRIMARY KEY (service, kind, key))"
        )
        self._writer = threading.Lock()
        self._stamps = itertools.count()
        self._written: dict[tuple[str, str, str], int] = {}  # (service, kind, key) -> stamp of the value on disk
        self._local = threading.local()
        self._bodies: weakref.WeakValueDictionary[str, Body] = weakref.WeakValueDictionary()
        self.swept = self.blobs.sweep(self._named_blobs())

    def _named_blobs(self) -> set[str]:
        rows = self._db.execute("SELECT blobs FROM records WHERE blobs != ''").fetchall()
        return {name for (names,) in rows for name in names.split()}

    def saved(self, service: Service) -> Saved:
        return Saved(self, service)

    def run(self, operation: Callable[[_A], _R], argument: _A) -> _R:
        with self.request():
            return operation(argument)

    def touched(self, service: Service, kind: str, key: str) -> None:
        pending: list[_Touched] | None = getattr(self._local, "pending", None)
        if pending is None:
            self._commit([(service, kind, key)])
        else:
            pending.append((service, kind, key))

    @contextmanager
    def request(self) -> Iterator[None]:
        self._local.pending = []
        try:
            yield
        finally:
            pending, self._local.pending = self._local.pending, None
            if pending:
                self._commit(pending)

    def _commit(self, touched: list[_Touched]) -> None:
        """Every touched thing's current value, in one transaction; released files deleted after it.

        Values are taken (and their files kept) under each service's own lock, stamped with a sequence number;
        the writer then skips any value older than one already written for the same thing. So two requests on
        one thing cannot commit an older state over a newer one, and no service lock is awaited while holding
        the writer lock (no lock-order inversion with a thread that touches while holding its service's lock).
        """
        rows = [self._row(service, kind, key) for service, kind, key in dict.fromkeys(touched)]
        with self._writer:
            released = self.blobs.released()  # a value naming one of these is stale: a newer one is coming
            fresh = [
                row
                for row in rows
                if row.stamp > self._written.get(row.id, -1) and not released.intersection(row.blobs.split())
            ]
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for row in fresh:
                    if row.value is None:
                        self._db.execute("DELETE FROM records WHERE service=? AND kind=? AND key=?", row.id)
                    else:
                        self._db.execute("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?)", row.record)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._written.update((row.id, row.stamp) for row in fresh)
            self.blobs.delete_released(self._names)

    def _names(self, blob: str) -> bool:
        """Whether a committed record names kept file `blob`."""
        query = "SELECT 1 FROM records WHERE instr(' ' || blobs || ' ', ?) > 0 LIMIT 1"
        return self._db.execute(query, (f" {blob} ",)).fetchone() is not None

    def _row(self, service: Service, kind: str, key: str) -> _Row:
        with service.lock:
            stamp = next(self._stamps)
            value = service.state_of(kind, key)
            if value is None:
                return _Row((service.name, kind, key), stamp, None, "")
            buffer = io.BytesIO()
            pickler = _Pickler(buffer, self.blobs)
            pickler.dump(value)
        return _Row((service.name, kind, key), stamp, buffer.getvalue(), " ".join(pickler.named))

    def tidy(self) -> None:
        """A body whose last reference goes after the last commit (the request that held it was still answering
        when another committed its replacement) is released with no commit to follow: its file goes here, as at a
        commit's end, when the server stops and when the store is closed (else only the next start's sweep)."""
        with self._writer:
            self.blobs.delete_released(self._names)

    def restore(self, service: Service) -> None:
        rows = self._db.execute(
            "SELECT kind, key, value FROM records WHERE service=? ORDER BY kind, rowid", (service.name,)
        ).fetchall()
        with service.lock:
            for kind, key, value in rows:
                service.restore(kind, key, _Unpickler(io.BytesIO(value), self).load())

    def body_named(self, name: str, size: int, md5: bytes | None, sha256: str | None) -> Body:
        """One `Body` per kept file, however many records name it (a copied object shares its source's file)."""
        body = self._bodies.get(name)
        if body is None:
            body = Body(file=self.blobs.file_named(name), size=size, md5=md5, sha256=sha256)
            self._bodies[name] = body
        return body

    def clear(self) -> None:
        with self._writer:
            self._db.execute("DELETE FROM records")
            self.blobs.delete_released(self._names)

    def close(self) -> None:
        self.tidy()
        self._db.close()


class _Pickler(pickle.Pickler):
    """Bodies in files are saved as the name of their kept file."""

    def __init__(self, file: io.BytesIO, blobs: Blobs) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._blobs = blobs
        self.named: list[str] = []

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, Body) and obj.file is not None:
            name = self._blobs.keep(obj.file)
            self.named.append(name)
            return ("blob", name, obj.size, *obj.known_hashes())
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, store: DiskStore) -> None:
        super().__init__(file)
        self._store = store

    def persistent_load(self, pid: Any) -> Any:
        _, name, size, md5, sha256 = pid
        return self._store.body_named(name, size, md5, sha256)
