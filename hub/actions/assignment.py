"""Fair assignment inside a department: the writes. A conversation that enters a department with a policy
(round_robin, least_loaded) goes to an online agent of it under their capacity; else it waits in the department's
queue, oldest first, and is handed out when someone frees up.

Race-safe without locks: a claim first takes a slot on the agent's load counter (one conditional update that
applies only below capacity), then claims the conversation (one conditional update: still unassigned, still in the
department, still open); when the second fails the slot is given back. So however many hand-outs run at once, in
one process or several, nobody gets more than their capacity. hub.assignment calls these from events."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from hub import access
from hub.actions.system_entries import add_system_entry
from hub.context import Hub
from hub.domain import AssignmentPolicy, Conversation, ConversationStatus, Department, Handler, User
from hub.domain_workload import AgentLoad, Offer, QueuedConversation
from hub.events import ConversationAssigned
from hub.store.port import ConversationQuery

log = logging.getLogger(__name__)

ACTIVE = frozenset({ConversationStatus.open, ConversationStatus.pending})
OFFER_LEASE = timedelta(seconds=30)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Outcome(StrEnum):
    assigned = "assigned"
    queued = "queued"  # nobody available: it waits
    skipped = "skipped"  # not for the assignment (assigned already, resolved, manual department, a bot's)


def wants_agent(conversation: Conversation) -> bool:
    return (
        conversation.assignee_id is None
        and conversation.department_id is not None
        and conversation.handler is Handler.human
        and conversation.status in ACTIVE
    )


def counts_for(conversation: Conversation) -> str | None:
    """Whose load this conversation counts in: its assignee while it is open or pending."""
    return conversation.assignee_id if conversation.status in ACTIVE else None


def _order(policy: AssignmentPolicy, agents: list[User], loads: dict[str, AgentLoad]) -> list[User]:
    def last(user: User) -> datetime:
        load = loads.get(user.id)
        return load.last_assigned_at if load and load.last_assigned_at else _EPOCH

    if policy is AssignmentPolicy.least_loaded:
        return sorted(agents, key=lambda u: (loads[u.id].open if u.id in loads else 0, last(u), u.id))
    return sorted(agents, key=lambda u: (last(u), u.id))  # round robin: whoever got one longest ago


async def hand_out(
    hub: Hub, conversation_id: str, online: Collection[str], *, exclude: Collection[str] = ()
) -> tuple[Outcome, Conversation | None]:
    """Give the conversation to an agent by its department's policy, or queue it."""
    store = hub.store
    conversation = await store.conversations.get(conversation_id)
    if conversation is None or not wants_agent(conversation):
        await store.assignment.dequeue(conversation_id)
        return Outcome.skipped, conversation
    assert conversation.department_id is not None
    department = await store.departments.get(conversation.department_id)
    if department is None or department.assignment is AssignmentPolicy.manual:
        await store.assignment.dequeue(conversation_id)
        return Outcome.skipped, conversation
    now = hub.clock()
    # queued first: an agent who frees up while we look finds it there
    await store.assignment.enqueue(
        QueuedConversation(
            conversation_id=conversation.id, department_id=department.id, since=now, skip=list(exclude)
        )
    )
    agents = [
        u
        for u in await hub.directory.active_users(store)
        if access.is_staff(u) and department.id in u.department_ids and u.id in online and u.id not in exclude
    ]
    loads = await store.assignment.loads([u.id for u in agents])
    for agent in _order(department.assignment, agents, loads):
        if agent.capacity is not None and agent.id in loads and loads[agent.id].open >= agent.capacity:
            continue
        if not await store.assignment.take_slot(agent.id, agent.capacity, now=now):
            continue  # someone else filled them up meanwhile
        claimed = await store.conversations.claim(
            conversation.id, agent.id, department_id=department.id, now=now
        )
        if claimed is None:
            await store.assignment.add_load(
                agent.id, -1
            )  # the conversation went elsewhere: give the slot back
            await store.assignment.dequeue(conversation.id)
            return Outcome.skipped, await store.conversations.get(conversation.id)
        await store.assignment.dequeue(conversation.id)
        await _assigned(hub, claimed, agent, department, department.assignment.value)
        return Outcome.assigned, claimed
    return Outcome.queued, conversation


async def _assigned(
    hub: Hub, conversation: Conversation, agent: User, department: Department | None, policy: str
):
    if department is not None and department.accept_minutes:
        until = hub.clock() + timedelta(minutes=department.accept_minutes)
        await hub.store.assignment.offer(
            Offer(conversation_id=conversation.id, user_id=agent.id, department_id=department.id, until=until)
        )
    await add_system_entry(hub, conversation, "auto_assigned", {"assignee": agent.name, "policy": policy})
    await hub.bus.publish(
        ConversationAssigned(conversation, {"assignee_id": (None, agent.id)}, None, policy=policy)
    )
    # the agent's notice: hub.actions.notifications listens to ConversationAssigned as to any assignment


async def drain(hub: Hub, department_id: str, online: Collection[str], *, limit: int = 50) -> int:
    """Hand out the department's queue, oldest first, until nobody is available. Returns how many went out."""
    given = 0
    for item in await hub.store.assignment.queued(department_id, limit=limit):
        outcome, _ = await hand_out(hub, item.conversation_id, online, exclude=item.skip)
        if outcome is Outcome.assigned:
            given += 1
        elif outcome is Outcome.queued and not item.skip:
            break  # nobody free; one that only its previous holders could take does not block the rest
    return given


async def take_on_reply(hub: Hub, conversation: Conversation, user: User) -> Conversation | None:
    """An agent who replies to an unassigned conversation takes it (whatever their load: they chose to)."""
    if conversation.assignee_id is not None or conversation.status not in ACTIVE or not access.is_staff(user):
        return None
    now = hub.clock()
    await hub.store.assignment.add_load(user.id, 1)
    claimed = await hub.store.conversations.claim(
        conversation.id, user.id, department_id=conversation.department_id, now=now
    )
    if claimed is None:
        await hub.store.assignment.add_load(user.id, -1)
        return None
    await hub.store.assignment.dequeue(conversation.id)
    await add_system_entry(hub, claimed, "auto_assigned", {"assignee": user.name, "policy": "reply"})
    await hub.bus.publish(
        ConversationAssigned(claimed, {"assignee_id": (None, user.id)}, user.id, policy="reply")
    )
    return claimed


async def expire_offer(hub: Hub, offer: Offer, online: Collection[str]) -> bool:
    """A handed-out conversation nobody answered in time moves on: taken back from its agent (only while they
    still have it) and handed to another. Exactly once: the caller holds the offer's lease."""
    store = hub.store
    released = await store.conversations.release(offer.conversation_id, offer.user_id, now=hub.clock())
    await store.assignment.drop_offer(offer.conversation_id)
    if released is None:
        return False
    await store.assignment.add_load(offer.user_id, -1)
    user = await store.users.get(offer.user_id)
    department = await store.departments.get(offer.department_id)
    minutes = department.accept_minutes if department and department.accept_minutes else 0
    await add_system_entry(
        hub, released, "not_accepted", {"assignee": user.name if user else offer.user_id, "minutes": minutes}
    )
    await hub.bus.publish(
        ConversationAssigned(released, {"assignee_id": (offer.user_id, None)}, None, policy="timeout")
    )
    await hand_out(hub, released.id, online, exclude=[offer.user_id])
    return True


# --- the recount: counters drift when a process dies between its two writes -------------------------------------
# A claim writes the counter, then the conversation; a person's change writes the conversation, then (from the event)
# the counter. A crash between the two leaves a counter one off for good. The recount takes two looks at each
# agent (their counter, and their open and pending conversations counted), some seconds apart, and corrects a
# counter only when both looks agree with each other and disagree with the conversations: a claim or a release in
# flight changes one of them between the looks. The correction itself is conditional on the counter still reading
# what was looked at, so a claim that lands after the second look is never overwritten.

LoadLook = dict[str, tuple[int | None, int]]  # user id -> (their counter, None when they have none; counted)


async def count_open(hub: Hub, user_id: str) -> int:
    """The agent's open and pending conversations, counted from the conversations themselves."""
    total = 0
    for status in ACTIVE:
        found = await hub.store.conversations.query(
            ConversationQuery(assignee_id=user_id, status=status, limit=1000)
        )
        total += len(found)
    return total


async def look_at_loads(hub: Hub, user_ids: Collection[str]) -> LoadLook:
    loads = await hub.store.assignment.loads(list(user_ids))
    return {uid: (loads[uid].open if uid in loads else None, await count_open(hub, uid)) for uid in user_ids}


async def correct_loads(hub: Hub, earlier: LoadLook) -> list[str]:
    """The second look: correct the counters that are off and did not move since `earlier`. Idempotent (a correct
    counter is left alone). Returns whose counter was corrected."""
    corrected = []
    for uid, (counter, counted) in (await look_at_loads(hub, earlier)).items():
        if (counter or 0) == counted or earlier[uid] != (counter, counted):
            continue
        if await hub.store.assignment.correct_load(uid, counter, counted):
            log.warning("load counter of %s corrected from %s to %s", uid, counter, counted)
            corrected.append(uid)
    return corrected
