"""Fan-out: an inbound message reaches each agent socket as one frame, also the first message of a new
conversation (its timeline:new carries the conversation, which the inbox adds to its list; no separate
conversation:updated "created" before it)."""

from __future__ import annotations

import asyncio

import socketio


async def _socket(server, token: str, got: list, arrived: asyncio.Event) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)

    def on_any(event, data=None):
        got.append((event, data))
        arrived.set()

    client.on("*", on_any, namespace="/agent")
    await client.connect(
        server.url, namespaces=["/agent"], auth={"token": token}, transports=["websocket"], wait_timeout=5
    )
    return client


async def _until(got: list, arrived: asyncio.Event, predicate) -> None:
    async def wait() -> None:
        while not any(predicate(e, d) for e, d in got):
            arrived.clear()
            await arrived.wait()

    await asyncio.wait_for(wait(), 10)


async def test_the_first_message_of_a_new_conversation_is_one_frame_with_the_conversation(server):
    headers = await server.login()
    got: list = []
    arrived = asyncio.Event()
    client = await _socket(server, headers["Authorization"][7:], got, arrived)
    try:

        async def push(external_id: str) -> dict:
            async with server.http.post(
                f"{server.url}/api/v1/inbound",
                headers=headers,
                json={
                    "external_id": external_id,
                    "sender": {"email": "first@example.com"},
                    "text": external_id,
                },
            ) as r:
                assert r.status == 201, await r.text()
                return await r.json()

        first = await push("first")
        # barrier: the second message of the same conversation comes after anything the first one caused
        second = await push("second")
        await _until(
            got, arrived, lambda e, d: e == "timeline:new" and d["entry"]["id"] == second["entry_id"]
        )

        about = [
            (e, d) for e, d in got if (d or {}).get("conversation", {}).get("id") == first["conversation_id"]
        ]
        assert [e for e, _ in about] == ["timeline:new", "timeline:new"]
        opened = about[0][1]
        assert opened["entry"]["id"] == first["entry_id"]
        assert opened["conversation"]["id"] == first["conversation_id"]
        assert opened["conversation"]["unread"] == 1  # what the list needs to show it
    finally:
        await client.disconnect()
