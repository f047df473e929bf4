"""The notification centre's writes: notify users, mark read. Mentions become notifications here too (`install`
subscribes to UserMentioned, so the note path in hub.actions.messages stays as it is)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from hub import access
from hub.access import Actor, is_staff, require
from hub.context import Hub
from hub.domain import Handler, User
from hub.domain_tasks import Notification, NotificationKind
from hub.errors import Invalid
from hub.events import (
    ConversationAssigned,
    ConversationUpdated,
    NotificationCreated,
    NotificationsRead,
    UserMentioned,
)
from hub.queries import notification_centre

MAX_IDS = 500


async def notify(
    hub: Hub,
    user_ids: Iterable[str],
    *,
    kind: str,
    params: dict,
    client_id: str | None = None,
    conversation_id: str | None = None,
    task_id: str | None = None,
    entry_id: str | None = None,
    dedupe: str | None = None,
) -> list[Notification]:
    """Add a line to each user's notification centre and publish `NotificationCreated` for each one stored.
    `dedupe` names the notice: the same notice for the same user is stored (and published) once, also when two
    hub processes or a retry after a crash send it. Returns the notifications stored by this call."""
    if not kind or len(kind) > 64:
        raise Invalid("kind must be 1 to 64 characters")
    now = hub.clock()
    stored: list[Notification] = []
    for user_id in dict.fromkeys(user_ids):
        notification = Notification(
            user_id=user_id,
            kind=kind,
            params=dict(params),
            client_id=client_id,
            conversation_id=conversation_id,
            task_id=task_id,
            entry_id=entry_id,
            created_at=now,
            dedupe_key=f"{dedupe}|{user_id}" if dedupe else "",
        )
        if await hub.store.notifications.insert(notification):
            stored.append(notification)
    for notification in stored:
        await hub.bus.publish(NotificationCreated(notification))
    return stored


async def mark_read(hub: Hub, actor: Actor, ids: Sequence[str] | None) -> int:
    """Mark the actor's own notifications read (`ids` None: all of them); another user's ids change nothing."""
    require(isinstance(actor, User), "only users have notifications")
    assert isinstance(actor, User)
    if ids is not None and len(ids) > MAX_IDS:
        raise Invalid(f"at most {MAX_IDS} ids at once")
    changed = await hub.store.notifications.mark_read(actor.id, ids, at=hub.clock())
    if changed:
        unread = await notification_centre.unread_count(hub, actor)
        await hub.bus.publish(NotificationsRead(actor.id, tuple(ids) if ids is not None else None, unread))
    return changed


async def _on_mention(hub: Hub, event: UserMentioned) -> None:
    if not is_staff(event.user):
        return
    entry = event.entry
    params: dict[str, Any] = {"from": entry.author.name, "text": entry.text[:200]}
    if entry.meta.get("system") and entry.meta.get("code"):
        # a system note (the bot's hand-off): `text` is one rendering (HUB_LANGUAGE); the bell renders the code
        # and its params in the reader's language
        params["code"] = str(entry.meta["code"])
        params["code_params"] = dict(entry.meta.get("params") or {})
    await notify(
        hub,
        [event.user.id],
        kind=NotificationKind.mention.value,
        params=params,
        client_id=entry.client_id,
        conversation_id=entry.conversation_id,
        entry_id=entry.id,
        dedupe=f"mention:{entry.id}",
    )


async def _on_conversation_change(hub: Hub, event: ConversationUpdated) -> None:
    """A conversation given to someone tells them ("assignment"); the bot's hand-off to people tells whoever
    takes it up ("handoff"): its assignee, else its department. One notice per change (the change's time
    names it), whichever process or retry publishes it."""
    conversation = event.conversation
    changes = event.changes
    handed_off = (
        "handler" in changes
        and changes["handler"][0] == Handler.bot
        and conversation.handler is Handler.human
    )
    assigned = "assignee_id" in changes and conversation.assignee_id is not None
    if not (handed_off or assigned):
        return
    staff = await hub.directory.active_users(hub.store)
    stamp = conversation.updated_at.isoformat()
    subject = conversation.subject or conversation.last_message_preview[:100]
    actor = next((u for u in staff if u.id == event.actor_id), None) if event.actor_id else None
    if assigned:
        await notify(
            hub,
            [u.id for u in access.assignment_notice_recipients(staff, conversation, event.actor_id)],
            kind=NotificationKind.assignment.value,
            params={
                "from": actor.name if actor else "",
                "subject": subject,
                "policy": event.policy if isinstance(event, ConversationAssigned) else "manual",
            },
            client_id=conversation.client_id,
            conversation_id=conversation.id,
            dedupe=f"assignment:{conversation.id}:{conversation.assignee_id}:{stamp}",
        )
    if handed_off:
        await notify(
            hub,
            [u.id for u in access.handoff_notice_recipients(staff, conversation)],
            kind=NotificationKind.handoff.value,
            params={"subject": subject},
            client_id=conversation.client_id,
            conversation_id=conversation.id,
            dedupe=f"handoff:{conversation.id}:{stamp}",
        )


def install(hub: Hub) -> None:
    """Wire the notification centre into the bus (the composition root calls it once per Hub)."""

    async def on_mention(event: UserMentioned) -> None:
        await _on_mention(hub, event)

    async def on_conversation_change(event: ConversationUpdated) -> None:
        await _on_conversation_change(hub, event)

    hub.bus.subscribe(UserMentioned, on_mention)
    hub.bus.subscribe(ConversationUpdated, on_conversation_change)
