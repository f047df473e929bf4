"""Two hubs on one store and one real redis-server: a reply and an agent's typing on hub A reach a visitor whose
socket is on hub B (the sender emits through the AsyncServer, so the Redis manager carries it)."""

from __future__ import annotations

from aiohttp import ClientSession, web
from webchat_clients import AgentClient, VisitorClient

from hub.app import create_app


async def start(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]


async def test_a_reply_on_hub_a_reaches_a_visitor_on_hub_b(settings, redis_url):
    shared = settings.model_copy(update={"redis_url": redis_url})
    runners = []
    clients = []
    try:
        runner_a, url_a = await start(await create_app(shared, poll_interval=0.05))
        runners.append(runner_a)
        # B never polls for due deliveries: only A's delivery worker can send the reply
        runner_b, url_b = await start(await create_app(shared, poll_interval=3600))
        runners.append(runner_b)

        guest = VisitorClient()
        clients.append(guest)
        await guest.open(url_b, None)
        await guest.wait_for("session")
        ack = await guest.say("hello from hub B")
        assert ack["ok"], ack

        async with ClientSession() as http:
            async with http.post(
                f"{url_a}/api/v1/auth/login",
                json={"email": "admin@example.com", "password": "admin-password"},
            ) as r:
                token = (await r.json())["token"]
            headers = {"Authorization": f"Bearer {token}"}
            async with http.get(f"{url_a}/api/v1/conversations", headers=headers) as r:
                conversation_id = (await r.json())["items"][0]["id"]

            agent = AgentClient()
            clients.append(agent)
            await agent.open(url_a, {"token": token})
            await agent.emit("typing", {"conversation_id": conversation_id, "on": True})
            assert (await guest.wait_for("typing"))["on"] is True

            async with http.post(
                f"{url_a}/api/v1/conversations/{conversation_id}/replies",
                headers=headers,
                json={"text": "answered on hub A"},
            ) as r:
                assert r.status == 201, await r.text()
                reply = await r.json()
        message = await guest.wait_for("message", lambda m: m["id"] == reply["id"])
        assert message["text"] == "answered on hub A"
    finally:
        for client in clients:
            await client.close()
        for runner in reversed(runners):
            await runner.cleanup()
