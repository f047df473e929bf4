"""The timeline: entries as JSON documents with the queried fields in indexed columns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hub.domain import Delivery, TimelineEntry
from hub.search_terms import entry_text, terms_of_async
from hub.store.port import CALL_EVENT_MEMORY, Cursor, EntryScope, check_limit
from hub.store.sqlite.base import Base, model_json, to_json, ts
from hub.store.sqlite.search import follower_of, terms_column

SCHEMA = """
CREATE TABLE IF NOT EXISTS timeline (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    conversation_id TEXT,
    dedupe_key TEXT NOT NULL UNIQUE,
    occurred_at TEXT NOT NULL,
    delivery_status TEXT,
    next_attempt_at TEXT,
    lease_until TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS timeline_client ON timeline(client_id, occurred_at, id);
CREATE INDEX IF NOT EXISTS timeline_conversation ON timeline(conversation_id, occurred_at, id);
CREATE INDEX IF NOT EXISTS timeline_delivery ON timeline(delivery_status, next_attempt_at)
    WHERE delivery_status IS NOT NULL;

CREATE TABLE IF NOT EXISTS entry_mentions (
    user_id TEXT NOT NULL, occurred_at TEXT NOT NULL, entry_id TEXT NOT NULL,
    PRIMARY KEY (user_id, occurred_at, entry_id)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS timeline_mentions_ai AFTER INSERT ON timeline BEGIN
    INSERT OR IGNORE INTO entry_mentions(user_id, occurred_at, entry_id)
        SELECT value, NEW.occurred_at, NEW.id FROM json_each(NEW.doc, '$.mentions');
END;

CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
"""

# Columns the timeline gained after its first release: (table, column, declaration, back-fill run once, right after
# the column is added). A fresh file goes through the same steps, so the migration runs in every test.
ADDED_COLUMNS: list[tuple[str, str, str, str | None]] = [
    # the arrival sequence; old rows get theirs in rowid (= insertion) order, in the column and in the document
    ("timeline", "seq", "INTEGER", "UPDATE timeline SET seq = rowid, doc = json_set(doc, '$.seq', rowid)"),
    # what an EntryScope filters on, read from the document (virtual: always in step with it, nothing to fill)
    ("timeline", "kind", "TEXT GENERATED ALWAYS AS (json_extract(doc, '$.kind')) VIRTUAL", None),
    (
        "timeline",
        "shared",
        "INTEGER GENERATED ALWAYS AS (coalesce(json_extract(doc, '$.meta.shared_with_partners') IS 1, 0)) VIRTUAL",
        None,
    ),
    # an entry with steps left to complete: since when (NULL = settled), and who is completing it until when
    ("timeline", "unsettled_since", "TEXT", None),
    ("timeline", "settle_lease", "TEXT", None),
]

# Run after ADDED_COLUMNS (they name the added columns), one statement each.
LATE_SCHEMA: list[str] = [
    "CREATE UNIQUE INDEX IF NOT EXISTS timeline_seq ON timeline(seq)",
    "CREATE INDEX IF NOT EXISTS timeline_conversation_seq ON timeline(conversation_id, seq)",
    "CREATE INDEX IF NOT EXISTS timeline_unsettled ON timeline(unsettled_since) WHERE unsettled_since IS NOT NULL",
    # the counter only moves forward: deleting the newest entries never hands their numbers out again
    "INSERT OR IGNORE INTO counters(name, value) SELECT 'timeline', coalesce(max(seq), 0) FROM timeline",
    "UPDATE counters SET value = (SELECT max(seq) FROM timeline) "
    "WHERE name = 'timeline' AND value < (SELECT coalesce(max(seq), 0) FROM timeline)",
    """CREATE TRIGGER IF NOT EXISTS timeline_seq_ai AFTER INSERT ON timeline BEGIN
        UPDATE counters SET value = NEW.seq WHERE name = 'timeline' AND value < NEW.seq;
    END""",
]

# The insert reads the counter (value + 1) and the AFTER INSERT trigger stores it back, all inside the one INSERT
# statement, which holds SQLite's write lock from its first step: two writers (tasks or processes) never read the
# same value. A refused duplicate fires no trigger and uses no number.
_INSERT = (
    "INSERT INTO timeline(id, client_id, conversation_id, dedupe_key, occurred_at, delivery_status, "
    "next_attempt_at, lease_until, unsettled_since, settle_lease, search_terms, seq, doc) "
    "SELECT ?,?,?,?,?,?,?,?,?,?,?, c.value + 1, json_set(?, '$.seq', c.value + 1) FROM counters AS c "
    "WHERE c.name = 'timeline' "
    "ON CONFLICT(dedupe_key) DO NOTHING RETURNING seq"
)


BY_DEDUPE_KEY = "SELECT doc FROM timeline WHERE dedupe_key = ?"
QUICK_SETTLES = 64  # a burst's settle of this many entries by key or fewer may run on the event loop's thread


def _entry(row: Sequence[Any]) -> TimelineEntry:
    return TimelineEntry.model_validate_json(row[0])


def _check_call_field(name: str, value: object) -> None:
    """A call field is a plain name (it goes into a JSON path) with a scalar value (stored as is)."""
    if not name.isidentifier() or name in ("status", "rank", "status_event", "events"):
        raise ValueError(f"not a call field: {name!r}")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"call field {name} must be a string or a number")


def _entry_scope_sql(scope: EntryScope) -> tuple[str, list[Any]]:
    """` AND ...` conditions of an EntryScope. They are checked on the rows the page walks in its index order
    (client or conversation, then occurred_at, id), so a page still stops after `limit` visible entries."""
    sql, params = "", []
    if scope.conversation_ids is not None:
        anyof = []
        if scope.conversation_ids:
            anyof.append(f"conversation_id IN ({','.join('?' * len(scope.conversation_ids))})")
            params += list(scope.conversation_ids)
        if scope.unthreaded:
            anyof.append("conversation_id IS NULL")
        sql += " AND (" + " OR ".join(anyof) + ")" if anyof else " AND 0"
    elif not scope.unthreaded:
        sql += " AND conversation_id IS NOT NULL"
    if scope.shared_only:
        sql += " AND (kind <> 'note' OR shared = 1)"
    return sql, params


async def insert_statement(entry: TimelineEntry, lease_until: datetime | None) -> tuple[str, tuple[Any, ...]]:
    """The INSERT of `SqliteTimeline.insert` and its parameters (its rows: [(seq,)], or none for a duplicate)."""
    return insert_with_terms(entry, lease_until, await entry_terms(entry))


async def entry_terms(entry: TimelineEntry) -> str:
    """The search terms column of an entry (in a worker thread for a long text)."""
    return terms_column(await terms_of_async(entry_text(entry.text, entry.meta)))


def insert_with_terms(
    entry: TimelineEntry, lease_until: datetime | None, terms: str
) -> tuple[str, tuple[Any, ...]]:
    """`insert_statement` with its search terms (`entry_terms`) computed already."""
    delivery = entry.delivery
    return _INSERT, (
        entry.id,
        entry.client_id,
        entry.conversation_id,
        entry.dedupe_key,
        ts(entry.occurred_at),
        delivery.status.value if delivery else None,
        ts(delivery.next_attempt_at) if delivery else None,
        ts(delivery.lease_until) if delivery else None,
        None if entry.settled else ts(entry.created_at),
        None if entry.settled else ts(lease_until),
        terms,
        model_json(entry),
    )


class SqliteTimeline(Base):
    async def insert(self, entry: TimelineEntry, *, lease_until: datetime | None = None) -> bool:
        rows = await self.fetch(*await insert_statement(entry, lease_until))
        if not rows:
            return False
        entry.seq = rows[0][0]
        follower_of(self.db).added()  # its search row follows (hub.store.sqlite.search)
        return True

    async def get(self, entry_id: str) -> TimelineEntry | None:
        rows = await self.fetch("SELECT doc FROM timeline WHERE id = ?", (entry_id,))
        return _entry(rows[0]) if rows else None

    async def get_by_dedupe_key(self, key: str) -> TimelineEntry | None:
        rows = await self.fetch(BY_DEDUPE_KEY, (key,))
        return _entry(rows[0]) if rows else None

    async def _page(
        self, column: str, value: str, before: Cursor | None, limit: int, scope: EntryScope | None
    ) -> list[TimelineEntry]:
        check_limit(limit)
        params: list[Any] = [value]
        sql = f"SELECT doc FROM timeline WHERE {column} = ?"
        if scope is not None:
            scope_sql, scope_params = _entry_scope_sql(scope)
            sql += scope_sql
            params += scope_params
        if before is not None:
            at = ts(before.at)
            sql += " AND (occurred_at < ? OR (occurred_at = ? AND id < ?))"
            params += [at, at, before.id]
        sql += " ORDER BY occurred_at DESC, id DESC LIMIT ?"
        rows = await self.fetch(sql, (*params, limit))
        return [_entry(r) for r in rows]

    async def page(
        self,
        client_id: str,
        *,
        before: Cursor | None = None,
        limit: int = 50,
        scope: EntryScope | None = None,
    ) -> list[TimelineEntry]:
        return await self._page("client_id", client_id, before, limit, scope)

    async def conversation_page(
        self,
        conversation_id: str,
        *,
        before: Cursor | None = None,
        limit: int = 50,
        scope: EntryScope | None = None,
    ) -> list[TimelineEntry]:
        return await self._page("conversation_id", conversation_id, before, limit, scope)

    async def since(self, conversation_id: str, after_seq: int, *, limit: int = 200) -> list[TimelineEntry]:
        check_limit(limit)
        rows = await self.fetch(
            "SELECT doc FROM timeline WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (conversation_id, after_seq, limit),
        )
        return [_entry(r) for r in rows]

    async def mentioning(
        self, user_id: str, *, before: Cursor | None = None, limit: int = 50
    ) -> list[TimelineEntry]:
        check_limit(limit)
        params: list[Any] = [user_id]
        sql = "SELECT t.doc FROM entry_mentions AS m JOIN timeline AS t ON t.id = m.entry_id WHERE m.user_id = ?"
        if before is not None:
            at = ts(before.at)
            sql += " AND (m.occurred_at < ? OR (m.occurred_at = ? AND m.entry_id < ?))"
            params += [at, at, before.id]
        sql += " ORDER BY m.occurred_at DESC, m.entry_id DESC LIMIT ?"
        rows = await self.fetch(sql, (*params, limit))
        return [_entry(r) for r in rows]

    async def set_delivery(
        self, entry_id: str, delivery: Delivery, provider_id: str | None = None
    ) -> TimelineEntry | None:
        doc_sql = "json_set(doc, '$.delivery', json(?)"
        params: list[Any] = [delivery.model_dump_json()]
        if provider_id is not None:
            doc_sql += ", '$.provider_id', ?"
            params.append(provider_id)
        doc_sql += ")"
        rows = await self.fetch(
            f"UPDATE timeline SET doc = {doc_sql}, delivery_status = ?, next_attempt_at = ?, lease_until = ? "
            "WHERE id = ? RETURNING doc",
            (
                *params,
                delivery.status.value,
                ts(delivery.next_attempt_at),
                ts(delivery.lease_until),
                entry_id,
            ),
        )
        return _entry(rows[0]) if rows else None

    async def claim_delivery(
        self, entry_id: str, *, now: datetime, lease_until: datetime
    ) -> TimelineEntry | None:
        until = ts(lease_until)
        rows = await self.fetch(
            "UPDATE timeline SET lease_until = ?, doc = json_set(doc, '$.delivery.lease_until', ?) "
            "WHERE id = ? AND delivery_status = 'queued' AND (lease_until IS NULL OR lease_until <= ?) RETURNING doc",
            (until, until, entry_id, ts(now)),
        )
        return _entry(rows[0]) if rows else None

    async def due_deliveries(self, *, now: datetime, limit: int = 100) -> list[TimelineEntry]:
        check_limit(limit)
        at = ts(now)
        rows = await self.fetch(
            "SELECT doc FROM timeline WHERE delivery_status = 'queued' "
            "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) AND (lease_until IS NULL OR lease_until <= ?) "
            "ORDER BY next_attempt_at LIMIT ?",
            (at, at, limit),
        )
        return [_entry(r) for r in rows]

    async def claim_settle(
        self, entry_id: str, *, now: datetime, lease_until: datetime
    ) -> TimelineEntry | None:
        rows = await self.fetch(
            "UPDATE timeline SET settle_lease = ? WHERE id = ? AND unsettled_since IS NOT NULL "
            "AND (settle_lease IS NULL OR settle_lease <= ?) RETURNING doc",
            (ts(lease_until), entry_id, ts(now)),
        )
        return _entry(rows[0]) if rows else None

    async def settle(self, entry_id: str) -> bool:
        count = await self.run(
            "UPDATE timeline SET unsettled_since = NULL, settle_lease = NULL, "
            "doc = json_set(doc, '$.settled', json('true')) WHERE id = ? AND unsettled_since IS NOT NULL",
            (entry_id,),
            quick=True,
        )
        return count == 1

    async def settle_many(self, entry_ids: Sequence[str]) -> int:
        count = 0
        ids = list(dict.fromkeys(entry_ids))
        for start in range(0, len(ids), 500):  # (SQLite's limit on parameters is far above, 32,766)
            chunk = ids[start : start + 500]
            count += await self.run(
                "UPDATE timeline SET unsettled_since = NULL, settle_lease = NULL, "
                "doc = json_set(doc, '$.settled', json('true')) "
                f"WHERE id IN ({','.join('?' * len(chunk))}) AND unsettled_since IS NOT NULL",
                chunk,
                quick=len(chunk) <= QUICK_SETTLES,
            )
        return count

    async def unsettled(self, *, older_than: datetime, limit: int = 100) -> list[TimelineEntry]:
        check_limit(limit)
        rows = await self.fetch(
            "SELECT doc FROM timeline WHERE unsettled_since IS NOT NULL AND unsettled_since <= ? "
            "ORDER BY unsettled_since LIMIT ?",
            (ts(older_than), limit),
        )
        return [_entry(r) for r in rows]

    async def update_content(
        self, entry_id: str, *, text: str, html: str | None, meta: dict[str, Any]
    ) -> TimelineEntry | None:
        terms = terms_column(await terms_of_async(entry_text(text, meta)))
        rows = await self.fetch(
            "UPDATE timeline SET doc = json_set(doc, '$.text', ?, '$.html', json(?), '$.meta', json(?)), "
            "search_terms = ? WHERE id = ? RETURNING doc",
            (text, to_json(html), to_json(meta), terms, entry_id),
        )
        return _entry(rows[0]) if rows else None

    async def record_call(
        self,
        entry_id: str,
        *,
        event_id: str,
        rank: int,
        status: str | None,
        fields: dict[str, str | int | float],
    ) -> TimelineEntry | None:
        # One UPDATE: every expression reads the row as it was, so the conditions all compare with the old rank.
        # The filter skips an event already applied; the call object is created first when missing.
        old_rank = "coalesce(json_extract(doc, '$.meta.call.rank'), -1)"
        advance = f"(? IS NOT NULL AND ? > {old_rank})"
        # (a path into an object that the same json_set call inserted is not applied: two nested calls)
        base = "json_set(doc, '$.meta.call', json(coalesce(json_extract(doc, '$.meta.call'), '{}')))"
        pairs: list[str] = []
        params: list[Any] = []
        pairs.append(
            f"'$.meta.call.status', CASE WHEN {advance} THEN ? ELSE json_extract(doc, '$.meta.call.status') END"
        )
        params += [status, rank, status]
        pairs.append(
            f"'$.meta.call.status_event', CASE WHEN {advance} THEN ? "
            "ELSE json_extract(doc, '$.meta.call.status_event') END"
        )
        params += [status, rank, event_id]
        pairs.append(f"'$.meta.call.rank', CASE WHEN {advance} THEN ? ELSE {old_rank} END")
        params += [status, rank, rank]
        for name, value in fields.items():
            _check_call_field(name, value)
            path = f"'$.meta.call.{name}'"
            pairs.append(
                f"{path}, CASE WHEN json_extract(doc, {path}) IS NULL OR ? >= {old_rank} THEN ? "
                f"ELSE json_extract(doc, {path}) END"
            )
            params += [rank, value]
        pairs.append(
            "'$.meta.call.events', json(CASE WHEN coalesce(json_array_length(doc, '$.meta.call.events'), 0) >= ? "
            "THEN json_insert(json_remove(doc -> '$.meta.call.events', '$[0]'), '$[#]', ?) "
            "ELSE json_insert(coalesce(doc -> '$.meta.call.events', '[]'), '$[#]', ?) END)"
        )
        params += [CALL_EVENT_MEMORY, event_id, event_id]
        rows = await self.fetch(
            f"UPDATE timeline SET doc = json_set({base}, {', '.join(pairs)}) WHERE id = ? AND NOT EXISTS "
            "(SELECT 1 FROM json_each(timeline.doc, '$.meta.call.events') WHERE value = ?) RETURNING doc",
            (*params, entry_id, event_id),
        )
        return _entry(rows[0]) if rows else None

    async def add_attachment(self, entry_id: str, attachment: Any) -> TimelineEntry | None:
        data = attachment.model_dump(mode="json")
        rows = await self.fetch(
            "UPDATE timeline SET doc = json_insert(doc, '$.attachments[#]', json(?)) WHERE id = ? AND NOT EXISTS "
            "(SELECT 1 FROM json_each(timeline.doc, '$.attachments') WHERE json_extract(value, '$.url') = ?) "
            "RETURNING doc",
            (to_json(data), entry_id, data["url"]),
        )
        return _entry(rows[0]) if rows else None

    async def reassign_client(self, from_client_id: str, to_client_id: str) -> None:
        await self.run(
            "UPDATE timeline SET client_id = ?, doc = json_set(doc, '$.client_id', ?) WHERE client_id = ?",
            (to_client_id, to_client_id, from_client_id),
        )

    async def move_entries(
        self, from_conversation_id: str, to_conversation_id: str, *, entry_id: str, following: bool = False
    ) -> list[TimelineEntry]:
        # one UPDATE: the entry's seq is read inside it, and only rows still in the source conversation move
        which = (
            "seq >= (SELECT seq FROM timeline WHERE id = ? AND conversation_id = ?)"
            if following
            else "id = ? AND conversation_id = ?"
        )
        rows = await self.fetch(
            "UPDATE timeline SET conversation_id = ?, doc = json_set(doc, '$.conversation_id', ?) "
            f"WHERE conversation_id = ? AND {which} RETURNING seq, doc",
            (to_conversation_id, to_conversation_id, from_conversation_id, entry_id, from_conversation_id),
        )
        return [TimelineEntry.model_validate_json(doc) for _seq, doc in sorted(rows)]
