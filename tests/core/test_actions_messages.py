"""Action tests for hub.actions.messages: replies, internal notes and @mentions."""

from __future__ import annotations

import pytest
from core_helpers import FakeSender, make_department, make_user, receive, tg

from hub.actions.clients import update_client
from hub.actions.delivery import deliver
from hub.actions.messages import add_note, send_reply
from hub.domain import Author, AuthorType, DeliveryStatus, Direction, EntryKind, Role
from hub.errors import Invalid, NotFound
from hub.events import EntryAdded, UserMentioned
from hub.store.port import ConversationQuery


async def conversation_with_inbound(hub, n: int = 1):
    result = None
    for _ in range(n):
        result = await receive(hub, tg(100), text="question?")
    return await hub.store.conversations.get(result.entry.conversation_id)


# --- send_reply ---------------------------------------------------------------------------------------------------


async def test_agent_reply_is_queued_published_and_marks_read(hub):
    hub.channels.register(
        FakeSender("telegram")
    )  # connected (unconnected: tests/api/test_reply_not_connected.py)
    agent = await make_user(hub)
    conv = await conversation_with_inbound(hub, 2)
    assert conv.unread == 2
    hub.recorded.clear()

    entry = await send_reply(hub, agent, conv.id, "  We are on it  ")

    assert entry.kind is EntryKind.message
    assert entry.direction is Direction.outbound
    assert entry.channel == "telegram"
    assert entry.client_id == conv.client_id
    assert entry.conversation_id == conv.id
    assert entry.author == Author(type=AuthorType.user, id=agent.id, name=agent.name)
    assert entry.text == "We are on it"
    assert entry.delivery.status is DeliveryStatus.queued
    assert entry.delivery.attempts == 0
    assert await hub.store.timeline.get(entry.id) == entry

    after = await hub.store.conversations.get(conv.id)
    assert await hub.store.reads.counts(agent.id, [conv.id]) == {conv.id: 2}  # read, for the agent only
    assert after.last_message_preview == "We are on it"
    assert after.last_message_at == entry.occurred_at
    assert hub.recorded.events == [EntryAdded(entry, after)]


async def test_reply_to_read_conversation_publishes_only_the_entry(hub):
    hub.channels.register(
        FakeSender("telegram")
    )  # connected (unconnected: tests/api/test_reply_not_connected.py)
    agent = await make_user(hub)
    conv = await conversation_with_inbound(hub)
    await send_reply(hub, agent, conv.id, "first")
    hub.recorded.clear()

    entry = await send_reply(hub, agent, conv.id, "second")

    after = await hub.store.conversations.get(conv.id)
    assert hub.recorded.events == [EntryAdded(entry, after)]


async def test_bot_reply_does_not_mark_read(hub):
    conv = await conversation_with_inbound(hub)
    hub.recorded.clear()
    bot = Author(type=AuthorType.bot, id="faq", name="FAQ bot")

    entry = await send_reply(hub, None, conv.id, "Our hours are 9-18", author=bot)

    assert entry.author == bot
    after = await hub.store.conversations.get(conv.id)
    assert after.unread == 1
    assert hub.recorded.events == [EntryAdded(entry, after)]


@pytest.mark.parametrize("text", ["", "   ", "x" * 10_001])
async def test_invalid_reply_stores_and_publishes_nothing(hub, text):
    agent = await make_user(hub)
    conv = await conversation_with_inbound(hub)
    hub.recorded.clear()

    with pytest.raises(Invalid):
        await send_reply(hub, agent, conv.id, text)

    assert len(await hub.store.timeline.conversation_page(conv.id)) == 1
    assert (await hub.store.conversations.get(conv.id)).unread == 1
    assert hub.recorded.events == []


async def test_reply_to_unknown_conversation(hub):
    agent = await make_user(hub)
    hub.recorded.clear()
    with pytest.raises(NotFound):
        await send_reply(hub, agent, "000000000000000000000000", "hi")
    assert hub.recorded.events == []


# --- notes and mentions -------------------------------------------------------------------------------------------


async def test_note_mentions_notify_the_mentioned_user_only(hub):
    author = await make_user(hub, email="agent1@example.com", name="Agent One")
    agent2 = await make_user(hub, email="agent2@example.com", name="Agent Two")
    await make_user(hub, email="agent3@example.com", name="Agent Three")
    conv = await conversation_with_inbound(hub)
    hub.recorded.clear()

    note = await add_note(hub, author, text="@agent2 please look (cc @agent1)", conversation_id=conv.id)

    assert note.kind is EntryKind.note
    assert note.direction is Direction.internal
    assert note.delivery is None
    assert note.mentions == [agent2.id]
    assert note.author.id == author.id
    assert await hub.store.timeline.get(note.id) == note
    # a note is not a message: the conversation's preview and unread stay
    assert await hub.store.conversations.get(conv.id) == conv
    assert hub.recorded.events == [EntryAdded(note, conv), UserMentioned(agent2, note, conv)]


async def test_department_mention_notifies_every_member(hub):
    sales = await make_department(hub, "Sales")
    support = await make_department(hub, "Support")
    author = await make_user(hub, departments=[sales])
    s1 = await make_user(hub, departments=[sales])
    s2 = await make_user(hub, departments=[sales, support])
    await make_user(hub, departments=[support])
    conv = await conversation_with_inbound(hub)
    hub.recorded.clear()

    note = await add_note(hub, author, text="@sales who takes this one?", conversation_id=conv.id)

    assert sorted(note.mentions) == sorted([s1.id, s2.id])
    assert sorted(e.user.id for e in hub.recorded.of(UserMentioned)) == sorted([s1.id, s2.id])
    assert all(e.entry == note for e in hub.recorded.of(UserMentioned))


async def test_mention_by_name_handle_and_unknown_handles(hub):
    author = await make_user(hub)
    ivan = await make_user(hub, name="Иван Петров", email="ip@example.com")
    conv = await conversation_with_inbound(hub)
    hub.recorded.clear()

    note = await add_note(
        hub, author, text="@иван-петров see mail@example.com and @nobody", conversation_id=conv.id
    )

    assert note.mentions == [ivan.id]
    assert [e.user.id for e in hub.recorded.of(UserMentioned)] == [ivan.id]


async def test_note_is_never_handed_to_a_channel_sender(hub):
    sender = FakeSender("telegram")
    hub.channels.register(sender)
    agent = await make_user(hub)
    conv = await conversation_with_inbound(hub)

    note = await add_note(hub, agent, text="internal: VIP customer", conversation_id=conv.id)

    assert await deliver(hub, note.id) is None
    assert sender.sent == []
    assert (await hub.store.timeline.get(note.id)).delivery is None
    assert note.id not in [e.id for e in await hub.store.timeline.due_deliveries(now=hub.clock())]


async def test_note_on_a_client_timeline(hub):
    agent = await make_user(hub)
    client_id = (await receive(hub, tg(100))).entry.client_id
    hub.recorded.clear()

    note = await add_note(hub, agent, text="called, no answer", client_id=client_id)

    assert (note.conversation_id, note.channel, note.client_id) == (None, "internal", client_id)
    assert note.id in [e.id for e in await hub.store.timeline.page(client_id)]
    assert hub.recorded.events == [EntryAdded(note, None)]


async def test_note_needs_a_target_and_text(hub):
    agent = await make_user(hub)
    conv = await conversation_with_inbound(hub)
    hub.recorded.clear()
    with pytest.raises(Invalid):
        await add_note(hub, agent, text="orphan")
    with pytest.raises(Invalid):
        await add_note(hub, agent, text="  ", conversation_id=conv.id)
    with pytest.raises(NotFound):
        await add_note(hub, agent, text="x", client_id="000000000000000000000000")
    assert len(await hub.store.timeline.page(conv.client_id)) == 1
    assert hub.recorded.events == []


async def test_partner_note_is_shared_and_only_on_shared_clients(hub):
    admin = await make_user(hub, Role.admin)
    partner = await make_user(hub, Role.partner)
    shared = (await receive(hub, tg(100))).entry.client_id
    other = (await receive(hub, tg(200))).entry.client_id
    await update_client(hub, admin, shared, partner_ids=[partner.id])
    hub.recorded.clear()

    with pytest.raises(NotFound):
        await add_note(hub, partner, text="hello", client_id=other, shared_with_partners=True)
    assert hub.recorded.events == []

    note = await add_note(
        hub, partner, text="delivered the parts", client_id=shared, shared_with_partners=True
    )
    assert note.meta == {"shared_with_partners": True}
    assert hub.recorded.events == [EntryAdded(note, None)]


async def test_partner_is_told_only_of_notes_they_may_read(hub):
    admin = await make_user(hub, Role.admin)
    partner = await make_user(hub, Role.partner, email="acme@example.com")
    agent = await make_user(hub, email="bob@example.com")
    shared = (await receive(hub, tg(100))).entry.client_id
    not_shared = (await receive(hub, tg(200))).entry.client_id
    await update_client(hub, admin, shared, partner_ids=[partner.id])
    conv = await hub.store.conversations.query(ConversationQuery(client_id=shared))
    hub.recorded.clear()

    internal = await add_note(hub, admin, text="@acme @bob margin is 40%", client_id=shared)
    elsewhere = await add_note(hub, admin, text="@acme ping", client_id=not_shared, shared_with_partners=True)
    in_conversation = await add_note(hub, admin, text="@acme ping", conversation_id=conv[0].id)
    visible = await add_note(
        hub, admin, text="@acme the parts are late", client_id=shared, shared_with_partners=True
    )

    assert [(e.user.id, e.entry.id) for e in hub.recorded.of(UserMentioned)] == [
        (agent.id, internal.id),
        (partner.id, visible.id),
    ]
    # a note names only those who may read it: its mentions feed the bell (GET /api/v1/notifications)
    assert elsewhere.mentions == in_conversation.mentions == []
