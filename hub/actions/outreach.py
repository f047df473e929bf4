"""Writing to a client first (not a reply): a new conversation on a channel that can start one (an email from the
client card), then its first outgoing message through the ordinary outbound path (`send_reply`: delivery queued,
sent by the delivery worker with retries, its status pushed)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from hub import access
from hub.access import require
from hub.actions.messages import send_reply
from hub.context import Hub
from hub.domain import Conversation, TimelineEntry, User
from hub.errors import Invalid
from hub.events import ConversationCreated
from hub.outbound import NewThread

MAX_SUBJECT = 300
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Started:
    conversation: Conversation
    entry: TimelineEntry


async def write_to_client(
    hub: Hub, actor: User, client_id: str, channel: str, *, subject: str, text: str, options: dict[str, Any]
) -> Started:
    """`options` are the channel's (email: `mailbox`, `to`); the channel checks them (Invalid when wrong)."""
    client = await access.client_for(hub, actor, client_id)
    require(access.can_start_conversation(actor), "only staff write to clients first")
    subject = " ".join(subject.split())
    if not subject:
        raise Invalid("subject is empty")
    if len(subject) > MAX_SUBJECT:
        raise Invalid(f"subject is longer than {MAX_SUBJECT} characters")
    if not text.strip():
        raise Invalid("text is empty")
    opener = hub.channels.thread_opener(channel)
    if opener is None:
        raise Invalid(f"the {channel} channel cannot start a conversation")
    thread = opener.open_thread(client, options)
    department_id = await _department_id(hub, thread)
    now = hub.clock()
    proposal = Conversation(
        client_id=client.id,
        channel=channel,
        thread_key=thread.thread_key,
        subject=subject,
        department_id=department_id,
        created_at=now,
        updated_at=now,
    )
    conversation, created = await hub.store.conversations.get_or_create(proposal)
    if created:
        await hub.bus.publish(ConversationCreated(conversation))
    entry = await send_reply(hub, actor, conversation.id, text, meta=thread.meta)
    after = await hub.store.conversations.get(conversation.id)
    return Started(after or conversation, entry)


async def _department_id(hub: Hub, thread: NewThread) -> str | None:
    """The department the channel names for the new thread (the mailbox's `department`), as its inbound mail gets;
    a name that is no department leaves it unrouted (and says so in the log)."""
    if not thread.department:
        return None
    department = await hub.store.departments.get_by_name(thread.department)
    if department is None:
        log.warning("the new thread's department %r does not exist: it starts unrouted", thread.department)
        return None
    return department.id
