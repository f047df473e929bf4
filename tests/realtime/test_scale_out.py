"""Scale-out: two hub processes on one store and one real redis-server; an emit on A reaches a socket on B."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import socketio
from support import HUB_COMMAND, free_port, hub_env, stop_process, wait_healthy


async def start_hub(tmp_path: Path, port: int, redis_url: str) -> asyncio.subprocess.Process:
    env = hub_env(
        tmp_path,
        HUB_PORT=str(port),
        HUB_SQLITE_PATH=str(tmp_path / "shared.db"),
        HUB_REDIS_URL=redis_url,
        HUB_SECRET_KEY="scale-out-test-secret-" + "k" * 32,
        HUB_ADMIN_EMAIL="admin@example.com",
        HUB_ADMIN_PASSWORD="admin-password",
    )
    return await asyncio.create_subprocess_exec(
        HUB_COMMAND,
        "serve",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_an_inbound_pushed_to_process_a_reaches_an_agent_connected_to_process_b(tmp_path, redis_url):
    port_a, port_b = free_port(), free_port()
    url_a, url_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    proc_a = await start_hub(tmp_path, port_a, redis_url)
    proc_b = None
    agent = socketio.AsyncClient(reconnection=False)
    received: asyncio.Queue = asyncio.Queue()

    @agent.on("timeline:new", namespace="/agent")
    async def _on_entry(data):
        await received.put(data)

    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, url_a, proc_a)  # A creates the admin and the schema first
            proc_b = await start_hub(tmp_path, port_b, redis_url)
            await wait_healthy(http, url_b, proc_b)
            async with http.post(
                f"{url_b}/api/v1/auth/login",
                json={"email": "admin@example.com", "password": "admin-password"},
            ) as r:
                assert r.status == 200
                token = (await r.json())["token"]
            await agent.connect(
                url_b, namespaces=["/agent"], auth={"token": token}, transports=["websocket"], wait_timeout=5
            )
            # the token signed by B is good on A too (one secret), and the message goes in through A
            async with http.post(
                f"{url_a}/api/v1/inbound",
                headers={"Authorization": f"Bearer {token}"},
                json={"external_id": "x-1", "sender": {"email": "far@example.com"}, "text": "through A"},
            ) as r:
                assert r.status == 201, await r.text()
                pushed = await r.json()
            data = await asyncio.wait_for(received.get(), 10)
            assert data["entry"]["id"] == pushed["entry_id"]
            assert data["entry"]["text"] == "through A"
    finally:
        await agent.disconnect()
        for proc in (proc_a, proc_b):
            await stop_process(proc)


async def test_deactivating_a_user_on_process_a_disconnects_their_socket_on_process_b(tmp_path, redis_url):
    """Permissions that change while sockets are open, across processes: the StaffChanged event is relayed
    through Redis, and process B disconnects its own socket of the deactivated agent at once."""
    port_a, port_b = free_port(), free_port()
    url_a, url_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    proc_a = await start_hub(tmp_path, port_a, redis_url)
    proc_b = None
    agent = socketio.AsyncClient(reconnection=False)
    gone = asyncio.Event()

    @agent.on("disconnect", namespace="/agent")
    async def _gone(*_args):
        gone.set()

    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, url_a, proc_a)
            proc_b = await start_hub(tmp_path, port_b, redis_url)
            await wait_healthy(http, url_b, proc_b)
            admin = await _login(http, url_a, "admin@example.com", "admin-password")
            async with http.post(
                f"{url_a}/api/v1/users",
                headers=admin,
                json={
                    "email": "ann@example.com",
                    "name": "Ann",
                    "role": "agent",
                    "password": "agent-password",
                },
            ) as r:
                assert r.status == 201, await r.text()
                ann_id = (await r.json())["id"]
            ann = await _login(http, url_b, "ann@example.com", "agent-password")
            await agent.connect(
                url_b,
                namespaces=["/agent"],
                auth={"token": ann["Authorization"][7:]},
                transports=["websocket"],
                wait_timeout=5,
            )
            async with http.patch(
                f"{url_a}/api/v1/users/{ann_id}", headers=admin, json={"active": False}
            ) as r:
                assert r.status == 200
            await asyncio.wait_for(gone.wait(), 10)
            async with http.get(f"{url_b}/api/v1/me", headers=ann) as r:
                assert r.status == 401
    finally:
        if agent.connected:
            await agent.disconnect()
        for proc in (proc_a, proc_b):
            await stop_process(proc)


async def _login(http: aiohttp.ClientSession, url: str, email: str, password: str) -> dict[str, str]:
    async with http.post(f"{url}/api/v1/auth/login", json={"email": email, "password": password}) as r:
        assert r.status == 200, await r.text()
        return {"Authorization": f"Bearer {(await r.json())['token']}"}
