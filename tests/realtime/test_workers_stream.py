"""Issue #13: at `hub serve --workers 2` (one real redis-server) a sustained stream of inbound messages over several
conversations, sent concurrently, reaches every agent socket on both processes complete and, per conversation, in
the order the messages were accepted. Each conversation's messages are posted one after the other (the next once
the previous one was answered 201), each POST on a new connection, so consecutive messages of one conversation land
on either process (SO_REUSEPORT) and the pushes of one conversation start on both."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import socketio
from workers_support import sockets_on, start_workers, wait_listening

CONVERSATIONS = 16
PER_CONVERSATION = 25  # 400 messages
DEADLINE = 120.0  # seconds for every socket to have every message (generous: a shared 2-core machine)


class Agent:
    """A real Socket.IO client on /agent that keeps, per conversation, the texts of its `timeline:new` in arrival
    order."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.seen: dict[str, list[str]] = {}
        self.count = 0
        self.complete = asyncio.Event()  # every message of the stream arrived (or more)
        self.client.on("timeline:new", self._new, namespace="/agent")

    def _new(self, data: dict) -> None:
        text = data["entry"]["text"]
        if text.startswith("stream "):
            self.seen.setdefault(text.split()[1], []).append(text)
            self.count += 1
            if self.count >= CONVERSATIONS * PER_CONVERSATION:
                self.complete.set()

    async def connect(self, url: str, token: str) -> None:
        await self.client.connect(
            url, namespaces=["/agent"], auth={"token": token}, transports=["websocket"], wait_timeout=10
        )


def _expected(c: int) -> list[str]:
    return [f"stream c{c} {i}" for i in range(PER_CONVERSATION)]


async def test_a_stream_over_two_workers_reaches_every_socket_complete_and_in_order(tmp_path, redis_url):
    hub = await start_workers(tmp_path, redis_url)
    url, port = hub.url, hub.port
    agents: list[Agent] = []
    try:
        async with aiohttp.ClientSession() as http:
            workers = await wait_listening(hub, http)
            async with http.post(
                f"{url}/api/v1/auth/login", json={"email": "admin@example.com", "password": "admin-password"}
            ) as r:
                assert r.status == 200
                token = (await r.json())["token"]
        # admin sockets until each process holds at least two (the kernel picks the process per connection)
        for _ in range(40):
            agent = Agent()
            await agent.connect(url, token)
            agents.append(agent)
            held = [len(sockets_on(pid, port, "01")) for pid in workers]
            if len(agents) >= 6 and min(held) >= 2:
                break
        held = [len(sockets_on(pid, port, "01")) for pid in workers]
        assert min(held) >= 2, f"sockets per worker: {held}"

        # a new connection per POST: consecutive messages of a conversation go to either process
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as http:

            async def conversation(c: int) -> None:
                for text in _expected(c):
                    async with http.post(
                        f"{url}/api/v1/inbound",
                        headers={"Authorization": f"Bearer {token}"},
                        json={
                            "external_id": text.replace(" ", "-"),
                            "sender": {"email": f"stream{c}@example.com", "name": f"Stream {c}"},
                            "text": text,
                        },
                    ) as r:
                        assert r.status == 201, await r.text()

            await asyncio.gather(*(conversation(c) for c in range(CONVERSATIONS)))

        with contextlib.suppress(TimeoutError):  # what is missing then is listed below
            await asyncio.wait_for(asyncio.gather(*(a.complete.wait() for a in agents)), DEADLINE)
        await asyncio.sleep(0.5)  # anything beyond the expected (a duplicate) shows below too
        problems = []
        for n, agent in enumerate(agents):
            for c in range(CONVERSATIONS):
                got, want = agent.seen.get(f"c{c}", []), _expected(c)
                if got != want:
                    missing = [w for w in want if w not in got]
                    at = next(
                        (i for i, (g, w) in enumerate(zip(got, want, strict=False)) if g != w), len(want)
                    )
                    problems.append(
                        f"socket {n}, c{c}: {len(got)} of {len(want)}, missing {missing[:5]}; "
                        f"arrived from #{at} on: {[g.split()[-1] for g in got[at : at + 6]]}"
                    )
        assert not problems, "\n".join(problems)
    finally:
        for agent in agents:
            with contextlib.suppress(Exception):
                await agent.client.disconnect()
        await hub.stop()
