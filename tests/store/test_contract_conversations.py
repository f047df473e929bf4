"""Store contract: ConversationRepo (hub.store.port)."""

from __future__ import annotations

import asyncio

from store_factories import T0, at, conversation, ids

from hub.domain import ConversationStatus, Handler
from hub.store.port import ConversationQuery, Cursor, Scope


def sort_key(c):
    return (c.last_message_at or c.created_at, c.id)


def cursor_of(c):
    return Cursor(c.last_message_at or c.created_at, c.id)


async def make(store, client_id="c1", **kw):
    conv, created = await store.conversations.get_or_create(conversation(client_id, **kw))
    assert created
    return conv


async def query(store, **kw):
    return await store.conversations.query(ConversationQuery(**kw))


# --- get_or_create / get ------------------------------------------------------------------------------------------


async def test_get_or_create_creates_once(store):
    proposal = conversation("c1", "telegram", "chat-1", subject="first")
    conv, created = await store.conversations.get_or_create(proposal)
    assert created is True
    assert conv == proposal
    again, created = await store.conversations.get_or_create(
        conversation("c1", "telegram", "chat-1", subject="second", status=ConversationStatus.pending)
    )
    assert created is False
    assert again == proposal
    assert await store.conversations.get(proposal.id) == proposal


async def test_get_or_create_same_proposal_twice_creates_once(store):
    # a retried call with the very same proposal (same id) did not create anything the second time
    proposal = conversation("c1", "telegram", "retry")
    assert (await store.conversations.get_or_create(proposal))[1] is True
    conv, created = await store.conversations.get_or_create(proposal)
    assert conv == proposal
    assert created is False


async def test_get_or_create_distinguishes_the_triple(store):
    base = await make(store, "c1", channel="telegram", thread_key="t")
    other_thread, c1 = await store.conversations.get_or_create(conversation("c1", "telegram", "t2"))
    other_channel, c2 = await store.conversations.get_or_create(conversation("c1", "email", "t"))
    other_client, c3 = await store.conversations.get_or_create(conversation("c2", "telegram", "t"))
    assert (c1, c2, c3) == (True, True, True)
    assert len({base.id, other_thread.id, other_channel.id, other_client.id}) == 4


async def test_concurrent_get_or_create_makes_one_conversation(store):
    proposals = [conversation("c1", "telegram", "same-thread", subject=f"p{i}") for i in range(50)]
    results = await asyncio.gather(*(store.conversations.get_or_create(p) for p in proposals))
    assert len({conv.id for conv, _ in results}) == 1
    assert sum(1 for _, created in results if created) == 1
    [winner] = [conv for conv, created in results if created]
    assert winner.id in {p.id for p in proposals}
    assert all(conv == winner for conv, _ in results)
    assert await store.conversations.get(winner.id) == winner
    assert ids(await query(store)) == [winner.id]


async def test_get_round_trips_every_field(store):
    proposal = conversation(
        "c1",
        "email",
        "<msg@x>",
        status=ConversationStatus.snoozed,
        assignee_id="u1",
        department_id="d1",
        handler=Handler.bot,
        subject="Счёт",
        unread=3,
        last_message_at=at(5),
        last_message_preview="превью",
        created_at=at(1),
        updated_at=at(5),
    )
    await store.conversations.get_or_create(proposal)
    got = await store.conversations.get(proposal.id)
    assert got == proposal
    for value in (got.created_at, got.updated_at, got.last_message_at):
        assert value.tzinfo is not None and value.utcoffset().total_seconds() == 0


async def test_get_missing_is_none(store):
    await make(store)
    assert await store.conversations.get("000000000000000000000000") is None


# --- update -------------------------------------------------------------------------------------------------------


async def test_update_sets_fields_and_returns_updated(store):
    conv = await make(store, subject="old", unread=4)
    updated = await store.conversations.update(
        conv.id,
        {
            "status": ConversationStatus.pending,
            "assignee_id": "u7",
            "department_id": "d2",
            "handler": Handler.bot,
            "subject": "new",
            "unread": 0,
            "updated_at": at(30),
        },
    )
    assert updated is not None
    assert updated.status == ConversationStatus.pending
    assert updated.assignee_id == "u7"
    assert updated.department_id == "d2"
    assert updated.handler == Handler.bot
    assert updated.subject == "new"
    assert updated.unread == 0
    assert updated.updated_at == at(30)
    assert (updated.client_id, updated.channel, updated.thread_key) == (
        conv.client_id,
        conv.channel,
        conv.thread_key,
    )
    assert updated.created_at == conv.created_at
    assert await store.conversations.get(conv.id) == updated


async def test_update_only_given_fields(store):
    conv = await make(store, assignee_id="u1", department_id="d1", subject="keep")
    updated = await store.conversations.update(conv.id, {"status": ConversationStatus.resolved})
    assert updated == conv.model_copy(update={"status": ConversationStatus.resolved})


async def test_update_can_unassign(store):
    conv = await make(store, assignee_id="u1", department_id="d1")
    updated = await store.conversations.update(conv.id, {"assignee_id": None, "department_id": None})
    assert updated.assignee_id is None and updated.department_id is None
    assert ids(await query(store, unassigned=True)) == [conv.id]


async def test_update_missing_is_none(store):
    assert await store.conversations.update("000000000000000000000000", {"subject": "x"}) is None


# --- touch --------------------------------------------------------------------------------------------------------


async def test_touch_records_message(store):
    conv = await make(store)
    got = await store.conversations.touch(conv.id, at=at(10), preview="Привет", inbound=True, reopen=False)
    assert got is not None
    assert got.last_message_at == at(10)
    assert got.last_message_preview == "Привет"
    assert got.unread == 1
    assert got.updated_at >= at(10) > conv.updated_at
    assert await store.conversations.get(conv.id) == got


async def test_touch_unread_counts_only_inbound(store):
    conv = await make(store)
    await store.conversations.touch(conv.id, at=at(1), preview="a", inbound=True, reopen=False)
    await store.conversations.touch(conv.id, at=at(2), preview="b", inbound=True, reopen=False)
    got = await store.conversations.touch(conv.id, at=at(3), preview="reply", inbound=False, reopen=False)
    assert got.unread == 2
    assert got.last_message_preview == "reply"
    assert (await store.conversations.get(conv.id)).unread == 2


async def test_touch_concurrent_inbound_counts_every_message(store):
    conv = await make(store)
    await asyncio.gather(
        *(
            store.conversations.touch(conv.id, at=at(i), preview=str(i), inbound=True, reopen=True)
            for i in range(20)
        )
    )
    got = await store.conversations.get(conv.id)
    assert got.unread == 20
    assert got.last_message_at == at(19)


async def test_touch_last_message_at_never_goes_backwards(store):
    conv = await make(store)
    await store.conversations.touch(conv.id, at=at(20), preview="new", inbound=True, reopen=False)
    got = await store.conversations.touch(conv.id, at=at(5), preview="late", inbound=True, reopen=False)
    assert got.last_message_at == at(20)
    assert got.unread == 2
    assert (await store.conversations.get(conv.id)).last_message_at == at(20)


async def test_touch_older_message_keeps_newer_preview(store):
    # not spelled out by the port docstring ("preview" only); both adapters keep the preview of the newest message
    conv = await make(store)
    await store.conversations.touch(conv.id, at=at(20), preview="newest", inbound=True, reopen=False)
    got = await store.conversations.touch(conv.id, at=at(5), preview="late older", inbound=True, reopen=False)
    assert got.last_message_preview == "newest"
    got = await store.conversations.touch(
        conv.id, at=at(20), preview="same instant", inbound=False, reopen=False
    )
    assert got.last_message_preview == "same instant"


async def test_touch_reopen_resolved_and_snoozed(store):
    resolved = await make(store, status=ConversationStatus.resolved)
    snoozed = await make(store, status=ConversationStatus.snoozed)
    got = await store.conversations.touch(resolved.id, at=at(1), preview="x", inbound=True, reopen=True)
    assert got.status == ConversationStatus.open
    got = await store.conversations.touch(snoozed.id, at=at(1), preview="x", inbound=True, reopen=True)
    assert got.status == ConversationStatus.open
    assert (await store.conversations.get(resolved.id)).status == ConversationStatus.open


async def test_touch_reopen_answers_pending(store):
    # pending waits for the customer: their message puts the ball back in the agents' court
    pending = await make(store, status=ConversationStatus.pending)
    got = await store.conversations.touch(pending.id, at=at(1), preview="x", inbound=True, reopen=True)
    assert got.status == ConversationStatus.open


async def test_touch_without_reopen_keeps_status(store):
    resolved = await make(store, status=ConversationStatus.resolved)
    snoozed = await make(store, status=ConversationStatus.snoozed)
    got = await store.conversations.touch(resolved.id, at=at(1), preview="x", inbound=False, reopen=False)
    assert got.status == ConversationStatus.resolved
    got = await store.conversations.touch(snoozed.id, at=at(1), preview="x", inbound=True, reopen=False)
    assert got.status == ConversationStatus.snoozed


async def test_touch_missing_is_none(store):
    assert (
        await store.conversations.touch(
            "000000000000000000000000", at=at(1), preview="x", inbound=True, reopen=True
        )
        is None
    )


# --- query: filters and scope -------------------------------------------------------------------------------------


async def _population(store):
    """Five conversations with distinct attributes, newest last: a, b, c, d, e -> query order e, d, c, b, a."""
    a = await make(store, "c1", department_id="d1", assignee_id="u1", created_at=at(1))
    b = await make(store, "c2", department_id="d1", created_at=at(2), status=ConversationStatus.resolved)
    c = await make(store, "c3", department_id="d2", assignee_id="u2", created_at=at(3))
    d = await make(store, "c1", assignee_id="u2", created_at=at(4), status=ConversationStatus.pending)
    e = await make(store, "c4", created_at=at(5))
    return a, b, c, d, e


async def test_query_everything_newest_first(store):
    a, b, c, d, e = await _population(store)
    assert ids(await query(store)) == [e.id, d.id, c.id, b.id, a.id]


async def test_query_filters(store):
    a, b, c, d, e = await _population(store)
    assert ids(await query(store, status=ConversationStatus.open)) == [e.id, c.id, a.id]
    assert ids(await query(store, status=ConversationStatus.resolved)) == [b.id]
    assert ids(await query(store, assignee_id="u2")) == [d.id, c.id]
    assert ids(await query(store, unassigned=True)) == [e.id, b.id]
    assert ids(await query(store, department_id="d1")) == [b.id, a.id]
    assert ids(await query(store, client_id="c1")) == [d.id, a.id]
    assert ids(await query(store, client_id="c1", assignee_id="u1")) == [a.id]
    assert ids(await query(store, department_id="d1", unassigned=True)) == [b.id]
    assert await query(store, status=ConversationStatus.snoozed) == []
    assert await query(store, client_id="nobody") == []


async def test_query_by_handler(store):
    """The inbox's Bot tab: conversations the bot still handles; Unassigned leaves them out."""
    a = await make(store, "c1", handler=Handler.bot, created_at=at(1))
    b = await make(store, "c2", created_at=at(2))
    c = await make(store, "c3", handler=Handler.bot, department_id="d1", created_at=at(3))
    d = await make(store, "c4", handler=Handler.bot, assignee_id="u1", created_at=at(4))
    assert ids(await query(store, handler=Handler.bot)) == [d.id, c.id, a.id]
    assert ids(await query(store, handler=Handler.human)) == [b.id]
    assert ids(await query(store, unassigned=True, handler=Handler.human)) == [b.id]
    assert ids(await query(store, unassigned=True, handler=Handler.bot)) == [c.id, a.id]
    scoped = await query(store, handler=Handler.bot, scope=Scope(department_ids=("d1",), user_id="u1"))
    assert ids(scoped) == [d.id, c.id]
    await store.conversations.update(c.id, {"handler": Handler.human})
    assert ids(await query(store, handler=Handler.bot)) == [d.id, a.id]
    assert ids(await query(store, unassigned=True, handler=Handler.human)) == [c.id, b.id]


async def test_query_scope_any_condition(store):
    a, b, c, d, e = await _population(store)
    assert ids(await query(store, scope=Scope(department_ids=("d1",)))) == [b.id, a.id]
    assert ids(await query(store, scope=Scope(department_ids=("d1", "d2")))) == [c.id, b.id, a.id]
    assert ids(await query(store, scope=Scope(user_id="u2"))) == [d.id, c.id]
    assert ids(await query(store, scope=Scope(unrouted=True))) == [e.id, d.id]
    assert ids(await query(store, scope=Scope(client_ids=("c1",)))) == [d.id, a.id]
    assert ids(await query(store, scope=Scope(department_ids=("d2",), user_id="u1"))) == [c.id, a.id]
    assert ids(await query(store, scope=Scope(department_ids=("d1",), unrouted=True))) == [
        e.id,
        d.id,
        b.id,
        a.id,
    ]
    assert ids(await query(store, scope=Scope(client_ids=("c4",), user_id="u1"))) == [e.id, a.id]


async def test_query_empty_scope_sees_nothing(store):
    await _population(store)
    assert await query(store, scope=Scope()) == []
    assert await query(store, scope=Scope(department_ids=("nope",), user_id="nobody")) == []


async def test_query_scope_and_filters_combine(store):
    a, b, c, d, e = await _population(store)
    scope = Scope(department_ids=("d1",), unrouted=True)
    assert ids(await query(store, scope=scope, status=ConversationStatus.open)) == [e.id, a.id]
    assert ids(await query(store, scope=scope, unassigned=True)) == [e.id, b.id]
    assert ids(await query(store, scope=Scope(user_id="u2"), client_id="c3")) == [c.id]


async def test_query_limit(store):
    a, b, c, d, e = await _population(store)
    assert ids(await query(store, limit=2)) == [e.id, d.id]


# --- query: ordering and pages ------------------------------------------------------------------------------------


async def test_query_orders_by_last_message_then_created(store):
    old_busy = await make(store, created_at=at(1))
    quiet = await make(store, created_at=at(50))
    new_busy = await make(store, created_at=at(60))
    await store.conversations.touch(old_busy.id, at=at(100), preview="x", inbound=True, reopen=True)
    await store.conversations.touch(new_busy.id, at=at(70), preview="x", inbound=True, reopen=True)
    assert ids(await query(store)) == [old_busy.id, new_busy.id, quiet.id]
    await store.conversations.touch(new_busy.id, at=at(200), preview="x", inbound=True, reopen=True)
    assert ids(await query(store)) == [new_busy.id, old_busy.id, quiet.id]


async def test_query_pages_with_cursor_cover_everything_once(store):
    convs = []
    # 11 conversations; several share last_message_at, and a quiet one's created_at equals some of them
    for i in range(11):
        conv = await make(store, created_at=at(100) if i == 9 else at(i))
        if i % 3 != 0:
            await store.conversations.touch(
                conv.id, at=at(100 + i // 4), preview=str(i), inbound=True, reopen=True
            )
        convs.append(await store.conversations.get(conv.id))
    expected = [c.id for c in sorted(convs, key=sort_key, reverse=True)]
    assert ids(await query(store)) == expected

    seen: list[str] = []
    before = None
    pages = 0
    while True:
        page = await query(store, before=before, limit=4)
        pages += 1
        assert len(page) <= 4
        if not page:
            break
        seen.extend(ids(page))
        before = cursor_of(page[-1])
        assert pages < 10
    assert seen == expected
    assert pages == 4  # 4 + 4 + 3, then an empty page


async def test_query_pages_all_equal_timestamps(store):
    convs = [await make(store, created_at=T0) for _ in range(7)]
    expected = sorted(ids(convs), reverse=True)
    assert ids(await query(store)) == expected
    first = await query(store, limit=3)
    second = await query(store, limit=3, before=cursor_of(first[-1]))
    third = await query(store, limit=3, before=cursor_of(second[-1]))
    assert ids(first) + ids(second) + ids(third) == expected


async def test_query_pages_with_filters(store):
    mine = []
    for i in range(6):
        mine.append(await make(store, "c1", assignee_id="u1", created_at=at(i)))
        await make(store, "c2", assignee_id="u2", created_at=at(i))
    first = await query(store, assignee_id="u1", limit=4)
    rest = await query(store, assignee_id="u1", limit=4, before=cursor_of(first[-1]))
    assert ids(first) + ids(rest) == [c.id for c in reversed(mine)]


async def test_query_cursor_survives_encoding(store):
    convs = [await make(store, created_at=at(i)) for i in range(4)]
    first = await query(store, limit=2)
    token = cursor_of(first[-1]).encode()
    rest = await query(store, limit=2, before=Cursor.decode(token))
    assert ids(first) + ids(rest) == [c.id for c in reversed(convs)]


# --- reassign_client ----------------------------------------------------------------------------------------------


async def test_reassign_client_moves_conversations(store):
    a1 = await make(store, "ca", thread_key="t1")
    a2 = await make(store, "ca", thread_key="t2")
    b = await make(store, "cb", thread_key="t3")
    await store.conversations.reassign_client("ca", "cc")
    assert sorted(ids(await query(store, client_id="cc"))) == sorted([a1.id, a2.id])
    assert await query(store, client_id="ca") == []
    assert (await store.conversations.get(a1.id)).client_id == "cc"
    assert (await store.conversations.get(b.id)).client_id == "cb"
    # the moved conversation is now found under its new triple
    got, created = await store.conversations.get_or_create(conversation("cc", "telegram", "t1"))
    assert (got.id, created) == (a1.id, False)


async def test_reassign_client_with_colliding_thread_leaves_nothing_behind(store):
    # merging clients: both had a conversation on the same (channel, thread_key). The port does not say what happens;
    # a user expects no conversation to stay with the merged-away client (it is deleted after the merge).
    kept = await make(store, "cb", thread_key="shared")
    moved = await make(store, "ca", thread_key="shared")
    other = await make(store, "ca", thread_key="own")
    await store.conversations.reassign_client("ca", "cb")
    assert await query(store, client_id="ca") == []
    assert sorted(ids(await query(store, client_id="cb"))) == sorted([kept.id, moved.id, other.id])
    got, created = await store.conversations.get_or_create(conversation("cb", "telegram", "shared"))
    assert (got.id, created) == (kept.id, False)


async def test_bot_state_round_trips_and_is_replaced_by_update(store):
    conv = await make(store, bot_state={"flow": "default", "state": "greeting", "vars": {"name": "Иван"}})
    assert (await store.conversations.get(conv.id)).bot_state["vars"] == {"name": "Иван"}
    updated = await store.conversations.update(conv.id, {"bot_state": {"state": "ask_email", "retries": 2}})
    assert updated.bot_state == {"state": "ask_email", "retries": 2}
    assert (await store.conversations.get(conv.id)).bot_state == {"state": "ask_email", "retries": 2}
