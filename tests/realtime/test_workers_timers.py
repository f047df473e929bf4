"""Task notices at `hub serve --workers 2` (two OS processes on one SQLite file and one redis-server): each task's
overdue notice reaches its assignee's notification centre exactly once, whichever process's timer wakes first (both
re-read the store every second here, so both try), and a notice that fell due while the hub was stopped goes out
once after it starts again.

"Exactly once" is read after a barrier: a second task due a few seconds later, whose notice arrives only after
both processes' timers have passed the first one's due time."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import aiohttp
from workers_support import ADMIN, start_workers, wait_listening


def _at(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


TIMER_ENV = {
    "HUB_TASK_REMINDER_MINUTES": "0",  # only the overdue notice
    "HUB_TASK_TIMER_MAX_SLEEP_SECONDS": "1",  # each process looks every second: they race for every notice
}


class Caller:
    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http, self.url, self.headers = http, url, {}

    async def login(self) -> dict:
        async with self.http.post(f"{self.url}/api/v1/auth/login", json=ADMIN) as r:
            assert r.status == 200, await r.text()
            body = await r.json()
        self.headers = {"Authorization": f"Bearer {body['token']}"}
        return body["user"]

    async def call(self, method: str, path: str, body=None, status: int = 200) -> dict:
        async with self.http.request(method, f"{self.url}{path}", json=body, headers=self.headers) as r:
            assert r.status == status, await r.text()
            return await r.json()

    async def task(self, client_id: str, user_id: str, title: str, due_in: float) -> str:
        body = {"title": title, "client_id": client_id, "assignee_id": user_id, "due_at": _at(due_in)}
        return (await self.call("POST", "/api/v1/tasks", body, status=201))["id"]

    async def overdue_notices(self) -> dict[str, int]:
        items = (await self.call("GET", "/api/v1/notifications?limit=100"))["items"]
        counts: dict[str, int] = {}
        for n in items:
            if n["kind"] == "task_overdue":
                counts[n["task_id"]] = counts.get(n["task_id"], 0) + 1
        return counts

    async def wait_for_notice(self, task_id: str, within: float = 90.0) -> dict[str, int]:
        deadline = time.monotonic() + within
        while True:
            counts = await self.overdue_notices()
            if task_id in counts:
                return counts
            assert time.monotonic() < deadline, (
                f"no overdue notice for task {task_id} within {within} s: {counts}"
            )
            await asyncio.sleep(0.3)


async def test_task_notices_go_out_once_across_two_processes_and_a_restart(tmp_path, redis_url):
    hub = await start_workers(tmp_path, redis_url, **TIMER_ENV)
    try:
        async with aiohttp.ClientSession() as http:
            await wait_listening(hub, http)  # both processes' timers run
            admin = Caller(http, hub.url)
            me = await admin.login()
            inbound = {
                "external_id": "t-1",
                "sender": {"name": "Olga", "email": "olga@example.com"},
                "text": "hi",
            }
            client_id = (await admin.call("POST", "/api/v1/inbound", inbound, status=201))["client_id"]

            first = await admin.task(client_id, me["id"], "first", due_in=3)
            barrier = await admin.task(client_id, me["id"], "barrier", due_in=6)
            counts = await admin.wait_for_notice(barrier)
            assert counts == {first: 1, barrier: 1}

            # a task falls due while the hub is stopped: its notice goes out once when it is back
            while_down = await admin.task(client_id, me["id"], "while down", due_in=4)
        await hub.stop()
        await asyncio.sleep(5)  # the due time passes with no hub running
        hub = await start_workers(tmp_path, redis_url, port=hub.port, **TIMER_ENV)
        async with aiohttp.ClientSession() as http:
            await wait_listening(hub, http)
            admin = Caller(http, hub.url)
            await admin.login()
            await admin.wait_for_notice(while_down)
            second_barrier = await admin.task(client_id, me["id"], "second barrier", due_in=3)
            counts = await admin.wait_for_notice(second_barrier)
            assert counts == {first: 1, barrier: 1, while_down: 1, second_barrier: 1}
    finally:
        await hub.stop()
