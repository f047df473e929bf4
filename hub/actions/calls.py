"""Calls on the timeline: one entry per call, updated by each event of the provider in whatever order they arrive.

The first event of a call that reaches the hub creates its entry through ingest (an InboundMessage of kind `call`
whose provider id is the call's id and whose thread key is the client's number, so the call joins the client's
phone conversation; an unknown number makes a client). Every other event is applied to the entry by one conditional
single-document update (`TimelineRepo.record_call`): the most advanced status wins, facts are merged, a replayed
event changes nothing. Then `EntryEdited` (the timeline) and `CallUpdated` (the screen pop) are published.

A missed inbound call becomes a callback task for the conversation's department (hub.actions.tasks when it is
there; a system note otherwise); an outbound call that reaches the client completes the open callback tasks for
that number.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Any

from hub.actions.conversations import update_conversation
from hub.actions.ingest import ingest
from hub.actions.messages import add_system_note
from hub.calls import CHANNEL, ENDED, CallEvent, CallStatus
from hub.context import Hub
from hub.domain import Conversation, EntryKind, IdentityKind, TimelineEntry, dedupe_key
from hub.events import CallUpdated, EntryEdited
from hub.identities import make_identity
from hub.inbound import InboundMessage

log = logging.getLogger(__name__)

CALLBACK_KIND = "callback"
_ACTIVE_TASK_STATUSES = ("open", "in_progress")


@dataclass(frozen=True, slots=True)
class CallResult:
    entry: TimelineEntry
    conversation: Conversation | None
    # a replay of an event already applied: nothing changed, nothing was published
    duplicate: bool = False
    # this event set the call's status
    status_changed: bool = False
    # what a missed call became: "task", "note", or None
    callback: str | None = None


def call_of(entry: TimelineEntry) -> dict[str, Any]:
    return dict(entry.meta.get("call") or {})


def provider_message_id(event: CallEvent) -> str:
    return f"{event.provider}:{event.call_id}"


async def record_call_event(
    hub: Hub, event: CallEvent, *, department_id: str | None = None
) -> CallResult | None:
    """Apply one call event (system actor: connectors call it after verifying the provider's signature).
    `department_id`: the department of the number that was called; an unrouted conversation is routed to it.
    None: the event names no number (a recording) and its call is not in the timeline."""
    if not event.number:
        known = await hub.store.timeline.get_by_dedupe_key(dedupe_key(CHANNEL, provider_message_id(event)))
        if known is None:
            return None
        return await _update(hub, known, event, department_id)
    status = event.status.value if event.status is not None else None
    call: dict[str, Any] = {
        **event.fields(),
        "status": status,
        "rank": event.rank if status is not None else -1,
        "status_event": event.event_id if status is not None else None,
        "events": [event.event_id],
    }
    message = InboundMessage(
        channel=CHANNEL,
        provider_message_id=provider_message_id(event),
        thread_key=event.number,
        identities=(make_identity(IdentityKind.phone, event.number),),
        display_name=event.display_name,
        text=f"📞 {event.number}",
        kind=EntryKind.call,
        occurred_at=event.started_at or event.occurred_at,
        department_id=department_id,
        raw={"call": {k: v for k, v in call.items() if v is not None}},
    )
    ingested = await ingest(hub, message)
    if ingested.duplicate:
        return await _update(hub, ingested.entry, event, department_id)
    conversation = await _route(hub, ingested.conversation, department_id)
    return await _announce(hub, ingested.entry, conversation, event, status is not None)


async def _update(hub: Hub, entry: TimelineEntry, event: CallEvent, department_id: str | None) -> CallResult:
    status = event.status.value if event.status is not None else None
    updated = await hub.store.timeline.record_call(
        entry.id, event_id=event.event_id, rank=event.rank, status=status, fields=event.fields()
    )
    if updated is None:  # a replay
        return CallResult(entry=entry, conversation=await _conversation(hub, entry), duplicate=True)
    conversation = await _route(hub, await _conversation(hub, updated), department_id)
    await hub.bus.publish(EntryEdited(updated))
    changed = status is not None and call_of(updated).get("status_event") == event.event_id
    return await _announce(hub, updated, conversation, event, changed)


async def _announce(
    hub: Hub, entry: TimelineEntry, conversation: Conversation | None, event: CallEvent, changed: bool
) -> CallResult:
    await hub.bus.publish(CallUpdated(entry, conversation, changed))
    callback = None
    if changed and conversation is not None:
        callback = await _follow_up(hub, entry, conversation)
    return CallResult(entry=entry, conversation=conversation, status_changed=changed, callback=callback)


async def _conversation(hub: Hub, entry: TimelineEntry) -> Conversation | None:
    return await hub.store.conversations.get(entry.conversation_id) if entry.conversation_id else None


async def _route(
    hub: Hub, conversation: Conversation | None, department_id: str | None
) -> Conversation | None:
    """The number's department takes an unrouted phone conversation (a routed one stays where it is)."""
    if conversation is None or department_id is None or conversation.department_id is not None:
        return conversation
    return await update_conversation(hub, None, conversation.id, department_id=department_id)


async def _follow_up(hub: Hub, entry: TimelineEntry, conversation: Conversation) -> str | None:
    call = call_of(entry)
    status, direction, number = CallStatus(call["status"]), call.get("direction"), call.get("number", "")
    if direction == "in" and status is CallStatus.missed:
        return await create_callback(hub, entry, conversation, number)
    if direction == "out" and status in (CallStatus.answered, CallStatus.completed):
        await complete_callbacks(hub, conversation, number)
    return None


# --- callbacks: the tasks module when it is there, else a system note ---------------------------------------------


def _tasks_module() -> Any | None:
    """hub.actions.tasks, when this hub has it (imported lazily: the calls work without it)."""
    try:
        module = importlib.import_module("hub.actions.tasks")
    except ImportError:
        return None
    return module if hasattr(module, "create_task") else None


def _texts(hub: Hub, number: str) -> tuple[str, str]:
    if hub.settings.language == "ru":
        return f"Перезвонить {number}", f"Пропущенный звонок с {number}: перезвоните клиенту."
    return f"Call back {number}", f"Missed call from {number}: call the client back."


async def create_callback(hub: Hub, entry: TimelineEntry, conversation: Conversation, number: str) -> str:
    """A callback task for the conversation's department; "task", or "note" when tasks are not available."""
    title, description = _texts(hub, number)
    tasks = _tasks_module()
    if tasks is not None and getattr(hub.store, "tasks", None) is not None:
        try:
            await tasks.create_task(
                hub,
                None,
                title=title,
                client_id=conversation.client_id,
                conversation_id=conversation.id,
                entry_id=entry.id,
                department_id=conversation.department_id,
                priority="high",
                description=description,
                kind=CALLBACK_KIND,
                meta={"number": number, "call_entry_id": entry.id},
            )
        except Exception:  # a missed call is never lost: the note below says it
            log.exception("could not create the callback task for call entry %s", entry.id)
        else:
            return "task"
    await add_system_note(hub, conversation.id, description)
    return "note"


async def complete_callbacks(hub: Hub, conversation: Conversation, number: str) -> int:
    """Reaching the client by phone completes their open callback tasks for that number; how many."""
    tasks = _tasks_module()
    if tasks is None or getattr(hub.store, "tasks", None) is None or not hasattr(tasks, "update_task"):
        return 0
    # the tasks aggregate's types (there when the tasks module is)
    task_query = importlib.import_module("hub.store.port").TaskQuery
    task_status = importlib.import_module("hub.domain_tasks").TaskStatus
    found = await hub.store.tasks.query(
        task_query(
            client_id=conversation.client_id,
            statuses=tuple(task_status(s) for s in _ACTIVE_TASK_STATUSES),
            limit=50,
        )
    )
    done = 0
    for task in found:
        if task.kind == CALLBACK_KIND and task.meta.get("number") == number:
            await tasks.update_task(hub, None, task.id, status="done")
            done += 1
    return done


def is_ended(entry: TimelineEntry) -> bool:
    status = call_of(entry).get("status")
    return status is not None and CallStatus(status) in ENDED
