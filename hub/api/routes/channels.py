"""Channels' health for admins: each configured mailbox's connection, mode, last sync, last error and backlog; what
is configured for Telegram, telephony, the web chat and the api channel (from the settings and the senders the
connectors registered: the hub imports no connector)."""

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
# the message as a code + params (static/i18n.json "health.message.<code>"): the admin page's language; `message`
# stays the English text for API clients
_CODED = {
    "code": {"type": "string"},
    "params": {"type": "object", "additionalProperties": {"type": "string"}},
}
_SECTION = {
    "type": "object",
    "description": "configured: set up in the settings; connected: its sender is running in this process",
    "properties": {
        "configured": {"type": "boolean"},
        "connected": {"type": "boolean"},
        "message": {"type": "string"},
        **_CODED,
    },
    "required": ["configured", "connected", "message", "code", "params"],
}
CHANNELS_HEALTH = object_doc(
    "ChannelsHealth",
    {
        "telegram": {**_SECTION, "description": "bots: [{name, mode, webhook_secret, groups}]"},
        "telephony": {**_SECTION, "description": "providers: [names], numbers: {number: department}, dialer"},
        "webchat": {**_SECTION, "description": "origins: the sites allowed to embed the widget"},
        "api": {**_SECTION, "description": "webhook: replies are POSTed to HUB_API_WEBHOOK_URL"},
        "email": {
            "type": "object",
            "properties": {
                "configured": {"type": "boolean"},
                "message": {"type": "string"},
                **_CODED,
                "mailboxes": {"type": "array", "items": MAILBOX_HEALTH},
            },
            "required": ["configured", "message", "code", "params", "mailboxes"],
        },
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
    said = (
        _said("email.configured", f"{len(mailboxes)} mailbox(es) configured", count=len(mailboxes))
        if mailboxes
        else _said("email.none", "no mailbox is configured: set HUB_MAILBOXES (see the README)")
    )
    return {
        "email": {"configured": bool(mailboxes), **said, "mailboxes": mailboxes},
        **_other_channels(ctx),
    }


def _said(code: str, message: str, **params: Any) -> dict[str, Any]:
    """A section's message: the English text and its code + params (the admin page renders the reader's language)."""
    return {"message": message, "code": code, "params": {k: str(v) for k, v in params.items()}}


_PROVIDERS = ("twilio", "zadarma", "novofon", "mango", "generic")


def _other_channels(ctx: Ctx) -> dict[str, Any]:
    settings, senders = ctx.hub.settings, ctx.hub.channels
    bots = [
        {"name": b.name, "mode": settings.telegram_mode, "webhook_secret": bool(b.webhook_secret),
         "groups": b.groups}
        for b in settings.telegram_bots
    ]  # fmt: skip
    telegram = {
        "configured": bool(bots),
        "connected": bool(bots) and senders.get("telegram") is not None,
        **(
            _said(
                "telegram.configured",
                f"{len(bots)} bot(s), {settings.telegram_mode}",
                count=len(bots),
                mode=settings.telegram_mode,
            )
            if bots
            else _said(
                "telegram.none", "no Telegram bot is configured: set HUB_TELEGRAM_BOTS (see the README)"
            )
        ),
        "bots": bots,
    }
    phone = settings.telephony if isinstance(settings.telephony, dict) else {}
    providers = [p for p in _PROVIDERS if isinstance(phone.get(p), dict)]
    numbers = phone.get("numbers") if isinstance(phone.get("numbers"), dict) else {}
    telephony = {
        "configured": bool(providers),
        "connected": bool(providers) and senders.get("phone") is not None,
        **(
            _said(
                "telephony.configured" if ctx.hub.dialer else "telephony.configured_no_dialer",
                f"{', '.join(providers)}; click-to-call {'on' if ctx.hub.dialer else 'off'}",
                providers=", ".join(providers),
            )
            if providers
            else _said(
                "telephony.none",
                "no telephony provider is configured: set HUB_TELEPHONY (see docs/telephony.md)",
            )
        ),
        "providers": providers,
        "numbers": {str(k): str(v) for k, v in numbers.items()},
        "dialer": ctx.hub.dialer is not None,
    }
    origins = list(settings.widget_origins)
    webchat = {
        "configured": True,
        "connected": senders.get("webchat") is not None,
        **(
            _said(
                "webchat.origins",
                f"the widget may be embedded on {', '.join(origins)}",
                origins=", ".join(origins),
            )
            if origins
            else _said(
                "webchat.own",
                "the widget works on this hub's own pages only: add sites to HUB_WIDGET_ORIGINS",
            )
        ),
        "origins": origins,
    }
    hook = bool(settings.api_webhook_url)
    api_channel = {
        "configured": True,
        "connected": senders.get("api") is not None,
        **(
            _said("api.webhook", "replies are POSTed to HUB_API_WEBHOOK_URL (signed)")
            if hook
            else _said(
                "api.no_webhook",
                "messages come in through POST /api/v1/inbound; replies go nowhere: set HUB_API_WEBHOOK_URL",
            )
        ),
        "webhook": hook,
    }
    return {"telegram": telegram, "telephony": telephony, "webchat": webchat, "api": api_channel}
