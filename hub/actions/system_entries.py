"""System entries on a conversation's timeline: what routing and assignment did, and what people changed (assign,
re-route, resolve, reopen). Stored as a code and params (meta), rendered in English and Russian (the text is the
English rendering, for search and previews; the inbox renders the reader's language from the code)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.context import Hub
from hub.domain import Author, AuthorType, Conversation, Direction, EntryKind, TimelineEntry
from hub.events import EntryAdded

TEXTS: dict[str, dict[str, str]] = {
    "routed": {
        "en": "routed to {department} by rule “{rule}”",
        "ru": "направлен в отдел «{department}» по правилу «{rule}»",
    },
    "prioritized": {
        "en": "priority {priority} by rule “{rule}”",
        "ru": "приоритет «{priority}» по правилу «{rule}»",
    },
    "tagged": {
        "en": "client tagged {tags} by rule “{rule}”",
        "ru": "клиенту добавлены метки {tags} по правилу «{rule}»",
    },
    "rule_assigned": {
        "en": "assigned to {assignee} by rule “{rule}”",
        "ru": "назначен на {assignee} по правилу «{rule}»",
    },
    "rule_task": {
        "en": "task “{title}” created by rule “{rule}”",
        "ru": "задача «{title}» создана по правилу «{rule}»",
    },
    "auto_assigned": {"en": "assigned to {assignee} ({policy})", "ru": "назначен на {assignee} ({policy})"},
    "not_accepted": {
        "en": "{assignee} did not answer within {minutes} min: handed on",
        "ru": "{assignee} не ответил(а) за {minutes} мин: передан дальше",
    },
    "assigned": {"en": "{actor} assigned it to {assignee}", "ru": "{actor} назначил(а) на {assignee}"},
    "unassigned": {"en": "{actor} unassigned {assignee}", "ru": "{actor} снял(а) назначение с {assignee}"},
    "rerouted": {"en": "{actor} moved it to {department}", "ru": "{actor} перевёл(а) в отдел «{department}»"},
    "unrouted": {
        "en": "{actor} took it out of {department}",
        "ru": "{actor} убрал(а) из отдела «{department}»",
    },
    "resolved": {"en": "{actor} resolved it", "ru": "{actor} решил(а) обращение"},
    "reopened": {"en": "{actor} reopened it", "ru": "{actor} открыл(а) снова"},
    "snoozed": {"en": "{actor} snoozed it until {until}", "ru": "{actor} отложил(а) до {until}"},
    "unsnoozed": {
        "en": "{actor} woke it before its time",
        "ru": "{actor} вернул(а) из отложенных раньше срока",
    },
    "snooze_ended": {
        "en": "snooze ended ({until}): open again",
        "ru": "отложено до {until}: срок вышел, обращение снова открыто",
    },
    "pending": {
        "en": "{actor} set it pending: waiting for the customer",
        "ru": "{actor} перевёл(а) в ожидание ответа клиента",
    },
    "moved_out": {
        "en": "{actor} moved {count} entries to “{conversation}”",
        "ru": "{actor} перенёс(ла) записи ({count}) в «{conversation}»",
    },
    "moved_in": {
        "en": "{actor} moved {count} entries here from “{conversation}”",
        "ru": "{actor} перенёс(ла) сюда записи ({count}) из «{conversation}»",
    },
    "split_out": {
        "en": "{actor} split {count} entries off into “{conversation}”",
        "ru": "{actor} выделил(а) записи ({count}) в «{conversation}»",
    },
    "split_in": {
        "en": "{actor} split this off “{conversation}”",
        "ru": "{actor} выделил(а) это из «{conversation}»",
    },
}

# values of params that are codes themselves
WORDS: dict[str, dict[str, str]] = {
    "least_loaded": {"en": "least loaded", "ru": "наименее загружен"},
    "round_robin": {"en": "round robin", "ru": "по очереди"},
    "reply": {"en": "took it by replying", "ru": "взял(а), ответив"},
    "low": {"en": "low", "ru": "низкий"},
    "normal": {"en": "normal", "ru": "обычный"},
    "high": {"en": "high", "ru": "высокий"},
    "urgent": {"en": "urgent", "ru": "срочный"},
}
_CODED = ("policy", "priority")


def render(code: str, params: dict[str, Any], lang: str = "en") -> str:
    texts = TEXTS.get(code)
    if texts is None:
        return code
    values = {k: str(v) for k, v in params.items()}
    if "until" in values:  # an ISO time; the inbox shows it in the reader's zone and language
        values["until"] = values["until"].replace("T", " ").replace("Z", " UTC")
    for key in _CODED:
        if key in values and values[key] in WORDS:
            values[key] = WORDS[values[key]].get(lang, values[key])
    try:
        return texts.get(lang, texts["en"]).format(**values)
    except (KeyError, IndexError):
        return texts["en"]


async def add_system_entry(
    hub: Hub, conversation: Conversation, code: str, params: dict[str, Any], *, dedupe_key: str = ""
) -> TimelineEntry | None:
    """Store the entry (internal: never sent to the customer; the conversation's preview and unread count do not
    change) and publish EntryAdded. With `dedupe_key` it is stored once (None: it was already)."""
    now = hub.clock()
    entry = TimelineEntry(
        client_id=conversation.client_id,
        conversation_id=conversation.id,
        kind=EntryKind.system,
        direction=Direction.internal,
        channel=conversation.channel,
        author=Author(type=AuthorType.system, name="system"),
        text=render(code, params),
        meta={"code": code, "params": params},
        occurred_at=now,
        created_at=now,
        dedupe_key=dedupe_key,
    )
    if not await hub.store.timeline.insert(entry):
        return None
    await hub.bus.publish(EntryAdded(entry, conversation))
    return entry


async def record_changes(
    hub: Hub, actor_name: str, before: Conversation, after: Conversation, changed: set[str]
) -> None:
    """The system entries of a person's change: assignee, department, resolve, reopen."""
    params: dict[str, Any] = {"actor": actor_name}
    if "assignee_id" in changed:
        if after.assignee_id is not None:
            await add_system_entry(
                hub, after, "assigned", {**params, "assignee": await _user_name(hub, after.assignee_id)}
            )
        elif before.assignee_id is not None:
            await add_system_entry(
                hub, after, "unassigned", {**params, "assignee": await _user_name(hub, before.assignee_id)}
            )
    if "department_id" in changed:
        if after.department_id is not None:
            name = await _department_name(hub, after.department_id)
            await add_system_entry(hub, after, "rerouted", {**params, "department": name})
        elif before.department_id is not None:
            name = await _department_name(hub, before.department_id)
            await add_system_entry(hub, after, "unrouted", {**params, "department": name})
    if "status" in changed:
        if after.status.value == "resolved":
            await add_system_entry(hub, after, "resolved", params)
        elif after.status.value == "pending":
            await add_system_entry(hub, after, "pending", params)
        elif before.status.value == "snoozed" and after.status.value == "open":
            await add_system_entry(hub, after, "unsnoozed", params)
        elif before.status.value in ("resolved", "pending") and after.status.value == "open":
            await add_system_entry(hub, after, "reopened", params)
    if "snoozed_until" in changed and after.snoozed_until is not None:
        await add_system_entry(hub, after, "snoozed", {**params, "until": iso(after.snoozed_until)})


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def _user_name(hub: Hub, user_id: str) -> str:
    user = await hub.store.users.get(user_id)
    return user.name if user else user_id


async def _department_name(hub: Hub, department_id: str) -> str:
    department = await hub.store.departments.get(department_id)
    return department.name if department else department_id
