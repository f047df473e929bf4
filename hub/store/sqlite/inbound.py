"""The ingest's combined steps (InboundRepo): its reads in one hand-off to the reader's thread (the read-only
connection, `Batcher.read`; else one trip to aiosqlite's thread), its entry with the conversation's touch in one
trip and one transaction, and a new sender's client, identity and conversation in another (issue #13: each trip
costs a thread hand-off both ways, which under load is what a request waits for, not the SQL)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from hub.domain import Client, Conversation, Identity, TimelineEntry
from hub.store.port import DuplicateError, InboundLookup, NewSender
from hub.store.sqlite.base import Base
from hub.store.sqlite.clients import create_statement
from hub.store.sqlite.conversations import _BY_THREAD, conv_from_rows, get_or_create_unit, touch_statement
from hub.store.sqlite.identities import claim_statement, owners_statement
from hub.store.sqlite.search import follower_of
from hub.store.sqlite.timeline import BY_DEDUPE_KEY, _entry, insert_statement


class SqliteInbound(Base):
    async def lookup(
        self, dedupe_key: str, identities: Sequence[Identity], channel: str, thread_key: str
    ) -> InboundLookup:
        wanted = list(dict.fromkeys(identities))
        owners_sql, owners_params = owners_statement(wanted)

        def read(conn: sqlite3.Connection) -> tuple[list[Any], list[Any], list[Any]]:
            duplicate = conn.execute(BY_DEDUPE_KEY, (dedupe_key,)).fetchall()
            if duplicate or not wanted:
                return duplicate, [], []
            found = {(k, v): c for k, v, c in conn.execute(owners_sql, owners_params).fetchall()}
            owned = [found.get((i.kind.value, i.value)) for i in wanted]
            first = next((c for c in owned if c is not None), None)
            if first is None:
                return [], [], []
            return (
                [],
                [(i, c) for i, c in zip(wanted, owned, strict=True) if c],
                conn.execute(_BY_THREAD, (first, channel, thread_key)).fetchall(),
            )

        self.stats.round_trips += 1
        duplicate, owners, thread = await self._batch.read(read)  # point reads: on the reader's thread
        if duplicate:
            return InboundLookup(duplicate=_entry(duplicate[0]))
        return InboundLookup(owners=dict(owners), conversation=conv_from_rows(thread))

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
        insert = await insert_statement(entry, lease_until)
        touch = None
        if entry.conversation_id is not None:
            touch = touch_statement(
                entry.conversation_id,
                at=at,
                preview=preview,
                inbound=inbound,
                reopen=reopen,
                now=now,
                entry_id=entry.id,
            )

        def write(conn: sqlite3.Connection) -> tuple[list[Any], list[Any]]:
            stored = conn.execute(*insert).fetchall()
            if not stored or touch is None:
                return stored, []
            return stored, conn.execute(*touch).fetchall()

        self.stats.round_trips += 1
        try:
            stored, touched = await self._batch.submit_unit(write, writes=True)
        except aiosqlite.IntegrityError as exc:
            raise DuplicateError(str(exc)) from exc
        if not stored:
            return False, None
        entry.seq = stored[0][0]
        follower_of(self.db).added()  # its search row follows (hub.store.sqlite.search)
        return True, conv_from_rows(touched)

    async def create_client(
        self, client: Client, primary: Identity, conversation: Conversation | None
    ) -> NewSender:
        create = create_statement(client)
        claim = claim_statement(primary, client.id)
        thread = get_or_create_unit(conversation) if conversation is not None else None

        def write(conn: sqlite3.Connection) -> tuple[str, list[Any], bool]:
            conn.execute(*create)
            owner = conn.execute(*claim).fetchall()[0][0]
            if owner != client.id:
                conn.execute("DELETE FROM clients WHERE id = ?", (client.id,))
                return owner, [], False
            if thread is None:
                return owner, [], False
            return (owner, *thread(conn))

        self.stats.round_trips += 1
        try:
            owner, rows, created = await self._batch.submit_unit(write, writes=True)
        except aiosqlite.IntegrityError as exc:
            raise DuplicateError(str(exc)) from exc
        return NewSender(owner, conv_from_rows(rows), created)
