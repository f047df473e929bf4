"""Who may do what, through the actions: a refused action stores nothing and publishes nothing."""

from __future__ import annotations

import pytest
from core_helpers import FakeSender, make_department, make_user, receive, tg

from hub.actions.clients import get_client, merge_clients, update_client
from hub.actions.conversations import mark_read, update_conversation
from hub.actions.messages import add_note, send_reply
from hub.actions.staff import update_user
from hub.domain import ConversationStatus, Role
from hub.errors import Forbidden, NotFound
from hub.events import ClientsMerged, ClientUpdated, ConversationUpdated, EntryAdded


@pytest.fixture
async def org(hub):
    """Departments A and B, an agent in each, an admin, a partner, and a conversation routed to B (its Telegram
    channel connected: a reply to an unconnected channel is refused before any permission matters)."""
    hub.channels.register(FakeSender("telegram"))
    a = await make_department(hub, "A")
    b = await make_department(hub, "B")
    agent_a = await make_user(hub, departments=[a])
    agent_b = await make_user(hub, departments=[b])
    admin = await make_user(hub, Role.admin)
    partner = await make_user(hub, Role.partner)
    conv_id = (await receive(hub, tg(100))).entry.conversation_id
    conv_b = await update_conversation(hub, None, conv_id, department_id=b.id)
    hub.recorded.clear()
    return type(
        "Org", (), dict(a=a, b=b, agent_a=agent_a, agent_b=agent_b, admin=admin, partner=partner, conv=conv_b)
    )


async def snapshot(hub, conv):
    return (
        await hub.store.conversations.get(conv.id),
        await hub.store.timeline.page(conv.client_id),
        await hub.store.clients.get(conv.client_id),
    )


async def test_agent_cannot_work_another_departments_conversation(hub, org):
    before = await snapshot(hub, org.conv)
    attempts = [
        update_conversation(hub, org.agent_a, org.conv.id, status=ConversationStatus.resolved),
        update_conversation(hub, org.agent_a, org.conv.id, department_id=org.a.id),
        update_conversation(hub, org.agent_a, org.conv.id, assignee_id=org.agent_a.id),
        send_reply(hub, org.agent_a, org.conv.id, "let me help"),
        add_note(hub, org.agent_a, text="@admin look", conversation_id=org.conv.id),
        mark_read(hub, org.agent_a, org.conv.id),
    ]
    for attempt in attempts:
        # hidden looks exactly like missing
        with pytest.raises(NotFound):
            await attempt

    assert await snapshot(hub, org.conv) == before
    assert hub.recorded.events == []


async def test_agent_of_the_department_can_work_it(hub, org):
    entry = await send_reply(hub, org.agent_b, org.conv.id, "hello from B")
    updated = await update_conversation(hub, org.agent_b, org.conv.id, status=ConversationStatus.pending)

    assert entry.author.id == org.agent_b.id
    assert updated.status is ConversationStatus.pending
    # the reply, the change, and its system entry ("set it pending")
    assert [type(e) for e in hub.recorded.events] == [EntryAdded, ConversationUpdated, EntryAdded]


async def test_agent_can_work_unrouted_conversations(hub, org):
    conv_id = (await receive(hub, tg(200))).entry.conversation_id
    hub.recorded.clear()

    entry = await send_reply(hub, org.agent_a, conv_id, "hi")
    note = await add_note(hub, org.agent_a, text="checked", conversation_id=conv_id)

    assert {e.id for e in await hub.store.timeline.conversation_page(conv_id)} >= {note.id, entry.id}
    conv = await hub.store.conversations.get(conv_id)
    assert hub.recorded.events == [
        EntryAdded(entry, conv),
        EntryAdded(note, conv),
    ]


async def test_agent_can_work_a_conversation_assigned_to_them_in_another_department(hub, org):
    await update_conversation(hub, org.admin, org.conv.id, assignee_id=org.agent_a.id)
    hub.recorded.clear()

    entry = await send_reply(hub, org.agent_a, org.conv.id, "it is mine now")
    resolved = await update_conversation(hub, org.agent_a, org.conv.id, status=ConversationStatus.resolved)

    assert entry.conversation_id == org.conv.id
    assert resolved.status is ConversationStatus.resolved
    assert resolved.department_id == org.b.id
    # unassigned again, it is out of reach
    await update_conversation(hub, org.admin, org.conv.id, assignee_id=None)
    with pytest.raises(NotFound):
        await send_reply(hub, org.agent_a, org.conv.id, "still mine?")


async def test_deactivated_agent_can_do_nothing(hub, org):
    inactive = await update_user(hub, org.agent_b.id, active=False)
    hub.recorded.clear()
    before = await snapshot(hub, org.conv)

    with pytest.raises(NotFound):
        await send_reply(hub, inactive, org.conv.id, "hi")
    with pytest.raises(NotFound):
        await update_conversation(hub, inactive, org.conv.id, status=ConversationStatus.resolved)
    with pytest.raises(NotFound):
        await update_client(hub, inactive, org.conv.client_id, name="x")

    assert await snapshot(hub, org.conv) == before
    assert hub.recorded.events == []


async def test_admin_can_do_everything(hub, org):
    other = (await receive(hub, tg(200))).entry.client_id
    hub.recorded.clear()

    await send_reply(hub, org.admin, org.conv.id, "admin here")
    await add_note(hub, org.admin, text="noted", conversation_id=org.conv.id)
    await update_conversation(hub, org.admin, org.conv.id, department_id=org.a.id, assignee_id=org.agent_a.id)
    await update_client(hub, org.admin, org.conv.client_id, name="Renamed", partner_ids=[org.partner.id])
    await merge_clients(hub, org.admin, org.conv.client_id, other)

    assert [type(e).__name__ for e in hub.recorded.events] == [
        "EntryAdded",  # the reply (marking it read is the admin's own read marker: no event)
        "EntryAdded",
        "ConversationUpdated",
        "EntryAdded",  # the system entries of a person's change: assigned ...
        "EntryAdded",  # ... and re-routed
        "ClientUpdated",
        "ClientsMerged",
    ]


async def test_agent_cannot_share_clients_with_partners(hub, org):
    before = await hub.store.clients.get(org.conv.client_id)

    with pytest.raises(Forbidden):
        await update_client(hub, org.agent_b, org.conv.client_id, name="New", partner_ids=[org.partner.id])

    assert await hub.store.clients.get(org.conv.client_id) == before
    assert hub.recorded.events == []


async def test_partner_sees_only_shared_clients_and_changes_nothing(hub, org):
    shared_id = org.conv.client_id
    other_id = (await receive(hub, tg(200))).entry.client_id
    await update_client(hub, org.admin, shared_id, partner_ids=[org.partner.id])
    hub.recorded.clear()

    assert (await get_client(hub, org.partner, shared_id)).id == shared_id
    with pytest.raises(NotFound):
        await get_client(hub, org.partner, other_id)

    before = await snapshot(hub, org.conv)
    with pytest.raises(Forbidden):
        await update_client(hub, org.partner, shared_id, name="Partner edit")
    with pytest.raises(NotFound):
        await update_client(hub, org.partner, other_id, name="Partner edit")
    with pytest.raises(Forbidden):
        await send_reply(hub, org.partner, org.conv.id, "hi")
    with pytest.raises(Forbidden):
        await update_conversation(hub, org.partner, org.conv.id, status=ConversationStatus.resolved)
    with pytest.raises(Forbidden):
        await merge_clients(hub, org.partner, shared_id, other_id)

    assert await snapshot(hub, org.conv) == before
    assert await hub.store.clients.get(other_id) is not None
    assert hub.recorded.of(ClientUpdated) == hub.recorded.of(ClientsMerged) == []
    assert hub.recorded.events == []


async def test_nobody_locks_the_hub_out_of_its_last_admin(hub, org):
    from hub.errors import Conflict

    with pytest.raises(Conflict):
        await update_user(hub, org.admin.id, actor=org.admin, active=False)
    with pytest.raises(Conflict):
        await update_user(hub, org.admin.id, actor=org.admin, role=Role.agent)
    with pytest.raises(Conflict):  # the system (CLI) cannot remove the last admin either
        await update_user(hub, org.admin.id, active=False)
    assert (await hub.store.users.get(org.admin.id)).active


async def test_only_admins_manage_departments(hub, org):
    from hub.actions.staff import create_department, rename_department

    with pytest.raises(Forbidden):
        await create_department(hub, "Secret", actor=org.agent_a)
    with pytest.raises(Forbidden):
        await rename_department(hub, org.a.id, "Mine", actor=org.agent_a)
    assert (await create_department(hub, "Returns", actor=org.admin)).name == "Returns"
