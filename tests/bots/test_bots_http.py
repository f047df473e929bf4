"""End to end over HTTP: the REST API, the generic api channel and the bot engine on one app, on each store. A
customer message pushed with POST /api/v1/inbound gets a bot answer an agent sees in the timeline; the api connector
delivers it; the handoff routes the conversation; PATCH handler=bot hands it back.

The app is assembled here from the parts hub.app.create_app wires (core routes, connectors.api.install,
bots.install, the delivery worker) rather than with create_app itself: importing hub.app imports aiogram, whose
types alone take 5-10 s to import, more than this whole folder."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import ClientSession, web
from bot_helpers import FLOW, bot_settings, write_flow

import bots
import connectors.api
from hub.actions.staff import create_user
from hub.api.http import HUB_KEY, ApiRoutes, error_middleware
from hub.api.routes import api as core_routes
from hub.context import Hub
from hub.delivery import DeliveryWorker
from hub.domain import Role

_ids = itertools.count(1)


@dataclass
class Served:
    url: str
    app: web.Application
    http: ClientSession
    headers: dict[str, str]

    @property
    def engine(self) -> bots.BotEngine:
        return self.app[bots.ENGINE_KEY]


@pytest.fixture
async def server(hub: Hub, tmp_path) -> AsyncIterator[Served]:
    write_flow(tmp_path / "bots", FLOW)
    hub.settings = bot_settings(tmp_path)
    app = web.Application(middlewares=[error_middleware])
    app[HUB_KEY] = hub
    routes = ApiRoutes()
    routes.specs = list(core_routes.specs)
    connectors.api.install(app, hub, routes)
    bots.install(app, hub, routes)
    routes.install(app)
    worker = DeliveryWorker(hub, poll_interval=0.05)

    async def start_worker(_app: web.Application) -> None:
        await worker.start()

    async def stop_worker(_app: web.Application) -> None:
        await worker.stop()

    app.on_startup.append(start_worker)
    app.on_cleanup.append(stop_worker)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    admin = await create_user(
        hub, email="admin@example.com", name="Admin", role=Role.admin, password="x" * 12
    )
    headers = {"Authorization": f"Bearer {hub.tokens.issue(admin)}"}
    async with ClientSession() as http:
        yield Served(f"http://127.0.0.1:{port}", app, http, headers)
    await runner.cleanup()


async def push(server: Served, headers, text: str) -> str:
    body = {
        "external_id": f"ext-{next(_ids)}",
        "sender": {"external_user_id": "u1", "name": "Ann"},
        "text": text,
    }
    async with server.http.post(f"{server.url}/api/v1/inbound", json=body, headers=headers) as r:
        assert r.status == 201, await r.text()
        conversation_id = (await r.json())["conversation_id"]
    await server.engine.idle()
    return conversation_id


async def bot_messages(server, headers, conversation_id: str) -> list[dict]:
    url = f"{server.url}/api/v1/conversations/{conversation_id}/timeline?limit=200"
    async with server.http.get(url, headers=headers) as r:
        assert r.status == 200, await r.text()
        items = (await r.json())["items"]
    return [e for e in reversed(items) if e["author"]["type"] == "bot" and e["kind"] == "message"]


async def conversation(server, headers, conversation_id: str) -> dict:
    async with server.http.get(f"{server.url}/api/v1/conversations/{conversation_id}", headers=headers) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def test_a_customer_talks_to_the_bot_then_to_a_person_then_to_the_bot_again(server):
    headers = server.headers
    async with server.http.post(
        f"{server.url}/api/v1/departments", json={"name": "Support"}, headers=headers
    ) as r:
        assert r.status == 201
        support_id = (await r.json())["id"]

    conversation_id = await push(server, headers, "hi")
    [greeting] = await bot_messages(server, headers, conversation_id)
    assert greeting["text"] == "Hello! Choose:"
    assert greeting["author"] == {"type": "bot", "id": None, "name": "Testbot"}
    assert greeting["meta"]["buttons"][0] == [
        {"id": "sales", "text": "Sales"},
        {"id": "support", "text": "Support"},
    ]
    assert (await conversation(server, headers, conversation_id))["handler"] == "bot"

    # the api connector delivers the bot's message like any other (no webhook: counted as sent)
    for _ in range(100):
        [greeting] = await bot_messages(server, headers, conversation_id)
        if greeting["delivery"]["status"] == "sent":
            break
        await asyncio.sleep(0.02)
    assert greeting["delivery"]["status"] == "sent"

    await push(server, headers, "Support")
    assert [m["text"] for m in await bot_messages(server, headers, conversation_id)][-1] == "Ask away."

    await push(server, headers, "Позовите оператора, пожалуйста")
    after = await conversation(server, headers, conversation_id)
    assert (after["handler"], after["department_id"], after["status"]) == ("human", support_id, "open")
    count = len(await bot_messages(server, headers, conversation_id))

    await push(server, headers, "hello?")
    assert len(await bot_messages(server, headers, conversation_id)) == count  # silent while a human has it

    url = f"{server.url}/api/v1/conversations/{conversation_id}"
    async with server.http.patch(url, json={"handler": "bot"}, headers=headers) as r:
        assert r.status == 200, await r.text()
    await server.engine.idle()
    messages = await bot_messages(server, headers, conversation_id)
    assert len(messages) == count + 1
    assert messages[-1]["text"] == "Здравствуйте! Выберите:"  # started again, in the customer's language
