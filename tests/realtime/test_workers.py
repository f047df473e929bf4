"""`hub serve --workers 2`: two processes on one port (SO_REUSEPORT) and one redis-server; every agent socket gets
an inbound message whichever process holds it and whichever took the POST; without HUB_REDIS_URL it refuses."""

from __future__ import annotations

import asyncio
import os

import aiohttp
import socketio
from support import HUB_COMMAND, free_port, hub_env
from workers_support import start_workers, wait_listening


def _alive(pids: list[int]) -> list[int]:
    return [pid for pid in pids if os.path.exists(f"/proc/{pid}")]


async def test_two_workers_share_the_port_and_every_socket_gets_the_message(tmp_path, redis_url):
    hub = await start_workers(tmp_path, redis_url)
    url = hub.url
    agents: list[socketio.AsyncClient] = []
    got: list[list[dict]] = []
    arrived = asyncio.Event()
    try:
        async with aiohttp.ClientSession() as http:
            pids = await wait_listening(hub, http)
            async with http.post(
                f"{url}/api/v1/auth/login", json={"email": "admin@example.com", "password": "admin-password"}
            ) as r:
                assert r.status == 200
                token = (await r.json())["token"]
            for _ in range(8):  # new connections spread over both processes
                agent = socketio.AsyncClient(reconnection=False)
                mine: list[dict] = []

                def on_new(data: dict, mine: list[dict] = mine) -> None:
                    mine.append(data)
                    arrived.set()

                agent.on("timeline:new", on_new, namespace="/agent")
                await agent.connect(
                    url,
                    namespaces=["/agent"],
                    auth={"token": token},
                    transports=["websocket"],
                    wait_timeout=5,
                )
                agents.append(agent)
                got.append(mine)
            for n in range(4):
                async with http.post(
                    f"{url}/api/v1/inbound",
                    headers={"Authorization": f"Bearer {token}"},
                    json={
                        "external_id": f"w-{n}",
                        "sender": {"email": "w@example.com"},
                        "text": f"hello {n}",
                    },
                ) as r:
                    assert r.status == 201, await r.text()

            async def everyone() -> None:
                while any(len(m) < 4 for m in got):
                    arrived.clear()
                    await arrived.wait()

            await asyncio.wait_for(everyone(), 10)
            for mine in got:
                assert [d["entry"]["text"] for d in mine] == [f"hello {n}" for n in range(4)]
    finally:
        for agent in agents:
            await agent.disconnect()
        await hub.stop()
    assert not _alive(pids)  # the workers went with it


async def test_workers_need_redis(tmp_path):
    proc = await asyncio.create_subprocess_exec(
        HUB_COMMAND,
        "serve",
        "--workers",
        "2",
        cwd=tmp_path,
        env=hub_env(tmp_path, HUB_PORT=str(free_port())),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    assert b"HUB_REDIS_URL" in err
