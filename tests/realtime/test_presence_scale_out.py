"""Presence across hub processes (a real redis-server): an agent connected only to process A is online for process
B's assignment; a crashed process's agents expire after the heartbeat TTL; one process's disconnect does not take
an agent offline while another process still has them."""

from __future__ import annotations

import asyncio

import aiohttp
import redis.asyncio as aioredis
import socketio
from support import free_port, wait_healthy
from test_scale_out import _login, start_hub

from hub.presence import PRESENCE_KEY, RedisPresence


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_presence_is_shared_expires_with_a_dead_process_and_counts_every_process(redis_url):
    clock = Clock()
    a = RedisPresence(redis_url, ttl=30, clock=clock, origin="process-a")
    b = RedisPresence(redis_url, ttl=30, clock=clock, origin="process-b")
    try:
        assert await b.online() == set()
        await a.set("ann", True)
        await b.set("boris", True)
        assert await b.online() == {"ann", "boris"}  # A's agent is online for B
        await b.set("ann", True)  # Ann opens a second tab, served by B
        await a.set("ann", False)  # ... and closes the one on A
        assert await a.online() == {"ann", "boris"}

        # A keeps beating; B dies without a word (no disconnects, no clean stop)
        await a.set("vera", True)
        clock.now += 20
        await a.heartbeat()
        assert await a.online() == {"ann", "boris", "vera"}
        clock.now += 15  # 35 s after B's last refresh, 15 s after A's
        assert await a.online() == {"vera"}
        await a.heartbeat()  # the dead process's members are dropped from the set
        raw = aioredis.from_url(redis_url)
        try:
            members = {m.decode() for m in await raw.zrange(PRESENCE_KEY, 0, -1)}
        finally:
            await raw.aclose()
        assert members == {"vera|process-a"}
    finally:
        b._local.clear()  # B "died": its stop must not tidy up for it
        await a.stop()
        await b.stop()


async def _json(response: aiohttp.ClientResponse, status: int):
    assert response.status == status, await response.text()
    return await response.json()


async def test_a_conversation_routed_on_process_b_goes_to_an_agent_online_only_on_process_a(
    tmp_path, redis_url
):
    port_a, port_b = free_port(), free_port()
    url_a, url_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    proc_a = await start_hub(tmp_path, port_a, redis_url)
    proc_b = None
    ann = socketio.AsyncClient(reconnection=False)
    updates: asyncio.Queue = asyncio.Queue()

    @ann.on("conversation:updated", namespace="/agent")
    async def _on_update(data):
        await updates.put(data["conversation"])

    raw = aioredis.from_url(redis_url)
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, url_a, proc_a)
            proc_b = await start_hub(tmp_path, port_b, redis_url)
            await wait_healthy(http, url_b, proc_b)
            admin = await _login(http, url_a, "admin@example.com", "admin-password")
            async with http.post(f"{url_a}/api/v1/departments", headers=admin, json={"name": "Service"}) as r:
                service = (await _json(r, 201))["id"]
            async with http.patch(
                f"{url_a}/api/v1/departments/{service}", headers=admin, json={"assignment": "round_robin"}
            ) as r:
                await _json(r, 200)
            async with http.post(
                f"{url_a}/api/v1/users",
                headers=admin,
                json={
                    "email": "ann@example.com",
                    "name": "Ann",
                    "role": "agent",
                    "password": "agent-password",
                    "department_ids": [service],
                },
            ) as r:
                ann_id = (await _json(r, 201))["id"]
            ann_auth = await _login(http, url_a, "ann@example.com", "agent-password")
            await ann.connect(
                url_a,
                namespaces=["/agent"],
                auth={"token": ann_auth["Authorization"][7:]},
                transports=["websocket"],
                wait_timeout=5,
            )
            # barrier: process A has written Ann's presence
            for _ in range(100):
                members = [m.decode() for m in await raw.zrange(PRESENCE_KEY, 0, -1)]
                if any(m.startswith(f"{ann_id}|") for m in members):
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("process A never recorded Ann as online")

            # a message comes in through B and is routed to Service on B: B's engine hands it out
            async with http.post(
                f"{url_b}/api/v1/inbound",
                headers=admin,
                json={"external_id": "p-1", "sender": {"email": "far@example.com"}, "text": "help"},
            ) as r:
                conversation_id = (await _json(r, 201))["conversation_id"]
            async with http.patch(
                f"{url_b}/api/v1/conversations/{conversation_id}",
                headers=admin,
                json={"department_id": service},
            ) as r:
                await _json(r, 200)

            while True:  # Ann's screen (on A) hears that the conversation is hers
                seen = await asyncio.wait_for(updates.get(), 10)
                if seen["id"] == conversation_id and seen.get("assignee_id") == ann_id:
                    break
            async with http.get(f"{url_b}/api/v1/conversations/{conversation_id}", headers=admin) as r:
                assert (await _json(r, 200))["assignee_id"] == ann_id
            async with http.get(f"{url_b}/api/v1/assignment/queues", headers=admin) as r:
                queues = await _json(r, 200)
            (row,) = [q for q in queues["items"] if q["department"]["id"] == service]
            assert row["waiting"] == 0
            assert [(a["user_id"], a["open"]) for a in row["agents"]] == [(ann_id, 1)]
    finally:
        await raw.aclose()
        await ann.disconnect()
        for proc in (proc_a, proc_b):
            if proc is not None and proc.returncode is None:
                proc.terminate()
                await proc.wait()
