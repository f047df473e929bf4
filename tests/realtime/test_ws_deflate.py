"""Socket.IO websockets and permessage-deflate (issue #13): browsers offer it; the hub declines by default (each
frame compressed per socket cost the fan-out CPU, bench/README.md) and accepts it with HUB_WS_DEFLATE. Either way
the socket works: the Engine.IO open packet and an agent's push arrive."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
import socketio
from support import make_settings, start_app

from hub.app import create_app


@pytest.mark.parametrize("deflate", [False, True])
async def test_the_websocket_takes_permessage_deflate_only_when_configured(tmp_path, deflate):
    app = await create_app(make_settings(tmp_path, ws_deflate=deflate), poll_interval=0.05)
    runner, url = await start_app(app)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"{url}/api/v1/auth/login", json={"email": "admin@example.com", "password": "admin-password"}
            ) as r:
                token = (await r.json())["token"]
            ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
            async with http.ws_connect(ws_url, compress=15) as ws:  # offers it, as a browser does
                assert ws.compress == (15 if deflate else 0)
                assert (await ws.receive_str(timeout=10)).startswith("0")
                await ws.send_str("40/agent," + json.dumps({"token": token}))
                while not (await ws.receive_str(timeout=10)).startswith("40/agent,"):
                    pass
                async with http.post(
                    f"{url}/api/v1/inbound",
                    headers={"Authorization": f"Bearer {token}"},
                    json={
                        "external_id": "d-1",
                        "sender": {"email": "d@example.com"},
                        "text": "deflate or not",
                    },
                ) as r:
                    assert r.status == 201
                while True:
                    frame = await ws.receive_str(timeout=10)
                    if frame.startswith("42/agent,") and "timeline:new" in frame:
                        break
                assert json.loads(frame[len("42/agent,") :])[1]["entry"]["text"] == "deflate or not"
    finally:
        await runner.cleanup()


async def test_coalesced_frames_of_every_size_arrive_whole_and_in_order(tmp_path):
    """Without deflate the hub writes the frames itself (realtime.websocket): short, 16-bit and 64-bit lengths,
    sent in one burst, reach a real Socket.IO client intact and in order."""
    app = await create_app(make_settings(tmp_path), poll_interval=0.05)
    runner, url = await start_app(app)
    client = socketio.AsyncClient(reconnection=False)
    got: list[str] = []
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"{url}/api/v1/auth/login", json={"email": "admin@example.com", "password": "admin-password"}
            ) as r:
                token = (await r.json())["token"]
            client.on("timeline:new", lambda data: got.append(data["entry"]["text"]), namespace="/agent")
            await client.connect(
                url, namespaces=["/agent"], auth={"token": token}, transports=["websocket"], wait_timeout=5
            )
            # JSON escapes what is not ASCII: é is 6 bytes in the frame, 😀 12: 3 bytes .. ~108 KB frames
            sizes = [("é", 3), ("é", 200), ("é", 9_000), ("a", 5), ("😀", 9_000), ("a", 1)]
            texts = [f"{n}:" + char * count for n, (char, count) in enumerate(sizes)]

            async def post(n: int, text: str) -> None:
                async with http.post(
                    f"{url}/api/v1/inbound",
                    headers={"Authorization": f"Bearer {token}"},
                    json={"external_id": f"size-{n}", "sender": {"email": "s@example.com"}, "text": text},
                ) as r:
                    assert r.status == 201, await r.text()

            for n, text in enumerate(texts):  # one conversation: its pushes in the order of the answers
                await post(n, text)
            for _ in range(200):
                if len(got) >= len(texts):
                    break
                await asyncio.sleep(0.05)
            assert got == texts
    finally:
        await client.disconnect()
        await runner.cleanup()
