"""SLA clocks and breaches: documents as JSON; the timer's fields and the report's fields in indexed columns (the
notice index holds only clocks with a pending notice)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hub.domain_sla import SLA_MUTABLE, BreachCount, SlaBreach, SlaClock, SlaTarget
from hub.store.port import dump_fields
from hub.store.sqlite.base import Base, from_ts, set_doc_paths, ts

SCHEMA = """
CREATE TABLE IF NOT EXISTS sla_clocks (
    id TEXT PRIMARY KEY,
    next_notice TEXT,
    next_notice_at TEXT,
    notice_lease_until TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sla_clocks_notice ON sla_clocks(next_notice_at) WHERE next_notice_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS sla_breaches (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    department_id TEXT,
    target TEXT NOT NULL,
    at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sla_breaches_at ON sla_breaches(at, department_id);
"""

_FREE = "(notice_lease_until IS NULL OR notice_lease_until <= :now)"


def _clock(row: Any) -> SlaClock:
    return SlaClock.model_validate_json(row[0])


class SqliteSla(Base):
    async def create(self, clock: SlaClock) -> bool:
        rows = await self.fetch(
            "INSERT INTO sla_clocks(id, next_notice, next_notice_at, notice_lease_until, doc) "
            "VALUES (?, ?, ?, NULL, ?) ON CONFLICT(id) DO NOTHING RETURNING id",
            (clock.id, clock.next_notice, ts(clock.next_notice_at), clock.model_dump_json()),
        )
        return bool(rows)

    async def get(self, conversation_id: str) -> SlaClock | None:
        # every customer message reads its conversation's clock: a point read on the reader's thread
        rows = await self.fetch_now("SELECT doc FROM sla_clocks WHERE id = ?", (conversation_id,))
        return _clock(rows[0]) if rows else None

    async def get_many(self, conversation_ids: Sequence[str]) -> dict[str, SlaClock]:
        ids = list(dict.fromkeys(conversation_ids))
        if not ids:
            return {}
        rows = await self.fetch(f"SELECT doc FROM sla_clocks WHERE id IN ({','.join('?' * len(ids))})", ids)
        return {c.id: c for c in map(_clock, rows)}

    async def update(self, conversation_id: str, changes: dict[str, Any]) -> SlaClock | None:
        unknown = set(changes) - SLA_MUTABLE
        if unknown:
            raise ValueError(f"SLA clock fields not updatable: {sorted(unknown)}")
        if not changes:
            return await self.get(conversation_id)
        dumped = dump_fields(SlaClock, changes)
        rescheduled = "next_notice_at" in changes or "next_notice" in changes
        if rescheduled and not {"next_notice", "next_notice_at"} <= set(changes):
            raise ValueError("a new schedule sets next_notice and next_notice_at together")
        if rescheduled:
            dumped["notice_lease_until"] = None
        doc_sql, params = set_doc_paths({k: dumped[k] for k in dumped})
        sets = [f"doc = {doc_sql}"]
        if rescheduled:
            sets.append("next_notice = ?, next_notice_at = ?, notice_lease_until = NULL")
            params += [changes.get("next_notice"), ts(changes.get("next_notice_at"))]
        rows = await self.fetch(
            f"UPDATE sla_clocks SET {', '.join(sets)} WHERE id = ? RETURNING doc", (*params, conversation_id)
        )
        return _clock(rows[0]) if rows else None

    async def due_notices(self, *, now: datetime, limit: int = 100) -> list[SlaClock]:
        rows = await self.fetch(
            "SELECT doc FROM sla_clocks WHERE next_notice_at IS NOT NULL AND next_notice_at <= :now "
            f"AND {_FREE} ORDER BY next_notice_at LIMIT :limit",
            {"now": ts(now), "limit": limit},
        )
        return [_clock(r) for r in rows]

    async def next_notice_at(self, *, now: datetime) -> datetime | None:
        rows = await self.fetch(
            f"SELECT next_notice_at FROM sla_clocks WHERE next_notice_at IS NOT NULL AND {_FREE} "
            "ORDER BY next_notice_at LIMIT 1",
            {"now": ts(now)},
        )
        return from_ts(rows[0][0]) if rows else None

    async def claim_notice(
        self, conversation_id: str, key: str, at: datetime, *, now: datetime, lease_until: datetime
    ) -> SlaClock | None:
        rows = await self.fetch(
            "UPDATE sla_clocks SET notice_lease_until = :until, doc = json_set(doc, '$.notice_lease_until', :until) "
            "WHERE id = :id AND next_notice = :key AND next_notice_at = :at AND next_notice_at <= :now "
            f"AND {_FREE} RETURNING doc",
            {"until": ts(lease_until), "id": conversation_id, "key": key, "at": ts(at), "now": ts(now)},
        )
        return _clock(rows[0]) if rows else None

    async def complete_notice(
        self,
        conversation_id: str,
        key: str,
        at: datetime,
        *,
        next_key: str | None,
        next_at: datetime | None,
        breached: SlaTarget | None = None,
    ) -> SlaClock | None:
        add_breach = (
            ", '$.breached[#]', :breached" if breached is not None else ""
        )  # only when not listed yet (the WHERE below)
        rows = await self.fetch(
            "UPDATE sla_clocks SET next_notice = :next_key, next_notice_at = :next_at, notice_lease_until = NULL, "
            "doc = json_set(doc, '$.next_notice', :next_key, '$.next_notice_at', :next_at, "
            f"'$.notice_lease_until', NULL, '$.notices_sent[#]', :key{add_breach}) "
            "WHERE id = :id AND next_notice = :key AND next_notice_at = :at "
            "AND (:breached IS NULL OR NOT EXISTS "
            "(SELECT 1 FROM json_each(sla_clocks.doc, '$.breached') WHERE value = :breached)) RETURNING doc",
            {
                "next_key": next_key,
                "next_at": ts(next_at),
                "key": key,
                "id": conversation_id,
                "at": ts(at),
                "breached": breached.value if breached is not None else None,
            },
        )
        if not rows and breached is not None:  # already listed as breached: record the notice only
            return await self.complete_notice(conversation_id, key, at, next_key=next_key, next_at=next_at)
        return _clock(rows[0]) if rows else None

    async def record_breach(self, breach: SlaBreach) -> bool:
        rows = await self.fetch(
            "INSERT INTO sla_breaches(id, key, department_id, target, at, doc) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(key) DO NOTHING RETURNING id",
            (
                breach.id,
                breach.key,
                breach.department_id,
                breach.target.value,
                ts(breach.at),
                breach.model_dump_json(),
            ),
        )
        return bool(rows)

    async def count_breaches(
        self, *, department_ids: Sequence[str | None] | None, since: datetime | None, until: datetime | None
    ) -> list[BreachCount]:
        where, params = ["1"], []
        if since is not None:
            where.append("at >= ?")
            params.append(ts(since))
        if until is not None:
            where.append("at < ?")
            params.append(ts(until))
        if department_ids is not None:
            named = [d for d in department_ids if d is not None]
            anyof = [f"department_id IN ({','.join('?' * len(named))})"] if named else []
            params += named
            if None in department_ids:
                anyof.append("department_id IS NULL")
            where.append("(" + (" OR ".join(anyof) or "0") + ")")
        rows = await self.fetch(
            "SELECT department_id, target, COUNT(*) FROM sla_breaches WHERE "
            + " AND ".join(where)
            + " GROUP BY department_id, target ORDER BY department_id, target",
            params,
        )
        return [BreachCount(department_id=d, target=SlaTarget(t), count=n) for d, t, n in rows]
