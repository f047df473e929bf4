"""Action tests for hub.actions.conversations: routing, assignment, status, read state."""

from __future__ import annotations

import pytest
from core_helpers import T0, Clock, make_department, make_user, receive, tg

from hub.actions.conversations import mark_read, update_conversation
from hub.actions.staff import update_user
from hub.domain import ConversationStatus, Handler, Role
from hub.errors import Invalid, NotFound
from hub.events import ConversationRead, ConversationUpdated, EntryAdded


@pytest.fixture
async def setup(hub):
    sales = await make_department(hub, "Sales")
    agent = await make_user(hub, departments=[sales])
    admin = await make_user(hub, Role.admin)
    conv_id = (await receive(hub, tg(100))).entry.conversation_id
    conv = await hub.store.conversations.get(conv_id)
    hub.recorded.clear()
    return sales, agent, admin, conv


async def test_route_assign_and_change_status(hub, setup):
    sales, agent, admin, conv = setup
    hub.clock = Clock(T0)

    updated = await update_conversation(
        hub,
        admin,
        conv.id,
        status=ConversationStatus.pending,
        assignee_id=agent.id,
        department_id=sales.id,
        handler=Handler.human,  # unchanged: not reported
    )

    assert (updated.status, updated.assignee_id, updated.department_id) == (
        ConversationStatus.pending,
        agent.id,
        sales.id,
    )
    assert updated.updated_at == T0
    assert await hub.store.conversations.get(conv.id) == updated
    assert hub.recorded.of(ConversationUpdated) == [
        ConversationUpdated(
            updated,
            {
                "status": (ConversationStatus.open, ConversationStatus.pending),
                "assignee_id": (None, agent.id),
                "department_id": (None, sales.id),
            },
            admin.id,
        )
    ]
    # a person's assign, re-route and pending leave system entries (code + params, rendered per language)
    entries = [e.entry for e in hub.recorded.of(EntryAdded)]
    assert [e.meta["code"] for e in entries] == ["assigned", "rerouted", "pending"]
    assert entries[1].meta["params"] == {"actor": admin.name, "department": sales.name}


async def test_unassign_and_hand_over_to_the_bot_by_the_system(hub, setup):
    _, agent, admin, conv = setup
    await update_conversation(hub, admin, conv.id, assignee_id=agent.id)
    hub.recorded.clear()
    hub.initial_handler = lambda channel: Handler.bot  # a bot flow covers the channel

    updated = await update_conversation(hub, None, conv.id, assignee_id=None, handler=Handler.bot)

    assert (updated.assignee_id, updated.handler) == (None, Handler.bot)
    assert hub.recorded.events == [
        ConversationUpdated(
            updated, {"assignee_id": (agent.id, None), "handler": (Handler.human, Handler.bot)}
        )
    ]


async def test_handing_back_to_the_bot_is_refused_where_no_flow_answers(hub, setup):
    _, agent, admin, conv = setup
    hub.recorded.clear()
    with pytest.raises(Invalid, match="no bot flow answers"):
        await update_conversation(hub, admin, conv.id, handler=Handler.bot)
    assert (await hub.store.conversations.get(conv.id)).handler is Handler.human
    assert hub.recorded.events == []


async def test_no_op_change_publishes_nothing(hub, setup):
    sales, agent, admin, conv = setup
    await update_conversation(hub, admin, conv.id, assignee_id=agent.id, department_id=sales.id)
    before = await hub.store.conversations.get(conv.id)
    hub.recorded.clear()

    same = await update_conversation(
        hub,
        admin,
        conv.id,
        status=ConversationStatus.open,
        assignee_id=agent.id,
        department_id=sales.id,
        handler=Handler.human,
    )

    assert same == before
    assert await hub.store.conversations.get(conv.id) == before
    assert hub.recorded.events == []


async def test_assignee_must_be_active_staff(hub, setup):
    _, agent, admin, conv = setup
    partner = await make_user(hub, Role.partner)
    gone = await update_user(hub, (await make_user(hub)).id, active=False)
    hub.recorded.clear()

    for assignee_id in (partner.id, gone.id, "000000000000000000000000"):
        with pytest.raises(Invalid):
            await update_conversation(
                hub, admin, conv.id, assignee_id=assignee_id, status=ConversationStatus.pending
            )

    assert await hub.store.conversations.get(conv.id) == conv
    assert hub.recorded.events == []


async def test_department_must_exist(hub, setup):
    _, _, admin, conv = setup

    with pytest.raises(Invalid):
        await update_conversation(hub, admin, conv.id, department_id="000000000000000000000000")

    assert await hub.store.conversations.get(conv.id) == conv
    assert hub.recorded.events == []


async def test_unknown_conversation(hub, setup):
    _, _, admin, _ = setup
    with pytest.raises(NotFound):
        await update_conversation(hub, admin, "000000000000000000000000", status=ConversationStatus.resolved)
    with pytest.raises(NotFound):
        await mark_read(hub, admin, "000000000000000000000000")
    assert hub.recorded.events == []


async def test_mark_read(hub, setup):
    _, agent, _, conv = setup
    await receive(hub, tg(100))
    hub.recorded.clear()

    read = await mark_read(hub, agent, conv.id)

    assert read.unread == 0
    stored = await hub.store.conversations.get(conv.id)
    assert stored.inbound_count == 2  # the shared count stays: only the agent's read marker moved
    assert await hub.store.reads.counts(agent.id, [conv.id]) == {conv.id: 2}
    assert hub.recorded.events == [ConversationRead(read, agent.id)]
