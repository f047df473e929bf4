"""Conversations: plain columns, one row per (client, channel, thread key)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from hub.domain import Conversation, ConversationStatus, utcnow
from hub.store.port import (
    CONVERSATION_MUTABLE,
    TOUCH_MEMORY,
    ConversationQuery,
    DuplicateError,
    Scope,
    check_limit,
)
from hub.store.sqlite.base import Base, from_ts, to_json, ts

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    thread_key TEXT NOT NULL,
    status TEXT NOT NULL,
    assignee_id TEXT,
    department_id TEXT,
    handler TEXT NOT NULL,
    bot_state TEXT NOT NULL DEFAULT '{}',
    subject TEXT NOT NULL DEFAULT '',
    unread INTEGER NOT NULL DEFAULT 0,
    last_message_at TEXT,
    last_message_preview TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sort_at TEXT GENERATED ALWAYS AS (coalesce(last_message_at, created_at)) VIRTUAL,
    UNIQUE (client_id, channel, thread_key)
);
CREATE INDEX IF NOT EXISTS conversations_sort ON conversations(sort_at, id);
CREATE INDEX IF NOT EXISTS conversations_status ON conversations(status, sort_at);
CREATE INDEX IF NOT EXISTS conversations_department ON conversations(department_id, sort_at);
CREATE INDEX IF NOT EXISTS conversations_assignee ON conversations(assignee_id, sort_at);
"""


# Columns conversations gained after their first release (see hub.store.sqlite._migrate).
ADDED_COLUMNS: list[tuple[str, str, str, str | None]] = [
    # the ids of the last TOUCH_MEMORY entries `touch(entry_id=...)` applied, a JSON array (oldest first)
    ("conversations", "applied", "TEXT NOT NULL DEFAULT '[]'", None),
    ("conversations", "priority", "TEXT NOT NULL DEFAULT 'normal'", None),
    # the monotonic count of inbound messages (per-user unread = it minus the user's read marker); an older file
    # starts from its shared unread counter
    (
        "conversations",
        "inbound_count",
        "INTEGER NOT NULL DEFAULT 0",
        "UPDATE conversations SET inbound_count = unread",
    ),
    # when a snoozed conversation wakes (hub.snooze_timers), and the lease of whoever is waking it
    ("conversations", "snoozed_until", "TEXT", None),
    ("conversations", "wake_lease_until", "TEXT", None),
]

# what needs the added columns (created after hub.store.sqlite._migrate added them)
LATE_SCHEMA: list[str] = [
    "CREATE INDEX IF NOT EXISTS conversations_wake ON conversations(snoozed_until) "
    "WHERE status = 'snoozed' AND snoozed_until IS NOT NULL",
]
_WAKE_DUE = (
    "status = 'snoozed' AND snoozed_until IS NOT NULL AND (wake_lease_until IS NULL OR wake_lease_until <= ?)"
)

_CONV_COLUMNS = (
    "id, client_id, channel, thread_key, status, assignee_id, department_id, handler, bot_state, subject, unread, "
    "last_message_at, last_message_preview, created_at, updated_at, priority, inbound_count, snoozed_until"
)
_CONV_NAMES = [c.strip() for c in _CONV_COLUMNS.split(",")]
_CONV_TIMES = {"last_message_at", "created_at", "updated_at", "snoozed_until"}
_CONV_JSON = {"bot_state"}


# the model's own validator (what `model_validate` calls, without its per-call keyword handling): every ingest builds
# two conversations from rows (its look-up, its touch), ~40% cheaper this way (issue #13)
_validate_conversation = Conversation.__pydantic_validator__.validate_python


def _conv_from_row(row: Sequence[Any]) -> Conversation:
    data = dict(zip(_CONV_NAMES, row, strict=True))
    for key in _CONV_TIMES:
        data[key] = from_ts(data[key])
    for key in _CONV_JSON:
        value = data[key]
        data[key] = {} if value == "{}" else json.loads(value)  # (most conversations have no bot state)
    return _validate_conversation(data)  # type: ignore[no-any-return]


def _conv_params(conv: Conversation) -> list[Any]:
    data = conv.model_dump(mode="python")
    out = []
    for name in _CONV_NAMES:
        value = data[name]
        if name in _CONV_TIMES:
            value = ts(value)
        elif name in _CONV_JSON:
            value = to_json(value)
        elif hasattr(value, "value"):
            value = value.value
        out.append(value)
    return out


def scope_sql(scope: Scope) -> tuple[str, list[Any]]:
    """The SQL condition (on conversations' columns) of a Scope: any of its conditions; an empty Scope allows
    nothing. Shared with the client search (`id IN (SELECT client_id FROM conversations WHERE ...)`)."""
    anyof: list[str] = []
    params: list[Any] = []
    if scope.department_ids:
        anyof.append(f"department_id IN ({','.join('?' * len(scope.department_ids))})")
        params += list(scope.department_ids)
    if scope.user_id is not None:
        anyof.append("assignee_id = ?")
        params.append(scope.user_id)
    if scope.unrouted:
        anyof.append("department_id IS NULL")
    if scope.client_ids:
        anyof.append(f"client_id IN ({','.join('?' * len(scope.client_ids))})")
        params += list(scope.client_ids)
    if scope.conversation_ids:
        anyof.append(f"id IN ({','.join('?' * len(scope.conversation_ids))})")
        params += list(scope.conversation_ids)
    return ("(" + " OR ".join(anyof) + ")" if anyof else "0"), params


def _in(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    return f"{column} IN ({','.join('?' * len(values))})", [getattr(v, "value", v) for v in values]


# a clock's SLA state at :now, as hub.domain_views.sla_state says (NULL: no policy applies)
_SLA_STATE = """CASE
    WHEN json_extract(doc, '$.policy') IS NULL THEN NULL
    WHEN json_array_length(doc, '$.breached') > 0
        OR coalesce(julianday(json_extract(doc, '$.first_response_due_at')) <= julianday(?), 0)
        OR coalesce(julianday(json_extract(doc, '$.resolution_due_at')) <= julianday(?), 0) THEN 'breached'
    WHEN json_extract(doc, '$.warning_minutes') > 0 AND (
        coalesce(julianday(json_extract(doc, '$.first_response_due_at'))
            - json_extract(doc, '$.warning_minutes') / 1440.0 <= julianday(?), 0)
        OR coalesce(julianday(json_extract(doc, '$.resolution_due_at'))
            - json_extract(doc, '$.warning_minutes') / 1440.0 <= julianday(?), 0)) THEN 'warning'
    ELSE 'ok' END"""


def _where(query: ConversationQuery) -> tuple[list[str], list[Any]]:
    """The conditions (ANDed) of a query's filters and scope, and their parameters (no cursor, no limit)."""
    where: list[str] = []
    params: list[Any] = []

    def add(sql: str, values: Sequence[Any] = ()) -> None:
        where.append(sql)
        params.extend(values)

    if query.status is not None:
        add("status = ?", [query.status.value])
    if query.assignee_id is not None:
        add("assignee_id = ?", [query.assignee_id])
    if query.unassigned:
        add("assignee_id IS NULL")
    if query.department_id is not None:
        add("department_id = ?", [query.department_id])
    if query.client_id is not None:
        add("client_id = ?", [query.client_id])
    if query.handler is not None:
        add("handler = ?", [query.handler.value])
    for column, values in (
        ("channel", query.channels),
        ("status", query.statuses),
        ("priority", query.priorities),
    ):
        if values:
            add(*_in(column, values))
    if query.client_tag is not None:
        add(
            "client_id IN (SELECT id FROM clients WHERE EXISTS "
            "(SELECT 1 FROM json_each(clients.doc, '$.tags') WHERE value = ?))",
            [query.client_tag],
        )
    if query.sla_states:
        now = ts(query.now or utcnow())
        states, values = _in(f"({_SLA_STATE})", query.sla_states)
        add(f"id IN (SELECT id FROM sla_clocks WHERE {states})", [now, now, now, now, *values])
    for column, start, end in (
        ("created_at", query.created_from, query.created_to),
        ("last_message_at", query.last_message_from, query.last_message_to),
    ):
        if start is not None:
            add(f"{column} >= ?", [ts(start)])
        if end is not None:
            add(f"{column} < ?", [ts(end)])
    if query.scope is not None:
        sql, scope_params = scope_sql(query.scope)
        add(sql, scope_params)
    return where, params


_TOUCH = f"""
            UPDATE conversations SET
                last_message_preview = CASE WHEN last_message_at IS NULL OR last_message_at <= :at
                                            THEN :preview ELSE last_message_preview END,
                last_message_at = CASE WHEN last_message_at IS NULL OR last_message_at < :at
                                       THEN :at ELSE last_message_at END,
                updated_at = max(updated_at, :now),
                unread = unread + :inc,
                inbound_count = inbound_count + :inc,
                status = CASE WHEN :reopen AND status IN ('resolved', 'snoozed', 'pending') THEN 'open' ELSE status END,
                snoozed_until = CASE WHEN :reopen THEN NULL ELSE snoozed_until END,
                applied = CASE
                    WHEN :entry IS NULL THEN applied
                    WHEN json_array_length(applied) >= :memory
                        THEN json_remove(json_insert(applied, '$[#]', :entry), '$[0]')
                    ELSE json_insert(applied, '$[#]', :entry) END
            WHERE id = :id
                AND (:entry IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(conversations.applied) WHERE value = :entry))
            RETURNING {_CONV_COLUMNS}
            """


def touch_statement(
    conversation_id: str,
    *,
    at: datetime,
    preview: str,
    inbound: bool,
    reopen: bool,
    now: datetime | None = None,
    entry_id: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """The UPDATE of `SqliteConversations.touch` and its parameters (rows for `conv_from_rows`)."""
    # with an entry id: the row matches only while the entry is not among the applied ones, and the same
    # statement appends it (dropping the oldest once TOUCH_MEMORY are remembered)
    return (
        _TOUCH,
        {
            "at": ts(at),
            "now": ts(max(at, now or utcnow())),
            "preview": preview,
            "inc": 1 if inbound else 0,
            "reopen": 1 if reopen else 0,
            "id": conversation_id,
            "entry": entry_id,
            "memory": TOUCH_MEMORY,
        },
    )


def conv_from_rows(rows: Sequence[Any]) -> Conversation | None:
    return _conv_from_row(rows[0]) if rows else None


# what a touch changes (_TOUCH), each column's place in a row of _CONV_COLUMNS and how its value is read
_TOUCHED = [
    (name, _CONV_NAMES.index(name), reader)
    for name, reader in (
        ("last_message_preview", None),
        ("last_message_at", from_ts),
        ("updated_at", from_ts),
        ("unread", None),
        ("inbound_count", None),
        ("status", ConversationStatus),
        ("snoozed_until", from_ts),
    )
]


def before_touch(after: Conversation, row: Sequence[Any]) -> Conversation:
    """The conversation of `row` (read before a touch in the same transaction) from the touched one: a copy with the
    touched columns as they were. Cheaper than validating the row again (an ingest needs both: issue #13)."""
    update: dict[str, Any] = {}
    for name, i, read in _TOUCHED:
        value = row[i]
        update[name] = value if read is None or value is None else read(value)
    return after.model_copy(update=update)


_INSERT_CONV = (
    f"INSERT INTO conversations({_CONV_COLUMNS}) VALUES ({','.join('?' * len(_CONV_NAMES))}) "
    f"ON CONFLICT(client_id, channel, thread_key) DO NOTHING RETURNING {_CONV_COLUMNS}"
)
_BY_THREAD = (
    f"SELECT {_CONV_COLUMNS} FROM conversations WHERE client_id = ? AND channel = ? AND thread_key = ?"
)


def get_or_create_unit(proposal: Conversation) -> Callable[[sqlite3.Connection], tuple[list[Any], bool]]:
    """`SqliteConversations.get_or_create` as one unit of a batch (hub.store.sqlite.batch): (its row, created)."""
    triple = (proposal.client_id, proposal.channel, proposal.thread_key)
    params = _conv_params(proposal)

    def unit(conn: sqlite3.Connection) -> tuple[list[Any], bool]:
        rows = conn.execute(_BY_THREAD, triple).fetchall()
        if rows:
            return rows, False
        rows = conn.execute(_INSERT_CONV, params).fetchall()
        if rows:
            return rows, True
        return conn.execute(_BY_THREAD, triple).fetchall(), False  # (another writer's, in between)

    return unit


class SqliteConversations(Base):
    async def get_or_create(self, proposal: Conversation) -> tuple[Conversation, bool]:
        self.stats.round_trips += 1
        try:
            rows, created = await self._batch.submit_unit(
                get_or_create_unit(proposal), writes=True, quick=True
            )
        except aiosqlite.IntegrityError as exc:
            raise DuplicateError(str(exc)) from exc
        return _conv_from_row(rows[0]), created

    async def get(self, conversation_id: str) -> Conversation | None:
        rows = await self.fetch(f"SELECT {_CONV_COLUMNS} FROM conversations WHERE id = ?", (conversation_id,))
        return _conv_from_row(rows[0]) if rows else None

    async def update(self, conversation_id: str, changes: dict[str, Any]) -> Conversation | None:
        unknown = set(changes) - CONVERSATION_MUTABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not changes:
            return await self.get(conversation_id)
        sets, params = [], []
        for key, value in changes.items():
            sets.append(f"{key} = ?")
            if key in _CONV_TIMES:
                value = ts(value)
            elif key in _CONV_JSON:
                value = to_json(value)
            params.append(getattr(value, "value", value))
        rows = await self.fetch(
            f"UPDATE conversations SET {', '.join(sets)} WHERE id = ? RETURNING {_CONV_COLUMNS}",
            (*params, conversation_id),
        )
        return _conv_from_row(rows[0]) if rows else None

    async def touch(
        self,
        conversation_id: str,
        *,
        at: datetime,
        preview: str,
        inbound: bool,
        reopen: bool,
        now: datetime | None = None,
        entry_id: str | None = None,
    ) -> Conversation | None:
        rows = await self.fetch(
            *touch_statement(
                conversation_id,
                at=at,
                preview=preview,
                inbound=inbound,
                reopen=reopen,
                now=now,
                entry_id=entry_id,
            )
        )
        return conv_from_rows(rows)

    async def set_last_message(
        self,
        conversation_id: str,
        *,
        expected_at: datetime | None,
        at: datetime | None,
        preview: str,
        inbound_added: int = 0,
        now: datetime,
    ) -> Conversation | None:
        rows = await self.fetch(
            f"""
            UPDATE conversations SET
                last_message_at = :at,
                last_message_preview = :preview,
                updated_at = max(updated_at, :now),
                unread = max(0, unread + :inc),
                inbound_count = max(0, inbound_count + :inc)
            WHERE id = :id AND last_message_at IS :expected
            RETURNING {_CONV_COLUMNS}
            """,
            {
                "at": ts(at),
                "preview": preview,
                "now": ts(now),
                "inc": inbound_added,
                "id": conversation_id,
                "expected": ts(expected_at),
            },
        )
        return _conv_from_row(rows[0]) if rows else None

    async def query(self, query: ConversationQuery) -> list[Conversation]:
        check_limit(query.limit)
        where, params = _where(query)
        if query.before is not None:
            where.append("(sort_at < ? OR (sort_at = ? AND id < ?))")
            at = ts(query.before.at)
            params += [at, at, query.before.id]
        sql = f"SELECT {_CONV_COLUMNS} FROM conversations"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY sort_at DESC, id DESC LIMIT ?"
        rows = await self.fetch(sql, (*params, query.limit))
        return [_conv_from_row(r) for r in rows]

    async def count(self, query: ConversationQuery) -> int:
        where, params = _where(query)
        sql = "SELECT count(*) FROM conversations" + (" WHERE " + " AND ".join(where) if where else "")
        rows = await self.fetch(sql, params)
        return int(rows[0][0])

    async def claim(
        self, conversation_id: str, assignee_id: str, *, department_id: str | None, now: datetime
    ) -> Conversation | None:
        rows = await self.fetch(
            f"UPDATE conversations SET assignee_id = ?, updated_at = max(updated_at, ?) WHERE id = ? "
            "AND assignee_id IS NULL AND department_id IS ? AND status IN ('open', 'pending') "
            f"RETURNING {_CONV_COLUMNS}",
            (assignee_id, ts(now), conversation_id, department_id),
        )
        return _conv_from_row(rows[0]) if rows else None

    async def release(self, conversation_id: str, assignee_id: str, *, now: datetime) -> Conversation | None:
        rows = await self.fetch(
            "UPDATE conversations SET assignee_id = NULL, updated_at = max(updated_at, ?) "
            f"WHERE id = ? AND assignee_id = ? RETURNING {_CONV_COLUMNS}",
            (ts(now), conversation_id, assignee_id),
        )
        return _conv_from_row(rows[0]) if rows else None

    async def due_wakes(self, *, now: datetime, limit: int = 100) -> list[Conversation]:
        check_limit(limit)
        rows = await self.fetch(
            f"SELECT {_CONV_COLUMNS} FROM conversations WHERE {_WAKE_DUE} AND snoozed_until <= ? "
            "ORDER BY snoozed_until LIMIT ?",
            (ts(now), ts(now), limit),
        )
        return [_conv_from_row(r) for r in rows]

    async def next_wake_at(self, *, now: datetime) -> datetime | None:
        rows = await self.fetch(f"SELECT min(snoozed_until) FROM conversations WHERE {_WAKE_DUE}", (ts(now),))
        return from_ts(rows[0][0]) if rows else None

    async def claim_wake(
        self, conversation_id: str, until: datetime, *, now: datetime, lease_until: datetime
    ) -> Conversation | None:
        if until > now:
            return None
        rows = await self.fetch(
            f"UPDATE conversations SET wake_lease_until = ? WHERE id = ? AND snoozed_until = ? AND {_WAKE_DUE} "
            f"RETURNING {_CONV_COLUMNS}",
            (ts(lease_until), conversation_id, ts(until), ts(now)),
        )
        return _conv_from_row(rows[0]) if rows else None

    async def wake(self, conversation_id: str, until: datetime, *, now: datetime) -> Conversation | None:
        rows = await self.fetch(
            "UPDATE conversations SET status = 'open', snoozed_until = NULL, wake_lease_until = NULL, "
            "updated_at = max(updated_at, ?) WHERE id = ? AND status = 'snoozed' AND snoozed_until = ? "
            f"RETURNING {_CONV_COLUMNS}",
            (ts(now), conversation_id, ts(until)),
        )
        return _conv_from_row(rows[0]) if rows else None

    async def reassign_client(self, from_client_id: str, to_client_id: str) -> None:
        # a thread that the kept client has too keeps its history under "<thread key>#merged:<id>"
        await self.run(
            """
            UPDATE conversations SET
                thread_key = CASE WHEN EXISTS (
                    SELECT 1 FROM conversations AS kept WHERE kept.client_id = :to
                    AND kept.channel = conversations.channel AND kept.thread_key = conversations.thread_key)
                    THEN thread_key || '#merged:' || id ELSE thread_key END,
                client_id = :to
            WHERE client_id = :from
            """,
            {"to": to_client_id, "from": from_client_id},
        )
