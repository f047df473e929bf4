"""Group commit for the one SQLite connection: the statements that the store's callers submit while a batch is on
aiosqlite's thread run together as the next batch, in one call on the thread, their writes in one transaction; a
statement submitted while the thread is idle goes at once (a lone caller waits no longer than before).

Why (issue #13, profiled with py-spy under `bench/load.py`): each statement used to be its own trip to aiosqlite's
thread (a future, a queue put, a thread wake-up, a self-pipe write to wake the loop) and, in autocommit mode, its
own commit (the WAL frames of every page it touched written again). With 32 concurrent ingests, several requests'
statements are ready while one batch runs: one trip and one commit for all of them.

What does not change for a caller: its statement runs in the order it was submitted, after every statement it
awaited before (a caller awaits each statement, so its own never share a batch); its await returns only after the
batch's COMMIT, so nothing it was told is written can be lost by a crash; a failing statement (a unique key, say)
fails alone: SQLite undoes just that statement, the others of the batch are committed. Should an error end the
whole transaction (I/O, a full disk), every statement of it fails, as nothing of it was kept. Reads before the
batch's first write run outside the transaction, so a batch holds SQLite's write lock only from its first write.
A lone write is committed by itself (autocommit), as before.

A unit (`submit_unit`) is a function that runs several statements on the thread as one item of a batch: one trip
for a caller whose statements depend on each other's results (the ingest's reads, or its entry and the
conversation's touch). A writing unit is atomic: inside the batch's transaction it runs in a SAVEPOINT, alone in
its own IMMEDIATE transaction; should it raise, none of its statements is kept.

Quick items on the event loop's own thread (issue #13): the ingest's statements (`quick=True`: a few point reads
and writes by key, well under a millisecond) run at the loop's next turn, on the loop, as one batch of everything
quick submitted in this turn — no hand-off to aiosqlite's thread, whose every statement had to win the GIL back from
the busy loop (a batch took ~14 ms of wall time for ~6 ms of work). They go there only while the thread has
nothing of the batcher to do (one owner of the connection at a time; anything not quick submitted after them
takes them along to the thread first, so the order holds), and never where the loop could wait on the disk or on
another process:
  - SQLite's busy timeout is 0 while they run: when another process (`hub serve --workers N`) holds the write
    lock, what could not get it fails at once with SQLITE_BUSY, having done nothing, and goes to aiosqlite's
    thread, where the busy timeout waits for the lock (callers that ran meanwhile may thus be stored before
    them: they were concurrent, none had awaited the other);
  - the checkpointer tells (`Batcher.pause`) when the next write would restart the WAL (the restart syncs the
    WAL's header: an fdatasync) or when the WAL has grown to where the writer's own checkpoint, the backstop,
    could fire: that batch goes to the thread;
  - big units (the search rows' follow-up), lists and searches are not quick and stay on the thread;
  - a writing batch takes the processes' turn first (hub.store.sqlite.writer_lock): on the loop only if it is
    free, else the batch goes to the thread, which waits for it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiosqlite

from hub.store.sqlite.reader import NOT_READ, ReaderThread
from hub.store.sqlite.writer_lock import WriterLock

__all__ = ["NOT_READ", "Batcher", "Unit", "batcher_of", "open_reader", "open_writer_lock"]

Params = Sequence[Any] | dict[str, Any]


class Unit:
    """Statements that one caller runs together on the thread: `fn(conn)` returns the caller's result."""

    __slots__ = ("fn", "writes")

    def __init__(self, fn: Callable[[sqlite3.Connection], Any], writes: bool) -> None:
        self.fn, self.writes = fn, writes


BUSY_TIMEOUT_MS = 5000  # the connection's busy timeout on aiosqlite's thread (0 on the loop's, see above)
_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


# (sql or unit, parameters, want_rows, the caller's future)
_Item = tuple[str | Unit, Params, bool, asyncio.Future[Any]]

_batchers: weakref.WeakKeyDictionary[aiosqlite.Connection, Batcher] = weakref.WeakKeyDictionary()


def batcher_of(db: aiosqlite.Connection) -> Batcher:
    """The one batcher of a connection (every repository on it shares it)."""
    found = _batchers.get(db)
    if found is None:
        found = _batchers[db] = Batcher(db)
    return found


def _writes(sql: str | Unit) -> bool:
    if isinstance(sql, Unit):
        return sql.writes
    return not sql.lstrip()[:6].upper().startswith("SELECT")


class Batcher:
    """At most one batch on aiosqlite's thread at a time: a statement submitted while none is there goes at once
    (a lone caller waits no longer than before); those submitted meanwhile wait together and go as the next batch
    (in submission order). The thread takes the next batch itself as soon as one is done, without waiting for the
    event loop to hand it over (issue #13: under load the loop took ~5 ms to get to that, the writer idle meanwhile);
    after MAX_TURN batches in a row it lets whatever else waits for aiosqlite's thread go first."""

    MAX_TURN = 16

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db
        self._lock = threading.Lock()  # guards _pending and _busy (the loop adds, the thread takes)
        self._pending: list[_Item] = []
        self._busy = False
        # batches run on aiosqlite's thread (the statements are counted in StoreStats.round_trips)
        self.batches = 0
        # a second, read-only connection to the same file on a thread of its own (`read`)
        self.reader: ReaderThread | None = None
        # quick items on the loop's thread (see the module's docstring): off with `inline = False`
        self.inline = True
        self.inline_batches = 0  # of `batches`
        # set by the checkpointer (`pause`): the next batch goes to the thread, which clears it
        self.pause_inline = False
        self._inline: list[_Item] = []
        # the processes' turn at the write lock (hub.store.sqlite.writer_lock), taken around each writing batch
        self.writer_lock: WriterLock | None = None

    async def read(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """`fn(conn)` for point reads by a key: on the reader's thread (hub.store.sqlite.reader), where the event
        loop does not wait for SQLite and the reads do not queue behind the write batches; it sees what is
        committed when it starts, so a caller reads every write it awaited. Through aiosqlite's thread when there is
        no reader (":memory:", closed) or it could not answer (busy, locked)."""
        reader = self.reader
        if reader is not None:
            result = await reader.read(fn)
            if result is not NOT_READ:
                return result
        return await self.submit_unit(fn, writes=False)

    def pause(self) -> None:
        """The next batch goes to aiosqlite's thread (from the checkpointer's thread: a WAL restart is due, or the
        writer's own checkpoint could fire)."""
        self.pause_inline = True

    def submit(
        self, sql: str | Unit, params: Params, want_rows: bool, *, quick: bool = False
    ) -> asyncio.Future[Any]:
        """Run a statement (or a unit) as one item of a batch; `quick` for a point read or a write by key, which
        may run on the event loop's thread (see the module's docstring)."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        item = (sql, params, want_rows, future)
        with self._lock:
            if quick and not self._pending and self.inline and not self.pause_inline and self.db._running:
                # on the loop: at its next turn, or when the batch now on aiosqlite's thread is done
                self._inline.append(item)
                if len(self._inline) == 1 and not self._busy:
                    loop.call_soon(self._run_inline)
                return future
            if self._inline:  # quick ones submitted before go first, on the thread
                self._pending.extend(self._inline)
                self._inline = []
            self._pending.append(item)
            start = not self._busy
            self._busy = True
        if start:
            self._start()
        return future

    def submit_unit(
        self, fn: Callable[[sqlite3.Connection], Any], *, writes: bool, quick: bool = False
    ) -> asyncio.Future[Any]:
        """Run `fn(conn)` as one item of a batch (atomic when it `writes`); `quick` as for `submit`."""
        return self.submit(Unit(fn, writes), (), False, quick=quick)

    def _run_inline(self) -> None:
        """On the event loop, at the turn after the quick items' submission: run them as one batch, hand what met
        another process's write lock to aiosqlite's thread."""
        with self._lock:
            # (the thread calls again when its batch is done; or they were taken along to the thread)
            if self._busy or not self._inline:
                return
            batch, self._inline = self._inline, []
            self._busy = True  # the loop owns the connection until this returns
        self.batches += 1
        self.inline_batches += 1
        results: list[tuple[bool, Any]] | None = None
        error: BaseException | None = None
        again: list[_Item] = []
        lock = self.writer_lock if any(_writes(item[0]) for item in batch) else None
        try:
            if lock is not None and not lock.try_acquire():
                # another process's batch is writing: this one waits for its turn on the thread
                raise _Later
            conn = self.db._conn
            conn.execute("PRAGMA busy_timeout=0")
            try:
                results = _run_batch(conn, [item[:3] for item in batch])
            finally:
                conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                if lock is not None:
                    lock.release()
            done: list[_Item] = []
            answers: list[tuple[bool, Any]] = []
            for item, result in zip(batch, results, strict=True):
                if not result[0] and _is_busy(result[1]):
                    again.append(item)  # it did nothing: on the thread, where the busy timeout waits
                else:
                    done.append(item)
                    answers.append(result)
            batch, results = done, answers
        except _Later:
            again, batch = batch, []
        except BaseException as exc:  # (the closed connection, say): its callers hear it
            error, results, again = exc, None, []
        finally:
            with self._lock:  # whatever happened, the connection has no owner now, or the thread
                self._pending[:0] = again
                start = bool(self._pending)
                self._busy = start
        if start:
            self._start()
        if batch:
            _deliver(batch, results, error)

    def _start(self, *, on_thread: bool = False) -> None:
        """Have aiosqlite's thread drain the pending batches (or fail them when the connection is closed)."""
        if self.db._running:
            self.db._tx.put_nowait((None, self._drain))  # (no future: _drain answers its callers itself)
            return
        with self._lock:
            batch, self._pending = self._pending, []
            self._busy = False
        if not batch:
            return
        closed = ValueError("Connection closed")
        if on_thread:
            _post(batch, None, closed)
        else:
            _deliver(batch, None, closed)

    def _drain(self) -> None:
        """On aiosqlite's thread: run the pending statements as batches, one after the other, until none is left."""
        for _turn in range(self.MAX_TURN):
            with self._lock:
                batch, self._pending = self._pending, []
                if not batch:
                    self._busy = False
                    if self._inline:  # quick items came meanwhile: the loop's turn
                        _call_on_loop(self._inline[0][3], self._run_inline)
                    return
                if self.pause_inline and any(_writes(item[0]) for item in batch):
                    # this batch restarts the WAL, if a restart is due: the quick items submitted while it runs
                    # wait for it, then go on the loop
                    self.pause_inline = False
            self.batches += 1
            results: list[tuple[bool, Any]] | None = None
            error: BaseException | None = None
            lock = self.writer_lock if any(_writes(item[0]) for item in batch) else None
            try:
                held = lock if lock is not None and lock.acquire() else None
                try:
                    results = _run_batch(self.db._conn, [item[:3] for item in batch])
                finally:
                    if held is not None:
                        held.release()
            except BaseException as exc:
                error = exc  # (nothing of _run_batch should raise, nor the closed connection: its callers hear it)
            _post(batch, results, error)
        self._start(on_thread=True)  # more to do: behind whatever else waits for the thread


def _is_busy(error: BaseException) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(error, sqlite3.OperationalError) and code is not None and code & 0xFF in _BUSY


def _call_on_loop(future: asyncio.Future[Any], callback: Callable[[], None]) -> None:
    try:
        future.get_loop().call_soon_threadsafe(callback)
    except RuntimeError:  # the loop is closed: nobody waits any more
        pass


def _post(batch: list[_Item], results: list[tuple[bool, Any]] | None, error: BaseException | None) -> None:
    """From aiosqlite's thread: answer the batch's callers on their event loop."""
    try:
        batch[0][3].get_loop().call_soon_threadsafe(_deliver, batch, results, error)
    except RuntimeError:  # the loop is closed: nobody waits any more
        pass


def _deliver(batch: list[_Item], results: list[tuple[bool, Any]] | None, error: BaseException | None) -> None:
    for index, (*_, future) in enumerate(batch):
        if future.done():  # the caller was cancelled
            continue
        if results is None:
            future.set_exception(error if isinstance(error, Exception) else RuntimeError("store stopped"))
        elif results[index][0]:
            future.set_result(results[index][1])
        else:
            future.set_exception(results[index][1])


def _execute(
    conn: sqlite3.Connection, sql: str | Unit, params: Params, want_rows: bool, *, bare: bool = False
) -> Any:
    if isinstance(sql, Unit):
        if bare and sql.writes:  # inside the batch's transaction, no savepoint of its own (see _run_batch)
            try:
                return sql.fn(conn)
            except Exception as exc:
                raise _Retry from exc
        return _run_unit(conn, sql)
    cursor = conn.execute(sql, params)
    try:
        return cursor.fetchall() if want_rows else cursor.rowcount
    finally:
        cursor.close()


class _Later(Exception):
    """A loop-side batch that did not get the processes' write turn: it goes to aiosqlite's thread, untouched."""


class _Retry(Exception):
    """A writing unit failed without a savepoint of its own: the batch's transaction is rolled back and the batch
    runs again, each writing unit in its savepoint."""


def _run_unit(conn: sqlite3.Connection, unit: Unit) -> Any:
    if not unit.writes:
        return unit.fn(conn)
    alone = not conn.in_transaction
    conn.execute("BEGIN IMMEDIATE" if alone else "SAVEPOINT hub_unit")
    try:
        result = unit.fn(conn)
    except BaseException:
        if conn.in_transaction:  # (an error may have ended the transaction already: then nothing is kept)
            try:
                conn.execute("ROLLBACK" if alone else "ROLLBACK TO hub_unit")
                if not alone:
                    conn.execute("RELEASE hub_unit")
            except sqlite3.Error:
                pass
        raise
    if alone:
        try:
            conn.execute("COMMIT")
        except sqlite3.Error:
            _rollback(conn)
            raise
    else:
        conn.execute("RELEASE hub_unit")
    return result


def _rollback(conn: sqlite3.Connection) -> None:
    """ROLLBACK what is still open (an error may have ended the transaction already)."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def _run_batch(
    conn: sqlite3.Connection, batch: list[tuple[str | Unit, Params, bool]]
) -> list[tuple[bool, Any]]:
    """On aiosqlite's thread: run the batch, its writes in one transaction when there are two or more.

    The writing units of a grouped batch first run without a SAVEPOINT each (two statements fewer per unit, and
    each statement on this thread waits for the GIL again: issue #13); should one of them fail, nothing of the
    batch is kept yet, so its transaction is rolled back and the batch runs again with the savepoints, where the
    failing unit fails alone."""
    grouped = sum(1 for sql, _, _ in batch if _writes(sql)) > 1
    if grouped:
        try:
            return _run_statements(conn, batch, grouped=True, bare=True)
        except _Retry:
            pass
    return _run_statements(conn, batch, grouped=grouped, bare=False)


def _run_statements(
    conn: sqlite3.Connection, batch: list[tuple[str | Unit, Params, bool]], *, grouped: bool, bare: bool
) -> list[tuple[bool, Any]]:
    out: list[tuple[bool, Any]] = []
    opened: int | None = None  # index of the first statement inside our transaction
    for sql, params, want_rows in batch:
        if grouped and opened is None and not conn.in_transaction and _writes(sql):
            try:
                conn.execute("BEGIN IMMEDIATE")
                opened = len(out)
            except sqlite3.Error:
                pass  # (busy beyond busy_timeout) each statement then runs by itself, as it would have
        try:
            out.append((True, _execute(conn, sql, params, want_rows, bare=bare and opened is not None)))
        except _Retry:
            _rollback(conn)
            raise
        except Exception as exc:  # sqlite3's errors, and e.g. OverflowError for an int SQLite cannot hold
            out.append((False, exc))
            if opened is not None and not conn.in_transaction:
                # the error ended the transaction: what ran in it is undone, so it failed too
                out[opened:] = [(False, exc)] * (len(out) - opened)
                opened = None
    if opened is not None:
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            _rollback(conn)
            out[opened:] = [(False, exc)] * (len(out) - opened)
    return out


def open_reader(db: aiosqlite.Connection, path: str) -> Callable[[], Awaitable[None]]:
    """Give the connection's batcher its reader (`Batcher.read`); returns its async closer."""
    batcher = batcher_of(db)

    async def close() -> None:
        reader, batcher.reader = batcher.reader, None
        if reader is not None:
            await reader.close()

    if path != ":memory:":
        batcher.reader = ReaderThread(path)
    return close


def open_writer_lock(db: aiosqlite.Connection, path: str) -> Callable[[], Awaitable[None]]:
    """Give the connection's batcher the processes' write turn (hub.store.sqlite.writer_lock); returns its async
    closer, to run once the connection is closed (no batch left that could wait for the lock)."""
    batcher = batcher_of(db)
    lock = batcher.writer_lock = WriterLock(path)

    async def close() -> None:
        batcher.writer_lock = None
        lock.close()

    return close
