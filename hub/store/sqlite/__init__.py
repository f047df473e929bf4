"""The embedded store: SQLite through aiosqlite, WAL mode, one connection.

Documents are JSON (`doc`) with the queried fields as indexed columns; conversations are plain columns. Every write
is a single SQL statement (upserts with RETURNING, conditional UPDATEs, triggers for the search-term index), so the
database is consistent after every statement and no multi-statement transaction is ever needed.
Datetimes in columns are fixed-width UTC text ('2026-01-02T03:04:05.678Z'), so text order is time order.

Each aggregate has its module (clients, identities, conversations, timeline, staff, merges) with its repository
and its SCHEMA; columns added to a table later are declared in the module's ADDED_COLUMNS and added to older
files when they are opened (`_migrate`). A new aggregate is one more module listed in `_MODULES` and in
`open_sqlite_store`. The shared connection helpers and codecs are in `base`.
"""

from pathlib import Path

import aiosqlite

from hub.store.port import Store, StoreStats
from hub.store.sqlite import canned as canned_tables
from hub.store.sqlite import clients, conversations, identities, merges, notifications, staff, tasks, timeline
from hub.store.sqlite import email_codes as email_code_tables
from hub.store.sqlite import mailboxes as mailbox_tables
from hub.store.sqlite import partners as partner_tables
from hub.store.sqlite import routing as routing_tables
from hub.store.sqlite import search as search_tables
from hub.store.sqlite import sla as sla_tables
from hub.store.sqlite import views as view_tables
from hub.store.sqlite.base import from_ts, ts
from hub.store.sqlite.batch import BUSY_TIMEOUT_MS, batcher_of, open_reader, open_writer_lock
from hub.store.sqlite.canned import SqliteCanned
from hub.store.sqlite.checkpoint import WRITER_AUTOCHECKPOINT, start_checkpointer
from hub.store.sqlite.clients import SqliteClients
from hub.store.sqlite.conversations import SqliteConversations
from hub.store.sqlite.email_codes import SqliteEmailCodes
from hub.store.sqlite.identities import SqliteIdentities
from hub.store.sqlite.inbound import SqliteInbound
from hub.store.sqlite.mailboxes import SqliteMailboxes
from hub.store.sqlite.merges import SqliteMerges
from hub.store.sqlite.notifications import SqliteNotifications
from hub.store.sqlite.partners import SqliteGrants, SqlitePartners
from hub.store.sqlite.routing import SqliteAssignment, SqliteDocuments, SqliteReads
from hub.store.sqlite.search import SqliteSearch
from hub.store.sqlite.sla import SqliteSla
from hub.store.sqlite.staff import SqliteDepartments, SqliteUsers
from hub.store.sqlite.tasks import SqliteTasks
from hub.store.sqlite.timeline import SqliteTimeline
from hub.store.sqlite.views import SqliteViews

__all__ = ["from_ts", "open_sqlite_store", "ts"]

_MODULES = (clients, identities, conversations, timeline, staff, merges, tasks, notifications, partner_tables)
_MODULES += (routing_tables,)
_MODULES += (mailbox_tables,)
_MODULES += (search_tables,)
_MODULES += (canned_tables,)
_MODULES += (sla_tables,)
_MODULES += (view_tables,)
_MODULES += (email_code_tables,)
# each aggregate's module declares its tables, indexes and triggers (SCHEMA), and may declare the columns it gained
# later (ADDED_COLUMNS) and what needs them (LATE_SCHEMA)
SCHEMA = "".join(m.SCHEMA for m in _MODULES)


async def _migrate(db: aiosqlite.Connection) -> None:
    """Add the columns a table gained after its first release (PRAGMA table_xinfo tells which are missing), back-fill
    them, then create what depends on them. One IMMEDIATE transaction: two processes opening an old file at once
    migrate it once (the second finds the columns there)."""
    await db.execute("BEGIN IMMEDIATE")
    try:
        for module in _MODULES:
            for table, column, declaration, backfill in getattr(module, "ADDED_COLUMNS", ()):
                info = await db.execute_fetchall(f"PRAGMA table_xinfo({table})")
                if column not in {row[1] for row in info}:
                    await db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
                    if backfill:
                        await db.execute(backfill)
        for module in _MODULES:
            for statement in getattr(module, "LATE_SCHEMA", ()):
                await db.execute(statement)
    except BaseException:
        await db.execute("ROLLBACK")
        raise
    await db.execute("COMMIT")


async def open_sqlite_store(path: str | Path) -> Store:
    """Open (creating when missing) the SQLite store at `path`."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    # (check_same_thread=False: the batcher's quick items run on the event loop's thread, hub.store.sqlite.batch)
    db = await aiosqlite.connect(str(path), isolation_level=None, check_same_thread=False)
    await db.execute("PRAGMA journal_mode=WAL")
    await db.execute("PRAGMA synchronous=NORMAL")
    await db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # a large store stays fast when its hot index pages stay in memory: 64 MiB of page cache, reads through mmap
    await db.execute("PRAGMA cache_size=-65536")
    await db.execute("PRAGMA mmap_size=268435456")
    await db.execute("PRAGMA temp_store=MEMORY")
    await db.execute("PRAGMA foreign_keys=OFF")
    await db.executescript(SCHEMA)
    await _migrate(db)
    stats = StoreStats()
    store = Store(
        clients=SqliteClients(db, stats),
        identities=SqliteIdentities(db, stats),
        conversations=SqliteConversations(db, stats),
        timeline=SqliteTimeline(db, stats),
        users=SqliteUsers(db, stats),
        departments=SqliteDepartments(db, stats),
        merges=SqliteMerges(db, stats),
        mailboxes=SqliteMailboxes(db, stats),
        tasks=SqliteTasks(db, stats),
        notifications=SqliteNotifications(db, stats),
        partners=SqlitePartners(db, stats),
        grants=SqliteGrants(db, stats),
        reads=SqliteReads(db, stats),
        assignment=SqliteAssignment(db, stats),
        documents=SqliteDocuments(db, stats),
        search=SqliteSearch(db, stats),
        canned=SqliteCanned(db, stats),
        sla=SqliteSla(db, stats),
        views=SqliteViews(db, stats),
        email_codes=SqliteEmailCodes(db, stats),
        stats=stats,
        name="sqlite",
    )
    store.inbound = SqliteInbound(db, stats)
    store._closers.append(open_reader(db, str(path)))  # point reads on the event loop (issue #13)
    if str(path) != ":memory:":
        # checkpoints on a thread of their own; the writer's own only as the backstop (issue #13)
        await db.execute(f"PRAGMA wal_autocheckpoint={WRITER_AUTOCHECKPOINT}")
        store._closers.append(start_checkpointer(str(path), pause=batcher_of(db).pause))
    store._closers.append(db.close)
    if str(path) != ":memory:":
        # the processes' turn at the write lock, woken by the kernel (issue #13: SQLite's own wait polls)
        store._closers.append(open_writer_lock(db, str(path)))
    return store
