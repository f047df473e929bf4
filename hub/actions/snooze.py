"""Waking a snoozed conversation at its time (hub.snooze_timers calls it): claim the wake with a lease, leave the
"snooze ended" system entry and tell the assignee (both deduplicated per conversation and wake time, so a holder
that crashed half-way and is replaced once its lease runs out adds neither twice), then open it with one
conditional update and publish ConversationUpdated (every inbox shows it open, live). A customer's message that
came first woke it already (`ConversationRepo.touch`): the claim then finds nothing to do."""

from __future__ import annotations

from datetime import timedelta

from hub.access import is_staff
from hub.actions.notifications import notify
from hub.actions.system_entries import add_system_entry, iso
from hub.context import Hub
from hub.domain import Conversation, ConversationStatus
from hub.domain_tasks import NotificationKind
from hub.events import ConversationUpdated


async def wake(hub: Hub, conversation: Conversation, *, lease_seconds: float) -> bool | None:
    """None when it is not this process's to wake (another holds it, or it changed); else whether it woke."""
    until = conversation.snoozed_until
    if until is None:
        return None
    now = hub.clock()
    claimed = await hub.store.conversations.claim_wake(
        conversation.id, until, now=now, lease_until=now + timedelta(seconds=lease_seconds)
    )
    if claimed is None:
        return None
    key = f"snooze:{claimed.id}:{iso(until)}"
    await add_system_entry(hub, claimed, "snooze_ended", {"until": iso(until)}, dedupe_key=key)
    if claimed.assignee_id is not None:
        assignee = await hub.store.users.get(claimed.assignee_id)
        if assignee is not None and is_staff(assignee):
            await notify(
                hub,
                [assignee.id],
                kind=NotificationKind.snooze_ended.value,
                params={
                    "until": iso(until),
                    "subject": claimed.subject or claimed.last_message_preview[:100],
                },
                client_id=claimed.client_id,
                conversation_id=claimed.id,
                dedupe=key,
            )
    woken = await hub.store.conversations.wake(claimed.id, until, now=now)
    if woken is None:
        return False
    changes = {"status": (ConversationStatus.snoozed, woken.status), "snoozed_until": (until, None)}
    await hub.bus.publish(ConversationUpdated(woken, changes))
    return True
