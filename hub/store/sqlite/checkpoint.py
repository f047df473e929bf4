"""WAL checkpoints off the writer's thread (issue #13).

SQLite copies the WAL back into the database file ("checkpoint") on the connection that commits the page that
crosses `wal_autocheckpoint`, inside that commit: two fdatasyncs (the WAL, then the database file) and the copy.
On aiosqlite's one thread that is every write of the store waiting: at 700 inbound messages a second a 50 ms stall
twice a second with the threshold at 4,000 pages, 20 ms four times a second at the default 1,000, with the event
loop idle meanwhile (every request is waiting for its commit).

Here a thread of its own, on a connection of its own, runs PASSIVE checkpoints every CHECKPOINT_EVERY seconds:
they copy what is committed without taking the write lock, so the writer goes on appending meanwhile, and a WAL
that a pass has copied to its end is rewound by the writer's next transaction. The writer's own checkpoint stays
as the backstop at WRITER_AUTOCHECKPOINT pages: it fires only when the passes cannot finish under a sustained
stream (each one ends behind the commits made while it ran), and then finds most of the WAL copied already.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

# seconds between passes; a pass with nothing new to copy does no I/O. (Each pass that copies the whole WAL sends
# the next write batch to aiosqlite's thread, hub.store.sqlite.batch: at most four a second.)
CHECKPOINT_EVERY = 0.25
WRITER_AUTOCHECKPOINT = 16_000  # pages (of 4 KiB): the writer's own checkpoint, the backstop


# a WAL this long (pages) keeps the writes off the event loop's thread: the backstop could fire at the next commit
INLINE_WAL_LIMIT = WRITER_AUTOCHECKPOINT // 2


class Checkpointer:
    """`pause()` (when given) is called after a pass that leaves the next write to restart the WAL (everything
    copied: the restart syncs the WAL's header) or a WAL of INLINE_WAL_LIMIT pages or more: that write should not
    run on the event loop's thread (hub.store.sqlite.batch)."""

    def __init__(
        self, path: str, every: float = CHECKPOINT_EVERY, pause: Callable[[], None] | None = None
    ) -> None:
        self._pause = pause
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA busy_timeout=0")  # a pass that cannot start now waits for the next one
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hub-sqlite-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                rows = self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as exc:  # busy (the writer's own checkpoint is running), or the file is gone
                log.debug("WAL checkpoint pass skipped: %s", exc)
                continue
            if self._pause is not None and rows:
                _busy, pages, copied = rows[0]
                if (pages > 0 and copied == pages) or pages >= INLINE_WAL_LIMIT:
                    self._pause()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._conn.close()


def start_checkpointer(path: str, pause: Callable[[], None] | None = None) -> Callable[[], Awaitable[None]]:
    """Checkpoint the WAL of the SQLite file at `path` on a thread of its own; returns its async closer (to run
    before the writer's connection closes, so that the last close finds no other connection and removes the WAL)."""
    checkpointer = Checkpointer(path, pause=pause)

    async def close() -> None:
        await asyncio.to_thread(checkpointer.close)  # (waits for a pass under way)

    return close
