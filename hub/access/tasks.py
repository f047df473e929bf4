"""Who sees a task: those who see everything; its assignee; the members of its department; its creator and its
watchers; the staff who may see its conversation; the users of the partner organisation it is assigned to
(`task.partner_id`), or the partner user it is assigned to, and only on a client whose card they see. With
HUB_CLIENT_VISIBILITY=department a task assigned to an agent or to one of their departments also shows them its
client (`can_view_client`); a task never shows a partner a client. Partners change a task's status (open, in
progress, done) and nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from hub.access.actors import Actor, _not_found, is_partner, is_staff, is_system, sees_everything
from hub.access.conversations import can_view_conversation, conversation_scope
from hub.access.partners import PartnerView, partner_search_scope, partner_sees_client, partner_view
from hub.domain import Client, Conversation, User
from hub.domain_tasks import Task, TaskStatus
from hub.store.port import PartnerTaskScope, TaskQuery, TaskScope

if TYPE_CHECKING:
    from hub.context import Hub


PARTNER_TASK_STATUSES = frozenset({TaskStatus.open, TaskStatus.in_progress, TaskStatus.done})


def task_scope(actor: Actor, view: PartnerView | None = None) -> TaskScope | None:
    """The tasks an actor may list, as the store compiles it: None means all of them. Partners need `view`
    (their organisation's grants); without it they list nothing."""
    if sees_everything(actor):
        return None
    if is_partner(actor) and view is not None:
        assert isinstance(actor, User)
        return TaskScope(
            partner=PartnerTaskScope(
                partner_id=view.partner_id, user_id=actor.id, clients=partner_search_scope(view)
            )
        )
    if is_staff(actor):
        assert isinstance(actor, User)
        return TaskScope(
            assignee_id=actor.id,
            department_ids=tuple(actor.department_ids),
            member_id=actor.id,
            conversation_scope=conversation_scope(actor),
        )
    return TaskScope()


def can_view_task(
    actor: Actor,
    task: Task,
    conversation: Conversation | None = None,
    client: Client | None = None,
    view: PartnerView | None = None,
) -> bool:
    """`conversation` is the task's conversation (None when it has none, or the caller knows it is not needed);
    partners need the task's `client` and their organisation's `view`."""
    if sees_everything(actor):
        return True
    if is_partner(actor):
        return partner_sees_task(actor, task, client, view)
    if not is_staff(actor):
        return False
    assert isinstance(actor, User)
    return (
        task.assignee_id == actor.id
        or (task.department_id is not None and task.department_id in actor.department_ids)
        or (task.created_by is not None and task.created_by == actor.id)
        or actor.id in task.watchers
        or (
            conversation is not None
            and conversation.id == task.conversation_id
            and can_view_conversation(actor, conversation)
        )
    )


def partner_sees_task(actor: Actor, task: Task, client: Client | None, view: PartnerView | None) -> bool:
    """Assigned to the user's organisation or to the user, on a client whose card the organisation sees."""
    if not is_partner(actor) or client is None or view is None or client.id != task.client_id:
        return False
    assert isinstance(actor, User)
    assigned = (
        task.partner_id is not None and task.partner_id == view.partner_id
    ) or task.assignee_id == actor.id
    return assigned and partner_sees_client(actor, client, view)


def can_work_task(
    actor: Actor,
    task: Task,
    conversation: Conversation | None = None,
    client: Client | None = None,
    view: PartnerView | None = None,
) -> bool:
    """Change a task (status, assignee, due time, checklist, ...): the staff who see it; partners who see it, its
    status only (`task_changes_allowed`)."""
    if is_partner(actor):
        return can_view_task(actor, task, conversation, client, view)
    return is_system(actor) or (is_staff(actor) and can_view_task(actor, task, conversation))


def task_changes_allowed(actor: Actor, changes: Mapping[str, object]) -> bool:
    """Partners change the status only, to open, in progress or done; the others whatever `can_work_task` allows."""
    if not is_partner(actor):
        return True
    return set(changes) <= {"status"} and all(
        str(getattr(v, "value", v)) in PARTNER_TASK_STATUSES for v in changes.values()
    )


def can_create_task(actor: Actor) -> bool:
    return is_system(actor) or is_staff(actor)


async def sees_client_through_tasks(hub: Hub, actor: Actor, client: Client) -> bool:
    """Department visibility: a task assigned to the agent or to one of their departments shows them its client."""
    if not is_staff(actor) or getattr(hub.store, "tasks", None) is None:
        return False
    assert isinstance(actor, User)
    scope = TaskScope(assignee_id=actor.id, department_ids=tuple(actor.department_ids))
    return bool(await hub.store.tasks.query(TaskQuery(client_id=client.id, scope=scope, limit=1)))


async def task_for(hub: Hub, actor: Actor, task_id: str) -> tuple[Task, Conversation | None]:
    """The task (and its conversation); NotFound when missing or hidden, exactly alike."""
    task = await hub.store.tasks.get(task_id)
    if task is None:
        raise _not_found("task")
    conversation = None
    if task.conversation_id is not None:
        conversation = await hub.store.conversations.get(task.conversation_id)
    client = view = None
    if is_partner(actor):
        assert isinstance(actor, User)
        client = await hub.store.clients.get(task.client_id)
        view = await partner_view(hub, actor)
    if not can_view_task(actor, task, conversation, client, view):
        raise _not_found("task")
    return task, conversation
