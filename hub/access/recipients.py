"""Recipients of pushes: who, of a set of users, may see a record now (`*_viewers`), and whom a notice goes to
(`*_notice_recipients`). Decided when the event is sent."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from hub.access.actors import is_partner, is_staff, partner_key, sees_everything
from hub.access.clients import can_view_client, can_view_client_card
from hub.access.conversations import can_view_conversation
from hub.access.entries import can_view_entry
from hub.access.partners import partner_sees_client, partner_views
from hub.access.tasks import can_view_task
from hub.access.views import can_view_saved_view
from hub.domain import Client, Conversation, Role, TimelineEntry, User
from hub.domain_tasks import Task
from hub.domain_views import SavedView
from hub.store.port import ConversationQuery, TaskQuery

if TYPE_CHECKING:
    from hub.context import Hub


def conversation_viewers(
    users: Iterable[User], conversation: Conversation, client: Client | None
) -> list[User]:
    """Who, of `users`, may see this conversation now: the recipients of its events."""
    return [u for u in users if can_view_conversation(u, conversation, client)]


async def client_viewers(hub: Hub, users: Iterable[User], client: Client) -> list[User]:
    """Who, of `users`, may see this client card now (one query for all of them when agents need their
    conversations with the client to decide)."""
    seen: list[User] = []
    undecided: list[User] = []
    for user in users:
        decided = can_view_client_card(hub, user, client)
        if decided is None and is_partner(user):
            if await can_view_client(hub, user, client):
                seen.append(user)
        elif decided is None:
            undecided.append(user)
        elif decided:
            seen.append(user)
    if undecided:
        conversations = await hub.store.conversations.query(ConversationQuery(client_id=client.id, limit=200))
        through = [u for u in undecided if any(can_view_conversation(u, c, client) for c in conversations)]
        seen += through
        rest = [u for u in undecided if u not in through]
        if rest and getattr(hub.store, "tasks", None) is not None:
            # department visibility: a task assigned to them or their department shows them the client too
            tasks = await hub.store.tasks.query(TaskQuery(client_id=client.id, limit=500))
            seen += [
                u
                for u in rest
                if any(
                    t.assignee_id == u.id
                    or (t.department_id is not None and t.department_id in u.department_ids)
                    for t in tasks
                )
            ]
    return seen


async def entry_viewers(
    hub: Hub,
    users: Iterable[User],
    entry: TimelineEntry,
    client: Client | None,
    conversation: Conversation | None,
) -> list[User]:
    """Who, of `users`, may see this entry now (by the same rules as `entry_for`)."""
    if client is None:
        return [u for u in users if sees_everything(u)]
    users = list(users)
    partners = [u for u in users if is_partner(u)]
    if partners:
        others = await entry_viewers(
            hub, [u for u in users if not is_partner(u)], entry, client, conversation
        )
        return others + await partner_entry_viewers(hub, partners, entry, client, conversation)
    if conversation is not None:
        viewers = conversation_viewers(users, conversation, client)
    else:
        viewers = await client_viewers(hub, users, client)
    return [u for u in viewers if can_view_entry(u, entry, client, conversation)]


async def partner_entry_viewers(
    hub: Hub,
    users: Iterable[User],
    entry: TimelineEntry,
    client: Client,
    conversation: Conversation | None,
) -> list[User]:
    """Which partner users, of `users`, may see this entry now (one view per organisation)."""
    partners = [u for u in users if is_partner(u)]
    views = await partner_views(hub, partners)
    return [
        u
        for u in partners
        if partner_sees_client(u, client, views[partner_key(u)])
        and can_view_entry(u, entry, client, conversation, views[partner_key(u)])
    ]


def saved_view_viewers(users: Iterable[User], view: SavedView) -> list[User]:
    """Who, of `users`, sees this view now: the recipients of its events."""
    return [u for u in users if can_view_saved_view(u, view)]


def task_viewers(users: Iterable[User], task: Task, conversation: Conversation | None = None) -> list[User]:
    """Who, of `users`, may see this task now: the recipients of its events."""
    return [u for u in users if can_view_task(u, task, conversation)]


def task_notice_recipients(users: Iterable[User], task: Task) -> list[User]:
    """Whom a task's reminders and overdue notice go to: its assignee, else the members of its department."""
    if task.assignee_id is not None:
        return [u for u in users if u.id == task.assignee_id and is_staff(u)]
    if task.department_id is not None:
        return [u for u in users if is_staff(u) and task.department_id in u.department_ids]
    return []


def sla_notice_recipients(users: Iterable[User], conversation: Conversation) -> list[User]:
    """Whom a conversation's SLA warning and breach notice go to: its assignee (else the members of its
    department), and the supervisors of its department (of every department: those with none); only those who
    may see the conversation now."""
    staff = [u for u in users if is_staff(u) and can_view_conversation(u, conversation)]
    department = conversation.department_id
    if conversation.assignee_id is not None:
        chosen = [u for u in staff if u.id == conversation.assignee_id]
    else:
        chosen = [u for u in staff if department is not None and department in u.department_ids]
    chosen += [
        u
        for u in staff
        if u.role is Role.supervisor and (not u.department_ids or department in u.department_ids)
    ]
    return list({u.id: u for u in chosen}.values())


def handoff_notice_recipients(users: Iterable[User], conversation: Conversation) -> list[User]:
    """Whom the bot's hand-off of a conversation is announced to: its assignee when it has one, else the members
    of its department (everyone on staff who may see it, when it has none); only those who may see it now."""
    staff = [u for u in users if is_staff(u) and can_view_conversation(u, conversation)]
    if conversation.assignee_id is not None:
        return [u for u in staff if u.id == conversation.assignee_id]
    department = conversation.department_id
    return [u for u in staff if department is None or department in u.department_ids]


def assignment_notice_recipients(
    users: Iterable[User], conversation: Conversation, actor_id: str | None
) -> list[User]:
    """Whom a new assignee is told about: the assignee, unless they took it themselves, while they may see it."""
    return [
        u
        for u in users
        if u.id == conversation.assignee_id
        and u.id != actor_id
        and is_staff(u)
        and can_view_conversation(u, conversation)
    ]
