"""The JSON of tasks and notifications, shared by the REST API and the realtime events (they must be identical)."""

from __future__ import annotations

from typing import Any

from hub.domain_tasks import Notification, Task

# the timer's lease is store bookkeeping nobody outside the store needs
TASK_HIDDEN = frozenset({"notice_lease_until"})


def _at(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


# what partner users never receive of a task: the staff's bookkeeping, and `meta`, where connectors put their data
# (a missed call's number: the organisation may have the customers' phones redacted)
PARTNER_TASK_HIDDEN = TASK_HIDDEN | {"meta", "watchers", "created_by", "entry_id"}


def task_json(task: Task, *, for_partner: bool = False) -> dict[str, Any]:
    return task.model_dump(mode="json", exclude=set(PARTNER_TASK_HIDDEN if for_partner else TASK_HIDDEN))


def notification_json(notification: Notification) -> dict[str, Any]:
    """A notification as the bell shows it. A mention keeps the fields the bell has always read (`kind`,
    `entry_id`, `client_id`, `conversation_id`, `from`, `text`, `at`); every kind also has its id, `read`, `params`
    and `task_id`."""
    params = notification.params
    return {
        "id": notification.id,
        "kind": notification.kind,
        "params": params,
        "client_id": notification.client_id,
        "conversation_id": notification.conversation_id,
        "task_id": notification.task_id,
        "entry_id": notification.entry_id,
        "from": str(params.get("from") or ""),
        "text": str(params.get("text") or params.get("title") or "")[:200],
        "at": _at(notification.created_at),
        "read": notification.read_at is not None,
        "read_at": _at(notification.read_at),
    }
