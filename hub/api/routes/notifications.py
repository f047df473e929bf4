"""The notification centre (the bell): mentions, task assignments, reminders and overdue notices, SLA warnings,
hand-offs — with read state kept on the server."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictBool, model_validator

from hub.actions import notifications as notification_actions
from hub.api.http import Body, Ctx
from hub.api.routes import api
from hub.api.routes.models import Id, NotificationsPage
from hub.api.schemas import object_doc, page_of
from hub.queries import notification_centre
from hub.representations_tasks import notification_json

TAG = "notifications"
_NULLABLE_STRING = {"anyOf": [{"type": "string"}, {"type": "null"}]}
NOTIFICATION = object_doc(
    "NotificationItem",
    {
        "id": {"type": "string"},
        "kind": {
            "type": "string",
            "description": "mention, task_assigned, task_due, task_overdue, sla_warning, ...",
        },
        "params": {
            "type": "object",
            "description": "what the text is rendered from; a mention in a system note with a code (the bot's "
            "hand-off) also has `code` and `code_params`, which the inbox renders in the reader's language "
            "(`text` is the HUB_LANGUAGE rendering)",
        },
        "client_id": _NULLABLE_STRING,
        "conversation_id": _NULLABLE_STRING,
        "task_id": _NULLABLE_STRING,
        "entry_id": _NULLABLE_STRING,
        "from": {"type": "string"},
        "text": {"type": "string"},
        "at": {"type": "string", "format": "date-time"},
        "read": {"type": "boolean"},
        "read_at": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]},
    },
)
NOTIFICATION_PAGE = page_of(
    NOTIFICATION, "NotificationCentrePage", unread_count={"type": "integer", "minimum": 0}
)
NOTIFICATION_PAGE.schema["required"].append("unread_count")
READ_RESULT = object_doc(
    "NotificationsRead",
    {"changed": {"type": "integer", "minimum": 0}, "unread_count": {"type": "integer", "minimum": 0}},
)


class ReadIn(Body):
    ids: list[Id] | None = Field(None, max_length=500, description="these notifications")
    all: StrictBool | None = Field(None, description="true: every notification")

    @model_validator(mode="after")
    def _one_of(self) -> ReadIn:
        if (self.ids is None) == (self.all is not True):
            raise ValueError('send either {"ids": [...]} or {"all": true}')
        return self


@api.route(
    "GET",
    "/api/v1/notifications",
    summary="Your notifications (the bell), newest first, with the unread count",
    tag=TAG,
    query=NotificationsPage,
    response=NOTIFICATION_PAGE,
)
async def notifications(ctx: Ctx, query: NotificationsPage) -> Any:
    page = await notification_centre.page(ctx.hub, ctx.user, before=query.cursor, limit=query.limit)
    return {
        "items": [notification_json(n) for n in page.items],
        "next_cursor": page.next_cursor.encode() if page.next_cursor else None,
        "unread_count": page.unread_count,
    }


@api.route(
    "POST",
    "/api/v1/notifications/read",
    summary='Mark notifications read: {"ids": [...]} or {"all": true}',
    tag=TAG,
    body=ReadIn,
    response=READ_RESULT,
)
async def read_notifications(ctx: Ctx, body: ReadIn) -> Any:
    changed = await notification_actions.mark_read(ctx.hub, ctx.user, None if body.all else body.ids)
    return {"changed": changed, "unread_count": await notification_centre.unread_count(ctx.hub, ctx.user)}
