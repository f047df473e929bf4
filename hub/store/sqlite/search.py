"""Full-text search of timeline entries: an FTS5 table of each entry's terms (hub.search_terms), keyed by the
entry's `seq`. The timeline's insert and update_content fill its `search_terms` column; the FTS5 rows follow the
timeline in `seq` order, behind it (`FtsFollower`): every 256 inserted entries, and before each search, which so
sees every entry stored before it. An edit or a back-filled entry already followed is re-indexed by a trigger; a
deleted one leaves by a trigger.

Why behind (issue #13): an AFTER INSERT trigger added each entry's FTS5 row inside its ingest's write, and FTS5
writes a segment per transaction: ~8% of the ingest rate under load. Hundreds of rows in one INSERT ... SELECT
cost a fraction of that, off the answer's path.
"""

from __future__ import annotations

import logging
import sqlite3
import weakref
from collections.abc import Sequence
from typing import Any

import aiosqlite

from hub.domain import TimelineEntry
from hub.store.port import SearchScope, check_limit
from hub.store.sqlite.base import Base, to_json
from hub.store.sqlite.batch import Batcher, batcher_of
from hub.store.sqlite.clients import partner_scope_sql
from hub.store.sqlite.conversations import scope_sql

# the terms are stemmed in Python already; the tokenizer only splits them on the spaces between them
SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS entry_fts USING fts5(
    terms, detail = none, tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TABLE IF NOT EXISTS entry_fts_state (id INTEGER PRIMARY KEY CHECK (id = 1), followed_seq INTEGER NOT NULL);
"""

log = logging.getLogger(__name__)

# the entry's terms, space separated ('' when it has none); NULL: not indexed yet (back-filled by hub.search_index)
ADDED_COLUMNS: list[tuple[str, str, str, str | None]] = [("timeline", "search_terms", "TEXT", None)]

LATE_SCHEMA: list[str] = [
    "CREATE INDEX IF NOT EXISTS timeline_unindexed ON timeline(seq) WHERE search_terms IS NULL",
    # the entries up to `followed_seq` have their FTS5 rows. A file whose insert trigger indexed every entry starts
    # there at its newest entry; a new file at 0
    "INSERT OR IGNORE INTO entry_fts_state(id, followed_seq) SELECT 1, coalesce(max(seq), 0) FROM timeline",
    "DROP TRIGGER IF EXISTS timeline_fts_ai",
    "DROP TRIGGER IF EXISTS timeline_fts_au",
    # new terms for an entry already followed (an edit, a back-fill); the others are indexed when followed
    """CREATE TRIGGER IF NOT EXISTS timeline_fts_followed_au AFTER UPDATE OF search_terms ON timeline
    WHEN OLD.seq <= (SELECT followed_seq FROM entry_fts_state WHERE id = 1) BEGIN
        DELETE FROM entry_fts WHERE rowid = OLD.seq;
        INSERT INTO entry_fts(rowid, terms) SELECT NEW.seq, NEW.search_terms WHERE NEW.search_terms <> '';
    END""",
    """CREATE TRIGGER IF NOT EXISTS timeline_fts_ad AFTER DELETE ON timeline BEGIN
        DELETE FROM entry_fts WHERE rowid = OLD.seq;
    END""",
]

# how far the FTS5 rows are, and how far the timeline is (its seq counter, hub.store.sqlite.timeline)
_POSITIONS = (
    "SELECT (SELECT followed_seq FROM entry_fts_state WHERE id = 1), "
    "(SELECT value FROM counters WHERE name = 'timeline')"
)
_FOLLOW = (
    "INSERT INTO entry_fts(rowid, terms) SELECT seq, search_terms FROM timeline "
    "WHERE seq > ? AND seq <= ? AND search_terms <> '' ORDER BY seq"
)
FOLLOW_EVERY = 256  # inserted entries between two follow-ups (each search follows up first)
_FOLLOW_AT_MOST = 5000  # entries per transaction: a long way behind (an old file) goes in several


def _follow(conn: sqlite3.Connection) -> tuple[int, bool]:
    """On the writer's thread, inside a write transaction: FTS5 rows for the next entries after `followed_seq`.
    Returns (rows added, whether it is caught up now)."""
    followed, newest = conn.execute(_POSITIONS).fetchone()
    newest = newest or 0
    if followed is None or newest <= followed:
        return 0, True
    upto = min(newest, followed + _FOLLOW_AT_MOST)
    added = conn.execute(_FOLLOW, (followed, upto)).rowcount
    conn.execute("UPDATE entry_fts_state SET followed_seq = ? WHERE id = 1", (upto,))
    return added, upto >= newest


class FtsFollower:
    """The FTS5 rows' follow-up of one connection: `added()` by the inserts (a follow-up joins the next write
    batch every FOLLOW_EVERY entries, nobody waits for it), `catch_up()` by each search."""

    def __init__(self, batch: Batcher) -> None:
        self._batch = batch
        self._since = 0

    def added(self, count: int = 1) -> None:
        self._since += count
        if self._since >= FOLLOW_EVERY:
            self._since = 0
            follow = self._batch.submit_unit(_follow, writes=True)
            follow.add_done_callback(_logged)

    async def catch_up(self) -> None:
        positions = await self._batch.read(lambda conn: conn.execute(_POSITIONS).fetchone())
        if positions[0] is not None and (positions[1] or 0) <= positions[0]:
            return  # nothing new since the last follow-up (the common case of a quiet hub)
        done = False
        while not done:
            _added, done = await self._batch.submit_unit(_follow, writes=True)


def _logged(follow: Any) -> None:
    if not follow.cancelled() and follow.exception() is not None:
        # nothing is lost: the entries stay after followed_seq, the next follow-up or search takes them
        log.warning("the search index could not follow the timeline: %s", follow.exception())


_followers: weakref.WeakKeyDictionary[aiosqlite.Connection, FtsFollower] = weakref.WeakKeyDictionary()


def follower_of(db: aiosqlite.Connection) -> FtsFollower:
    """The one follower of a connection (the timeline's inserts and the search share it)."""
    found = _followers.get(db)
    if found is None:
        found = _followers[db] = FtsFollower(batcher_of(db))
    return found


def terms_column(terms: Sequence[str]) -> str:
    """The `search_terms` column of a list of terms."""
    return " ".join(terms)


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def match_expression(whole: Sequence[str], prefix: str | None) -> str:
    parts = [_phrase(t) for t in whole]
    if prefix is not None:
        parts.append(_phrase(prefix) + "*")
    return " ".join(parts)


def search_scope_sql(scope: SearchScope) -> tuple[str, list[Any]]:
    """The condition (on timeline AS t) of a SearchScope."""
    anyof: list[str] = []
    params: list[Any] = []
    if scope.conversations is None:
        anyof.append("t.conversation_id IS NOT NULL")
    else:
        sql, more = scope_sql(scope.conversations)
        anyof.append(f"t.conversation_id IN (SELECT id FROM conversations WHERE {sql})")
        params += more
    if scope.unthreaded and scope.unthreaded_via is None:
        anyof.append("t.conversation_id IS NULL")
    elif scope.unthreaded and scope.unthreaded_via is not None:
        sql, more = scope_sql(scope.unthreaded_via)
        anyof.append(
            f"(t.conversation_id IS NULL AND t.client_id IN (SELECT client_id FROM conversations WHERE {sql}))"
        )
        params += more
    if scope.clients is not None:
        sql, more = partner_scope_sql(scope.clients)
        anyof.append(f"t.client_id IN (SELECT id FROM clients WHERE {sql})")
        params += more
    condition = "(" + " OR ".join(anyof) + ")"
    if scope.shared_only:
        condition += " AND (t.kind <> 'note' OR t.shared = 1)"
    return condition, params


class SqliteSearch(Base):
    async def entries(
        self, whole: Sequence[str], prefix: str | None, *, scope: SearchScope | None = None, limit: int = 20
    ) -> list[TimelineEntry]:
        check_limit(limit)
        if not whole and prefix is None:
            return []
        await follower_of(self.db).catch_up()  # every entry stored before this search is found
        sql = "SELECT t.doc FROM timeline AS t WHERE t.seq IN (SELECT rowid FROM entry_fts WHERE entry_fts MATCH ?)"
        params: list[Any] = [match_expression(whole, prefix)]
        if scope is not None:
            condition, more = search_scope_sql(scope)
            sql += " AND " + condition
            params += more
        sql += " ORDER BY t.occurred_at DESC, t.id DESC LIMIT ?"
        rows = await self.fetch(sql, (*params, limit))
        return [TimelineEntry.model_validate_json(r[0]) for r in rows]

    async def unindexed(self, *, limit: int = 200) -> list[TimelineEntry]:
        check_limit(limit)
        rows = await self.fetch(
            "SELECT doc FROM timeline WHERE search_terms IS NULL ORDER BY seq LIMIT ?", (limit,)
        )
        return [TimelineEntry.model_validate_json(r[0]) for r in rows]

    async def index(self, terms: dict[str, list[str]]) -> int:
        if not terms:
            return 0
        pairs = to_json([[entry_id, terms_column(found)] for entry_id, found in terms.items()])
        return await self.run(
            "UPDATE timeline SET search_terms = j.value ->> '$[1]' FROM json_each(?) AS j "
            "WHERE timeline.id = j.value ->> '$[0]' AND timeline.search_terms IS NULL",
            (pairs,),
        )
