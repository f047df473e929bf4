"""Reading conversations: the inbox list, one conversation, its timeline, what a reconnecting socket missed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub import access
from hub.access import Actor
from hub.context import Hub
from hub.domain import Client, Conversation, ConversationStatus, Handler, TimelineEntry, User
from hub.domain_views import ViewFilters
from hub.queries import Page
from hub.store.port import ConversationQuery, Cursor, Scope

SINCE_LIMIT = 200


@dataclass(frozen=True, slots=True)
class InboxFilter:
    status: ConversationStatus | None = None
    assignee_id: str | None = None  # a user id
    unassigned: bool = False
    department_id: str | None = None
    handler: Handler | None = None
    view: ViewFilters | None = None  # the rest of the filter vocabulary (a saved view's, or the list's query)

    @classmethod
    def of(cls, actor: Actor, filters: ViewFilters) -> InboxFilter:
        """The filters as this reader means them: assignee 'me' is the reader, 'none' unassigned."""
        assignee = filters.assignee
        me = actor.id if isinstance(actor, User) else None
        return cls(
            assignee_id=me if assignee == "me" else (None if assignee in (None, "none") else assignee),
            unassigned=assignee == "none" or (assignee == "me" and me is None),
            department_id=filters.department,
            handler=filters.handler,
            view=filters,
        )

    def query(self, scope: Scope | None, now: datetime, **page: Any) -> ConversationQuery:
        view = self.view or ViewFilters()
        return ConversationQuery(
            status=self.status,
            assignee_id=self.assignee_id,
            unassigned=self.unassigned,
            department_id=self.department_id,
            handler=self.handler,
            channels=tuple(view.channel),
            statuses=tuple(view.status),
            priorities=tuple(view.priority),
            client_tag=view.tag,
            sla_states=tuple(view.sla),
            created_from=view.created_from,
            created_to=view.created_to,
            last_message_from=view.last_message_from,
            last_message_to=view.last_message_to,
            now=now,
            scope=scope,
            **page,
        )


@dataclass(frozen=True, slots=True)
class InboxPage:
    items: list[Conversation]
    clients: list[Client]
    next_cursor: Cursor | None


async def inbox(
    hub: Hub, actor: Actor, filters: InboxFilter, *, before: Cursor | None = None, limit: int = 50
) -> InboxPage:
    """The conversations the actor may see, newest first, with their clients (the inbox shows names)."""
    scope = await reader_scope(hub, actor)
    found = await hub.store.conversations.query(filters.query(scope, hub.clock(), before=before, limit=limit))
    found = await for_reader(hub, actor, found)
    clients = await hub.store.clients.get_many([c.client_id for c in found])
    next_cursor = (
        Cursor(found[-1].last_message_at or found[-1].created_at, found[-1].id)
        if len(found) == limit
        else None
    )
    return InboxPage(found, clients, next_cursor)


async def reader_scope(hub: Hub, actor: Actor) -> Scope | None:
    """The conversations the actor may list (hub.access), as the store compiles it; every filter narrows it."""
    if access.is_partner(actor):
        view = await access.partner_view(hub, actor)  # type: ignore[arg-type]
        shared = await hub.store.clients.search(
            "", limit=1000, partner_scope=access.partner_client_scope(view)
        )
        return access.partner_conversation_scope((c.id for c in shared), view.conversation_clients)
    return access.conversation_scope(actor)


async def count(hub: Hub, actor: Actor, filters: InboxFilter, *, scope: Scope | None = None) -> int:
    """How many conversations the actor may see match the filters (the same query as `inbox`); `scope`: the
    actor's `reader_scope`, when the caller counts several filters for one reader."""
    if scope is None:
        scope = await reader_scope(hub, actor)
    return await hub.store.conversations.count(filters.query(scope, hub.clock()))


async def get(hub: Hub, actor: Actor, conversation_id: str) -> Conversation:
    conversation, _client = await access.conversation_for(hub, actor, conversation_id)
    return (await for_reader(hub, actor, [conversation]))[0]


async def for_reader(hub: Hub, actor: Actor, conversations: list[Conversation]) -> list[Conversation]:
    """The conversations with `unread` for this reader: inbound_count minus what they have read (one indexed
    query for the whole list)."""
    if not conversations or not isinstance(actor, User):
        return conversations
    read = await hub.store.reads.counts(actor.id, [c.id for c in conversations])
    return [
        c.model_copy(update={"unread": max(0, c.inbound_count - read.get(c.id, 0))}) for c in conversations
    ]


async def reply_states(
    hub: Hub, actor: Actor, conversations: Sequence[Conversation]
) -> dict[str, dict[str, Any]]:
    """Whether this reader can reply to the customer in each conversation, by id, before they type:
    `{"allowed", "problem": null | {code, params, text}}`. Not allowed: the access policy says no (`forbidden`: a
    partner without a reply grant), or the channel cannot carry it (`hub.outbound.ChannelRegistry.reply_problem`:
    not connected, a Telegram bot not configured). The conversations come from the reader's door or scope."""
    allowed = await access.replies_allowed(hub, actor, conversations)
    states: dict[str, dict[str, Any]] = {}
    for c in conversations:
        problem: dict[str, Any] | None = None
        if not allowed.get(c.id):
            text = "You may not reply to this customer (your organisation has no reply grant for it)."
            problem = {"code": "forbidden", "params": {}, "text": text}
        elif not hub.channels.can_send_text(c.channel):
            text = f"A {c.channel} conversation has no text replies: call the client back, or write a note."
            problem = {"code": "no_text", "params": {"channel": c.channel}, "text": text}
        elif (found := hub.channels.reply_problem(c)) is not None:
            problem = found.json()
        states[c.id] = {"allowed": problem is None, "problem": problem}
    return states


async def unread_by_user(hub: Hub, conversation: Conversation, users: list[User]) -> dict[str, int]:
    """Each recipient's unread count of one conversation (one query): what a push carries to each of them."""
    read = await hub.store.reads.readers(conversation.id, [u.id for u in users])
    return {u.id: max(0, conversation.inbound_count - read.get(u.id, 0)) for u in users}


async def timeline(
    hub: Hub, actor: Actor, conversation_id: str, *, before: Cursor | None = None, limit: int = 50
) -> Page[TimelineEntry]:
    conversation, _client = await access.conversation_for(hub, actor, conversation_id)
    scope = access.EntryScope(shared_only=True) if access.is_partner(actor) else None
    entries = await hub.store.timeline.conversation_page(
        conversation.id, before=before, limit=limit, scope=scope
    )
    next_cursor = Cursor(entries[-1].occurred_at, entries[-1].id) if len(entries) == limit else None
    return Page(entries, next_cursor)


async def since(
    hub: Hub, actor: Actor, conversation_id: str, after_entry_id: str | None
) -> list[TimelineEntry]:
    """What arrived in a conversation after an entry the reader has, oldest first, by arrival order (a message
    delivered late with an older provider time is still returned). Without a known entry: the latest ones."""
    conversation, _client = await access.conversation_for(hub, actor, conversation_id)
    scope = access.EntryScope(shared_only=True) if access.is_partner(actor) else None
    after = await hub.store.timeline.get(after_entry_id) if after_entry_id else None
    if after is None or after.conversation_id != conversation.id or after.seq is None:
        latest = await hub.store.timeline.conversation_page(conversation.id, limit=SINCE_LIMIT, scope=scope)
        return list(reversed(latest))
    entries = await hub.store.timeline.since(conversation.id, after.seq, limit=SINCE_LIMIT)
    if scope is not None:
        entries = [e for e in entries if not access.is_internal_note(e)]
    return entries


async def find(hub: Hub, conversation_id: str) -> Conversation | None:
    """System read (connectors, bots, realtime): the conversation or None."""
    return await hub.store.conversations.get(conversation_id)


async def of_client(hub: Hub, client_id: str, *, limit: int = 200) -> list[Conversation]:
    """System read: a client's conversations, newest first (connectors finding a customer's thread)."""
    return await hub.store.conversations.query(ConversationQuery(client_id=client_id, limit=limit))


async def customer_history(hub: Hub, conversation_id: str, *, limit: int = 50) -> list[TimelineEntry]:
    """What the customer may see of their own conversation (customer-facing channels): messages both ways,
    never notes or internal entries; newest first."""
    entries = await hub.store.timeline.conversation_page(conversation_id, limit=limit)
    return [e for e in entries if access.visible_to_customer(e)]
