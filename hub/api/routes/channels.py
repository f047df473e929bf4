"""Channels' health for admins: each configured mailbox's connection, mode, last sync, last error and backlog."""

from __future__ import annotations

from typing import Any

from hub.api.http import Ctx
from hub.api.routes import api
from hub.api.routes.models import ADMINS
from hub.api.schemas import object_doc
from hub.queries import email as email_queries

_NULLABLE_TIME = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}
MAILBOX_HEALTH = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "address": {"type": "string"},
        "connected": {"type": "boolean"},
        "mode": {"type": "string", "description": "idle, poll, or empty before the first connection"},
        "last_sync_at": _NULLABLE_TIME,
        "last_error": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "last_error_at": _NULLABLE_TIME,
        "backlog": {"type": "integer", "description": "mails on the server not stored yet"},
        "last_uid": {"type": "integer"},
        "held": {"type": "boolean", "description": "a worker holds the mailbox's lease"},
    },
    "required": ["name", "connected", "mode", "last_sync_at", "last_error", "backlog"],
}
CHANNELS_HEALTH = object_doc(
    "ChannelsHealth",
    {
        "email": {
            "type": "object",
            "properties": {
                "configured": {"type": "boolean"},
                "message": {"type": "string"},
                "mailboxes": {"type": "array", "items": MAILBOX_HEALTH},
            },
            "required": ["configured", "message", "mailboxes"],
        }
    },
)


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


@api.route(
    "GET",
    "/api/v1/channels/health",
    summary="Channels' health (admins): each mailbox's connection, IDLE or polling, last sync, last error, backlog",
    tag="channels",
    auth=ADMINS,
    response=CHANNELS_HEALTH,
)
async def channels_health(ctx: Ctx) -> Any:
    states = {s.name: s for s in await email_queries.mailboxes_health(ctx.hub, ctx.user)}
    configured = [m for m in ctx.hub.settings.mailboxes if isinstance(m, dict)]
    mailboxes = []
    for item in configured:
        name = str(item.get("name", ""))
        state = states.get(name)
        mailboxes.append(
            {
                "name": name,
                "address": str(item.get("address", "")),
                "connected": bool(state and state.connected and state.lease_owner),
                "mode": state.mode if state else "",
                "last_sync_at": _iso(state.last_sync_at) if state else None,
                "last_error": state.last_error if state else None,
                "last_error_at": _iso(state.last_error_at) if state else None,
                "backlog": state.backlog if state else 0,
                "last_uid": state.last_uid if state else 0,
                "held": bool(state and state.lease_owner),
            }
        )
    message = (
        f"{len(mailboxes)} mailbox(es) configured"
        if mailboxes
        else "no mailbox is configured: set HUB_MAILBOXES (see the README)"
    )
    return {"email": {"configured": bool(mailboxes), "message": message, "mailboxes": mailboxes}}
