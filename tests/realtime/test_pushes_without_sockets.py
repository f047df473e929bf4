"""Messages that arrive while no agent socket is connected (the agent pushes then work out no recipients): the
first socket to connect afterwards gets the next message of the same conversation with everything counted, the
messages it missed included. Both without Redis (their events are not queued) and with it (what comes from Redis is
not decoded on a process with no agent socket: realtime.lanes)."""

from __future__ import annotations

import asyncio

import pytest
import socketio
from support import make_settings


@pytest.fixture(params=["one process", "redis"])
def settings(request, tmp_path):
    if request.param == "redis":
        return make_settings(tmp_path, redis_url=request.getfixturevalue("redis_url"))
    return make_settings(tmp_path)


async def test_the_first_socket_after_messages_nobody_saw_gets_the_next_one_with_the_right_unread(server):
    headers = await server.login()

    async def push(external_id: str) -> dict:
        async with server.http.post(
            f"{server.url}/api/v1/inbound",
            headers=headers,
            json={"external_id": external_id, "sender": {"email": "early@example.com"}, "text": external_id},
        ) as r:
            assert r.status == 201, await r.text()
            return await r.json()

    await push("unseen-1")
    await push("unseen-2")  # nobody online: no frame to anyone

    got: list = []
    arrived = asyncio.Event()
    client = socketio.AsyncClient(reconnection=False)

    def on_new(data):
        got.append(data)
        arrived.set()

    client.on("timeline:new", on_new, namespace="/agent")
    await client.connect(
        server.url,
        namespaces=["/agent"],
        auth={"token": headers["Authorization"][7:]},
        transports=["websocket"],
        wait_timeout=5,
    )
    try:
        third = await push("seen-3")

        async def until_third() -> None:
            while not any(d["entry"]["id"] == third["entry_id"] for d in got):
                arrived.clear()
                await arrived.wait()

        await asyncio.wait_for(until_third(), 10)
        frame = next(d for d in got if d["entry"]["id"] == third["entry_id"])
        assert frame["entry"]["text"] == "seen-3"
        assert frame["conversation"]["id"] == third["conversation_id"]
        assert frame["conversation"]["unread"] == 3  # the two pushed to nobody are counted
        assert [d["entry"]["text"] for d in got] == ["seen-3"]
    finally:
        await client.disconnect()
