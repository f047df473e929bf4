"""System reads of the email channel (its connector reads only here): stored mails by Message-ID, a conversation's
recent entries (to thread a reply), a sender's email conversations (subject threading), and mailboxes' health
(admins)."""

from __future__ import annotations

import re

from hub import access
from hub.access import Actor, require
from hub.context import Hub
from hub.domain import Conversation, Identity, TimelineEntry, dedupe_key
from hub.domain_email import MailboxState
from hub.store.port import ConversationQuery

CHANNEL = "email"
# the Message-ID the hub gives an outgoing mail names its entry: "<hub.<entry id>@<the mailbox's domain>>"
_OWN_ID = re.compile(r"^<hub\.([0-9a-f]{24})@[^<>\s]+>$")


def own_message_id(entry_id: str, domain: str) -> str:
    return f"<hub.{entry_id}@{domain}>"


def entry_id_of(message_id: str) -> str | None:
    found = _OWN_ID.match(message_id.strip())
    return found.group(1) if found else None


async def entry_by_message_id(hub: Hub, message_id: str) -> TimelineEntry | None:
    """The stored entry a Message-ID names: one of the hub's own outgoing mails (the id names the entry), or a
    customer's mail (stored under the dedupe key email:<Message-ID>)."""
    own = entry_id_of(message_id)
    if own is not None:
        entry = await hub.store.timeline.get(own)
        if entry is not None and entry.channel == CHANNEL:
            return entry
    return await hub.store.timeline.get_by_dedupe_key(dedupe_key(CHANNEL, message_id))


async def conversation(hub: Hub, conversation_id: str) -> Conversation | None:
    return await hub.store.conversations.get(conversation_id)


async def recent_entries(hub: Hub, conversation_id: str, *, limit: int = 30) -> list[TimelineEntry]:
    """A conversation's newest entries, newest first."""
    return await hub.store.timeline.conversation_page(conversation_id, limit=limit)


async def owner_of(hub: Hub, identity: Identity) -> str | None:
    owners = await hub.store.identities.owners([identity])
    return owners.get(identity)


async def email_conversations(hub: Hub, client_id: str, *, limit: int = 50) -> list[Conversation]:
    """The client's email conversations, most recent first."""
    found = await hub.store.conversations.query(ConversationQuery(client_id=client_id, limit=limit))
    return [c for c in found if c.channel == CHANNEL]


async def mailbox_state(hub: Hub, name: str) -> MailboxState | None:
    return await hub.store.mailboxes.get(name)


async def mailboxes_health(hub: Hub, actor: Actor) -> list[MailboxState]:
    require(access.can_view_channel_health(actor), "only admins see the channels' health")
    return await hub.store.mailboxes.list()
