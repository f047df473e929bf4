"""Helpers for the Telegram tests: the running hub, Telegram updates as the Bot API sends them, polling waits."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import ClientSession, web
from support import eventually, start_app  # noqa: F401 (used by the telegram tests)
from telegram_standin import BotApiStandIn

from hub.api.http import HUB_KEY
from hub.context import Hub
from hub.domain import TimelineEntry, dedupe_key
from hub.store.port import ConversationQuery

SECRET = "webhook-secret_123"
T = TypeVar("T")
_ids = itertools.count(1000)


@dataclass
class TelegramHub:
    url: str
    app: web.Application
    http: ClientSession
    standin: BotApiStandIn
    runner: web.AppRunner | None = None
    stopped: bool = False

    async def stop(self) -> None:
        """Shut the hub down the way the server does (shutdown, then cleanup)."""
        if not self.stopped and self.runner is not None:
            self.stopped = True
            await self.http.close()
            await self.runner.cleanup()

    @property
    def hub(self) -> Hub:
        return self.app[HUB_KEY]

    async def post_update(
        self, update: Any, *, bot: str = "main", secret: str | None = SECRET, raw: bytes | None = None
    ) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        import json

        body = raw if raw is not None else json.dumps(update).encode()
        async with self.http.post(f"{self.url}/webhooks/telegram/{bot}", data=body, headers=headers) as r:
            return r.status, await r.json()

    async def login(self) -> dict[str, str]:
        async with self.http.post(
            f"{self.url}/api/v1/auth/login", json={"email": "admin@example.com", "password": "admin-password"}
        ) as r:
            assert r.status == 200, await r.text()
            return {"Authorization": f"Bearer {(await r.json())['token']}"}

    async def entry(self, provider_id: str) -> TimelineEntry | None:
        return await self.hub.store.timeline.get_by_dedupe_key(dedupe_key("telegram", provider_id))

    async def conversations(self) -> list:
        return await self.hub.store.conversations.query(ConversationQuery())

    async def clients(self) -> list:
        return await self.hub.store.clients.search("")


def user(user_id: int = 42, first_name: str = "Ivan", last_name: str | None = "Petrov") -> dict[str, Any]:
    data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name:
        data["last_name"] = last_name
    return data


def message(
    message_id: int = 7,
    *,
    chat_id: int = 42,
    chat_type: str = "private",
    sender: dict[str, Any] | None = None,
    date: int = 1_760_000_000,
    **content: Any,
) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type != "private":
        chat["title"] = "A group"
    return {
        "message_id": message_id,
        "date": date,
        "chat": chat,
        "from": sender or user(),
        **content,
    }


def update(update_id: int | None = None, **fields: Any) -> dict[str, Any]:
    return {"update_id": update_id if update_id is not None else next(_ids), **fields}


def text_update(text: str = "hello", *, update_id: int | None = None, **kw: Any) -> dict[str, Any]:
    return update(update_id, message=message(text=text, **kw))
