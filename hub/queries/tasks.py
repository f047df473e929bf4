"""Reading tasks: lists built from the policy's task scope, one task through its door."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub import access
from hub.access import Actor
from hub.context import Hub
from hub.domain import Conversation, User
from hub.domain_tasks import ACTIVE_STATUSES, Task, TaskStatus
from hub.queries import Page
from hub.store.port import Cursor, TaskQuery


@dataclass(frozen=True, slots=True)
class TaskFilter:
    assignee_id: str | None = None
    department_id: str | None = None
    statuses: tuple[TaskStatus, ...] = ()
    due_before: datetime | None = None
    client_id: str | None = None
    conversation_id: str | None = None


async def list_tasks(
    hub: Hub, actor: Actor, filters: TaskFilter, *, before: Cursor | None = None, limit: int = 50
) -> Page[Task]:
    """The tasks the actor may see, newest first (a full page: the scope is part of the query)."""
    view = (
        await access.partner_view(hub, actor)
        if isinstance(actor, User) and access.is_partner(actor)
        else None
    )
    found = await hub.store.tasks.query(
        TaskQuery(
            assignee_id=filters.assignee_id,
            department_id=filters.department_id,
            statuses=filters.statuses,
            due_before=filters.due_before,
            client_id=filters.client_id,
            conversation_id=filters.conversation_id,
            scope=access.task_scope(actor, view),
            before=before,
            limit=limit,
        )
    )
    next_cursor = Cursor(found[-1].created_at, found[-1].id) if len(found) == limit else None
    return Page(found, next_cursor)


async def open_tasks_of_client(hub: Hub, actor: Actor, client_id: str, *, limit: int = 50) -> list[Task]:
    """The card's open tasks: those of a client the actor may see that still want doing."""
    await access.client_for(hub, actor, client_id)
    page = await list_tasks(
        hub, actor, TaskFilter(client_id=client_id, statuses=tuple(ACTIVE_STATUSES)), limit=limit
    )
    return page.items


async def get(hub: Hub, actor: Actor, task_id: str) -> Task:
    task, _conversation = await access.task_for(hub, actor, task_id)
    return task


async def conversation_of(hub: Hub, task: Task) -> Conversation | None:
    """System read (realtime picking recipients): the task's conversation, if any."""
    if task.conversation_id is None:
        return None
    return await hub.store.conversations.get(task.conversation_id)
