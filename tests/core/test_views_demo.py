"""The demo's saved views: shared with everyone and with Support, each with a count that is the reader's own
(what they may open), never more than what an admin counts."""

from __future__ import annotations

from support import make_settings

from hub.api.http import HUB_KEY
from hub.app import create_app
from hub.demo import seed_demo
from hub.queries import conversations as conversation_queries
from hub.queries import views as view_queries


async def test_the_demo_views_are_shared_and_counted_per_reader(store, tmp_path):
    app = await create_app(make_settings(tmp_path), store=store)
    hub = app[HUB_KEY]
    assert await seed_demo(hub)
    admin = await store.users.get_by_email("admin@example.com")
    boris = await store.users.get_by_email("boris@example.com")  # Support
    anna = await store.users.get_by_email("anna@example.com")  # Sales
    names = {v.name: v for v in await view_queries.visible(hub, boris)}
    assert set(names) == {"Telegram, open", "Urgent", "SLA breached", "Support: unassigned"}
    assert {v.name for v in await view_queries.visible(hub, anna)} == {
        "Telegram, open",
        "Urgent",
        "SLA breached",
    }

    everything = await view_queries.counts(hub, admin)
    assert everything[names["Telegram, open"].id] >= 1, "the demo has an open Telegram chat"
    assert everything[names["Urgent"].id] >= 2, "and urgent ones"
    for reader in (boris, anna):
        mine = await view_queries.counts(hub, reader)
        for view_id, count in mine.items():
            assert count <= everything[view_id]
            # the count is the length of the reader's own list with the view's filters
            filters = conversation_queries.InboxFilter.of(
                reader, (await view_queries.get(hub, reader, view_id)).filters
            )
            page = await conversation_queries.inbox(hub, reader, filters, limit=200)
            assert count == len(page.items)
