"""Task and notification pushes on /agent: `task:created`, `task:updated` (and `task:removed` for those who no
longer see a changed task) to exactly the users the policy lets see the task when the event is sent;
`notification` and `notification:read` to the one user they are for.

Like realtime.listeners, recipients are picked at emit time from the active users (`hub.directory`)."""

from __future__ import annotations

import socketio

from hub import access
from hub.context import Hub
from hub.domain import User
from hub.events import NotificationCreated, NotificationsRead, TaskCreated, TaskUpdated
from hub.queries import notification_centre
from hub.queries import staff as staff_queries
from hub.queries import tasks as task_queries
from hub.representations_tasks import notification_json, task_json
from realtime.rooms import AGENT_NS, room_of, rooms_of


class TaskListeners:
    def __init__(self, hub: Hub, sio: socketio.AsyncServer) -> None:
        self.hub = hub
        self.sio = sio

    def subscribe(self) -> None:
        bus = self.hub.bus
        bus.subscribe(TaskCreated, self.task_created)
        bus.subscribe(TaskUpdated, self.task_updated)
        bus.subscribe(NotificationCreated, self.notification_created)
        bus.subscribe(NotificationsRead, self.notifications_read)

    async def emit(self, event: str, data: object, rooms: list[str]) -> None:
        if rooms:
            await self.sio.emit(event, data, to=rooms, namespace=AGENT_NS)

    async def _staff(self) -> list[User]:
        return [u for u in await staff_queries.active_users(self.hub) if access.is_staff(u)]

    async def task_created(self, event: TaskCreated) -> None:
        task = event.task
        conversation = await task_queries.conversation_of(self.hub, task)
        viewers = access.task_viewers(await self._staff(), task, conversation)
        payload = {"task": task_json(task), "actor_id": event.actor_id}
        await self.emit("task:created", payload, rooms_of(viewers))

    async def task_updated(self, event: TaskUpdated) -> None:
        task = event.task
        conversation = await task_queries.conversation_of(self.hub, task)
        staff = await self._staff()
        viewers = access.task_viewers(staff, task, conversation)
        payload = {"task": task_json(task), "changes": sorted(event.changes), "actor_id": event.actor_id}
        await self.emit("task:updated", payload, rooms_of(viewers))
        now = {u.id for u in viewers}
        lost = [u for u in access.task_viewers(staff, event.before, conversation) if u.id not in now]
        await self.emit("task:removed", {"task_id": task.id}, rooms_of(lost))

    async def _current(self, user_id: str) -> User | None:
        return next((u for u in await self._staff() if u.id == user_id), None)

    async def notification_created(self, event: NotificationCreated) -> None:
        notification = event.notification
        user = await self._current(notification.user_id)
        if user is None or not await notification_centre.visible(self.hub, user, notification):
            return
        # the one push of a notification (a mention too): its id, read state and the new unread count
        payload = notification_json(notification)
        payload["unread_count"] = await notification_centre.unread_count(self.hub, user)
        await self.emit("notification", payload, [room_of(user)])

    async def notifications_read(self, event: NotificationsRead) -> None:
        user = await self._current(event.user_id)
        if user is None:
            return
        payload = {
            "ids": list(event.ids) if event.ids is not None else None,
            "unread_count": event.unread_count,
        }
        await self.emit("notification:read", payload, [room_of(user)])
