"""Reading canned replies: the ones the actor may use (hub.access.canned_query, compiled by the store), one by id
(hidden == missing), and a reply rendered for a conversation the actor may see."""

from __future__ import annotations

from dataclasses import replace

from hub import access
from hub.access import Actor
from hub.canned_render import render as render_template
from hub.canned_render import variables
from hub.context import Hub
from hub.domain import User
from hub.domain_canned import CannedResponse


async def usable(
    hub: Hub, actor: Actor, *, q: str = "", language: str | None = None, limit: int = 100
) -> list[CannedResponse]:
    query = access.canned_query(actor)
    if query is None:
        return []
    return await hub.store.canned.query(
        replace(query, q=q.strip().lower()[:100], language=language, limit=limit)
    )


def can_edit(actor: Actor, reply: CannedResponse) -> bool:
    """Whether the actor may change or delete it (the list shows it)."""
    return access.can_edit_canned(actor, reply)


async def get(hub: Hub, actor: Actor, reply_id: str) -> CannedResponse:
    return await access.canned_for(hub, actor, reply_id)


async def render(hub: Hub, actor: Actor, reply_id: str, conversation_id: str) -> str:
    """The reply's text for this conversation: its client's and the actor's names, the conversation's fields."""
    reply = await access.canned_for(hub, actor, reply_id)
    conversation, _client = await access.conversation_for(hub, actor, conversation_id)
    client = await hub.store.clients.get(conversation.client_id)
    agent = actor if isinstance(actor, User) else None
    return render_template(reply.body, variables(client, agent, conversation))
