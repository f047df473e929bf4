"""Reading a user's notification centre: mentions, assignments, task reminders and overdue notices, SLA
warnings, hand-offs. A notification about something the user may no longer see (a task, an entry) is left out,
as if it did not exist."""

from __future__ import annotations

from dataclasses import dataclass

from hub import access
from hub.context import Hub
from hub.domain import User
from hub.domain_tasks import Notification
from hub.errors import NotFound
from hub.store.port import Cursor


@dataclass(frozen=True, slots=True)
class CentrePage:
    items: list[Notification]
    next_cursor: Cursor | None
    unread_count: int


async def visible(hub: Hub, actor: User, notification: Notification) -> bool:
    """Whether the user may still see what the notification is about (checked when it is read and pushed)."""
    try:
        if notification.task_id is not None:
            await access.task_for(hub, actor, notification.task_id)
        elif notification.entry_id is not None:
            await access.entry_for(hub, actor, notification.entry_id)
        elif notification.conversation_id is not None:
            await access.conversation_for(hub, actor, notification.conversation_id)
    except NotFound:
        return False
    return True


async def page(hub: Hub, actor: User, *, before: Cursor | None = None, limit: int = 30) -> CentrePage:
    found = await hub.store.notifications.page(actor.id, before=before, limit=limit)
    shown = [n for n in found if await visible(hub, actor, n)]
    next_cursor = Cursor(found[-1].created_at, found[-1].id) if len(found) == limit else None
    return CentrePage(shown, next_cursor, await unread_count(hub, actor))


COUNTED_AT_MOST = 1000
"""The bell counts at most this many unread notifications (it shows 99+ long before)."""

_BATCH = 200


async def unread_count(hub: Hub, actor: User) -> int:
    """Unread notifications the user may still see: like the list, one about a task or a conversation the user
    lost access to is not counted (a count must not tell that a hidden record exists). Checked once per subject."""
    if not await hub.store.notifications.unread_count(actor.id):
        return 0
    counted, examined, before = 0, 0, None
    seen: dict[tuple[str | None, str | None, str | None], bool] = {}
    while examined < COUNTED_AT_MOST:
        batch = await hub.store.notifications.page(actor.id, before=before, limit=_BATCH, unread_only=True)
        for notification in batch:
            subject = (notification.task_id, notification.entry_id, notification.conversation_id)
            if subject not in seen:
                seen[subject] = await visible(hub, actor, notification)
            counted += seen[subject]
        examined += len(batch)
        if len(batch) < _BATCH:
            break
        before = Cursor(batch[-1].created_at, batch[-1].id)
    return counted
