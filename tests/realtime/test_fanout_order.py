"""The fan-out path loses and reorders nothing: each socket gets every event of a conversation, in the order the hub
published them, with the agent listeners off the publisher's path (realtime.dispatch) and the manager that encodes
once per emit (realtime.fanout)."""

from __future__ import annotations

import asyncio
import contextvars
import random
from collections import defaultdict

import socketio

from hub.events import ConversationCreated, ConversationUpdated, EntryAdded, Event
from realtime import DISPATCH_KEY
from realtime.dispatch import OrderedDispatch

MARK: contextvars.ContextVar[str] = contextvars.ContextVar("mark", default="")


async def test_the_dispatch_runs_handlers_after_the_publisher_returns_in_publication_order():
    dispatch = OrderedDispatch("test")
    seen: list[tuple[str, int, str]] = []
    started = asyncio.Event()

    async def slow(event: tuple[str, int]) -> None:
        started.set()
        await asyncio.sleep(random.random() / 1000)  # handlers that await do not overtake each other
        seen.append(("slow", event[1], MARK.get()))

    async def failing(event: tuple[str, int]) -> None:
        if event[1] % 7 == 0:
            raise RuntimeError("a failing handler stops nothing")
        seen.append(("failing", event[1], MARK.get()))

    a, b = dispatch.wrap(slow), dispatch.wrap(failing)

    async def publisher(n: int) -> None:
        MARK.set(f"p{n}")  # the publisher's context goes along with its events
        for i in range(n * 100, n * 100 + 30):
            await a(("e", i))
            await b(("e", i))
            assert ("slow", i, f"p{n}") not in seen  # queued, not run: the publisher did not wait
            await asyncio.sleep(0)

    await asyncio.gather(*(publisher(n) for n in range(4)))
    await dispatch.drain()
    assert started.is_set()
    assert dispatch.depth() == 0 and dispatch.failures == len(
        [i for i in range(400) if i % 100 < 30 and i % 7 == 0]
    )
    # per publisher, the events arrive in the order published, each handler's output interleaved as published
    for n in range(4):
        mine = [(h, i) for h, i, mark in seen if mark == f"p{n}"]
        expected = [
            (h, i) for i in range(n * 100, n * 100 + 30) for h in ("slow", "failing") if h == "slow" or i % 7
        ]
        assert mine == expected
    await dispatch.stop()


async def test_concurrent_inbound_messages_reach_every_socket_complete_and_in_the_published_order(server):
    hub = server.hub
    published: dict[str, list[tuple[str, str]]] = defaultdict(list)  # conversation -> (kind, entry or "")

    async def record(event: Event) -> None:
        if isinstance(event, EntryAdded) and event.conversation is not None:
            published[event.conversation.id].append(("timeline:new", event.entry.id))
        elif isinstance(event, ConversationCreated) and not event.first_entry_follows:
            # (a conversation opened by an inbound message reaches the sockets with its first timeline:new)
            published[event.conversation.id].append(("conversation:updated", "created"))
        elif isinstance(event, ConversationUpdated):
            published[event.conversation.id].append(("conversation:updated", ",".join(sorted(event.changes))))

    hub.bus.subscribe(Event, record)
    headers = await server.login()
    token = headers["Authorization"][7:]
    sockets = []
    received: list[list[tuple[str, dict]]] = []
    arrived = asyncio.Event()
    for _ in range(3):
        client = socketio.AsyncClient(reconnection=False)
        got: list[tuple[str, dict]] = []

        def on_any(event, data=None, got=got):
            got.append((event, data))
            arrived.set()

        client.on("*", on_any, namespace="/agent")
        await client.connect(
            server.url, namespaces=["/agent"], auth={"token": token}, transports=["websocket"], wait_timeout=5
        )
        sockets.append(client)
        received.append(got)

    senders = [f"order-{i}@example.com" for i in range(4)]
    messages = [(senders[i % 4], f"m{i}") for i in range(60)]

    async def push(email: str, external_id: str) -> None:
        async with server.http.post(
            f"{server.url}/api/v1/inbound",
            headers=headers,
            json={"external_id": external_id, "sender": {"email": email}, "text": external_id},
        ) as r:
            assert r.status == 201, await r.text()

    sem = asyncio.Semaphore(12)

    async def bounded(email: str, external_id: str) -> None:
        async with sem:
            await push(email, external_id)

    try:
        await asyncio.gather(*(bounded(e, x) for e, x in messages))
        await server.app[DISPATCH_KEY].drain()
        entries = sum(1 for kinds in published.values() for k, _ in kinds if k == "timeline:new")
        assert entries == 60 and len(published) == 4

        async def all_arrived() -> None:
            while any(sum(1 for e, _ in got if e == "timeline:new") < 60 for got in received):
                arrived.clear()
                await arrived.wait()

        await asyncio.wait_for(all_arrived(), 10)
        await asyncio.sleep(0.1)  # nothing more trails in
        for got in received:
            per_conversation: dict[str, list[tuple[str, str]]] = defaultdict(list)
            for event, data in got:
                if event == "timeline:new":
                    per_conversation[data["conversation"]["id"]].append((event, data["entry"]["id"]))
                elif event == "conversation:updated":
                    changes = data["changes"]
                    label = "created" if changes == ["created"] else ",".join(sorted(changes))
                    per_conversation[data["conversation"]["id"]].append((event, label))
            # every event of each conversation, none twice, in the order the hub published them
            assert dict(per_conversation) == dict(published)
            # and each timeline:new carries a conversation whose count only grows
            for conversation_id in published:
                counts = [
                    d["conversation"]["inbound_count"]
                    for e, d in got
                    if e == "timeline:new"
                    and d["conversation"]["id"] == conversation_id
                    and "inbound_count" in d["conversation"]
                ]
                assert counts == sorted(counts)
    finally:
        for client in sockets:
            await client.disconnect()
