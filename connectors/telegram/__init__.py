"""The Telegram channel (aiogram 3): the bots of HUB_TELEGRAM_BOTS, each with a webhook at
/webhooks/telegram/{name} (or, with HUB_TELEGRAM_MODE=polling, getUpdates polling for development behind NAT), and
one sender for replies (`connector.py`, `inbound.py`, `outbound.py`).

Identifiers: a conversation's thread key is "<bot>:<chat id>" (replies know which bot and chat); a message's
provider id is "<bot>:<chat id>:<message id>", a button press's "<bot>:cb:<callback query id>" — so a redelivered
update is stored once.

Without a bot configured, nothing of aiogram is imported (its types take seconds to import, on every start of the
hub and of each worker): the webhook route is declared all the same and answers 404 for every name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from hub.api.http import ApiRoutes, error_response
from hub.context import Hub

__all__ = ["install", "no_bot", "webhook_route"]


def webhook_route(routes: ApiRoutes) -> Callable[[Callable[[web.Request], Awaitable[web.Response]]], Any]:
    """The webhook's declaration (one for both cases: the OpenAPI document does not depend on the settings)."""
    return routes.route(
        "POST",
        "/webhooks/telegram/{name}",
        summary="Telegram Bot API webhook of the bot `name` (HUB_TELEGRAM_BOTS); needs the bot's "
        "X-Telegram-Bot-Api-Secret-Token",
        auth=False,
        tag="channels",
        responses={
            200: "the update is stored (or ignored)",
            400: "not a Telegram Update",
            401: "wrong secret token",
            404: "no such bot",
        },
    )


def no_bot(name: str) -> web.Response:
    return error_response(404, "not_found", f"no Telegram bot named {name!r}")


async def _no_bots(request: web.Request) -> web.Response:
    return no_bot(request.match_info["name"])


def install(app: web.Application, hub: Hub, routes: ApiRoutes) -> None:
    """Declare the webhook route; with bots configured, the connector registers the sender and the start-up and
    shutdown hooks."""
    if hub.settings.telegram_bots:
        from connectors.telegram.connector import install as install_connector

        install_connector(app, hub, routes)
    else:
        webhook_route(routes)(_no_bots)
