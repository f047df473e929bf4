"""The inbox search: clients (name, phone in any format, email) and message text across every timeline the actor
may read. The access policy is compiled into both store queries (`access.client_search_scope` and friends,
`access.search_scope`), so a hidden record is absent from the results, never filtered out after the limit."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub import access
from hub.access import Actor
from hub.context import Hub
from hub.domain import Client, Conversation, TimelineEntry
from hub.errors import Invalid
from hub.queries import clients as client_queries
from hub.search_terms import MAX_QUERY_CHARS, Segment, entry_text, parse_query, snippet


@dataclass(frozen=True, slots=True)
class EntryHit:
    entry: TimelineEntry
    conversation: Conversation | None
    client: Client | None
    snippet: list[Segment]


@dataclass(frozen=True, slots=True)
class SearchResult:
    clients: list[Client] = field(default_factory=list)
    entries: list[EntryHit] = field(default_factory=list)


def check_query(q: str) -> str:
    """A search needs words: an empty, blank or too long query is the caller's mistake."""
    if len(q) > MAX_QUERY_CHARS:
        raise Invalid(f"q is longer than {MAX_QUERY_CHARS} characters")
    if not q.strip():
        raise Invalid("q is empty: type what to search for")
    return q


async def search(hub: Hub, actor: Actor, q: str, *, limit: int = 20) -> SearchResult:
    check_query(q)
    if not (access.is_staff(actor) or access.is_partner(actor) or access.is_system(actor)):
        return SearchResult()
    found_clients = await client_queries.search(hub, actor, q, limit=limit)
    query = parse_query(q)
    if query.empty:
        return SearchResult(found_clients)
    scope = await access.search_scope(hub, actor)
    entries = await hub.store.search.entries(query.whole, query.prefix, scope=scope, limit=limit)
    conversations: dict[str, Conversation] = {}
    for conversation_id in dict.fromkeys(e.conversation_id for e in entries if e.conversation_id):
        conversation = await hub.store.conversations.get(conversation_id)
        if conversation is not None:
            conversations[conversation.id] = conversation
    owners = {c.id: c for c in await hub.store.clients.get_many([e.client_id for e in entries])}
    hits = [
        EntryHit(
            entry,
            conversations.get(entry.conversation_id) if entry.conversation_id else None,
            owners.get(entry.client_id),
            snippet(entry_text(entry.text, entry.meta), query),
        )
        for entry in entries
    ]
    return SearchResult(found_clients, hits)
