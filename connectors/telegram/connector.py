"""The Telegram connector proper (aiogram 3): the bots' webhook handler and polling, the sender, the start-up and
shutdown hooks. `connectors.telegram.install` imports this module only when HUB_TELEGRAM_BOTS names a bot (aiogram's
types take seconds to import)."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, Update
from aiohttp import web
from pydantic import ValidationError

from hub.api.http import ApiRoutes, error_response, json_response
from hub.config import Settings
from hub.context import Hub
from hub.keys import TELEGRAM_LINKS, derive_secret
from hub.links import sign_client_link

from . import no_bot, webhook_route
from .inbound import CHANNEL, BotContext, handle_callback, handle_edited, handle_message, redact
from .outbound import TelegramSender

__all__ = ["TelegramConnector", "TelegramContinueLink", "install"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# a webhook update is processed while Telegram waits this long; past it (a large file to fetch) the answer is 200
# and the work goes on in the background
WEBHOOK_INLINE_SECONDS = 3.0
DRAIN_SECONDS = 10.0
GET_ME_SECONDS = 10.0


@dataclass(slots=True)
class TelegramContinueLink:
    """The "continue in Telegram" link: a deep link to the bot whose /start payload joins the Telegram user to the client
    (inbound.py verifies it)."""

    username: str
    secret: str
    channel: str = CHANNEL
    title: str = "Telegram"

    def url_for(self, client_id: str) -> str:
        return f"https://t.me/{self.username}?start={sign_client_link(self.secret, client_id)}"


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub_surrogates(data: Any) -> tuple[Any, int]:
    """`data` (parsed JSON) with every lone surrogate in its strings replaced by U+FFFD, and how many there were
    (json.loads joins valid pairs, so any surrogate left is a lone one). Iterative: the depth is the parser's."""
    count = 0

    def clean(value: str) -> str:
        nonlocal count
        fixed, n = _LONE_SURROGATE.subn("\ufffd", value)
        count += n
        return fixed

    root: list[Any] = [data]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        container, key = stack.pop()
        value = container[key]
        if isinstance(value, str):
            container[key] = clean(value)
        elif isinstance(value, list):
            stack.extend((value, i) for i in range(len(value)))
        elif isinstance(value, dict):
            fixed_keys = {clean(k) if isinstance(k, str) else k: v for k, v in value.items()}
            if fixed_keys.keys() != value.keys():
                value.clear()
                value.update(fixed_keys)
            stack.extend((value, k) for k in value)
    return root[0], count


def api_server(settings: Settings) -> TelegramAPIServer:
    base = settings.telegram_api_base.strip()
    return TelegramAPIServer.from_base(base) if base else PRODUCTION


class TelegramConnector:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        settings = hub.settings
        api = api_server(settings)
        self.contexts: dict[str, BotContext] = {}
        self._by_token: dict[str, BotContext] = {}
        self.secrets: dict[str, str] = {}
        for config in settings.telegram_bots:
            ctx = BotContext(config.name, Bot(config.token, session=AiohttpSession(api=api)), config.groups)
            self.contexts[config.name] = ctx
            self._by_token[config.token] = ctx
            self.secrets[config.name] = config.webhook_secret
        self.sender = TelegramSender({name: c.bot for name, c in self.contexts.items()}, hub.files)
        # deep links are signed with a key of their own (hub.keys), not the hub's master secret
        self._link_secret = derive_secret(settings.resolved_secret(), TELEGRAM_LINKS)
        self.dispatcher = Dispatcher(disable_fsm=True)  # the hub keeps conversation state itself
        self.dispatcher.message.register(self._on_message)
        self.dispatcher.edited_message.register(self._on_edited)
        self.dispatcher.callback_query.register(self._on_callback)
        self._active: set[asyncio.Task[Any]] = set()
        self._polling: asyncio.Task[None] | None = None
        self._stopping = False
        self.continue_link: TelegramContinueLink | None = None

    # --- update handlers (webhook and polling alike go through the dispatcher) ------------------------------------

    def _context(self, bot: Bot) -> BotContext:
        return self._by_token[bot.token]

    def _track(self) -> None:
        task = asyncio.current_task()
        if task is not None and task not in self._active:
            self._active.add(task)
            task.add_done_callback(self._active.discard)

    async def _on_message(self, message: Message, bot: Bot, event_update: Update) -> None:
        self._track()
        await handle_message(
            self.hub,
            self._context(bot),
            message,
            link_secret=self._link_secret,
            update_id=event_update.update_id,
        )

    async def _on_edited(self, edited_message: Message, bot: Bot, event_update: Update) -> None:
        self._track()
        await handle_edited(
            self.hub,
            self._context(bot),
            edited_message,
            link_secret=self._link_secret,
            update_id=event_update.update_id,
        )

    async def _on_callback(self, callback_query: CallbackQuery, bot: Bot, event_update: Update) -> None:
        self._track()
        await handle_callback(self.hub, self._context(bot), callback_query, update_id=event_update.update_id)

    # --- webhook ------------------------------------------------------------------------------------------------

    async def webhook(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        ctx = self.contexts.get(name)
        if ctx is None:
            return no_bot(name)
        expected = self.secrets.get(name, "")
        given = request.headers.get(SECRET_HEADER, "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            return error_response(401, "unauthorized", f"wrong or missing {SECRET_HEADER}")
        raw = await request.read()
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            return error_response(400, "malformed_json", f"the body is not valid JSON: {exc}")
        except RecursionError:  # '[[[[...' deeper than the parser goes
            log.warning("Telegram bot %s: refused an update nested too deeply (%d bytes)", name, len(raw))
            return error_response(400, "malformed_json", "the body is nested too deeply")
        if not isinstance(data, dict):
            return error_response(400, "invalid", "the body must be a Telegram Update object")
        if _SURROGATE_ESCAPE.search(raw):
            # a lone UTF-16 surrogate ("\ud800") is valid JSON but no text: stored as U+FFFD, not retried forever
            data, replaced = scrub_surrogates(data)
            if replaced:
                log.warning("Telegram bot %s: replaced %d lone surrogate(s) in an update", name, replaced)
        try:
            update = Update.model_validate(data, context={"bot": ctx.bot})
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            return error_response(400, "invalid", f"not a Telegram Update: {where}: {first['msg']}")
        task = self._spawn(
            self.dispatcher.feed_update(ctx.bot, update), f"update {update.update_id} of {name}"
        )
        done, _ = await asyncio.wait({task}, timeout=WEBHOOK_INLINE_SECONDS)
        if task in done and (task.cancelled() or task.exception() is not None):
            # not stored: Telegram delivers the update again later (storing is idempotent)
            return error_response(500, "internal", "the update could not be processed; it has been logged")
        return json_response({"ok": True})

    def _spawn(self, coro: Coroutine[Any, Any, Any], what: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._active.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._active.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("processing Telegram %s failed", what, exc_info=t.exception())

        task.add_done_callback(done)
        return task

    # --- lifecycle ----------------------------------------------------------------------------------------------

    async def startup(self, _app: web.Application | None = None) -> None:
        settings = self.hub.settings
        if not self.contexts:
            return
        await self.register_continue_link()
        if settings.telegram_mode == "polling":
            self._stopping = False
            self._polling = asyncio.get_running_loop().create_task(self._poll())
        elif settings.public_url:
            await self.set_webhooks(settings.public_url)

    async def register_continue_link(self) -> None:
        """Learn the first bot's username (getMe) and offer its deep link as "continue in Telegram"."""
        if self.continue_link is not None:
            return
        ctx = next(iter(self.contexts.values()))
        try:
            me = await asyncio.wait_for(ctx.bot.me(), timeout=GET_ME_SECONDS)
        except (TelegramAPIError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning(
                "Telegram bot %s: getMe failed, no 'continue in Telegram' link: %s",
                ctx.name,
                redact(f"{type(exc).__name__}: {exc}", ctx.bot),
            )
            return
        if not me.username:
            log.warning("Telegram bot %s has no username: no 'continue in Telegram' link", ctx.name)
            return
        self.continue_link = TelegramContinueLink(me.username, self._link_secret)
        self.hub.continue_links.append(self.continue_link)

    async def set_webhooks(self, public_url: str) -> None:
        allowed = self.dispatcher.resolve_used_update_types()
        for name, ctx in self.contexts.items():
            url = f"{public_url.rstrip('/')}/webhooks/telegram/{name}"
            try:
                await ctx.bot.set_webhook(
                    url, secret_token=self.secrets[name] or None, allowed_updates=allowed
                )
                log.info("Telegram bot %s: webhook set to %s", name, url)
            except (TelegramAPIError, aiohttp.ClientError, TimeoutError, OSError) as exc:
                log.error(
                    "Telegram bot %s: setWebhook(%s) failed: %s",
                    name,
                    url,
                    redact(f"{type(exc).__name__}: {exc}", ctx.bot),
                )

    async def _poll(self) -> None:
        """aiogram polling of every bot, restarted after a failure (Telegram unreachable at start-up, ...)."""
        bots = [c.bot for c in self.contexts.values()]
        delay = 1.0
        while not self._stopping:
            for ctx in self.contexts.values():
                try:  # getUpdates refuses to work while a webhook is set
                    await ctx.bot.delete_webhook(drop_pending_updates=False)
                except (TelegramAPIError, aiohttp.ClientError, TimeoutError, OSError) as exc:
                    log.warning(
                        "Telegram bot %s: deleteWebhook failed: %s", ctx.name, redact(str(exc), ctx.bot)
                    )
            try:
                await self.dispatcher.start_polling(*bots, handle_signals=False, close_bot_session=False)
            except Exception as exc:  # no traceback: request URLs in it would carry the tokens
                reason = f"{type(exc).__name__}: {exc}"
                for ctx in self.contexts.values():
                    reason = redact(reason, ctx.bot)
                log.error("Telegram polling stopped (%s); restarting in %.0f s", reason, delay)
            if self._stopping:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)

    async def shutdown(self, _app: web.Application | None = None) -> None:
        """Stop polling and let the updates being processed finish."""
        self._stopping = True
        if self._polling is not None:
            with contextlib.suppress(RuntimeError, TimeoutError):  # RuntimeError: not polling right now
                await asyncio.wait_for(self.dispatcher.stop_polling(), timeout=DRAIN_SECONDS)
            self._polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
            self._polling = None
        pending = [t for t in self._active if t is not asyncio.current_task()]
        if pending:
            await asyncio.wait(pending, timeout=DRAIN_SECONDS)

    async def cleanup(self, _app: web.Application | None = None) -> None:
        """Wait for the replies being sent, then close the bots' HTTP sessions."""
        if self.continue_link in self.hub.continue_links:
            self.hub.continue_links.remove(self.continue_link)
        self.continue_link = None
        await self.sender.close(grace=DRAIN_SECONDS)
        await asyncio.gather(*(ctx.bot.session.close() for ctx in self.contexts.values()))


def install(app: web.Application, hub: Hub, routes: ApiRoutes) -> TelegramConnector:
    """Declare the webhook route; with bots configured, register the sender and the start-up/shutdown hooks."""
    connector = TelegramConnector(hub)
    webhook_route(routes)(connector.webhook)
    if connector.contexts:
        hub.channels.register(connector.sender)
        app.on_startup.append(connector.startup)
        app.on_shutdown.append(connector.shutdown)
        app.on_cleanup.append(connector.cleanup)
    return connector
