"""Tasks: create and change them. Each change is written to the client's timeline (an internal entry naming who
did what, stored as a code + params that the inbox renders in the reader's language), published as TaskCreated /
TaskUpdated, and notifies a new assignee. The notice timer (hub.task_timers) sends reminders and overdue notices.

    create_task(hub, actor, title=..., client_id=...)   # actor None: the system (connectors, rules, bots)
    update_task(hub, actor, task_id, status="done")
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hub import access
from hub.access import Actor, require
from hub.actions.notifications import notify
from hub.context import Hub
from hub.domain import (
    Author,
    AuthorType,
    Conversation,
    Direction,
    EntryKind,
    TimelineEntry,
    User,
    truncate_ms,
)
from hub.domain_tasks import (
    ACTIVE_STATUSES,
    ChecklistItem,
    NoticeKind,
    NotificationKind,
    Task,
    TaskPriority,
    TaskStatus,
    notice_key,
)
from hub.errors import Invalid, NotFound
from hub.events import EntryAdded, TaskCreated, TaskUpdated

MAX_TITLE = 200
MAX_DESCRIPTION = 10_000
MAX_CHECKLIST = 100
MAX_WATCHERS = 50
UPDATABLE = frozenset(
    {
        "partner_id",
        "title",
        "description",
        "assignee_id",
        "department_id",
        "due_at",
        "priority",
        "status",
        "watchers",
        "checklist",
    }
)


# --- checks -------------------------------------------------------------------------------------------------------


def _title(title: Any) -> str:
    if not isinstance(title, str) or not title.strip():
        raise Invalid("title is empty")
    title = " ".join(title.split())
    if len(title) > MAX_TITLE:
        raise Invalid(f"title is longer than {MAX_TITLE} characters")
    return title


def _description(text: Any) -> str:
    if not isinstance(text, str):
        raise Invalid("description must be text")
    if len(text) > MAX_DESCRIPTION:
        raise Invalid(f"description is longer than {MAX_DESCRIPTION} characters")
    return text.strip()


def _enum(cls: type, value: Any, name: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        raise Invalid(f"{name} must be one of: {', '.join(m.value for m in cls)}") from None


def _due(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise Invalid("due_at must be a date and time")
    try:
        return truncate_ms(value)
    except OverflowError:
        raise Invalid("due_at is out of range") from None


async def _staff_user(hub: Hub, user_id: str | None, what: str) -> User | None:
    if user_id is None:
        return None
    user = await hub.store.users.get(user_id)
    if user is None or not access.is_staff(user):
        raise Invalid(f"{what} is not an active staff member")
    return user


async def _assignee(hub: Hub, user_id: str | None) -> User | None:
    """A task's assignee: an active staff member, or an active partner user (a dealer's employee)."""
    if user_id is None:
        return None
    user = await hub.store.users.get(user_id)
    if user is None or not (access.is_staff(user) or access.is_partner(user)):
        raise Invalid("assignee_id is not an active staff member or partner user")
    return user


async def _partner_id(hub: Hub, partner_id: str | None) -> str | None:
    if partner_id is None:
        return None
    if not isinstance(partner_id, str) or await hub.store.partners.get(partner_id) is None:
        raise Invalid("partner_id is not a partner organisation")
    return partner_id


def _partner_of(assignee: User | None, partner_id: str | None) -> str | None:
    """The organisation a task is assigned to: a partner user assignee's own (given or not), else `partner_id`."""
    if assignee is None or not access.is_partner(assignee) or assignee.partner_id is None:
        return partner_id
    if partner_id is not None and partner_id != assignee.partner_id:
        raise Invalid("the assignee is not a user of that partner organisation")
    return assignee.partner_id


async def _department_name(hub: Hub, department_id: str | None) -> str | None:
    if department_id is None:
        return None
    department = await hub.store.departments.get(department_id)
    if department is None:
        raise Invalid("department_id is not a department")
    return department.name


def _checklist(items: Any) -> list[ChecklistItem]:
    if not isinstance(items, list) or len(items) > MAX_CHECKLIST:
        raise Invalid(f"checklist must be a list of at most {MAX_CHECKLIST} items")
    out = []
    for item in items:
        data = item.model_dump() if isinstance(item, ChecklistItem) else item
        if not isinstance(data, dict) or not isinstance(data.get("text"), str) or not data["text"].strip():
            raise Invalid("each checklist item needs a text")
        if len(data["text"]) > MAX_TITLE or not isinstance(data.get("done", False), bool):
            raise Invalid(f"a checklist item is a text of at most {MAX_TITLE} characters and done true/false")
        out.append(ChecklistItem(text=data["text"].strip(), done=data.get("done", False)))
    return out


async def _watchers(hub: Hub, ids: Any) -> list[str]:
    if not isinstance(ids, list) or len(ids) > MAX_WATCHERS or not all(isinstance(i, str) for i in ids):
        raise Invalid(f"watchers must be a list of at most {MAX_WATCHERS} user ids")
    ids = list(dict.fromkeys(ids))
    for user_id in ids:
        await _staff_user(hub, user_id, "a watcher")
    return ids


# --- the notice schedule ------------------------------------------------------------------------------------------


def schedule(hub: Hub, task: Task) -> tuple[NoticeKind | None, datetime | None]:
    """The task's next notice: a reminder `task_reminder_minutes` before due (while the due time is ahead), then
    the overdue notice at due; none for a task that is done, cancelled, has no due time or had both already."""
    if task.status not in ACTIVE_STATUSES or task.due_at is None:
        return None, None
    due = task.due_at
    minutes = hub.settings.task_reminder_minutes
    if minutes > 0 and hub.clock() < due and notice_key(NoticeKind.reminder, due) not in task.notices_sent:
        return NoticeKind.reminder, truncate_ms(due - timedelta(minutes=minutes))
    if notice_key(NoticeKind.overdue, due) not in task.notices_sent:
        return NoticeKind.overdue, due
    return None, None


# --- timeline entries ---------------------------------------------------------------------------------------------


def _due_at(due: datetime | None) -> str:
    """A due time in an entry's params: ISO in UTC (the inbox shows it in the reader's zone and language)."""
    return due.astimezone(UTC).isoformat().replace("+00:00", "Z") if due else ""


def _fmt_due(params: dict[str, Any]) -> str:
    """The English text's due time: from `due_at` (ISO); entries stored before it have `due`, a text already."""
    if params.get("due_at"):
        try:
            due = datetime.fromisoformat(str(params["due_at"]).replace("Z", "+00:00"))
        except ValueError:
            return str(params["due_at"])
        return due.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return str(params.get("due") or "")


_TEXTS = {
    "task.created": "{actor} created task “{title}”{for_}{due_}",
    "task.done": "{actor} marked task “{title}” done",
    "task.cancelled": "{actor} cancelled task “{title}”",
    "task.reopened": "{actor} reopened task “{title}”",
    "task.in_progress": "{actor} started task “{title}”",
    "task.assigned": "{actor} assigned task “{title}” to {target}",
    "task.due": "{actor} set the due time of task “{title}” to {due}",
    "task.edited": "{actor} edited task “{title}”",
}


def render_task_text(code: str, params: dict[str, Any]) -> str:
    """The English text of a task entry (the inbox renders `meta.code` + `meta.params` in the reader's language)."""
    target = params.get("target") or ""
    due = _fmt_due(params)
    return _TEXTS.get(code, _TEXTS["task.edited"]).format(
        actor=params.get("actor") or "System",
        title=params.get("title", ""),
        target=target or "nobody",
        due=due or "none",
        for_=f" for {target}" if target else "",
        due_=f", due {due}" if due else "",
    )


async def _write_entry(
    hub: Hub, actor: Actor, task: Task, conversation: Conversation | None, code: str, params: dict[str, Any]
) -> TimelineEntry:
    """An internal entry on the task's conversation (or the client's timeline): never sent to the customer, never
    shown to partners (an internal note of the system), rendered from `meta.code` + `meta.params`."""
    if isinstance(actor, User):
        author = Author(type=AuthorType.user, id=actor.id, name=actor.name)
    else:
        author = Author(type=AuthorType.system, name="system")
    params = {"actor": author.name if isinstance(actor, User) else "", "title": task.title, **params}
    now = hub.clock()
    entry = TimelineEntry(
        client_id=task.client_id,
        conversation_id=conversation.id if conversation else None,
        kind=EntryKind.note,
        direction=Direction.internal,
        channel=conversation.channel if conversation else "internal",
        author=author,
        text=render_task_text(code, params),
        meta={"system": True, "code": code, "params": params, "task_id": task.id},
        occurred_at=now,
        created_at=now,
    )
    await hub.store.timeline.insert(entry)
    await hub.bus.publish(EntryAdded(entry, conversation))
    return entry


async def _target_name(hub: Hub, task: Task) -> str:
    if task.assignee_id is not None:
        user = await hub.store.users.get(task.assignee_id)
        return user.name if user else ""
    if task.department_id is not None:
        return await _department_name(hub, task.department_id) or ""
    partner = await hub.store.partners.get(task.partner_id) if task.partner_id else None
    return partner.name if partner else ""


async def _notify_assigned(hub: Hub, actor: Actor, task: Task, target: str) -> None:
    recipients: list[str] = []
    if task.assignee_id is not None:
        recipients = [task.assignee_id]
    elif task.department_id is not None:
        staff = [u for u in await hub.directory.active_users(hub.store) if access.is_staff(u)]
        recipients = [u.id for u in staff if task.department_id in u.department_ids]
    recipients = [r for r in recipients if r != access.actor_id(actor)]
    if not recipients:
        return
    await notify(
        hub,
        recipients,
        kind=NotificationKind.task_assigned.value,
        params={
            "title": task.title,
            "from": actor.name if isinstance(actor, User) else "",
            "target": target,
            "due_at": task.due_at.isoformat().replace("+00:00", "Z") if task.due_at else None,
        },
        client_id=task.client_id,
        conversation_id=task.conversation_id,
        task_id=task.id,
        entry_id=task.entry_id,
    )


# --- actions ------------------------------------------------------------------------------------------------------


async def create_task(
    hub: Hub,
    actor: Actor | None,
    *,
    title: str,
    client_id: str,
    conversation_id: str | None = None,
    entry_id: str | None = None,
    assignee_id: str | None = None,
    department_id: str | None = None,
    partner_id: str | None = None,
    due_at: datetime | None = None,
    priority: str = "normal",
    description: str = "",
    kind: str = "task",
    meta: dict | None = None,
) -> Task:
    """A new task on a client (optionally on one of its conversations or timeline entries). `actor` None is the
    system (a connector's missed call, a routing rule, a bot). Staff create tasks on what they may work on."""
    actor = access.as_actor(actor)
    require(access.can_create_task(actor), "you cannot create tasks")
    title = _title(title)
    description = _description(description)
    priority_value = _enum(TaskPriority, priority, "priority")
    if not isinstance(kind, str) or not 1 <= len(kind) <= 64:
        raise Invalid("kind must be 1 to 64 characters")
    if meta is not None and not isinstance(meta, dict):
        raise Invalid("meta must be an object")
    client = await access.client_for(hub, actor, client_id)
    conversation: Conversation | None = None
    if entry_id is not None:
        entry, entry_conversation = await access.entry_for(hub, actor, entry_id)
        if entry.client_id != client.id:
            raise Invalid("entry_id is not an entry of this client")
        if conversation_id is None and entry_conversation is not None:
            conversation_id = entry_conversation.id
    if conversation_id is not None:
        conversation, _client = await access.conversation_for(hub, actor, conversation_id)
        if conversation.client_id != client.id:
            raise Invalid("conversation_id is not a conversation of this client")
        require(access.can_work_conversation(actor, conversation), "you cannot work on this conversation")
    assignee = await _assignee(hub, assignee_id)
    partner_id = _partner_of(assignee, await _partner_id(hub, partner_id))
    await _department_name(hub, department_id)
    now = hub.clock()
    task = Task(
        client_id=client.id,
        conversation_id=conversation.id if conversation else None,
        entry_id=entry_id,
        title=title,
        description=description,
        assignee_id=assignee_id,
        department_id=department_id,
        partner_id=partner_id,
        due_at=_due(due_at),
        priority=priority_value,
        created_by=access.actor_id(actor),
        kind=kind,
        meta=dict(meta or {}),
        created_at=now,
        updated_at=now,
    )
    task.next_notice, task.next_notice_at = schedule(hub, task)
    await hub.store.tasks.create(task)
    target = await _target_name(hub, task)
    await _write_entry(
        hub, actor, task, conversation, "task.created", {"target": target, "due_at": _due_at(task.due_at)}
    )
    await hub.bus.publish(TaskCreated(task, access.actor_id(actor)))
    await _notify_assigned(hub, actor, task, target)
    return task


async def update_task(hub: Hub, actor: Actor | None, task_id: str, **changes: Any) -> Task:
    """Change what is given (title, description, assignee_id, department_id, due_at, priority, status, watchers,
    checklist); None for assignee_id / department_id / due_at clears it. Publishes what changed."""
    actor = access.as_actor(actor)
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise Invalid(f"not changeable: {', '.join(sorted(unknown))}")
    task, conversation = await access.task_for(hub, actor, task_id)
    if access.is_partner(actor):  # task_for let them through: they see it
        require(
            access.task_changes_allowed(actor, changes),
            "partners change only the status of a task (open, in progress, done)",
        )
    else:
        require(access.can_work_task(actor, task, conversation), "you cannot change this task")
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "title":
            value = _title(value)
        elif key == "description":
            value = _description(value)
        elif key == "priority":
            value = _enum(TaskPriority, value, "priority")
        elif key == "status":
            value = _enum(TaskStatus, value, "status")
        elif key == "due_at":
            value = _due(value)
        elif key == "assignee_id":
            await _assignee(hub, value)
        elif key == "partner_id":
            value = await _partner_id(hub, value)
        elif key == "department_id":
            await _department_name(hub, value)
        elif key == "watchers":
            value = await _watchers(hub, value)
        elif key == "checklist":
            value = _checklist(value)
        if getattr(task, key) != value:
            values[key] = value
    if {"assignee_id", "partner_id"} & set(changes):
        # a partner user assignee brings their organisation; an organisation given must be theirs
        assignee_id = changes.get("assignee_id", task.assignee_id)
        assignee = await hub.store.users.get(assignee_id) if assignee_id else None
        given = values.get("partner_id", task.partner_id) if "partner_id" in changes else None
        final = _partner_of(assignee, given)
        if final is None and "partner_id" not in changes:
            final = task.partner_id
        if final != task.partner_id:
            values["partner_id"] = final
        else:
            values.pop("partner_id", None)
    if not values:
        return task
    now = hub.clock()
    proposed = task.model_copy(update=values)
    if "status" in values:
        values["done_at"] = now if values["status"] is TaskStatus.done else None
    if {"status", "due_at"} & set(values):
        next_kind, next_at = schedule(hub, proposed)
        if (next_kind, next_at) != (task.next_notice, task.next_notice_at):
            values["next_notice"], values["next_notice_at"] = next_kind, next_at
    updated = await hub.store.tasks.update(task.id, {**values, "updated_at": now})
    if updated is None:
        raise NotFound("no such task")
    diff = {k: (getattr(task, k), getattr(updated, k)) for k in values if k in UPDATABLE or k == "done_at"}
    await _describe(hub, actor, updated, conversation, diff)
    await hub.bus.publish(TaskUpdated(updated, task, diff, access.actor_id(actor)))
    if ("assignee_id" in diff and updated.assignee_id) or (
        "department_id" in diff and updated.assignee_id is None and updated.department_id
    ):
        await _notify_assigned(hub, actor, updated, await _target_name(hub, updated))
    return updated


async def _describe(
    hub: Hub, actor: Actor, task: Task, conversation: Conversation | None, diff: dict[str, tuple[Any, Any]]
) -> None:
    """One timeline entry per kind of change a person would want to read back."""
    if "status" in diff:
        old, new = diff["status"]
        if new in (TaskStatus.done, TaskStatus.cancelled, TaskStatus.in_progress) and old in ACTIVE_STATUSES:
            code = f"task.{new.value}"
        else:
            code = "task.reopened" if new in ACTIVE_STATUSES else f"task.{new.value}"
        await _write_entry(hub, actor, task, conversation, code, {})
    if "assignee_id" in diff or "department_id" in diff or "partner_id" in diff:
        await _write_entry(
            hub, actor, task, conversation, "task.assigned", {"target": await _target_name(hub, task)}
        )
    if "due_at" in diff:
        await _write_entry(hub, actor, task, conversation, "task.due", {"due_at": _due_at(task.due_at)})
    if {"title", "description", "priority", "checklist", "watchers"} & set(diff):
        await _write_entry(
            hub, actor, task, conversation, "task.edited", {"fields": sorted(set(diff) - {"done_at"})}
        )
