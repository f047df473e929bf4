"""The embedded store: SQLite through aiosqlite, WAL mode, one connection.

Documents are JSON (`doc`) with the queried fields as indexed columns; conversations are plain columns. Every write
is a single SQL statement (upserts with RETURNING, conditional UPDATEs, triggers for the search-term index), so the
database is consistent after every statement and no multi-statement transaction is ever needed.
Datetimes in columns are fixed-width UTC text ('2026-01-02T03:04:05.678Z'), so text order is time order.
"""

from pathlib import Path

import aiosqlite

from hub.store.port import Store, StoreStats
from hub.store.sqlite import clients, conversations, identities, merges, staff, timeline
from hub.store.sqlite.base import from_ts, ts
from hub.store.sqlite.clients import SqliteClients
from hub.store.sqlite.conversations import SqliteConversations
from hub.store.sqlite.identities import SqliteIdentities
from hub.store.sqlite.merges import SqliteMerges
from hub.store.sqlite.staff import SqliteDepartments, SqliteUsers
from hub.store.sqlite.timeline import SqliteTimeline

__all__ = ["from_ts", "open_sqlite_store", "ts"]

# each aggregate's module declares its tables, indexes and triggers
SCHEMA = "".join(m.SCHEMA for m in (clients, identities, conversations, timeline, staff, merges))


async def open_sqlite_store(path: str | Path) -> Store:
    """Open (creating when missing) the SQLite store at `path`."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    db = await aiosqlite.connect(str(path), isolation_level=None)
    await db.execute("PRAGMA journal_mode=WAL")
    await db.execute("PRAGMA synchronous=NORMAL")
    await db.execute("PRAGMA busy_timeout=5000")
    # a large store stays fast when its hot index pages stay in memory: 64 MiB of page cache, reads through mmap
    await db.execute("PRAGMA cache_size=-65536")
    await db.execute("PRAGMA mmap_size=268435456")
    await db.execute("PRAGMA temp_store=MEMORY")
    await db.execute("PRAGMA foreign_keys=OFF")
    await db.executescript(SCHEMA)
    stats = StoreStats()
    store = Store(
        clients=SqliteClients(db, stats),
        identities=SqliteIdentities(db, stats),
        conversations=SqliteConversations(db, stats),
        timeline=SqliteTimeline(db, stats),
        users=SqliteUsers(db, stats),
        departments=SqliteDepartments(db, stats),
        merges=SqliteMerges(db, stats),
        stats=stats,
        name="sqlite",
    )
    store._closers.append(db.close)
    return store
