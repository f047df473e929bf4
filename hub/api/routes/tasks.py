"""Tasks: create, list, read and change them. A task the caller may not see answers 404 exactly like a missing one
(the queries' and actions' doors decide)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StrictBool, StringConstraints

from hub.actions import tasks as task_actions
from hub.api.http import Body, Ctx, CursorParam, Query
from hub.api.routes import api
from hub.api.routes.models import STAFF, Id, IsoDatetime, limit
from hub.api.schemas import model_doc, page_of
from hub.domain import Role
from hub.domain_tasks import Task, TaskPriority, TaskStatus
from hub.queries import tasks as task_queries
from hub.representations_tasks import TASK_HIDDEN, task_json

TAG = "tasks"
TASK = model_doc(Task, exclude=tuple(TASK_HIDDEN))
TASK_PAGE = page_of(TASK, "TaskPage")

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=10_000)]


class ChecklistItemIn(Body):
    text: Title
    done: StrictBool = False


class TaskIn(Body):
    title: Title
    client_id: Id
    conversation_id: Id | None = None
    entry_id: Id | None = None
    assignee_id: Id | None = Field(None, description="a staff member or a partner user")
    department_id: Id | None = None
    partner_id: Id | None = Field(None, description="a partner organisation: its users see the task")
    due_at: IsoDatetime | None = Field(None, description="with a time zone, e.g. 2026-01-02T12:00:00Z")
    priority: TaskPriority = TaskPriority.normal
    description: Description = ""


class TaskPatch(Body):
    title: Title | None = None
    description: Description | None = None
    assignee_id: Id | None = Field(None, description="null unassigns")
    department_id: Id | None = Field(None, description="null clears the department")
    partner_id: Id | None = Field(None, description="a partner organisation (null: none)")
    due_at: IsoDatetime | None = Field(None, description="null clears the due time")
    priority: TaskPriority | None = None
    status: TaskStatus | None = None
    watchers: list[Id] | None = Field(None, max_length=50)
    checklist: list[ChecklistItemIn] | None = Field(None, max_length=100)


class TaskList(Query):
    assignee: str | None = Field(None, description="a user id or 'me'")
    department: str | None = Field(None, description="a department id")
    status: TaskStatus | None = Field(None, description="only tasks in this status")
    open: bool | None = Field(None, description="true: only open and in-progress tasks")
    due_before: IsoDatetime | None = Field(None, description="only tasks due before this time")
    client_id: str | None = Field(None, description="only this client's tasks")
    conversation_id: str | None = Field(None, description="only this conversation's tasks")
    cursor: CursorParam | None = None
    limit: int = limit(50)


@api.route(
    "POST",
    "/api/v1/tasks",
    summary="Create a task on a client (optionally on one of its conversations or timeline entries)",
    tag=TAG,
    auth=STAFF,
    body=TaskIn,
    status=201,
    response=TASK,
    responses={404: "no such client, conversation or entry (or one you may not see)"},
)
async def create_task(ctx: Ctx, body: TaskIn) -> Any:
    task = await task_actions.create_task(
        ctx.hub,
        ctx.user,
        title=body.title,
        client_id=body.client_id,
        conversation_id=body.conversation_id,
        entry_id=body.entry_id,
        assignee_id=body.assignee_id,
        department_id=body.department_id,
        partner_id=body.partner_id,
        due_at=body.due_at,
        priority=body.priority.value,
        description=body.description,
    )
    return task_json(task)


def _json(ctx: Ctx, task: Task) -> dict[str, Any]:
    """A partner user gets the task without the staff's bookkeeping and connectors' data (`meta`)."""
    return task_json(task, for_partner=ctx.user.role is Role.partner)


@api.route(
    "GET",
    "/api/v1/tasks",
    summary="Tasks you may see, newest first",
    tag=TAG,
    query=TaskList,
    response=TASK_PAGE,
)
async def list_tasks(ctx: Ctx, query: TaskList) -> Any:
    statuses: tuple[TaskStatus, ...] = ()
    if query.status is not None:
        statuses = (query.status,)
    elif query.open:
        statuses = (TaskStatus.open, TaskStatus.in_progress)
    filters = task_queries.TaskFilter(
        assignee_id=ctx.user.id if query.assignee == "me" else query.assignee,
        department_id=query.department,
        statuses=statuses,
        due_before=query.due_before,
        client_id=query.client_id,
        conversation_id=query.conversation_id,
    )
    page = await task_queries.list_tasks(ctx.hub, ctx.user, filters, before=query.cursor, limit=query.limit)
    return {
        "items": [_json(ctx, t) for t in page.items],
        "next_cursor": page.next_cursor.encode() if page.next_cursor else None,
    }


@api.route("GET", "/api/v1/tasks/{task_id}", summary="A task", tag=TAG, response=TASK)
async def get_task(ctx: Ctx, task_id: str) -> Any:
    return _json(ctx, await task_queries.get(ctx.hub, ctx.user, task_id))


@api.route(
    "PATCH",
    "/api/v1/tasks/{task_id}",
    summary="Change a task: title, description, assignee, department, partner, due time, priority, status, "
    "watchers, checklist (partner users: the status only, to open, in_progress or done)",
    tag=TAG,
    body=TaskPatch,
    responses={403: "not yours to change (a partner changing anything but the status)"},
    response=TASK,
)
async def patch_task(ctx: Ctx, task_id: str, body: TaskPatch) -> Any:
    changes = body.model_dump(exclude_unset=True)
    if "checklist" in changes and body.checklist is not None:
        changes["checklist"] = [item.model_dump() for item in body.checklist]
    for key in ("priority", "status"):
        if changes.get(key) is not None:
            changes[key] = changes[key].value if hasattr(changes[key], "value") else changes[key]
    task = await task_actions.update_task(ctx.hub, ctx.user, task_id, **changes)
    return _json(ctx, task)
