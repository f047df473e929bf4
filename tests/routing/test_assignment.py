"""Fair assignment under concurrency (both adapters): 100 new conversations at once over 5 online agents with
capacity 3 never give anyone more than 3; the rest wait oldest first and go out as agents free up."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta

from hub.actions import staff
from hub.actions.conversations import update_conversation
from hub.actions.ingest import ingest
from hub.actions.routing import Router
from hub.assignment import AssignmentEngine
from hub.domain import AssignmentPolicy, ConversationStatus, IdentityKind, Role
from hub.events import Presence
from hub.identities import make_identity
from hub.inbound import InboundMessage
from hub.routing import load_rules_text
from hub.store.port import ConversationQuery

RULES = "rules:\n  - name: Everything\n    then: {department: Service}\n"


def inbound(i: int) -> InboundMessage:
    return InboundMessage(
        channel="api",
        provider_message_id=f"m{i}",
        thread_key=f"t{i}",
        identities=(make_identity(IdentityKind.email, f"customer{i}@example.com"),),
        text=f"question {i}",
    )


async def setup(hub, policy: AssignmentPolicy, *, agents: int = 5, capacity: int = 3, accept_minutes=None):
    ruleset, _ = load_rules_text(RULES, "rules")
    hub.router = Router(ruleset)
    hub.after_inbound = hub.router.after_inbound
    engine = AssignmentEngine(hub).attach()
    service = await staff.create_department(hub, "Service")
    await staff.update_department(hub, service.id, assignment=policy, accept_minutes=accept_minutes)
    people = []
    for i in range(agents):
        user = await staff.create_user(
            hub,
            email=f"agent{i}@example.com",
            name=f"Agent {i}",
            role=Role.agent,
            password="secret-password",
            department_ids=[service.id],
        )
        people.append(await staff.update_user(hub, user.id, capacity=capacity))
    for user in people:
        await hub.bus.publish(Presence(user.id, True))
    return engine, service, people


async def assigned(hub) -> Counter[str]:
    found = await hub.store.conversations.query(ConversationQuery(limit=200))
    return Counter(c.assignee_id for c in found if c.assignee_id)


async def test_100_concurrent_conversations_over_5_agents_with_capacity_3(hub):
    _engine, service, people = await setup(hub, AssignmentPolicy.least_loaded)

    started = time.perf_counter()
    await asyncio.gather(*(ingest(hub, inbound(i)) for i in range(100)))
    took = time.perf_counter() - started

    per_agent = await assigned(hub)
    waiting = await hub.store.assignment.queue_length(service.id)
    print(
        f"\n[{hub.store.name}] 100 concurrent conversations, 5 agents x capacity 3: per agent "
        f"{sorted(per_agent.values())}, queue {waiting}, {took:.2f} s"
    )
    assert all(n <= 3 for n in per_agent.values())
    assert sorted(per_agent.values()) == [3, 3, 3, 3, 3]
    assert waiting == 85
    loads = await hub.store.assignment.loads([u.id for u in people])
    assert [loads[u.id].open for u in people] == [3, 3, 3, 3, 3]

    # an agent resolves one: the oldest waiting conversation goes to them, with its system entry
    queue = await hub.store.assignment.queued(service.id, limit=1)
    oldest = queue[0].conversation_id
    mine = await hub.store.conversations.query(ConversationQuery(assignee_id=people[0].id, limit=10))
    await update_conversation(hub, people[0], mine[0].id, status=ConversationStatus.resolved)
    handed = await hub.store.conversations.get(oldest)
    assert handed.assignee_id == people[0].id
    assert await hub.store.assignment.queue_length(service.id) == 84
    page = await hub.store.timeline.conversation_page(oldest)
    codes = [e.meta.get("code") for e in page if e.kind.value == "system"]
    assert codes[0] == "auto_assigned" and "routed" in codes
    entry = next(e for e in page if e.meta.get("code") == "auto_assigned")
    assert entry.text == "assigned to Agent 0 (least loaded)"
    resolved = await hub.store.timeline.conversation_page(mine[0].id)
    assert "resolved" in [e.meta.get("code") for e in resolved]


async def test_round_robin_offline_agents_and_an_offer_that_moves_on(hub):
    _engine, service, people = await setup(
        hub, AssignmentPolicy.round_robin, agents=3, capacity=5, accept_minutes=5
    )
    await hub.bus.publish(Presence(people[2].id, False))  # offline agents get nothing
    for i in range(4):
        await ingest(hub, inbound(i))
    per_agent = await assigned(hub)
    assert per_agent == {people[0].id: 2, people[1].id: 2}

    # nobody answers within 5 minutes: each moves on to the other online agent
    first = (await hub.store.conversations.query(ConversationQuery(assignee_id=people[0].id, limit=10)))[0]
    now = hub.clock()
    hub.clock = lambda: now + timedelta(minutes=6)
    moved = await _engine.expire_offers()
    assert moved == 4
    after = await hub.store.conversations.get(first.id)
    assert after.assignee_id == people[1].id
    codes = [e.meta.get("code") for e in await hub.store.timeline.conversation_page(first.id)]
    assert "not_accepted" in codes
