"""The demo's canned replies: shared ones in Russian and English, each agent getting their department's, and the
demo's messages found by the inbox search in both languages."""

from __future__ import annotations

from support import make_settings

from hub.api.http import HUB_KEY
from hub.app import create_app
from hub.demo import seed_demo
from hub.queries import canned as canned_queries
from hub.queries import search as search_queries


async def test_demo_canned_replies_render_for_a_demo_conversation(store, tmp_path):
    app = await create_app(make_settings(tmp_path), store=store)
    hub = app[HUB_KEY]
    assert await seed_demo(hub)
    boris = await store.users.get_by_email("boris@example.com")  # Support
    anna = await store.users.get_by_email("anna@example.com")  # Sales
    by_boris = {r.title: r for r in await canned_queries.usable(hub, boris)}
    assert set(by_boris) == {"Приветствие", "Greeting", "Сроки доставки"}
    assert {r.title for r in await canned_queries.usable(hub, anna)} == {
        "Приветствие",
        "Greeting",
        "Invoice sent",
    }
    assert {r.language.value for r in await canned_queries.usable(hub, anna, language="en")} == {"en"}

    hits = (await search_queries.search(hub, boris, "доставк")).entries + (
        await search_queries.search(hub, boris, "order")
    ).entries
    assert hits, "the demo's timelines are searchable"
    conversation = next(h.conversation for h in hits if h.conversation is not None)
    text = await canned_queries.render(hub, boris, by_boris["Приветствие"].id, conversation.id)
    assert text.startswith("Здравствуйте, ") and text.endswith("Меня зовут Boris, чем могу помочь?")
    assert "{{" not in text
