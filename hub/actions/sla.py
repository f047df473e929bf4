"""The writes of SLA clocks (hub.domain_sla): start on a customer message, the first agent reply, resolution,
reopening, a change of department or priority, and the timed notices (warning, breach) with the breach record.
`hub.sla_timers` calls these from its event listeners and its timer; each publishes `SlaChanged` after a write."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hub import access
from hub.actions.notifications import notify
from hub.context import Hub
from hub.domain import Conversation, ConversationStatus, truncate_ms
from hub.domain_sla import SlaBreach, SlaClock, SlaTarget
from hub.domain_tasks import NotificationKind
from hub.events import SlaChanged
from hub.sla import SlaConfig, due_times, next_notice, open_minutes

# a conversation in one of these has no running SLA target (resolved: stopped; snoozed, pending: paused)
_STOPPED = frozenset({ConversationStatus.resolved, ConversationStatus.snoozed, ConversationStatus.pending})


def enabled(hub: Hub) -> bool:
    config = hub.sla
    return isinstance(config, SlaConfig) and bool(config.policies)


def _now(hub: Hub) -> datetime:
    return truncate_ms(hub.clock())


async def _department_name(hub: Hub, department_id: str | None) -> str | None:
    if department_id is None:
        return None
    department = await hub.store.departments.get(department_id)
    return department.name if department is not None else None


async def _apply(hub: Hub, clock: SlaClock, conversation: Conversation, changes: dict[str, Any]) -> SlaClock:
    """Write `changes` plus what follows from them and the conversation now (policy, due times, next notice);
    only what differs from the stored clock is written, so an unchanged schedule keeps a running lease."""
    config: SlaConfig = hub.sla
    after = clock.model_copy(update=changes)
    policy = config.choose(await _department_name(hub, conversation.department_id), conversation.priority)
    derived: dict[str, Any] = {"department_id": conversation.department_id}
    if policy is None:
        derived |= {
            "policy": None,
            "first_response_due_at": None,
            "resolution_due_at": None,
            "warning_minutes": 0,
        }
    else:
        schedule = due_times(config, policy, after)
        derived |= {
            "policy": policy.name,
            "first_response_due_at": schedule.first_response_due_at,
            "resolution_due_at": schedule.resolution_due_at,
            "warning_minutes": policy.warning_minutes,
        }
    after = after.model_copy(update=derived)
    key, at = next_notice(after, hub.clock()) if policy is not None else (None, None)
    wanted = {**changes, **derived, "next_notice": key, "next_notice_at": at}
    differs = {k: v for k, v in wanted.items() if getattr(clock, k) != v}
    if not differs:
        return clock
    if "next_notice" in differs or "next_notice_at" in differs:  # a schedule is the pair
        differs |= {"next_notice": key, "next_notice_at": at}
    differs["updated_at"] = _now(hub)
    updated = await hub.store.sla.update(clock.id, differs)
    if updated is None:
        return clock
    await hub.bus.publish(SlaChanged(updated, conversation))
    return updated


async def customer_message(hub: Hub, conversation: Conversation) -> SlaClock | None:
    """A customer wrote: the clock starts (a new conversation), or the resolution target restarts (it was
    resolved: the message reopened it)."""
    if not enabled(hub):
        return None
    now = _now(hub)
    clock = await hub.store.sla.get(conversation.id)
    if clock is None:
        fresh = SlaClock(id=conversation.id, started_at=now, resolution_started_at=now, updated_at=now)
        if await hub.store.sla.create(fresh):
            return await _apply(hub, fresh, conversation, {})
        clock = await hub.store.sla.get(conversation.id)  # another delivery of this conversation started it
        if clock is None:
            return None
    if clock.resolved_at is not None:
        return await reopened(hub, conversation, clock)
    return clock


async def reopened(hub: Hub, conversation: Conversation, clock: SlaClock | None = None) -> SlaClock | None:
    """The conversation was reopened: resolution counts again from now. A first response nobody gave runs on
    where it stopped: the time the conversation spent resolved is added to its paused minutes like a pause (a
    first response already breached stays breached, its due time unchanged)."""
    if not enabled(hub):
        return None
    clock = clock or await hub.store.sla.get(conversation.id)
    if clock is None or clock.resolved_at is None:
        return clock
    breached = [t for t in clock.breached if t is not SlaTarget.resolution]
    changes: dict[str, Any] = {
        **await _resume_changes(hub, clock, conversation),
        "resolution_paused_minutes": 0,
    }
    if clock.first_response_at is None and SlaTarget.first_response not in clock.breached:
        closed_minutes = await _counted_minutes(hub, conversation, clock.resolved_at)
        changes["first_response_paused_minutes"] = (
            changes.get("first_response_paused_minutes", clock.first_response_paused_minutes) + closed_minutes
        )
    changes |= {"resolution_started_at": _now(hub), "resolved_at": None, "breached": breached}
    return await _apply(hub, clock, conversation, changes)


async def agent_replied(hub: Hub, conversation: Conversation) -> SlaClock | None:
    """A person of the staff replied to the customer: the first-response target is met (once)."""
    if not enabled(hub):
        return None
    clock = await hub.store.sla.get(conversation.id)
    if clock is None or clock.first_response_at is not None:
        return clock
    return await _apply(hub, clock, conversation, {"first_response_at": _now(hub)})


async def resolved(hub: Hub, conversation: Conversation) -> SlaClock | None:
    if not enabled(hub):
        return None
    clock = await hub.store.sla.get(conversation.id)
    if clock is None or clock.resolved_at is not None:
        return clock
    changes = {**await _resume_changes(hub, clock, conversation), "resolved_at": _now(hub)}
    return await _apply(hub, clock, conversation, changes)


async def paused(hub: Hub, conversation: Conversation) -> SlaClock | None:
    """Snoozed or pending (the customer's turn): the clock stops (no due times, no warnings, no breaches)."""
    if not enabled(hub):
        return None
    clock = await hub.store.sla.get(conversation.id)
    if clock is None or clock.paused_at is not None or clock.resolved_at is not None:
        return clock
    return await _apply(hub, clock, conversation, {"paused_at": _now(hub)})


async def resumed(hub: Hub, conversation: Conversation) -> SlaClock | None:
    """Open again (woken, answered by the customer, or by a person): each running target is extended by the open
    time the pause lasted, and the due times and notices follow."""
    if not enabled(hub):
        return None
    clock = await hub.store.sla.get(conversation.id)
    if clock is None or clock.paused_at is None:
        return clock
    return await _apply(hub, clock, conversation, await _resume_changes(hub, clock, conversation))


async def _counted_minutes(hub: Hub, conversation: Conversation, since: datetime) -> float:
    """The policy's counted minutes (business hours, or round the clock) from `since` until now."""
    config: SlaConfig = hub.sla
    policy = config.choose(await _department_name(hub, conversation.department_id), conversation.priority)
    return open_minutes(config, policy, since, _now(hub)) if policy is not None else 0.0


async def _resume_changes(hub: Hub, clock: SlaClock, conversation: Conversation) -> dict[str, Any]:
    if clock.paused_at is None:
        return {}
    minutes = await _counted_minutes(hub, conversation, clock.paused_at)
    changes: dict[str, Any] = {"paused_at": None}
    if clock.first_response_at is None:
        changes["first_response_paused_minutes"] = clock.first_response_paused_minutes + minutes
    if clock.resolved_at is None:
        changes["resolution_paused_minutes"] = clock.resolution_paused_minutes + minutes
    return changes


async def follow(hub: Hub, conversation: Conversation) -> SlaClock | None:
    """The department or priority changed: the policy and its due times follow."""
    if not enabled(hub):
        return None
    clock = await hub.store.sla.get(conversation.id)
    if clock is None:
        return None
    return await _apply(hub, clock, conversation, {})


# --- the timed notices ----------------------------------------------------------------------------------------


def parse_key(key: str) -> tuple[SlaTarget, str, datetime]:
    head, _, due = key.partition("@")
    target, _, kind = head.partition(":")
    return SlaTarget(target), kind, datetime.fromisoformat(due)


async def send_notice(hub: Hub, clock: SlaClock, *, lease_seconds: float) -> bool | None:
    """Claim the clock's pending notice and send it: None when it is not this process's (another holds it or it
    changed), else whether a notice went out. A breach is recorded once (its key is unique) and marked on the
    clock; a warning that could only go out after the due time gives way to the breach notice."""
    key, at = clock.next_notice, clock.next_notice_at
    if key is None or at is None:
        return None
    now = hub.clock()
    claimed = await hub.store.sla.claim_notice(
        clock.id, key, at, now=now, lease_until=now + timedelta(seconds=lease_seconds)
    )
    if claimed is None:
        return None
    target, kind, due = parse_key(key)
    conversation = await hub.store.conversations.get(claimed.id)
    breach = kind == "breach"
    sent = False
    # resolved (or paused) since the notice was scheduled: nothing runs, nothing is breached or warned of
    running = (
        conversation is not None
        and conversation.status not in _STOPPED
        and claimed.resolved_at is None
        and claimed.paused_at is None
    )
    if running and (breach or now < due):
        if breach:
            await hub.store.sla.record_breach(
                SlaBreach(
                    key=f"{claimed.id}:{key}",
                    conversation_id=claimed.id,
                    department_id=conversation.department_id,
                    target=target,
                    policy=claimed.policy or "",
                    due_at=due,
                    at=truncate_ms(now),
                )
            )
        staff = await hub.directory.active_users(hub.store)
        recipients = access.sla_notice_recipients(staff, conversation)
        await notify(
            hub,
            [u.id for u in recipients],
            kind=(NotificationKind.sla_breach if breach else NotificationKind.sla_warning).value,
            params={
                "target": target.value,
                "due_at": due.isoformat().replace("+00:00", "Z"),
                "policy": claimed.policy or "",
                "minutes": claimed.warning_minutes,
                "subject": conversation.subject or conversation.last_message_preview[:100],
            },
            client_id=conversation.client_id,
            conversation_id=conversation.id,
            dedupe=f"sla:{claimed.id}:{key}",
        )
        sent = True
    after = claimed.model_copy(update={"notices_sent": [*claimed.notices_sent, key]})
    next_key, next_at = next_notice(after, now)
    completed = await hub.store.sla.complete_notice(
        claimed.id, key, at, next_key=next_key, next_at=next_at, breached=target if breach and sent else None
    )
    if completed is not None and conversation is not None and breach and sent:
        await hub.bus.publish(SlaChanged(completed, conversation))
    return sent
