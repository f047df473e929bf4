"""realtime.lanes under a stream: the events that concurrent requests publish while a PUBLISH is on its way go to
Redis together as the next one, and every process (here two RedisLanes on one real redis-server) runs them in the
order they were published; each publisher returns only once its event is in Redis; when Redis is gone, each event
is run on its own process instead."""

from __future__ import annotations

import asyncio
import json

from hub.domain import Conversation
from hub.events import ConversationRead
from realtime.lanes import MAX_BATCH, RedisLanes
from tests.support import eventually


class Bus:
    def __init__(self) -> None:
        self.subscribers: list = []

    def subscribe(self, _event_type, fn) -> None:
        self.subscribers.append(fn)

    async def publish(self, event) -> None:
        for fn in self.subscribers:
            await fn(event)


class Dispatch:
    """What a process's listeners saw, in order."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def submit(self, handler, event) -> None:
        self.seen.append((event.conversation.id, event.user_id))


async def _read(
    _event,
) -> None:  # the handler's name travels; the Dispatch above records instead of running it
    pass


async def lanes_on(url: str) -> tuple[Bus, Dispatch, RedisLanes]:
    bus, dispatch = Bus(), Dispatch()
    lanes = RedisLanes(bus, dispatch, url)
    lanes.subscribe(ConversationRead, _read)
    await lanes.start()
    return bus, dispatch, lanes


async def test_a_stream_of_events_goes_out_in_few_publishes_and_in_order_everywhere(redis_url):
    bus_a, seen_a, a = await lanes_on(redis_url)
    _bus_b, seen_b, b = await lanes_on(redis_url)
    try:
        conversations = [Conversation(client_id=f"c{i}", channel="api", thread_key="t") for i in range(8)]
        events = [ConversationRead(conversations[i % 8], f"u{i}") for i in range(400)]
        published: list[int] = []

        async def request(i: int) -> None:  # one request's publish, then (as its 201 would) it is in Redis
            await bus_a.publish(events[i])
            published.append(i)

        for start in range(0, 400, 50):  # 8 bursts of 50 concurrent requests
            await asyncio.gather(*(request(i) for i in range(start, start + 50)))
        expected = [(e.conversation.id, e.user_id) for e in events]

        async def all_there() -> bool | None:
            return (len(seen_b.seen) >= 400 and len(seen_a.seen) >= 400) or None

        await eventually(all_there, what="all 400 events on both processes")
        assert seen_b.seen == expected  # the other process: every event, in publication order
        assert seen_a.seen == expected  # the publisher's own process runs them from Redis too
        assert sorted(published) == list(range(400))
        print(f"\n[lanes] 400 events in {a.publishes} PUBLISH commands")
        assert a.published == 400
        assert a.publishes <= 40  # one per event would be 400
    finally:
        await a.stop()
        await b.stop()


async def test_when_redis_takes_no_publish_each_event_runs_on_its_own_process(redis_url, caplog):
    bus, seen, lanes = await lanes_on(redis_url)
    try:

        async def refused(*_args, **_kwargs):
            raise ConnectionError("Redis is gone")

        lanes._redis.publish = refused
        conversation = Conversation(client_id="c", channel="api", thread_key="t")
        await asyncio.gather(*(bus.publish(ConversationRead(conversation, f"u{i}")) for i in range(5)))
        assert seen.seen == [(conversation.id, f"u{i}") for i in range(5)]
        assert lanes.published == 0
        assert caplog.text.count("lanes: Redis took no ConversationRead") == 5
    finally:
        await lanes.stop()


async def test_a_publisher_cancelled_while_it_waits_leaves_the_others_publish_intact(redis_url):
    """A request cancelled (its client went away) while its event shares a PUBLISH with others: the others still
    return normally and every event reaches the other process."""
    bus_a, _seen_a, a = await lanes_on(redis_url)
    _bus_b, seen_b, b = await lanes_on(redis_url)
    try:
        conversation = Conversation(client_id="c", channel="api", thread_key="t")
        tasks = [
            asyncio.create_task(bus_a.publish(ConversationRead(conversation, f"u{i}"))) for i in range(10)
        ]
        await asyncio.sleep(0)  # every publisher is now waiting on the same PUBLISH
        tasks[3].cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert isinstance(results[3], asyncio.CancelledError)
        assert [r for i, r in enumerate(results) if i != 3] == [None] * 9

        async def all_there() -> bool | None:
            return len(seen_b.seen) >= 10 or None

        await eventually(all_there, what="all 10 events on the other process")
        assert seen_b.seen == [(conversation.id, f"u{i}") for i in range(10)]
    finally:
        await a.stop()
        await b.stop()


async def test_a_large_burst_is_split_into_bounded_publishes_in_order(redis_url):
    """1,000 publishers at once (a busy process): no PUBLISH carries more than MAX_BATCH events (a subscriber
    decodes one PUBLISH in one go on its loop), and the other process still runs them all in publication order."""
    bus_a, _seen_a, a = await lanes_on(redis_url)
    _bus_b, seen_b, b = await lanes_on(redis_url)
    try:
        sizes: list[int] = []
        real_publish = a._redis.publish

        async def recording(channel, message):
            sizes.append(len(json.loads(message)))
            return await real_publish(channel, message)

        a._redis.publish = recording
        conversation = Conversation(client_id="c", channel="api", thread_key="t")
        await asyncio.gather(*(bus_a.publish(ConversationRead(conversation, f"u{i}")) for i in range(1000)))

        async def all_there() -> bool | None:
            return len(seen_b.seen) >= 1000 or None

        await eventually(all_there, what="all 1,000 events on the other process")
        assert seen_b.seen == [(conversation.id, f"u{i}") for i in range(1000)]
        assert sum(sizes) == 1000
        assert max(sizes) <= MAX_BATCH < 1000
        assert len(sizes) <= 1000 // MAX_BATCH + 2
    finally:
        await a.stop()
        await b.stop()


async def test_stopping_while_a_publish_hangs_pushes_its_events_from_this_process(redis_url, caplog):
    """Redis stops answering mid-PUBLISH and the process shuts down: the waiting publishers return, and their
    events run on this process (logged) instead of waiting forever."""
    bus, seen, lanes = await lanes_on(redis_url)
    never = asyncio.Event()

    async def hanging(*_args, **_kwargs):
        await never.wait()

    lanes._redis.publish = hanging
    conversation = Conversation(client_id="c", channel="api", thread_key="t")
    publishers = asyncio.gather(*(bus.publish(ConversationRead(conversation, f"u{i}")) for i in range(300)))
    await asyncio.sleep(0.05)
    assert seen.seen == []  # they wait for the PUBLISH
    await lanes.stop()
    await asyncio.wait_for(publishers, timeout=5)
    assert seen.seen == [(conversation.id, f"u{i}") for i in range(300)]
    assert caplog.text.count("lanes: Redis took no ConversationRead") == 300


async def test_events_published_before_the_lanes_started_run_on_their_process_without_an_error(caplog):
    bus, dispatch = Bus(), Dispatch()
    lanes = RedisLanes(
        bus, dispatch, "redis://127.0.0.1:1/0"
    )  # never started (the demo seeds before it listens)
    lanes.subscribe(ConversationRead, _read)
    conversation = Conversation(client_id="c", channel="api", thread_key="t")

    await bus.publish(ConversationRead(conversation, "u1"))

    assert dispatch.seen == [(conversation.id, "u1")]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
