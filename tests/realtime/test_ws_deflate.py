"""Socket.IO websockets and permessage-deflate (issue #13): browsers offer it; the hub declines by default (each
frame compressed per socket cost the fan-out CPU, bench/README.md) and accepts it with HUB_WS_DEFLATE. Either way
the socket works: the Engine.IO open packet and an agent's push arrive."""

from __future__ import annotations

import json

import aiohttp
import pytest
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
