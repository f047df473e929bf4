"""The embedded store: SQLite through aiosqlite, WAL mode, one connection.

Documents are JSON (`doc`) with the queried fields as indexed columns; conversations are plain columns. Every write
is a single SQL statement (upserts with RETURNING, conditional UPDATEs, triggers for the search-term index), so the
database is consistent after every statement and no multi-statement transaction is ever needed.
Datetimes in columns are fixed-width UTC text ('2026-01-02T03:04:05.678Z'), so text order is time order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from hub.domain import (
    Client,
    Conversation,
    Delivery,
    Department,
    Identity,
    MergeSuggestion,
    TimelineEntry,
    User,
)
from hub.identities import query_terms, search_terms
from hub.store.port import (
    CLIENT_MUTABLE,
    CONVERSATION_MUTABLE,
    USER_MUTABLE,
    ConversationQuery,
    Cursor,
    DuplicateError,
    Store,
    StoreStats,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS clients (
    id TEXT PRIMARY KEY,
    updated_at TEXT NOT NULL,
    name_terms TEXT NOT NULL DEFAULT '[]',
    id_terms TEXT NOT NULL DEFAULT '[]',
    partners TEXT NOT NULL DEFAULT '[]',
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS clients_updated ON clients(updated_at);
CREATE TABLE IF NOT EXISTS client_terms (
    term TEXT NOT NULL, client_id TEXT NOT NULL, PRIMARY KEY (term, client_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS client_partners (
    partner_id TEXT NOT NULL, client_id TEXT NOT NULL, PRIMARY KEY (partner_id, client_id)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS clients_ai AFTER INSERT ON clients BEGIN
    INSERT OR IGNORE INTO client_terms(term, client_id)
        SELECT value, NEW.id FROM json_each(NEW.name_terms) UNION SELECT value, NEW.id FROM json_each(NEW.id_terms);
    INSERT OR IGNORE INTO client_partners(partner_id, client_id) SELECT value, NEW.id FROM json_each(NEW.partners);
END;
CREATE TRIGGER IF NOT EXISTS clients_au_terms AFTER UPDATE OF name_terms, id_terms ON clients BEGIN
    DELETE FROM client_terms WHERE client_id = OLD.id;
    INSERT OR IGNORE INTO client_terms(term, client_id)
        SELECT value, NEW.id FROM json_each(NEW.name_terms) UNION SELECT value, NEW.id FROM json_each(NEW.id_terms);
END;
CREATE TRIGGER IF NOT EXISTS clients_au_partners AFTER UPDATE OF partners ON clients BEGIN
    DELETE FROM client_partners WHERE client_id = OLD.id;
    INSERT OR IGNORE INTO client_partners(partner_id, client_id) SELECT value, NEW.id FROM json_each(NEW.partners);
END;
CREATE TRIGGER IF NOT EXISTS clients_ad AFTER DELETE ON clients BEGIN
    DELETE FROM client_terms WHERE client_id = OLD.id;
    DELETE FROM client_partners WHERE client_id = OLD.id;
END;

CREATE TABLE IF NOT EXISTS identities (
    kind TEXT NOT NULL, value TEXT NOT NULL, client_id TEXT NOT NULL, PRIMARY KEY (kind, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS identities_client ON identities(client_id);

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

CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, email_key TEXT NOT NULL UNIQUE, doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS departments (
    id TEXT PRIMARY KEY, name_key TEXT NOT NULL UNIQUE, doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS merges (
    id TEXT PRIMARY KEY, pair_key TEXT NOT NULL UNIQUE, status TEXT NOT NULL, created_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS merges_status ON merges(status, created_at);
"""

_TOP = "\U0010ffff"


def ts(value: datetime | None) -> str | None:
    """Fixed-width UTC text for a datetime column."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return f"{value.year:04d}-" + value.strftime("%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def from_ts(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return ts(value)
    raise TypeError(f"cannot store {type(value).__name__}")


class _Base:
    def __init__(self, db: aiosqlite.Connection, stats: StoreStats) -> None:
        self.db = db
        self.stats = stats

    async def fetch(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        self.stats.round_trips += 1
        try:
            return list(await self.db.execute_fetchall(sql, params))
        except aiosqlite.IntegrityError as exc:
            raise DuplicateError(str(exc)) from exc

    async def run(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        self.stats.round_trips += 1
        try:
            cursor = await self.db.execute(sql, params)
        except aiosqlite.IntegrityError as exc:
            raise DuplicateError(str(exc)) from exc
        count = cursor.rowcount
        await cursor.close()
        return count


def _set_doc_paths(changes: dict[str, Any]) -> tuple[str, list[Any]]:
    """SQL `json_set(doc, '$.a', json(?), ...)` for a dict of top-level changes."""
    parts, params = [], []
    for key, value in changes.items():
        parts.append(f"'$.{key}', json(?)")
        params.append(_json(value))
    return "json_set(doc, " + ", ".join(parts) + ")", params


def _model_json(model: Any) -> str:
    return model.model_dump_json()


# --- clients ------------------------------------------------------------------------------------------------------


class SqliteClients(_Base):
    async def create(self, client: Client) -> None:
        await self.run(
            "INSERT INTO clients(id, updated_at, name_terms, id_terms, partners, doc) VALUES (?,?,?,?,?,?)",
            (
                client.id,
                ts(client.updated_at),
                _json(search_terms(client.name, [])),
                _json(search_terms("", client.identities)),
                _json(client.partner_ids),
                _model_json(client),
            ),
        )

    async def get(self, client_id: str) -> Client | None:
        rows = await self.fetch("SELECT doc FROM clients WHERE id = ?", (client_id,))
        return Client.model_validate_json(rows[0][0]) if rows else None

    async def get_many(self, client_ids: Sequence[str]) -> list[Client]:
        ids = list(dict.fromkeys(client_ids))
        if not ids:
            return []
        rows = await self.fetch(f"SELECT doc FROM clients WHERE id IN ({','.join('?' * len(ids))})", ids)
        return [Client.model_validate_json(r[0]) for r in rows]

    async def delete(self, client_id: str) -> None:
        await self.run("DELETE FROM clients WHERE id = ?", (client_id,))

    async def update(self, client_id: str, changes: dict[str, Any]) -> Client | None:
        unknown = set(changes) - CLIENT_MUTABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not changes:
            return await self.get(client_id)
        changes = {k: (v.value if hasattr(v, "value") else v) for k, v in changes.items()}
        doc_sql, params = _set_doc_paths(changes)
        columns = ["doc = " + doc_sql]
        if "updated_at" in changes:
            columns.append("updated_at = ?")
            params.append(ts(changes["updated_at"]))
        if "name" in changes:
            columns.append("name_terms = ?")
            params.append(_json(search_terms(changes["name"], [])))
        if "partner_ids" in changes:
            columns.append("partners = ?")
            params.append(_json(changes["partner_ids"]))
        rows = await self.fetch(
            f"UPDATE clients SET {', '.join(columns)} WHERE id = ? RETURNING doc", (*params, client_id)
        )
        return Client.model_validate_json(rows[0][0]) if rows else None

    async def fill_name(self, client_id: str, name: str, *, at: datetime) -> Client | None:
        rows = await self.fetch(
            "UPDATE clients SET doc = json_set(doc, '$.name', ?, '$.updated_at', ?), name_terms = ?, updated_at = ? "
            "WHERE id = ? AND json_extract(doc, '$.name') = '' RETURNING doc",
            (name, ts(at), _json(search_terms(name, [])), ts(at), client_id),
        )
        return Client.model_validate_json(rows[0][0]) if rows else None

    async def add_identity(self, client_id: str, identity: Identity) -> Client | None:
        rows = await self.fetch(
            """
            UPDATE clients SET
                doc = json_set(doc, '$.identities[#]', json(:ident)),
                id_terms = (SELECT json_group_array(value) FROM
                            (SELECT value FROM json_each(clients.id_terms) UNION SELECT value FROM json_each(:terms)))
            WHERE id = :id AND NOT EXISTS (
                SELECT 1 FROM json_each(clients.doc, '$.identities')
                WHERE json_extract(value, '$.kind') = :kind AND json_extract(value, '$.value') = :value)
            RETURNING doc
            """,
            {
                "ident": identity.model_dump_json(),
                "terms": _json(search_terms("", [identity])),
                "id": client_id,
                "kind": identity.kind.value,
                "value": identity.value,
            },
        )
        return Client.model_validate_json(rows[0][0]) if rows else None

    async def search(
        self, q: str, *, limit: int = 20, partner_id: str | None = None, region: str | None = None
    ) -> list[Client]:
        where, params = [], []
        for term in query_terms(q, region):
            where.append("id IN (SELECT client_id FROM client_terms WHERE term >= ? AND term < ?)")
            params += [term, term + _TOP]
        if partner_id is not None:
            where.append("id IN (SELECT client_id FROM client_partners WHERE partner_id = ?)")
            params.append(partner_id)
        sql = "SELECT doc FROM clients"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY updated_at DESC, id DESC LIMIT ?"
        rows = await self.fetch(sql, (*params, limit))
        return [Client.model_validate_json(r[0]) for r in rows]


class SqliteIdentities(_Base):
    async def owners(self, identities: Sequence[Identity]) -> dict[Identity, str]:
        wanted = list(dict.fromkeys(identities))
        if not wanted:
            return {}
        # an OR of primary-key look-ups: `(kind, value) IN (VALUES ...)` would scan the table
        anyof = " OR ".join("(kind = ? AND value = ?)" for _ in wanted)
        params = [p for ident in wanted for p in (ident.kind.value, ident.value)]
        rows = await self.fetch(f"SELECT kind, value, client_id FROM identities WHERE {anyof}", params)
        found = {(k, v): c for k, v, c in rows}
        return {i: found[(i.kind.value, i.value)] for i in wanted if (i.kind.value, i.value) in found}

    async def claim(self, identity: Identity, client_id: str) -> str:
        rows = await self.fetch(
            "INSERT INTO identities(kind, value, client_id) VALUES (?,?,?) "
            "ON CONFLICT(kind, value) DO UPDATE SET client_id = identities.client_id RETURNING client_id",
            (identity.kind.value, identity.value, client_id),
        )
        return rows[0][0]

    async def reassign(self, from_client_id: str, to_client_id: str) -> None:
        await self.run(
            "UPDATE identities SET client_id = ? WHERE client_id = ?", (to_client_id, from_client_id)
        )


# --- conversations ------------------------------------------------------------------------------------------------

_CONV_COLUMNS = (
    "id, client_id, channel, thread_key, status, assignee_id, department_id, handler, bot_state, subject, unread, "
    "last_message_at, last_message_preview, created_at, updated_at"
)
_CONV_NAMES = [c.strip() for c in _CONV_COLUMNS.split(",")]
_CONV_TIMES = {"last_message_at", "created_at", "updated_at"}
_CONV_JSON = {"bot_state"}


def _conv_from_row(row: Sequence[Any]) -> Conversation:
    data = dict(zip(_CONV_NAMES, row, strict=True))
    for key in _CONV_TIMES:
        data[key] = from_ts(data[key])
    for key in _CONV_JSON:
        data[key] = json.loads(data[key])
    return Conversation.model_validate(data)


def _conv_params(conv: Conversation) -> list[Any]:
    data = conv.model_dump(mode="python")
    out = []
    for name in _CONV_NAMES:
        value = data[name]
        if name in _CONV_TIMES:
            value = ts(value)
        elif name in _CONV_JSON:
            value = _json(value)
        elif hasattr(value, "value"):
            value = value.value
        out.append(value)
    return out


class SqliteConversations(_Base):
    async def get_or_create(self, proposal: Conversation) -> tuple[Conversation, bool]:
        # the common case (an existing thread) costs one SELECT; a new thread one more INSERT
        select = f"SELECT {_CONV_COLUMNS} FROM conversations WHERE client_id = ? AND channel = ? AND thread_key = ?"
        triple = (proposal.client_id, proposal.channel, proposal.thread_key)
        rows = await self.fetch(select, triple)
        if rows:
            return _conv_from_row(rows[0]), False
        rows = await self.fetch(
            f"INSERT INTO conversations({_CONV_COLUMNS}) VALUES ({','.join('?' * len(_CONV_NAMES))}) "
            f"ON CONFLICT(client_id, channel, thread_key) DO NOTHING RETURNING {_CONV_COLUMNS}",
            _conv_params(proposal),
        )
        if rows:
            return _conv_from_row(rows[0]), True
        rows = await self.fetch(select, triple)  # lost a race to a concurrent insert
        return _conv_from_row(rows[0]), False

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
                value = _json(value)
            params.append(getattr(value, "value", value))
        rows = await self.fetch(
            f"UPDATE conversations SET {', '.join(sets)} WHERE id = ? RETURNING {_CONV_COLUMNS}",
            (*params, conversation_id),
        )
        return _conv_from_row(rows[0]) if rows else None

    async def touch(
        self, conversation_id: str, *, at: datetime, preview: str, inbound: bool, reopen: bool
    ) -> Conversation | None:
        rows = await self.fetch(
            f"""
            UPDATE conversations SET
                last_message_preview = CASE WHEN last_message_at IS NULL OR last_message_at <= :at
                                            THEN :preview ELSE last_message_preview END,
                last_message_at = CASE WHEN last_message_at IS NULL OR last_message_at < :at
                                       THEN :at ELSE last_message_at END,
                updated_at = :now,
                unread = unread + :inc,
                status = CASE WHEN :reopen AND status IN ('resolved', 'snoozed') THEN 'open' ELSE status END
            WHERE id = :id RETURNING {_CONV_COLUMNS}
            """,
            {
                "at": ts(at),
                "now": ts(max(at, datetime.now(UTC))),
                "preview": preview,
                "inc": 1 if inbound else 0,
                "reopen": 1 if reopen else 0,
                "id": conversation_id,
            },
        )
        return _conv_from_row(rows[0]) if rows else None

    async def query(self, query: ConversationQuery) -> list[Conversation]:
        where: list[str] = []
        params: list[Any] = []
        if query.status is not None:
            where.append("status = ?")
            params.append(query.status.value)
        if query.assignee_id is not None:
            where.append("assignee_id = ?")
            params.append(query.assignee_id)
        if query.unassigned:
            where.append("assignee_id IS NULL")
        if query.department_id is not None:
            where.append("department_id = ?")
            params.append(query.department_id)
        if query.client_id is not None:
            where.append("client_id = ?")
            params.append(query.client_id)
        if query.scope is not None:
            scope = query.scope
            anyof: list[str] = []
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
            where.append("(" + " OR ".join(anyof) + ")" if anyof else "0")
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


# --- timeline -----------------------------------------------------------------------------------------------------


def _entry(row: Sequence[Any]) -> TimelineEntry:
    return TimelineEntry.model_validate_json(row[0])


class SqliteTimeline(_Base):
    async def insert(self, entry: TimelineEntry) -> bool:
        delivery = entry.delivery
        count = await self.run(
            "INSERT INTO timeline(id, client_id, conversation_id, dedupe_key, occurred_at, delivery_status, "
            "next_attempt_at, lease_until, doc) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(dedupe_key) DO NOTHING",
            (
                entry.id,
                entry.client_id,
                entry.conversation_id,
                entry.dedupe_key,
                ts(entry.occurred_at),
                delivery.status.value if delivery else None,
                ts(delivery.next_attempt_at) if delivery else None,
                ts(delivery.lease_until) if delivery else None,
                _model_json(entry),
            ),
        )
        return count == 1

    async def get(self, entry_id: str) -> TimelineEntry | None:
        rows = await self.fetch("SELECT doc FROM timeline WHERE id = ?", (entry_id,))
        return _entry(rows[0]) if rows else None

    async def get_by_dedupe_key(self, key: str) -> TimelineEntry | None:
        rows = await self.fetch("SELECT doc FROM timeline WHERE dedupe_key = ?", (key,))
        return _entry(rows[0]) if rows else None

    async def _page(self, column: str, value: str, before: Cursor | None, limit: int) -> list[TimelineEntry]:
        params: list[Any] = [value]
        sql = f"SELECT doc FROM timeline WHERE {column} = ?"
        if before is not None:
            at = ts(before.at)
            sql += " AND (occurred_at < ? OR (occurred_at = ? AND id < ?))"
            params += [at, at, before.id]
        sql += " ORDER BY occurred_at DESC, id DESC LIMIT ?"
        rows = await self.fetch(sql, (*params, limit))
        return [_entry(r) for r in rows]

    async def page(
        self, client_id: str, *, before: Cursor | None = None, limit: int = 50
    ) -> list[TimelineEntry]:
        return await self._page("client_id", client_id, before, limit)

    async def conversation_page(
        self, conversation_id: str, *, before: Cursor | None = None, limit: int = 50
    ) -> list[TimelineEntry]:
        return await self._page("conversation_id", conversation_id, before, limit)

    async def mentioning(
        self, user_id: str, *, before: Cursor | None = None, limit: int = 50
    ) -> list[TimelineEntry]:
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
        at = ts(now)
        rows = await self.fetch(
            "SELECT doc FROM timeline WHERE delivery_status = 'queued' "
            "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) AND (lease_until IS NULL OR lease_until <= ?) "
            "ORDER BY next_attempt_at LIMIT ?",
            (at, at, limit),
        )
        return [_entry(r) for r in rows]

    async def update_content(
        self, entry_id: str, *, text: str, html: str | None, meta: dict[str, Any]
    ) -> TimelineEntry | None:
        rows = await self.fetch(
            "UPDATE timeline SET doc = json_set(doc, '$.text', ?, '$.html', json(?), '$.meta', json(?)) "
            "WHERE id = ? RETURNING doc",
            (text, _json(html), _json(meta), entry_id),
        )
        return _entry(rows[0]) if rows else None

    async def reassign_client(self, from_client_id: str, to_client_id: str) -> None:
        await self.run(
            "UPDATE timeline SET client_id = ?, doc = json_set(doc, '$.client_id', ?) WHERE client_id = ?",
            (to_client_id, to_client_id, from_client_id),
        )


# --- staff --------------------------------------------------------------------------------------------------------


class SqliteUsers(_Base):
    async def create(self, user: User) -> None:
        await self.run(
            "INSERT INTO users(id, email_key, doc) VALUES (?,?,?)",
            (user.id, user.email.lower(), _model_json(user)),
        )

    async def get(self, user_id: str) -> User | None:
        rows = await self.fetch("SELECT doc FROM users WHERE id = ?", (user_id,))
        return User.model_validate_json(rows[0][0]) if rows else None

    async def get_by_email(self, email: str) -> User | None:
        rows = await self.fetch("SELECT doc FROM users WHERE email_key = ?", (email.strip().lower(),))
        return User.model_validate_json(rows[0][0]) if rows else None

    async def list(self) -> list[User]:
        rows = await self.fetch("SELECT doc FROM users ORDER BY json_extract(doc, '$.name'), id")
        return [User.model_validate_json(r[0]) for r in rows]

    async def update(self, user_id: str, changes: dict[str, Any]) -> User | None:
        unknown = set(changes) - USER_MUTABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not changes:
            return await self.get(user_id)
        doc_sql, params = _set_doc_paths({k: getattr(v, "value", v) for k, v in changes.items()})
        rows = await self.fetch(
            f"UPDATE users SET doc = {doc_sql} WHERE id = ? RETURNING doc", (*params, user_id)
        )
        return User.model_validate_json(rows[0][0]) if rows else None

    async def count(self) -> int:
        rows = await self.fetch("SELECT count(*) FROM users")
        return rows[0][0]


class SqliteDepartments(_Base):
    async def create(self, department: Department) -> None:
        await self.run(
            "INSERT INTO departments(id, name_key, doc) VALUES (?,?,?)",
            (department.id, department.name.strip().lower(), _model_json(department)),
        )

    async def get(self, department_id: str) -> Department | None:
        rows = await self.fetch("SELECT doc FROM departments WHERE id = ?", (department_id,))
        return Department.model_validate_json(rows[0][0]) if rows else None

    async def get_by_name(self, name: str) -> Department | None:
        rows = await self.fetch("SELECT doc FROM departments WHERE name_key = ?", (name.strip().lower(),))
        return Department.model_validate_json(rows[0][0]) if rows else None

    async def list(self) -> list[Department]:
        rows = await self.fetch("SELECT doc FROM departments ORDER BY name_key")
        return [Department.model_validate_json(r[0]) for r in rows]

    async def rename(self, department_id: str, name: str) -> Department | None:
        rows = await self.fetch(
            "UPDATE departments SET name_key = ?, doc = json_set(doc, '$.name', ?) WHERE id = ? RETURNING doc",
            (name.strip().lower(), name, department_id),
        )
        return Department.model_validate_json(rows[0][0]) if rows else None


class SqliteMerges(_Base):
    async def suggest(self, suggestion: MergeSuggestion) -> bool:
        ordered = tuple(sorted(suggestion.client_ids))
        suggestion = suggestion.model_copy(update={"client_ids": ordered})
        pair = "|".join(ordered)
        count = await self.run(
            "INSERT INTO merges(id, pair_key, status, created_at, doc) VALUES (?,?,?,?,?) "
            "ON CONFLICT(pair_key) DO NOTHING",
            (suggestion.id, pair, suggestion.status, ts(suggestion.created_at), _model_json(suggestion)),
        )
        return count == 1

    async def list(self, *, status: str | None = "open", limit: int = 100) -> list[MergeSuggestion]:
        if status is None:
            rows = await self.fetch("SELECT doc FROM merges ORDER BY created_at DESC LIMIT ?", (limit,))
        else:
            rows = await self.fetch(
                "SELECT doc FROM merges WHERE status = ? ORDER BY created_at DESC LIMIT ?", (status, limit)
            )
        return [MergeSuggestion.model_validate_json(r[0]) for r in rows]

    async def get(self, suggestion_id: str) -> MergeSuggestion | None:
        rows = await self.fetch("SELECT doc FROM merges WHERE id = ?", (suggestion_id,))
        return MergeSuggestion.model_validate_json(rows[0][0]) if rows else None

    async def set_status(self, suggestion_id: str, status: str) -> MergeSuggestion | None:
        rows = await self.fetch(
            "UPDATE merges SET status = ?, doc = json_set(doc, '$.status', ?) WHERE id = ? RETURNING doc",
            (status, status, suggestion_id),
        )
        return MergeSuggestion.model_validate_json(rows[0][0]) if rows else None


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
