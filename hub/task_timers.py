"""The task notice timer: reminders before a task's due time and the overdue notice at it, within moments of
their time, exactly once across hub processes and restarts.

It sleeps until the earliest pending notice (`TaskRepo.next_notice_at`, an indexed query), is woken early when a
task is created or changed in this process, and re-reads the store at least every `task_timer_max_sleep_seconds`
(tasks scheduled by another process, which that process's own timer normally serves first). A notice is sent by
whoever claims it (`claim_notice`: a conditional single-document update that takes a lease on exactly that
pending notice); the holder stores the notifications (deduplicated per notice and user, so a holder that crashed
after storing some and was replaced by another after the lease ran out still yields each one once) and then
records the notice as sent and the next one as pending (`complete_notice`, conditional on the notice still being
the pending one). A process that was down when a notice fell due sends it when it starts.
"""

from __future__ import annotations

from datetime import datetime

from hub import access
from hub.actions.notifications import notify
from hub.actions.tasks import schedule
from hub.context import Hub
from hub.domain_tasks import NoticeKind, NotificationKind, Task, notice_key
from hub.events import TaskCreated, TaskUpdated
from hub.timers import LeasedTimer

_KINDS = {NoticeKind.reminder: NotificationKind.task_due, NoticeKind.overdue: NotificationKind.task_overdue}


class TaskTimers(LeasedTimer):
    what = "task notices"

    def __init__(self, hub: Hub, *, lease_seconds: float = 30.0) -> None:
        super().__init__(hub, lease_seconds=lease_seconds)
        hub.bus.subscribe(TaskCreated, self._on_change)
        hub.bus.subscribe(TaskUpdated, self._on_change)

    async def due(self, now: datetime) -> list[Task]:
        return await self.hub.store.tasks.due_notices(now=now, limit=100)

    async def nearest(self, now: datetime) -> datetime | None:
        return await self.hub.store.tasks.next_notice_at(now=now)

    async def fire(self, task: Task) -> bool | None:
        """None: not this worker's (another process has it, or it changed); else whether a notice went out."""
        kind, at = task.next_notice, task.next_notice_at
        if kind is None or at is None or task.due_at is None:
            return None
        now = self.hub.clock()
        claimed = await self.hub.store.tasks.claim_notice(
            task.id, kind, at, now=now, lease_until=now + self.lease
        )
        if claimed is None or claimed.due_at is None:
            return None
        key = notice_key(kind, claimed.due_at)
        sent = False
        # a reminder that could only go out after the due time (the hub was down) gives way to the overdue notice
        if not (kind is NoticeKind.reminder and now >= claimed.due_at):
            staff = await self.hub.directory.active_users(self.hub.store)
            recipients = access.task_notice_recipients(staff, claimed)
            await notify(
                self.hub,
                [u.id for u in recipients],
                kind=_KINDS[kind].value,
                params={
                    "title": claimed.title,
                    "due_at": claimed.due_at.isoformat().replace("+00:00", "Z"),
                    "priority": claimed.priority.value,
                },
                client_id=claimed.client_id,
                conversation_id=claimed.conversation_id,
                task_id=claimed.id,
                entry_id=claimed.entry_id,
                dedupe=f"task:{claimed.id}:{key}",
            )
            sent = True
        after = claimed.model_copy(update={"notices_sent": [*claimed.notices_sent, key]})
        next_kind, next_at = schedule(self.hub, after)
        await self.hub.store.tasks.complete_notice(
            claimed.id, kind, at, sent=key if sent else f"{key}:skipped", next_kind=next_kind, next_at=next_at
        )
        return sent
