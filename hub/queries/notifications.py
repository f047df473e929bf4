"""Reading a user's notifications (mentions): only of entries they may still see."""

from __future__ import annotations

from hub import access
from hub.access import Actor
from hub.context import Hub
from hub.domain import TimelineEntry, User
from hub.queries import Page
from hub.store.port import Cursor


async def mentions(
    hub: Hub, actor: User, *, before: Cursor | None = None, limit: int = 30
) -> Page[TimelineEntry]:
    entries = await hub.store.timeline.mentioning(actor.id, before=before, limit=limit)
    visible = [e for e in entries if await visible_entry(hub, actor, e)]
    next_cursor = Cursor(entries[-1].occurred_at, entries[-1].id) if len(entries) == limit else None
    return Page(visible, next_cursor)


async def visible_entry(hub: Hub, actor: Actor, entry: TimelineEntry) -> bool:
    try:
        await access.entry_for(hub, actor, entry.id)
    except access.NotFound:
        return False
    return True
