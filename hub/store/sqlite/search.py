"""Full-text search of timeline entries: an FTS5 table of each entry's terms (hub.search_terms), keyed by the
entry's `seq`, kept in step by triggers on the timeline's `search_terms` column (which the timeline's insert and
update_content fill), so every write stays one statement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.domain import TimelineEntry
from hub.store.port import SearchScope, check_limit
from hub.store.sqlite.base import Base, to_json
from hub.store.sqlite.clients import partner_scope_sql
from hub.store.sqlite.conversations import scope_sql

# the terms are stemmed in Python already; the tokenizer only splits them on the spaces between them
SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS entry_fts USING fts5(
    terms, detail = none, tokenize = 'unicode61 remove_diacritics 0'
);
"""

# the entry's terms, space separated ('' when it has none); NULL: not indexed yet (back-filled by hub.search_index)
ADDED_COLUMNS: list[tuple[str, str, str, str | None]] = [("timeline", "search_terms", "TEXT", None)]

LATE_SCHEMA: list[str] = [
    "CREATE INDEX IF NOT EXISTS timeline_unindexed ON timeline(seq) WHERE search_terms IS NULL",
    """CREATE TRIGGER IF NOT EXISTS timeline_fts_ai AFTER INSERT ON timeline WHEN NEW.search_terms <> '' BEGIN
        INSERT INTO entry_fts(rowid, terms) VALUES (NEW.seq, NEW.search_terms);
    END""",
    """CREATE TRIGGER IF NOT EXISTS timeline_fts_au AFTER UPDATE OF search_terms ON timeline BEGIN
        DELETE FROM entry_fts WHERE rowid = OLD.seq;
        INSERT INTO entry_fts(rowid, terms) SELECT NEW.seq, NEW.search_terms WHERE NEW.search_terms <> '';
    END""",
    """CREATE TRIGGER IF NOT EXISTS timeline_fts_ad AFTER DELETE ON timeline BEGIN
        DELETE FROM entry_fts WHERE rowid = OLD.seq;
    END""",
]


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
