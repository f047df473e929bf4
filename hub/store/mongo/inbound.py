"""The ingest's combined steps (InboundRepo) on MongoDB: the same calls one after the other (no transactions here;
what a crash between the entry and the touch leaves is repaired by `hub.actions.ingest.settle_entry`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hub.domain import Client, Conversation, Identity, TimelineEntry
from hub.store.mongo.base import to_model
from hub.store.port import FirstEntry, InboundLookup, NewSender, Store


class MongoInboundRepo:
    touch_is_atomic = False  # the entry, then the touch: a crash between them leaves an entry to touch

    def __init__(self, store: Store, conversations: Any) -> None:
        self._store = store
        self._conversations = conversations

    async def lookup(
        self,
        dedupe_key: str,
        identities: Sequence[Identity],
        channel: str,
        thread_key: str,
        append: FirstEntry | None = None,
    ) -> InboundLookup:
        # `append` is left to the caller: without a transaction the steps would be the same calls anyway
        store = self._store
        duplicate = await store.timeline.get_by_dedupe_key(dedupe_key)
        if duplicate is not None:
            return InboundLookup(duplicate=duplicate)
        owners = await store.identities.owners(identities)
        first = next((owners[i] for i in identities if i in owners), None)
        if first is None:
            return InboundLookup(owners=owners)
        store.stats.round_trips += 1
        doc = await self._conversations.find_one(
            {"client_id": first, "channel": channel, "thread_key": thread_key}
        )
        return InboundLookup(owners=owners, conversation=to_model(Conversation, doc))

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
        store = self._store
        if not await store.timeline.insert(entry, lease_until=lease_until):
            return False, None
        if entry.conversation_id is None:
            return True, None
        touched = await store.conversations.touch(
            entry.conversation_id,
            at=at,
            preview=preview,
            inbound=inbound,
            reopen=reopen,
            now=now,
            entry_id=entry.id,
        )
        return True, touched

    async def create_client(
        self,
        client: Client,
        primary: Identity,
        conversation: Conversation | None,
        first: FirstEntry | None = None,
    ) -> NewSender:
        store = self._store
        await store.clients.create(client)
        owner = await store.identities.claim(primary, client.id)
        if owner != client.id:
            await store.clients.delete(client.id)
            return NewSender(owner)
        if conversation is None:
            return NewSender(owner)
        got, created = await store.conversations.get_or_create(conversation)
        # `first` is left to the caller's `append`: without a transaction, the new client is announced before
        # the steps that may fail after it
        return NewSender(owner, got, created)
