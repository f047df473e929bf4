"""Reading single timeline entries and their files."""

from __future__ import annotations

from pathlib import Path

from hub import access
from hub.access import Actor
from hub.context import Hub
from hub.domain import Conversation, TimelineEntry, dedupe_key


async def get(hub: Hub, actor: Actor, entry_id: str) -> tuple[TimelineEntry, Conversation | None]:
    return await access.entry_for(hub, actor, entry_id)


async def by_provider_id(hub: Hub, channel: str, provider_message_id: str) -> TimelineEntry | None:
    """The entry a channel's message became (connectors, for edits and duplicates). System read."""
    return await hub.store.timeline.get_by_dedupe_key(dedupe_key(channel, provider_message_id))


async def attachment(hub: Hub, actor: Actor, entry_id: str, key: str) -> Path:
    return await access.attachment_for(hub, actor, entry_id, key)
