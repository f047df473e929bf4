"""Contract of the routing and assignment repositories (read markers, load counters, queues, offers, documents)
and of the conversation claim, on both adapters."""

from __future__ import annotations

import asyncio

from store_factories import T0, at

from hub.domain import AssignmentPolicy, Conversation, ConversationStatus, Department, Priority
from hub.domain_workload import Offer, QueuedConversation


async def test_a_slot_is_taken_only_below_capacity_even_concurrently(store):
    results = await asyncio.gather(*(store.assignment.take_slot("u1", 3, now=T0) for _ in range(20)))
    assert sum(results) == 3
    loads = await store.assignment.loads(["u1", "u2"])
    assert loads["u1"].open == 3 and loads["u1"].last_assigned_at == T0
    assert "u2" not in loads
    assert not await store.assignment.take_slot("u2", 0, now=T0)
    await store.assignment.add_load("u1", -1)
    assert await store.assignment.take_slot("u1", 3, now=at(1))
    await store.assignment.add_load("u1", -10)
    assert (await store.assignment.loads(["u1"]))["u1"].open == 0  # never below zero
    assert await store.assignment.take_slot("u3", None, now=T0)  # no capacity: always


async def test_the_queue_is_oldest_first_and_a_reroute_moves_it(store):
    q = store.assignment
    await q.enqueue(QueuedConversation(conversation_id="c2", department_id="d1", since=at(2)))
    await q.enqueue(QueuedConversation(conversation_id="c1", department_id="d1", since=at(1)))
    await q.enqueue(QueuedConversation(conversation_id="c3", department_id="d2", since=at(0)))
    assert [i.conversation_id for i in await q.queued("d1")] == ["c1", "c2"]
    # the same department again keeps its place; another department starts anew there
    await q.enqueue(QueuedConversation(conversation_id="c1", department_id="d1", since=at(9), skip=["u1"]))
    first = (await q.queued("d1"))[0]
    assert first.conversation_id == "c1" and first.since == at(1) and first.skip == ["u1"]
    await q.enqueue(QueuedConversation(conversation_id="c1", department_id="d2", since=at(9)))
    assert [i.conversation_id for i in await q.queued("d2")] == ["c3", "c1"]
    assert await q.queue_length("d1") == 1
    assert await q.dequeue("c2") and not await q.dequeue("c2")
    assert await q.queue_length("d1") == 0


async def test_an_offer_is_claimed_once_when_due(store):
    q = store.assignment
    await q.offer(Offer(conversation_id="c1", user_id="u1", department_id="d1", until=at(60)))
    assert await q.next_offer_at() == at(60)
    assert await q.due_offers(now=at(59)) == []
    assert [o.conversation_id for o in await q.due_offers(now=at(60))] == ["c1"]
    claims = await asyncio.gather(*(q.claim_offer("c1", now=at(61), lease_until=at(91)) for _ in range(5)))
    assert sum(c is not None for c in claims) == 1
    assert await q.due_offers(now=at(61)) == []  # leased
    assert await q.drop_offer("c1") and await q.next_offer_at() is None


async def test_read_markers_only_go_forward(store):
    await store.reads.mark("u1", "c1", 3, at=T0)
    await store.reads.mark("u1", "c1", 1, at=at(1))  # a stale tab
    await store.reads.mark("u2", "c1", 5, at=T0)
    await store.reads.mark("u1", "c2", 2, at=T0)
    assert await store.reads.counts("u1", ["c1", "c2", "c3"]) == {"c1": 3, "c2": 2}
    assert await store.reads.readers("c1", ["u1", "u2", "u3"]) == {"u1": 3, "u2": 5}


async def test_read_markers_are_clamped_when_messages_leave(store):
    await store.reads.mark("u1", "c1", 5, at=T0)
    await store.reads.mark("u2", "c1", 2, at=T0)
    await store.reads.mark("u1", "c2", 9, at=T0)
    await store.reads.clamp("c1", 3)
    assert await store.reads.readers("c1", ["u1", "u2"]) == {"u1": 3, "u2": 2}
    assert await store.reads.counts("u1", ["c2"]) == {"c2": 9}  # another conversation is untouched


async def test_documents_round_trip(store):
    assert await store.documents.get("routing_rules") is None
    await store.documents.put("routing_rules", {"rules": [{"name": "a"}]}, at=T0)
    await store.documents.put("routing_rules", {"rules": []}, at=at(1))
    assert await store.documents.get("routing_rules") == {"rules": []}


async def test_a_conversation_is_claimed_once_and_released_by_its_holder(store):
    conversation, _ = await store.conversations.get_or_create(
        Conversation(
            client_id="k1", channel="api", thread_key="t", department_id="d1", priority=Priority.high
        )
    )
    assert conversation.priority is Priority.high
    claims = await asyncio.gather(
        *(store.conversations.claim(conversation.id, f"u{i}", department_id="d1", now=T0) for i in range(5))
    )
    winners = [c for c in claims if c is not None]
    assert len(winners) == 1
    holder = winners[0].assignee_id
    assert await store.conversations.claim(conversation.id, "u9", department_id="d1", now=T0) is None
    assert await store.conversations.release(conversation.id, "someone-else", now=T0) is None
    released = await store.conversations.release(conversation.id, holder, now=T0)
    assert released is not None and released.assignee_id is None
    assert await store.conversations.claim(conversation.id, "u1", department_id="d2", now=T0) is None
    await store.conversations.update(conversation.id, {"status": ConversationStatus.resolved})
    assert await store.conversations.claim(conversation.id, "u1", department_id="d1", now=T0) is None


async def test_touch_counts_inbound_messages_for_good(store):
    conversation, _ = await store.conversations.get_or_create(
        Conversation(client_id="k1", channel="api", thread_key="t")
    )
    for i in range(3):
        await store.conversations.touch(
            conversation.id, at=at(i), preview="x", inbound=i != 1, reopen=True, entry_id=f"e{i}"
        )
    await store.conversations.update(conversation.id, {"unread": 0})
    got = await store.conversations.get(conversation.id)
    assert got.inbound_count == 2


async def test_department_settings(store):
    department = Department(name="Service")
    await store.departments.create(department)
    updated = await store.departments.update(
        department.id, {"assignment": AssignmentPolicy.round_robin, "accept_minutes": 5}
    )
    assert updated.assignment is AssignmentPolicy.round_robin and updated.accept_minutes == 5
    assert (await store.departments.get(department.id)).accept_minutes == 5
    renamed = await store.departments.rename(department.id, "Care")
    assert renamed.name == "Care" and renamed.assignment is AssignmentPolicy.round_robin
