"""The demo shows snoozing: Maria's web chat conversation is snoozed until tomorrow 9:00 Moscow time (it wakes by
itself then), Acme's waits for the customer (pending), each with its system entry."""

from __future__ import annotations

from datetime import timedelta

from support import make_settings

from hub.api.http import HUB_KEY
from hub.app import SNOOZE_TIMERS_KEY, create_app
from hub.demo import seed_demo
from hub.domain import ConversationStatus, EntryKind
from hub.store.port import ConversationQuery


async def test_the_demo_has_a_snoozed_and_a_pending_conversation(store, tmp_path):
    app = await create_app(make_settings(tmp_path), store=store)
    hub = app[HUB_KEY]
    assert await seed_demo(hub)
    now = hub.clock()
    [snoozed] = await store.conversations.query(ConversationQuery(status=ConversationStatus.snoozed))
    assert now < snoozed.snoozed_until <= now + timedelta(days=1, hours=6)
    assert (snoozed.snoozed_until.hour, snoozed.snoozed_until.minute) == (6, 0)  # 09:00 in Moscow
    [pending] = await store.conversations.query(ConversationQuery(status=ConversationStatus.pending))
    for conversation, code in ((snoozed, "snoozed"), (pending, "pending")):
        entries = await store.timeline.conversation_page(conversation.id, limit=50)
        assert code in [e.meta.get("code") for e in entries if e.kind is EntryKind.system]
    timer = app[SNOOZE_TIMERS_KEY]
    assert await timer.run_due() == 0  # not yet
    hub.clock = lambda: snoozed.snoozed_until
    assert await timer.run_due() == 1
    assert (await store.conversations.get(snoozed.id)).status is ConversationStatus.open
