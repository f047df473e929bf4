"""Every demo task and notification leads somewhere its user may go: the bell's items and My tasks open the
conversation they name, for each demo login (a Sales agent's task on a Support conversation answered 'no such
conversation' when clicked)."""

from __future__ import annotations

from pathlib import Path

from support import make_settings

from hub.api.http import HUB_KEY
from hub.app import SLA_TIMERS_KEY, TASK_TIMERS_KEY, create_app
from hub.demo import STAFF, seed_demo
from hub.domain_tasks import ACTIVE_STATUSES
from hub.errors import NotFound
from hub.queries import conversations as conversation_queries
from hub.queries import notification_centre
from hub.queries import tasks as task_queries


async def _opens(hub, user, conversation_id: str | None) -> bool:
    if conversation_id is None:
        return False
    try:
        await conversation_queries.get(hub, user, conversation_id)
    except NotFound:
        return False
    return True


async def test_each_demo_users_tasks_and_notifications_open_their_conversation(store, tmp_path):
    settings = make_settings(
        tmp_path, sla_file=Path("config/sla.yaml"), routing_file=Path("config/routing.yaml")
    )
    app = await create_app(settings, store=store)
    hub = app[HUB_KEY]
    assert await seed_demo(hub)
    # what start-up sends: the overdue task's notice, the due-soon reminder, the SLA breach and warning
    await app[TASK_TIMERS_KEY].run_due()
    await app[SLA_TIMERS_KEY].run_due()

    problems, tasks_seen, notices_seen = [], 0, 0
    for email, *_rest in STAFF:
        user = await store.users.get_by_email(email)
        mine = await task_queries.list_tasks(
            hub, user, task_queries.TaskFilter(statuses=tuple(ACTIVE_STATUSES)), limit=200
        )
        for task in mine.items:
            if task.assignee_id != user.id and task.department_id not in user.department_ids:
                continue  # the supervisor's own, watched ones: not "My tasks"
            tasks_seen += 1
            if not await _opens(hub, user, task.conversation_id):
                problems.append(f"{email}: task {task.title!r} -> conversation {task.conversation_id}")
        for notification in await store.notifications.page(user.id, limit=500):
            notices_seen += 1
            conversation_id = notification.conversation_id
            if conversation_id is None and notification.task_id is not None:
                conversation_id = (await store.tasks.get(notification.task_id)).conversation_id
            if not await _opens(hub, user, conversation_id):
                problems.append(f"{email}: notification {notification.kind} {notification.params}")
            # and the bell shows it (a notice about something hidden would be left out of the list)
            assert await notification_centre.visible(hub, user, notification), (email, notification.kind)
    assert not problems, "\n".join(problems)
    boris = await store.users.get_by_email("boris@example.com")
    kinds = {n.kind for n in await store.notifications.page(boris.id, limit=100)}
    assert {"mention", "task_overdue", "assignment"} <= kinds, "Vera's @boris note reaches him, and his tasks"
    assert tasks_seen >= 4, (
        "the demo's tasks: the overdue call-back, the invoice, the checklist, the missed call"
    )
    assert notices_seen >= 4, "the overdue notice, the reminder, an assignment and the SLA notices"
