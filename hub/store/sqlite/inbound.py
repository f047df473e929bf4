"""The ingest's combined steps (InboundRepo): its reads in one hand-off to the reader's thread (the read-only
connection, `Batcher.read`; else one trip to aiosqlite's thread), its entry with the conversation's touch in one
trip and one transaction, and a new sender's client, identity, conversation and first entry in one (issue #13: each
trip costs a thread hand-off both ways, which under load is what a request waits for, not the SQL)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from hub.domain import Client, Conversation, Identity, TimelineEntry
from hub.store.port import DuplicateError, FirstEntry, InboundLookup, NewSender
from hub.store.sqlite.base import Base
from hub.store.sqlite.clients import create_statement
from hub.store.sqlite.conversations import (
    _BY_THREAD,
    before_touch,
    conv_from_rows,
    get_or_create_unit,
    touch_statement,
)
from hub.store.sqlite.identities import claim_statement, owners_statement
from hub.store.sqlite.search import follower_of
from hub.store.sqlite.timeline import BY_DEDUPE_KEY, _entry, entry_terms, insert_with_terms


class SqliteInbound(Base):
    touch_is_atomic = True  # every entry is stored with its touch (one unit, one transaction)

    async def lookup(
        self,
        dedupe_key: str,
        identities: Sequence[Identity],
        channel: str,
        thread_key: str,
        append: FirstEntry | None = None,
    ) -> InboundLookup:
        wanted = list(dict.fromkeys(identities))
        owners_sql, owners_params = owners_statement(wanted)

        def read(conn: sqlite3.Connection) -> tuple[list[Any], list[Any], list[Any], bool]:
            duplicate = conn.execute(BY_DEDUPE_KEY, (dedupe_key,)).fetchall()
            if duplicate or not wanted:
                return duplicate, [], [], False
            found = {(k, v): c for k, v, c in conn.execute(owners_sql, owners_params).fetchall()}
            owned = [found.get((i.kind.value, i.value)) for i in wanted]
            first = next((c for c in owned if c is not None), None)
            if first is None:
                return [], [], [], False
            return (
                [],
                [(i, c) for i, c in zip(wanted, owned, strict=True) if c],
                conn.execute(_BY_THREAD, (first, channel, thread_key)).fetchall(),
                all(c == first for c in owned),
            )

        self.stats.round_trips += 1
        if append is None:
            duplicate, owners, thread, _ = await self._batch.read(read)  # point reads: on the reader's thread
            appended = None
        else:
            terms = await entry_terms(append.entry)

            def read_and_append(conn: sqlite3.Connection) -> tuple[Any, ...]:
                duplicate, owners, thread, complete = read(conn)
                if not (complete and thread):
                    return duplicate, owners, thread, None
                addressed = append.entry.addressed(owners[0][1], thread[0][0])
                return duplicate, owners, thread, (addressed, _append_rows(conn, append, addressed, terms))

            # a writing unit: the reads and, for a sender known completely, the entry with its touch
            try:
                duplicate, owners, thread, appended = await self._batch.submit_unit(
                    read_and_append, writes=True, quick=True
                )
            except aiosqlite.IntegrityError as exc:
                raise DuplicateError(str(exc)) from exc
        if duplicate:
            return InboundLookup(duplicate=_entry(duplicate[0]))
        if appended is None:
            return InboundLookup(owners=dict(owners), conversation=conv_from_rows(thread))
        entry, (stored, touched) = appended
        result = self._appended(entry, stored, touched)
        after = result[1]
        # the conversation as read before the touch: from the touched one (one row validated, not two)
        before = before_touch(after, thread[0]) if after is not None else conv_from_rows(thread)
        return InboundLookup(owners=dict(owners), conversation=before, appended=(entry, result))

    async def append(
        self,
        entry: TimelineEntry,
        *,
        lease_until: datetime | None,
        at: datetime,
        preview: str,
        inbound: bool,
        reopen: bool,
        now: datetime,
    ) -> tuple[bool, Conversation | None]:
        first = FirstEntry(entry, lease_until, at, preview, inbound, reopen, now)
        write = await _append_unit(first)
        self.stats.round_trips += 1
        try:
            stored, touched = await self._batch.submit_unit(write, writes=True, quick=True)
        except aiosqlite.IntegrityError as exc:
            raise DuplicateError(str(exc)) from exc
        return self._appended(entry, stored, touched)

    def _appended(
        self, entry: TimelineEntry, stored: list[Any], touched: list[Any]
    ) -> tuple[bool, Conversation | None]:
        if not stored:
            return False, None
        entry.seq = stored[0][0]
        follower_of(self.db).added()  # its search row follows (hub.store.sqlite.search)
        return True, conv_from_rows(touched)

    async def create_client(
        self,
        client: Client,
        primary: Identity,
        conversation: Conversation | None,
        first: FirstEntry | None = None,
    ) -> NewSender:
        create = create_statement(client)
        claim = claim_statement(primary, client.id)
        thread = get_or_create_unit(conversation) if conversation is not None else None
        append = await _append_unit(first) if first is not None and thread is not None else None
        its_conversation = first.entry.conversation_id if first is not None else None

        def write(
            conn: sqlite3.Connection,
        ) -> tuple[str, list[Any], bool, tuple[list[Any], list[Any]] | None]:
            conn.execute(*create)
            owner = conn.execute(*claim).fetchall()[0][0]
            if owner != client.id:
                conn.execute("DELETE FROM clients WHERE id = ?", (client.id,))
                return owner, [], False, None
            if thread is None:
                return owner, [], False, None
            rows, created = thread(conn)
            if append is None or not rows or rows[0][0] != its_conversation:
                return owner, rows, created, None
            return owner, rows, created, append(conn)

        self.stats.round_trips += 1
        try:
            owner, rows, created, appended = await self._batch.submit_unit(write, writes=True, quick=True)
        except aiosqlite.IntegrityError as exc:
            raise DuplicateError(str(exc)) from exc
        got = conv_from_rows(rows)
        if appended is None:
            return NewSender(owner, got, created)
        assert first is not None
        return NewSender(owner, got, created, self._appended(first.entry, *appended))


async def _append_unit(first: FirstEntry) -> Callable[[sqlite3.Connection], tuple[list[Any], list[Any]]]:
    """The entry's INSERT and, when that stored it, the conversation's touch: (insert rows, touch rows)."""
    terms = await entry_terms(first.entry)

    def write(conn: sqlite3.Connection) -> tuple[list[Any], list[Any]]:
        return _append_rows(conn, first, first.entry, terms)

    return write


def _append_rows(
    conn: sqlite3.Connection, first: FirstEntry, entry: TimelineEntry, terms: str
) -> tuple[list[Any], list[Any]]:
    stored = conn.execute(*insert_with_terms(entry, first.lease_until, terms)).fetchall()
    if not stored or entry.conversation_id is None:
        return stored, []
    # no entry id for the touch's memory of applied entries: the INSERT just above stored this entry (its unique
    # keys refuse it a second time) in the same transaction, so this touch cannot be applied twice, and nothing
    # touches for it again (`touch_is_atomic`). The memory's JSON (a look-up in, and an insert into, an array of 50
    # ids) was ~15% of the touch's CPU (bench/sql_floor.py).
    touch = touch_statement(
        entry.conversation_id,
        at=first.at,
        preview=first.preview,
        inbound=first.inbound,
        reopen=first.reopen,
        now=first.now,
    )
    return stored, conn.execute(*touch).fetchall()
