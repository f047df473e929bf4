"""Point reads on a thread of their own, on a read-only connection (issue #13).

The store's point reads by a key (a token's user, the ingest's look-up, a document) take tens of microseconds of
SQLite each, most of it after a commit: SQLite then drops the reading connection's page cache and reads the pages
again from the WAL (`pread`). Run on the event loop they blocked it for all that time (the ingest's three reads were
~13% of the loop's samples at 700 messages a second); run on aiosqlite's thread they queued behind the write
batches. Here they go to a thread that only reads: the loop hands a read over and serves other requests meanwhile;
the reads that arrive while one runs go together, in one read transaction (one snapshot, one cache check for all of
them), and come back with one wake-up of the loop.

What a caller sees is as before: it reads what was committed when its read started, so it reads every write it
awaited; when the reader cannot answer (busy, locked, closed) `read` gives NOT_READ and the caller goes through
aiosqlite's thread.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

ReadFn = Callable[[sqlite3.Connection], Any]


class _Missing:
    pass


NOT_READ = _Missing()  # the reader could not answer: go through aiosqlite's thread instead

_STOP = object()

# (the read, its caller's future, the caller's loop)
_Item = tuple[ReadFn, asyncio.Future[Any], asyncio.AbstractEventLoop]


class ReaderThread:
    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        # reads in WAL mode wait for nobody; a short busy wait covers the rare recovery of the WAL index (then the
        # read goes through aiosqlite's thread instead)
        for pragma in ("query_only=1", "busy_timeout=20", "cache_size=-16384", "mmap_size=268435456"):
            self.conn.execute(f"PRAGMA {pragma}")
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._closed = False
        self.batches = 0  # read transactions run (each for one or more reads)
        self._thread = threading.Thread(target=self._run, name="hub-sqlite-reader", daemon=True)
        self._thread.start()

    def read(self, fn: ReadFn) -> asyncio.Future[Any]:
        """`fn(conn)` on the reader's thread; the future gives its result, or NOT_READ."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        if self._closed:
            future.set_result(NOT_READ)
        else:
            self._queue.put((fn, future, loop))
        return future

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                break
            batch: list[_Item] = [first]
            stop = False
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            self._answer(batch)
            if stop:
                break
        self.conn.close()

    def _answer(self, batch: list[_Item]) -> None:
        self.batches += 1
        conn = self.conn
        results: list[Any] = []
        together = len(batch) > 1
        try:
            if together:
                conn.execute("BEGIN")  # one snapshot for the batch (taken at its first read)
            for fn, _future, _loop in batch:
                try:
                    results.append(fn(conn))
                except (sqlite3.OperationalError, sqlite3.ProgrammingError):
                    results.append(NOT_READ)
                except Exception as exc:  # the caller's own error (a bad parameter): its own to raise
                    results.append(exc)
            if together:
                conn.execute("COMMIT")
        except (sqlite3.OperationalError, sqlite3.ProgrammingError):  # BEGIN / COMMIT: nothing to trust
            results = [NOT_READ] * len(batch)
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = {}
        for (_fn, future, loop), result in zip(batch, results, strict=True):
            by_loop.setdefault(loop, []).append((future, result))
        for loop, answers in by_loop.items():  # (one loop: the process's)
            try:
                loop.call_soon_threadsafe(_deliver, answers)
            except RuntimeError:  # the loop is closed: nobody waits any more
                pass

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        await asyncio.to_thread(self._thread.join)


def _deliver(answers: list[tuple[asyncio.Future[Any], Any]]) -> None:
    for future, result in answers:
        if future.done():
            continue
        if isinstance(result, Exception):
            future.set_exception(result)
        else:
            future.set_result(result)
