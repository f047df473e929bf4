"""The load recount (both adapters): counters that drifted after a crash between two writes are corrected from the
conversations themselves; a counter that moves between the two looks (a claim in flight) is left for the next
round; a correct counter is left alone; whoever got capacity back is handed the queue."""

from __future__ import annotations

from test_assignment import assigned, inbound, setup

from hub.actions.ingest import ingest
from hub.domain import AssignmentPolicy, ConversationStatus
from hub.store.port import ConversationQuery


async def loads(hub, people) -> list[int]:
    found = await hub.store.assignment.loads([u.id for u in people])
    return [found[u.id].open if u.id in found else 0 for u in people]


async def test_drifted_counters_are_recounted_and_the_freed_capacity_takes_the_queue(hub):
    engine, service, people = await setup(hub, AssignmentPolicy.least_loaded, agents=2, capacity=1)
    first, second = people
    for i in range(2):
        await ingest(hub, inbound(i))
    assert await assigned(hub) == {first.id: 1, second.id: 1}

    # a process died after resolving the first agent's conversation, before its counter went down: the agent
    # looks full, and a new conversation waits although they have room
    mine = await hub.store.conversations.query(ConversationQuery(assignee_id=first.id, limit=5))
    await hub.store.conversations.update(mine[0].id, {"status": ConversationStatus.resolved})
    await ingest(hub, inbound(2))
    assert await hub.store.assignment.queue_length(service.id) == 1
    # another died after the second agent's conversation was claimed, before the counter counted it: the agent
    # looks free although they are at their capacity
    await hub.store.assignment.add_load(second.id, -1)
    assert await loads(hub, people) == [1, 0]

    # first look; then a claim for the first agent is in flight (its counter moves before the second look)
    earlier = await engine.look_at_loads()
    assert await hub.store.assignment.take_slot(first.id, None, now=hub.clock())
    assert await engine.recount_loads(earlier) == [second.id]  # the moving counter is left alone
    assert await loads(hub, people) == [2, 1]
    assert await hub.store.assignment.queue_length(service.id) == 1

    # the claim gave its slot back; the next round sees the drift stand still and corrects it
    await hub.store.assignment.add_load(first.id, -1)
    assert await engine.recount_loads() == [first.id]
    # the first agent had room again: the waiting conversation went to them at once
    assert await hub.store.assignment.queue_length(service.id) == 0
    assert await assigned(hub) == {first.id: 2, second.id: 1}  # one of the first's two is resolved
    assert await loads(hub, people) == [1, 1]

    # idempotent: nothing is off any more
    assert await engine.recount_loads() == []
    assert await loads(hub, people) == [1, 1]
    # and the counters hold the capacity again: a new conversation waits instead of overloading anyone
    await ingest(hub, inbound(3))
    assert await hub.store.assignment.queue_length(service.id) == 1
    assert await loads(hub, people) == [1, 1]


async def test_a_counter_an_agent_never_had_is_created_by_the_recount(hub):
    engine, _service, people = await setup(hub, AssignmentPolicy.round_robin, agents=1, capacity=2)
    await ingest(hub, inbound(0))
    agent = people[0]
    # the counter is lost altogether (a store restored from before it existed)
    await hub.store.assignment.correct_load(agent.id, 1, 0)
    assert await loads(hub, people) == [0]
    assert await engine.recount_loads() == [agent.id]
    assert await loads(hub, people) == [1]
    # the conditional write refuses a counter that moved since it was read
    assert not await hub.store.assignment.correct_load(agent.id, 0, 5)
    assert not await hub.store.assignment.correct_load("never-counted", 3, 5)
    assert await hub.store.assignment.correct_load("never-counted", None, 2)
    assert not await hub.store.assignment.correct_load("never-counted", None, 4)
    assert (await hub.store.assignment.loads(["never-counted"]))["never-counted"].open == 2
