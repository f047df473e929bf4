"""The demo with the shipped config/sla.yaml: clocks on its conversations, one breached (its notice sent at
start-up) and one about to be (its warning sent)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from support import make_settings

from hub.api.http import HUB_KEY
from hub.app import SLA_TIMERS_KEY, create_app
from hub.demo import seed_demo
from hub.domain import ConversationStatus
from hub.queries import sla as sla_queries
from hub.store.port import ConversationQuery


async def test_the_demo_shows_running_breached_and_warned_clocks(store, tmp_path):
    app = await create_app(make_settings(tmp_path, sla_file=Path("config/sla.yaml")), store=store)
    hub = app[HUB_KEY]
    assert await seed_demo(hub)
    conversations = await store.conversations.query(ConversationQuery(limit=100))
    admin = await store.users.get_by_email("admin@example.com")
    shown = await sla_queries.of_conversations(hub, admin, conversations)
    clocks = [s for s in shown.values() if s is not None]
    assert len(clocks) >= 5  # the policies apply to most of the demo's conversations
    breached = [s for s in clocks if "first_response" in s["breached"]]
    assert [s["policy"] for s in breached] == ["Urgent"]
    now = hub.clock()

    def due_soon(s) -> bool:
        due = s["first_response_due_at"]
        return due is not None and now < datetime.fromisoformat(due) < now + timedelta(
            minutes=s["warning_minutes"]
        )

    soon = [s for s in clocks if not s["breached"] and due_soon(s)]
    assert len(soon) == 1 and soon[0]["policy"] == "Urgent"
    resolved = [c for c in conversations if c.status is ConversationStatus.resolved]
    assert resolved and [shown[c.id] for c in resolved if shown[c.id] is not None]  # John's: a policy applies
    for c in resolved:  # nothing runs on a resolved conversation, its first response not given included
        assert shown[c.id] is None or (
            shown[c.id]["first_response_due_at"],
            shown[c.id]["resolution_due_at"],
        ) == (
            None,
            None,
        ), c.subject
    assert await app[SLA_TIMERS_KEY].run_due() == 2  # the breach notice and the warning, at start-up
    supervisor = await store.users.get_by_email("supervisor@example.com")
    kinds = {n.kind for n in await store.notifications.page(supervisor.id, limit=100)}
    assert {"sla_breach", "sla_warning"} <= kinds
